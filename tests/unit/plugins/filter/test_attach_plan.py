# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the drweb.cluster.attach_plan filter (the database role's per-node attach decision)."""

from __future__ import annotations

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.drweb.cluster.plugins.filter.attach_plan import FilterModule, attach_plan

DATABASE = 'drwcs@db1:5432/drwcs'
STATUS_EMPTY = dict(tables=0, empty=True, initialised=False, schema_expected=522, stations={})
STATUS_READY = dict(tables=8, empty=False, initialised=True, schema_version=522, schema_expected=522, schema_matches=True,
                    stations={'id-2': 1})


def server(stations=0, server_id='id-2', salt='s1', version='13.00.0', installed=True):
    return dict(installed=installed, version=version, server_id=server_id, passwd_salt_sha256=salt,
                own_data=dict(stations=stations, source='embedded database /var/opt/drwcs/database.sqlite'))


def node(host='node2', **overrides):
    values = dict(host=host, server=server(), status=STATUS_READY, primary='node1', primary_server=server(server_id='id-1'),
                  database=DATABASE, allow_data_loss=False, pending=True, versions={'node1': '13.00.0', 'node2': '13.00.0'},
                  unreadable=[], play_hosts=['node1', 'node2'], check_mode=False)
    values.update(overrides)
    return values


def test_the_filter_is_registered():
    assert FilterModule().filters()['attach_plan'] is attach_plan


def test_a_node_with_a_pending_section_switches():
    plan = attach_plan(node())
    assert plan == dict(action='switch', switch=True, stations=0, lost=0, problems=[], acts=True)


def test_a_node_already_on_the_database_does_nothing():
    assert attach_plan(node(pending=False))['action'] == 'none'


@pytest.mark.parametrize('stations, action', [(0, 'initdb'), (4, 'import')])
def test_the_primary_initialises_an_empty_database(stations, action):
    plan = attach_plan(node(host='node1', server=server(stations=stations, server_id='id-1'), status=STATUS_EMPTY))
    assert plan['action'] == action and plan['switch'] and plan['problems'] == []


def test_an_empty_database_waits_for_the_primary():
    plan = attach_plan(node(status=STATUS_EMPTY, play_hosts=['node2']))
    assert 'the primary node1 initialises it and must be attached first' in plan['problems'][0]


def test_stations_the_common_database_lacks_are_refused_unless_allowed():
    plan = attach_plan(node(server=server(stations=3)))
    assert plan['lost'] == 2 and 'would lose 2 station(s) on node2' in plan['problems'][0]
    assert 'Add node2 to drweb_allow_data_loss' in plan['problems'][0]
    assert attach_plan(node(server=server(stations=3), allow_data_loss=True))['problems'] == []


def test_uncountable_stations_are_refused_unless_allowed():
    plan = attach_plan(node(server=server(stations=None)))
    assert 'cannot tell whether its own database holds stations' in plan['problems'][0]


def test_databases_that_cannot_be_used_are_named():
    foreign = dict(tables=3, empty=False, initialised=False)
    assert 'no Dr.Web Server schema' in attach_plan(node(status=foreign))['problems'][0]
    older = dict(STATUS_READY, schema_version=473, schema_matches=False, schema_release='12.00.0')
    assert 'has schema version 473 (Dr.Web Server 12.00.0)' in attach_plan(node(status=older))['problems'][0]
    failed = dict(msg='cannot connect to the common database')
    assert attach_plan(node(status=failed))['problems'] == ['node2: cannot connect to the common database']


def test_versions_salts_and_unreadable_members_are_problems():
    plan = attach_plan(node(versions={'node1': '13.00.0', 'node2': '13.00.1'},
                            primary_server=server(salt='other'), unreadable=[dict(item='node3', msg='unreachable')]))
    text = ' | '.join(plan['problems'])
    assert 'node3: its Server facts cannot be read (unreachable)' in text
    assert 'the Servers run different versions (node1 13.00.0, node2 13.00.1)' in text
    assert "its passwd-salt is not the primary node1's" in text


def test_a_node_not_installed_is_predicted_in_check_mode_and_refused_otherwise():
    absent = server(installed=False)
    assert attach_plan(node(server=absent, check_mode=True))['action'] == 'install'
    assert 'no Dr.Web Server is installed' in attach_plan(node(server=absent))['problems'][0]


# --- acts: whether anything follows the plan on the node (a converged cluster: nothing) -----------------------------

def test_a_converged_node_whose_read_still_holds_does_not_act():
    plan = attach_plan(node(pending=False, read_current=True))
    assert plan['action'] == 'none' and plan['acts'] is False


def test_a_node_acts_when_switched_or_when_its_server_is_not_known_to_run():
    assert attach_plan(node(read_current=True))['acts'] is True                  # switched
    assert attach_plan(node(pending=False))['acts'] is True                      # not read in this run: started if stopped
    assert attach_plan(node(pending=False, read_current=False))['acts'] is True


def test_every_node_acts_while_the_primary_initialises_the_empty_database():
    # a node whose section is already the common database's reads the database again after the initialisation
    plan = attach_plan(node(status=STATUS_EMPTY, pending=False, read_current=True))
    assert plan['action'] == 'none' and plan['acts'] is True
    primary = attach_plan(node(host='node1', server=server(server_id='id-1'), status=STATUS_EMPTY, read_current=True))
    assert primary['action'] == 'initdb' and primary['acts'] is True


def test_a_node_not_installed_acts_only_when_planned_in_check_mode():
    absent = server(installed=False)
    assert attach_plan(node(server=absent, check_mode=True, pending=False))['acts'] is False


def test_the_input_must_be_a_dictionary():
    with pytest.raises(AnsibleFilterError):
        attach_plan(['node2'])


# what the attach entry point hands over where nothing can change: database_status' comparison, and the config role's
# prediction only where the section is not the same
def from_reads(**overrides):
    values = node(**overrides)
    del values['pending']
    return values


@pytest.mark.parametrize('section, predicted, action', [
    (dict(same=True, differences=[], problem=None), None, 'none'),
    # a prediction left from an earlier include does not count where the section is the same
    (dict(same=True, differences=[], problem=None), dict(changed_elements=['/drwcsd/database']), 'none'),
    (dict(same=False, differences=['password'], problem=None), dict(changed_elements=['/drwcsd/database']), 'switch'),
    # the comparison is stricter than the merge: where the merge changes nothing, nothing is switched
    (dict(same=False, differences=['<database> holds nothing, not one <pgsql>'], problem=None), dict(changed_elements=[]), 'none'),
    (dict(same=False, differences=[], problem='cannot read drwcsd.conf'), dict(changed_elements=['/drwcsd/database']), 'switch'),
    (None, dict(changed_elements=['/drwcsd/database']), 'switch'),
    (None, None, 'none'),
])
def test_the_section_comparison_then_the_prediction_decide_the_switch(section, predicted, action):
    assert attach_plan(from_reads(section=section, predicted=predicted))['action'] == action


def test_pending_given_wins_over_the_reads():
    assert attach_plan(node(pending=False, section=dict(same=False), predicted=dict(changed_elements=['x'])))['action'] == 'none'
    assert attach_plan(node(pending=True, section=dict(same=True)))['action'] == 'switch'


def test_members_read_gives_the_unreadable_members():
    members_read = dict(results=[
        dict(item='node3', failed=True, msg='drwcsd.conf is not readable'),
        dict(item='node4', unreachable=True, msg='Failed to connect to the host via ssh'),
        dict(item='node5', changed=False, ansible_facts={}),
        dict(item='node6', skipped=True),
    ])
    values = node(members_read=members_read)
    del values['unreadable']
    problems = attach_plan(values)['problems']
    assert problems == [
        'node3: its Server facts cannot be read (drwcsd.conf is not readable), so its version cannot be checked against the '
        'common database',
        'node4: its Server facts cannot be read (Failed to connect to the host via ssh), so its version cannot be checked '
        'against the common database']
    skipped = node(members_read=dict(skipped=True, results=[]))
    del skipped['unreadable']
    assert attach_plan(skipped)['problems'] == []
    assert attach_plan(dict(skipped, members_read={}))['problems'] == []
