# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of drweb.cluster.license_use: which Server is restarted for the licence key, and what the run says."""

from __future__ import annotations

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.drweb.cluster.plugins.filter import license_use as filter_module
from ansible_collections.drweb.cluster.plugins.filter.license_use import license_use

KEY = dict(number='0123456789', user='Lab Ltd', expires='2027-12-31')
DATABASE = 'drweb@10.213.0.20:5432/drwcs'


def decide(present_before=True, in_use=True, after=None, check_mode=False, initdb_host='', key=None):
    facts = dict(added=dict(present_before=present_before, key=dict(KEY if key is None else key)),
                 use=dict(in_use=in_use), check_mode=check_mode, initdb_host=initdb_host, license_host='node1',
                 database=DATABASE)
    if after is not None:
        facts['after'] = after
    return license_use(facts)


def test_the_filter_is_registered():
    assert filter_module.FilterModule().filters() == {'license_use': license_use}


def test_a_converged_cluster_restarts_nothing_and_reports_the_key_used():
    decided = decide()
    assert decided['restart'] is False
    assert decided['summary'] == ('licence key 0123456789 (Lab Ltd, expires 2027-12-31) is already in the common '
                                  'database %s, through node1' % DATABASE)
    assert decided['report'] == dict(number='0123456789', expires='2027-12-31', host='node1', initdb=False, used=True)


def test_a_server_that_does_not_list_the_key_is_restarted_and_its_later_answer_is_reported():
    assert decide(in_use=False)['restart'] is True
    assert decide(in_use=False)['report']['used'] is False          # before the restart, no answer yet
    assert decide(in_use=False, after=dict(in_use=True))['report']['used'] is True
    assert decide(in_use=False, after=dict(in_use=False))['report']['used'] is False
    assert decide(in_use=False, after=dict(skipped=True))['report']['used'] is False


def test_check_mode_reports_the_first_answer_and_says_would_be_added():
    decided = decide(present_before=False, in_use=False, check_mode=True)
    assert decided['restart'] is True
    assert decided['report']['used'] is False
    assert 'would be added to the common database %s, through node1' % DATABASE in decided['summary']
    assert 'was added to' in decide(present_before=False, in_use=False)['summary']


def test_without_the_admin_password_every_server_restarts_only_when_the_key_was_added_now():
    assert decide(present_before=False, in_use=None)['restart'] is True
    assert decide(present_before=True, in_use=None)['restart'] is False
    assert decide(present_before=True, in_use=None)['report']['used'] is None


def test_a_key_loaded_by_initdb_names_that_server_and_nothing_added():
    decided = decide(initdb_host='node2')
    assert decided['summary'].endswith('was loaded into the common database %s by drwcsd initdb on node2 in this run '
                                       '(nothing to add)' % DATABASE)
    assert decided['report']['host'] == 'node2'
    assert decided['report']['initdb'] is True


def test_a_key_without_user_or_expiry():
    decided = decide(key=dict(number='1', user=None, expires=None))
    assert decided['summary'].startswith('licence key 1 (no user name, expires never) ')
    assert decided['report']['expires'] == 'never'


@pytest.mark.parametrize('facts', [None, [], dict(use={})])
def test_an_input_without_the_added_result_is_refused(facts):
    with pytest.raises(AnsibleFilterError, match='license_use: the input must be a mapping'):
        license_use(facts)


def refusal(added, use, adder):
    return license_use(dict(added=added, use=use, adder=adder, host='node2', key_path='/keys/agent.key',
                            license_host='node1', database=DATABASE))['problems']


def test_an_answer_that_was_given_goes_on():
    assert decide()['problems'] == []
    added = dict(present_before=True, key=KEY, in_use=True)
    assert refusal(added, added, True) == []
    assert refusal(added, dict(in_use=None), False) == []       # no administrator password: not asked, not refused


def test_a_failed_addition_is_refused_by_the_host_that_made_it_naming_the_variable():
    failed = dict(failed=True, msg='Connection refused (check drweb_db_host / drweb_db_port)')
    assert refusal(failed, failed, True) == [
        "drweb_license_key '/keys/agent.key' was not added on node1 (common database %s): Connection refused (check "
        "drweb_db_host / drweb_db_port)" % DATABASE]
    assert refusal(dict(failed=True), dict(failed=True), True)[0].endswith('): failed')
    # the other hosts are refused only for their own answer
    assert refusal(failed, dict(in_use=True), False) == []


def test_a_server_that_could_not_be_asked_is_refused_naming_the_variable():
    assert refusal(dict(present_before=True), dict(failed=True, msg='timed out'), False) == [
        "node2: cannot tell whether the Server uses drweb_license_key '/keys/agent.key': timed out"]
    assert refusal(dict(present_before=True), dict(in_use=False, web_api_error='HTTP 401'), False) == [
        "node2: cannot tell whether the Server uses drweb_license_key '/keys/agent.key': HTTP 401"]
