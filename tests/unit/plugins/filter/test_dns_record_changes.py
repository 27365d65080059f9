# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of drweb.cluster.dns_record_changes (one read of every record type -> refusals, updates, --diff lines),
drweb.cluster.dns_update_problems (the refused updates in words) and drweb.cluster.dns_resolution (a Server's answer
judged, with the table of missing and extra addresses)."""

from __future__ import annotations

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.drweb.cluster.plugins.filter import dns_record_changes as changes_module
from ansible_collections.drweb.cluster.plugins.filter import dns_resolution as resolution_module
from ansible_collections.drweb.cluster.plugins.filter import dns_update_problems as update_module
from ansible_collections.drweb.cluster.plugins.filter.dns_record_changes import dns_record_changes
from ansible_collections.drweb.cluster.plugins.filter.dns_resolution import dns_resolution
from ansible_collections.drweb.cluster.plugins.filter.dns_update_problems import dns_update_problems

SERVERS = ['10.213.0.11', '10.213.0.12', '10.213.0.13']
NAME = 'esuite.drweb.test'
SRV_NAME = '_drwcs._tcp.drweb.test'
SRV_VALUE = '0 0 2193 esuite.drweb.test.'


def dig(kind='A', records=(), status='NOERROR', rc=0, ttl=60):
    lines = [';; ->>HEADER<<- opcode: QUERY, status: %s, id: 4242' % status, ';; ANSWER SECTION:']
    owner = SRV_NAME if kind == 'SRV' else NAME
    lines += ['%s.\t%s\tIN\t%s\t%s' % (owner, ttl, kind, value) for value in records]
    return {'__drweb_dns_type': kind, 'rc': rc, 'stdout': '\n'.join(lines), 'stderr': '', 'changed': False}


def decide(*reads, addresses=None):
    return dns_record_changes(dict(
        reads=dict(results=list(reads)), addresses=addresses or dict(A=SERVERS, AAAA=[]), ttl=60, name=NAME,
        srv_name=SRV_NAME, srv_value=SRV_VALUE, zone='drweb.test', server='10.213.0.2', port='53', update_host='dns1'))


def test_the_filters_are_registered():
    assert changes_module.FilterModule().filters() == {'dns_record_changes': dns_record_changes}
    assert update_module.FilterModule().filters() == {'dns_update_problems': dns_update_problems}
    assert resolution_module.FilterModule().filters() == {'dns_resolution': dns_resolution}


def test_a_converged_name_needs_no_update_and_shows_no_diff():
    found = decide(dig('A', SERVERS), dig('SRV', [SRV_VALUE]))
    assert found['problems'] == [] and found['pending'] == [] and found['updates'] == [] and found['diff'] == []


def test_a_skipped_read_is_nothing_to_do():
    assert decide({'__drweb_dns_type': 'A', 'skipped': True})['pending'] == []
    assert dns_record_changes(dict(reads={'skipped': True}, addresses={}, ttl=60, name=NAME))['updates'] == []


def test_a_stray_address_is_removed_and_the_diff_shows_each_address():
    found = decide(dig('A', SERVERS + ['10.213.0.99']))
    assert found['pending'] == ['A']
    assert found['updates'] == [dict(type='A', record=NAME + '.', value=SERVERS, state='present')]
    assert found['diff'] == ['--- esuite.drweb.test. A at 10.213.0.2:53, TTL 60', '+++ esuite.drweb.test. A at 10.213.0.2:53, TTL 60',
                             ' 10.213.0.11', ' 10.213.0.12', ' 10.213.0.13', '-10.213.0.99']


def test_no_record_yet_and_a_type_without_servers():
    found = decide(dig('A', []), dig('AAAA', ['fd00::99']))
    assert found['pending'] == ['A', 'AAAA']
    assert found['updates'][1] == dict(type='AAAA', record=NAME + '.', value=[], state='absent')
    assert found['diff'][0] == '--- esuite.drweb.test. A at 10.213.0.2:53, TTL - (no record)'
    assert '+10.213.0.11' in found['diff'] and '-fd00::99' in found['diff']


def test_a_wrong_srv_record_is_replaced_by_exactly_one():
    found = decide(dig('A', SERVERS), dig('SRV', ['0 0 2194 node1.drweb.test.']))
    assert found['pending'] == ['SRV']
    assert found['updates'] == [dict(type='SRV', record=SRV_NAME + '.', value=[SRV_VALUE], state='present')]
    assert found['diff'] == ['SRV %s:' % SRV_NAME, '-60 IN SRV 0 0 2194 node1.drweb.test.', '+60 IN SRV ' + SRV_VALUE]


def test_every_problem_refuses_before_any_update():
    found = decide(dig('A', status='REFUSED'), dig('SRV', rc=9))
    assert len(found['problems']) == 2
    assert 'answered REFUSED' in found['problems'][0]
    assert found['problems'][1].startswith('Cannot read the SRV record %s at 10.213.0.2:53 from dns1: dig failed (rc 9)' % SRV_NAME)


def test_bad_input_is_an_error():
    with pytest.raises(AnsibleFilterError):
        dns_record_changes({'reads': None})
    with pytest.raises(AnsibleFilterError):
        decide(dig('MX'))


NAMES = dict(name=NAME, zone='drweb.test', server='10.213.0.2', port='53', key_name='drweb-update', algorithm='hmac-sha256',
             update_host='dns1')


def test_accepted_updates_have_no_problem():
    assert dns_update_problems(dict(NAMES, results={'skipped': True, 'results': []})) == []
    assert dns_update_problems(dict(NAMES, results={'results': [{'item': {'type': 'A'}, 'changed': True}]})) == []


def test_a_refused_signature_says_what_to_check_and_never_the_secret():
    failed = {'item': {'type': 'A', 'record': NAME + '.'}, 'msg': 'TSIG error with server: tsig verify failure',
              'dns_rc_str': 'NOTAUTH'}
    assert dns_update_problems(dict(NAMES, results={'results': [failed]})) == [
        'The update of esuite.drweb.test at 10.213.0.2:53 (zone drweb.test, TSIG key drweb-update, hmac-sha256) sent from '
        'dns1 failed: TSIG error with server: tsig verify failure (NOTAUTH) The DNS server refused the TSIG signature: check '
        'drweb_dns_tsig_key_secret (and drweb_dns_tsig_key_name, drweb_dns_tsig_key_algorithm) against the key the DNS '
        'server has for drweb.test.']


def test_a_failed_srv_update_names_the_owner_and_the_zone_rule():
    failed = {'item': {'type': 'SRV', 'record': '_drwcs._tcp.example.com.'}, 'msg': 'Zone not found', 'dns_rc_str': 'NOTZONE'}
    assert dns_update_problems(dict(NAMES, results={'results': [failed]})) == [
        'The update of the SRV record _drwcs._tcp.example.com at 10.213.0.2:53 (zone drweb.test) failed: Zone not found '
        '(NOTZONE) (drweb_dns_srv_name must lie in drweb_dns_zone)']
    with pytest.raises(AnsibleFilterError):
        dns_update_problems({'results': None})


RECORDS = {'A': dict(zip(['node1', 'node2', 'node3'], SERVERS)), 'AAAA': {}, 'addresses': {'A': SERVERS, 'AAAA': []},
           'types': ['A']}


def judge(*answers, manage=True):
    return dns_resolution(dict(resolved={'results': list(answers)}, records=RECORDS, host='node2', name=NAME,
                               server='10.213.0.2', port='53', manage=manage, srv_name=SRV_NAME, srv_value=SRV_VALUE))


def test_the_exact_set_resolves_and_says_so():
    assert judge(dig('A', SERVERS), dig('SRV', [SRV_VALUE])) == dict(problems=[], lines=[
        "esuite.drweb.test resolves at 10.213.0.2 to exactly the Servers' addresses: 10.213.0.11, 10.213.0.12, 10.213.0.13",
        '%s SRV %s' % (SRV_NAME, SRV_VALUE)])


def test_a_type_skipped_in_check_mode_is_not_judged():
    assert judge({'__drweb_dns_type': 'A', 'skipped': True}) == dict(problems=[], lines=[])


def test_the_table_names_missing_and_extra_addresses_and_where_dns_is_managed():
    found = judge(dig('A', SERVERS[:2] + ['10.213.0.99']), manage=False)
    table = found['problems'][0].splitlines()
    assert table[0] == ("esuite.drweb.test (A) at 10.213.0.2:53, asked from node2 (status NOERROR), does not resolve to "
                        "exactly the Servers' addresses:")
    assert table[1].split() == ['address', 'Server', 'in', 'DNS']
    assert table[4].split() == ['10.213.0.13', 'node3', 'NO', '<-', 'missing']
    assert table[5].split()[:3] == ['10.213.0.99', '-', 'yes'] and table[5].endswith('<- extra: not a Server')
    assert table[6:8] == ['missing: 10.213.0.13', 'extra: 10.213.0.99']
    assert table[8].startswith('DNS is managed elsewhere (drweb_dns_manage is false): publish exactly one A record')


def test_a_failed_dig_and_a_wrong_srv_record_are_named():
    found = judge(dict(dig('A'), rc=9, stdout='', stderr='connection timed out'), dig('SRV', []))
    assert found['problems'][0].startswith('node2 cannot ask 10.213.0.2:53 for esuite.drweb.test: dig failed (rc 9)')
    assert found['problems'][1] == ('node2: the SRV record %s at 10.213.0.2 is absent, expected exactly %s (drweb_dns_srv, '
                                    'drweb_dns_srv_name, drweb_dns_srv_port).' % (SRV_NAME, SRV_VALUE))
    with pytest.raises(AnsibleFilterError):
        dns_resolution({'resolved': {}, 'records': None})


def test_a_refused_tsig_signature_of_the_read_refuses_the_run_once_saying_what_to_check():
    answer = ";; Couldn't verify signature: tsig indicates error\n;; ->>HEADER<<- opcode: QUERY, status: NOTAUTH, id: 17611"
    refused = dict(dig('A', status='NOTAUTH'), stdout=answer)
    found = dns_record_changes(dict(
        reads=dict(results=[refused, dict(refused, __drweb_dns_type='SRV')]), addresses=dict(A=SERVERS), ttl=60, name=NAME,
        srv_name=SRV_NAME, srv_value=SRV_VALUE, zone='drweb.test', server='10.213.0.2', port='53', update_host='dns1',
        key_name='drweb-update', algorithm='hmac-sha256'))
    assert found['pending'] == [] and found['updates'] == []
    assert found['problems'] == [
        "The update of esuite.drweb.test at 10.213.0.2:53 (zone drweb.test, TSIG key drweb-update, hmac-sha256) sent from "
        "dns1 failed: the DNS server did not accept the signed read of the records (Couldn't verify signature) The DNS "
        "server refused the TSIG signature: check drweb_dns_tsig_key_secret (and drweb_dns_tsig_key_name, "
        "drweb_dns_tsig_key_algorithm) against the key the DNS server has for drweb.test."]
