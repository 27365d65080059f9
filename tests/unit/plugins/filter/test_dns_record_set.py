# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of drweb.cluster.dns_record_set: dig's answer read as an administrator would, and whether to update."""

from __future__ import annotations

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.drweb.cluster.plugins.filter import dns_record_set as set_module
from ansible_collections.drweb.cluster.plugins.filter.dns_record_set import dns_record_set

SERVERS = ['10.213.0.11', '10.213.0.12', '10.213.0.13']
NAME = 'esuite.drweb.test'


def dig(status='NOERROR', records=(), kind='A', extra=''):
    lines = [';; ->>HEADER<<- opcode: QUERY, status: %s, id: 4242' % status, ';; ANSWER SECTION:']
    lines += ['%s.\t%s\tIN\t%s\t%s' % (NAME, ttl, kind, address) for ttl, address in records]
    return dict(rc=0, stdout='\n'.join(lines) + extra, stderr='')


def state(answer, addresses=None, kind='A', ttl=60):
    addresses = SERVERS if addresses is None else addresses
    return dns_record_set(dict(answer=answer, type=kind, addresses=list(addresses), ttl=ttl, name=NAME, zone='drweb.test',
                               server='10.213.0.2', port=53, update_host='node1'))


def test_the_filter_is_registered():
    assert set_module.FilterModule().filters() == {'dns_record_set': dns_record_set}


def test_the_exact_set_with_the_ttl_is_not_updated():
    found = state(dig(records=[(60, address) for address in reversed(SERVERS)]))
    assert found == dict(status='NOERROR', addresses=SERVERS, ttls=[60], cname=False, pending=False, problems=[])


@pytest.mark.parametrize('records', [
    [],                                                   # NXDOMAIN or no record yet
    [(60, '10.213.0.11'), (60, '10.213.0.12')],           # a Server missing
    [(60, address) for address in SERVERS + ['10.213.0.99']],   # a Server gone
    [(300, address) for address in SERVERS],              # another TTL
    [(60, '10.213.0.11'), (300, '10.213.0.12'), (60, '10.213.0.13')],   # one record with another TTL
])
def test_another_set_or_ttl_is_updated(records):
    assert state(dig(records=records))['pending'] is True


def test_no_server_and_no_record_is_nothing_to_do_and_records_to_remove_are():
    assert state(dig('NXDOMAIN'), addresses=[])['pending'] is False
    assert state(dig(records=[(60, '10.213.0.11')]), addresses=[])['pending'] is True


def test_only_the_records_of_the_type_are_read():
    answer = dig(records=[(60, address) for address in SERVERS])
    answer['stdout'] += '\n%s.\t60\tIN\tAAAA\tfd00::11' % NAME
    assert state(answer)['addresses'] == SERVERS
    assert state(answer, addresses=['fd00::11'], kind='AAAA')['pending'] is False


def test_dig_failing_is_named_with_its_output_and_nothing_else_is_judged():
    found = state(dict(rc=9, stdout=';; connection timed out; no servers could be reached', stderr='', msg='non-zero return code'))
    assert found['problems'] == [
        'Cannot ask 10.213.0.2:53 from node1 for esuite.drweb.test: dig failed (rc 9) non-zero return code ;; connection '
        'timed out; no servers could be reached  (dig is in bind9-dnsutils / bind-utils).']
    assert state(dict(msg='[Errno 2] No such file or directory: dig'))['problems'][0].startswith(
        'Cannot ask 10.213.0.2:53 from node1 for esuite.drweb.test: dig failed (rc -) [Errno 2]')


def test_a_server_not_authoritative_and_a_cname_are_named_together():
    found = state(dig('REFUSED', extra='\n%s.\t60\tIN\tCNAME\tother.drweb.test.' % NAME))
    assert found['status'] == 'REFUSED' and found['cname'] is True
    assert found['problems'] == [
        'The DNS server 10.213.0.2:53 answered REFUSED for esuite.drweb.test: is it the primary of zone drweb.test? '
        '(drweb_dns_server, drweb_dns_zone)',
        'esuite.drweb.test is a CNAME at 10.213.0.2: remove the CNAME, the cluster name needs its own A records (one '
        'per Server).']


def test_an_answer_without_a_status_is_none_and_refused():
    assert state(dict(rc=0, stdout=''))['status'] == 'NONE'
    assert 'answered NONE' in state(dict(rc=0, stdout=''))['problems'][0]


@pytest.mark.parametrize('data, match', [
    (None, 'expects a dictionary'),
    (dict(answer={}, type='MX', addresses=[], ttl=60), 'type must be A or AAAA'),
])
def test_bad_input_is_an_error(data, match):
    with pytest.raises(AnsibleFilterError, match=match):
        dns_record_set(data)
