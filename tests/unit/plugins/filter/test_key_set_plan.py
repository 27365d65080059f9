# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the drweb.cluster.key_set_plan filter: what the keys role makes, reads and writes."""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.drweb.cluster.plugins.filter.key_set_plan import FilterModule, key_set_plan

PRIMARY = {'private_key': 'p1', 'public_key': 'u1', 'certificate': 'c1'}
OTHER = {'private_key': 'p2', 'public_key': 'u2', 'certificate': 'c2'}
FILES = ['private_key', 'public_key', 'certificate']


def state(fingerprint=None, missing=()):
    fingerprint = dict(fingerprint or PRIMARY)
    for name in missing:
        fingerprint[name] = None
    found = dict((name, {'exists': fingerprint[name] is not None}) for name in FILES)
    found['fingerprint'] = fingerprint
    return found


MODES = {'private_key': '0600', 'public_key': '0644', 'certificate': '0644'}


def metadata(**changes):
    """A key_fingerprint result's per-file metadata: every file owned by drwcs with its mode, but for the changes."""
    found = dict((name, {'exists': True, 'owner': 'drwcs', 'group': 'drwcs', 'mode': MODES[name]}) for name in FILES)
    for name, values in changes.items():
        found[name] = dict(found[name], **values)
    return found


def plan(**changes):
    given = {'host': 'node2', 'primary': 'node1', 'source': 'generate', 'regenerate': False, 'check_mode': False,
             'primary_state': state(), 'made': False, 'whole_play_in_batch': True, 'batch': [PRIMARY, PRIMARY, PRIMARY],
             'current': PRIMARY, 'desired': None}
    given.update(changes)
    return key_set_plan(given)


def test_the_filter_is_registered():
    assert FilterModule().filters()['key_set_plan'] is key_set_plan


def test_a_converged_cluster_makes_reads_and_writes_nothing():
    assert plan() == {'make': False, 'made': False, 'pending': [], 'read': False, 'wanted': PRIMARY, 'to_write': [],
                      'to_fix': [], 'restart': False, 'act': False, 'reread': False, 'enter': False}
    assert plan(files=metadata(), owner='drwcs', group='drwcs', modes=MODES, restart_marker=False)['act'] is False
    assert plan(check_mode=True)['pending'] == []


def test_a_server_that_differs_gets_the_files_that_differ_from_the_set_read():
    found = plan(batch=[PRIMARY, dict(PRIMARY, certificate='c2')], current=dict(PRIMARY, certificate='c2'), desired=PRIMARY)
    assert found['read'] is True
    assert found['to_write'] == ['certificate']
    assert plan(current=OTHER, desired=PRIMARY)['to_write'] == FILES
    assert plan(current={'private_key': None, 'public_key': None, 'certificate': None}, desired=PRIMARY)['to_write'] == FILES


def test_the_set_is_read_for_a_later_batch_or_after_drwsign_made_a_file():
    assert plan(whole_play_in_batch=False)['read'] is True
    assert plan(primary_state=state(missing=['certificate']), made=True)['read'] is True
    # drwsign reported a change but nothing had to be made: not counted
    assert plan(made=True) == plan()


def test_drwsign_runs_for_a_missing_file_or_a_new_certificate_version():
    assert plan(primary_state=state(missing=['public_key']))['make'] is True
    assert plan(primary_state=state(missing=FILES))['make'] is True
    assert plan(regenerate=True)['make'] is True
    assert plan(regenerate=True, made=True)['made'] is True
    assert plan(source='provided', regenerate=True)['make'] is False


def test_check_mode_names_the_files_the_primary_would_get_new():
    assert plan(check_mode=True, primary_state=state(missing=FILES))['pending'] == FILES
    assert plan(check_mode=True, primary_state=state(missing=['public_key', 'certificate']))['pending'] == ['public_key', 'certificate']
    assert plan(check_mode=True, primary_state=state(missing=['public_key']))['pending'] == ['public_key']
    assert plan(check_mode=True, regenerate=True)['pending'] == ['certificate']
    assert plan(regenerate=True)['pending'] == []


def test_pending_files_are_written_everywhere_but_on_the_primary_and_nothing_is_read_yet():
    found = plan(check_mode=True, regenerate=True, made=True)
    assert found['read'] is False
    assert found['to_write'] == ['certificate']
    assert plan(host='node1', check_mode=True, regenerate=True, made=True)['to_write'] == []


def test_with_generate_nothing_is_written_on_the_primary():
    assert plan(host='node1', current=OTHER, desired=PRIMARY)['to_write'] == []


def test_provided_files_are_written_where_they_differ_also_on_the_primary():
    found = plan(source='provided', host='node1', primary_state=None, current=PRIMARY, desired=OTHER, batch=[])
    assert found == {'make': False, 'made': False, 'pending': [], 'read': False, 'wanted': OTHER, 'to_write': FILES,
                     'to_fix': [], 'restart': False, 'act': True, 'reread': True, 'enter': True}
    assert plan(source='provided', primary_state=None, current=OTHER, desired=OTHER)['to_write'] == []


def test_not_a_dictionary_is_an_error():
    with pytest.raises(AnsibleFilterError, match='key_set_plan expects a dictionary'):
        key_set_plan('node1')


def test_a_file_with_another_owner_group_or_mode_is_fixed_unless_it_is_written():
    settings = {'owner': 'drwcs', 'group': 'drwcs', 'modes': MODES}
    found = plan(files=metadata(private_key={'mode': '0644'}, certificate={'group': 'root'}), **settings)
    assert found['to_fix'] == ['private_key', 'certificate']
    assert found['act'] is True and found['to_write'] == [] and found['restart'] is False
    assert plan(files=metadata(public_key={'owner': 'root'}), **settings)['to_fix'] == ['public_key']
    # a file written in this run gets its owner and mode from the write
    written = plan(files=metadata(certificate={'mode': '0600'}), current=dict(PRIMARY, certificate='c2'),
                   desired=PRIMARY, **settings)
    assert written['to_write'] == ['certificate'] and written['to_fix'] == []
    # a file that does not exist (check mode, before drwsign) has nothing to fix
    assert plan(files=metadata(public_key={'exists': False, 'owner': None}), **settings)['to_fix'] == []


def test_a_restart_marker_or_a_file_made_on_the_primary_restarts_the_server():
    assert plan(restart_marker=True)['restart'] is True
    assert plan(restart_marker=True)['act'] is True
    made = {'primary_state': state(missing=['certificate']), 'made': True}
    assert plan(host='node1', **made)['restart'] is True
    assert plan(host='node2', **made)['restart'] is False
    assert plan(host='node1', primary_state=state(missing=['certificate']), made=False)['restart'] is False


def test_anything_written_makes_the_server_act():
    assert plan(current=OTHER, desired=PRIMARY)['act'] is True


def test_a_server_takes_part_in_the_acting_steps_only_when_the_run_has_something_to_do():
    # converged: no step at all; a provided set is always read into memory and checked
    assert plan()['enter'] is False
    assert plan(source='provided', primary_state=None, current=PRIMARY, desired=None, batch=[])['enter'] is True
    # drwsign on the primary, or the set read for another Server: every Server takes part (the plan changes after)
    assert plan(primary_state=state(missing=['certificate']))['enter'] is True
    assert plan(batch=[PRIMARY, OTHER])['enter'] is True
    assert plan(whole_play_in_batch=False)['enter'] is True
    # only this Server's own work
    assert plan(restart_marker=True)['enter'] is True


def test_the_files_are_fingerprinted_again_where_they_were_written_fixed_or_made():
    assert plan()['reread'] is False
    assert plan(restart_marker=True)['reread'] is False
    assert plan(current=OTHER, desired=PRIMARY)['reread'] is True
    settings = {'owner': 'drwcs', 'group': 'drwcs', 'modes': MODES}
    assert plan(files=metadata(private_key={'mode': '0644'}), **settings)['reread'] is True
    made = {'primary_state': state(missing=['certificate']), 'made': True}
    assert plan(host='node1', **made)['reread'] is True
    assert plan(host='node2', current=PRIMARY, desired=PRIMARY, **made)['reread'] is False
