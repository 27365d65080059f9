# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the drweb.cluster.drift_report filter (check.yml's drift report)."""

from __future__ import annotations

import calendar
import json
import pathlib

import jsonschema
import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.drweb.cluster.plugins.filter.check_metrics import check_metrics
from ansible_collections.drweb.cluster.plugins.filter.drift_report import FilterModule, drift_report

ROOT = pathlib.Path(__file__).resolve().parents[4]
SCHEMA = json.loads((ROOT / 'playbooks' / 'schemas' / 'check_report.schema.json').read_text())
NAME = 'esuite.drweb.test'
NODES = ['node1', 'node2', 'node3']
UUID = '87d44bfb-b816-47a3-bc84-ad8b0b4e3607'
PRINTS = dict(private_key='7b6d0e0a413345d4aa', public_key='1234567890abcdef11', certificate='fedcba0987654321ff')
REVISIONS = {'05-drwmeta': '20250201000000', '10-drwbases': '20250201000000'}
TASKS = ['Backup sensitive data', 'Purge Old Data', 'Purge old statistics', 'Purge unsent IS events', 'Purge old stations']
ITEMS = ['server', 'version', 'keys', 'dbuuid', 'drwcsd.conf', 'server address', 'database', 'repository', 'peers']
SKIPPED = dict(changed=False, skipped=True, skip_reason='Conditional result was False')


def dig(addresses, status='NOERROR', kind='A'):
    """A registered result of dig +noall +comments +answer."""
    lines = [';; ->>HEADER<<- opcode: QUERY, status: %s, id: 4242' % status, ';; flags: qr aa; QUERY: 1', '']
    lines += ['%s.\t300\tIN\t%s\t%s' % (NAME, kind, address) for address in addresses]
    return dict(changed=False, rc=0, stdout='\n'.join(lines) + '\n', stderr='')


def server(node, addresses):
    peers = [dict(id='id-' + other, name=other, address=addresses[other]) for other in addresses if other != node]
    return dict(installed=True, running=True, version='13.00.1', server_id='id-' + node,
                database=dict(mode='external', dbuuid=UUID), own_data=dict(source='database'),
                web_api=dict(peers=peers, keys=[dict(id='0110000001', expires=1893456000)]))


def cluster(addresses=None):
    """hostvars of a converged cluster as check.yml leaves them, and the first Server's registered results."""
    addresses = dict(zip(NODES, addresses or ['10.231.0.11', '10.231.0.12', '10.231.0.13']))
    hostvars = {}
    for node in NODES:
        facts = server(node, addresses)
        hostvars[node] = dict(
            ansible_host=addresses[node], ansible_facts=dict(drweb_server=facts),
            __drweb_check_facts=dict(changed=False, ansible_facts=dict(drweb_server=facts)),
            __drweb_check_keys=dict(changed=False, fingerprint=dict(PRINTS)),
            __drweb_check_repository=dict(changed=False, revisions=dict(REVISIONS), digests={}, products={}),
            __drweb_check_database=dict(changed=False, postgresql_version='15.8', dbuuid=UUID, schema_version=522,
                                        schema_matches=True),
            drweb_config_predict_result=dict(drift=[], server_address=NAME, expected_server_address=NAME),
            drweb_config_database_result=dict(changed=False, changed_elements=[]))
    arguments = dict(outside=dict(facts=SKIPPED, keys=SKIPPED, repository=SKIPPED),
                     dns=dig(addresses.values()), dns6=SKIPPED, cluster_name=NAME,
                     schedule=dict(changed=False, exclusive_tasks=list(TASKS),
                                   schedules={'id-' + node: dict((task, node == 'node1') for task in TASKS) for node in NODES}))
    return hostvars, arguments


def build(hostvars, arguments, checked=None, **changes):
    return drift_report(hostvars, list(NODES), list(checked or NODES), **dict(arguments, **changes))


def facts(hostvars, node):
    return hostvars[node]['ansible_facts']['drweb_server']


def item(report, node, name):
    return report['nodes'][node]['items'][name]


def limited(checked):
    """check.yml --limit: the members outside the run are read by delegation (loop results) and ran nothing else."""
    hostvars, arguments = cluster()
    outside = [node for node in NODES if node not in checked]
    arguments['outside'] = dict((kind, dict(changed=False, results=[dict(hostvars[node][name], item=node) for node in outside]))
                                for kind, name in (('facts', '__drweb_check_facts'), ('keys', '__drweb_check_keys'),
                                                   ('repository', '__drweb_check_repository')))
    for node in outside:
        for name in ('__drweb_check_facts', '__drweb_check_keys', '__drweb_check_repository', '__drweb_check_database',
                     'drweb_config_predict_result', 'drweb_config_database_result'):
            del hostvars[node][name]
    return hostvars, arguments


def with_verdict(report):
    verdict = check_metrics(report, calendar.timegm((2026, 12, 5, 12, 0, 0)), 1, 0, 0)
    return dict(report, status=verdict['status'], exit_code=verdict['exit_code'], warnings=verdict['warnings']), verdict


# --- the converged cluster

def test_the_filter_is_registered():
    assert FilterModule().filters()['drift_report'] is drift_report


def test_a_converged_cluster_has_no_drift_and_every_item_ok():
    report = build(*cluster())
    assert report['ok'] is True and report['drift'] == []
    for node in NODES:
        assert list(report['nodes'][node]['items']) == ITEMS
        assert all(entry['ok'] is True for entry in report['nodes'][node]['items'].values())
        assert report['nodes'][node]['readable'] is True and report['nodes'][node]['in_run'] is True
    assert report['dns']['ok'] is True and report['dns']['value'] == ['10.231.0.11', '10.231.0.12', '10.231.0.13']
    assert report['dns']['aaaa']['ok'] is None
    assert report['scheduler']['ok'] is True and report['scheduler']['value'] == ['node1']
    assert report['limited'] is False and report['checked'] == NODES and report['members'] == NODES


def test_a_converged_report_shows_what_was_read():
    report = build(*cluster())
    assert report['schema_version'] == 1 and report['cluster'] == NAME and report['primary'] == 'node1'
    assert item(report, 'node2', 'server')['value'] == 'running'
    assert item(report, 'node2', 'version') == dict(value='13.00.1', expected='13.00.1', ok=True)
    assert item(report, 'node2', 'keys')['value'] == item(report, 'node2', 'keys')['expected'] == '7b6d0e0a413345d4'
    assert item(report, 'node2', 'dbuuid')['value'] == UUID
    assert item(report, 'node2', 'drwcsd.conf')['value'] == 'as managed'
    assert item(report, 'node2', 'server address')['value'] == NAME
    assert item(report, 'node2', 'database')['value'] == 'attached, dbuuid %s, schema 522' % UUID
    assert item(report, 'node2', 'repository')['revisions'] == REVISIONS
    assert item(report, 'node2', 'peers') == dict(value='node1,node3', expected='node1,node3', ok=True, note='')
    assert report['nodes']['node2']['address'] == '10.231.0.12'
    assert report['nodes']['node2']['licence_keys'] == [dict(id='0110000001', expires=1893456000)]
    assert report['repository']['products'] == {code: dict.fromkeys(NODES, revision) for code, revision in REVISIONS.items()}
    assert report['report_path'] == '/tmp/drweb-check-%s.json' % NAME


def test_the_report_with_its_verdict_follows_the_schema_and_is_ok():
    report, verdict = with_verdict(build(*cluster()))
    jsonschema.validate(report, SCHEMA)
    assert verdict['status'] == 'ok' and verdict['exit_code'] == 0


# --- every drift kind, one line naming node and item

def test_a_stopped_server_drifts():
    hostvars, arguments = cluster()
    facts(hostvars, 'node2')['running'] = False
    report = build(hostvars, arguments)
    assert report['drift'] == ['node2: server: not running, expected running']
    assert report['ok'] is False


def test_a_server_not_installed_drifts_and_its_dbuuid_is_not_checked():
    hostvars, arguments = cluster()
    hostvars['node3']['ansible_facts']['drweb_server'] = dict(installed=False, running=False, version=None, server_id=None)
    hostvars['node3']['__drweb_check_database'] = SKIPPED
    for name in ('drweb_config_predict_result', 'drweb_config_database_result'):
        del hostvars['node3'][name]
    report = build(hostvars, arguments)
    assert 'node3: server: not installed, expected running' in report['drift']
    assert item(report, 'node3', 'dbuuid')['ok'] is None
    assert report['nodes']['node3']['licence_keys'] is None and report['nodes']['node3']['readable'] is True


def test_another_version_than_the_primarys_drifts():
    hostvars, arguments = cluster()
    facts(hostvars, 'node2')['version'] = '13.00.0'
    assert build(hostvars, arguments)['drift'] == ['node2: version: 13.00.0, expected 13.00.1']


def test_drweb_version_is_the_expected_version_for_every_server():
    report = build(*cluster(), version=' 13.00.2 ')
    assert report['drift'] == ['%s: version: 13.00.1, expected 13.00.2' % node for node in NODES]


def test_a_certificate_other_than_the_primarys_drifts():
    hostvars, arguments = cluster()
    hostvars['node3']['__drweb_check_keys']['fingerprint']['certificate'] = '0' * 64
    report = build(hostvars, arguments)
    assert report['drift'] == ['node3: keys: 7b6d0e0a413345d4, expected 7b6d0e0a413345d4']
    assert "primary node1's" in item(report, 'node3', 'keys')['note']


def test_a_missing_key_file_drifts_even_when_the_primary_misses_it_too():
    hostvars, arguments = cluster()
    for node in NODES:
        hostvars[node]['__drweb_check_keys']['fingerprint']['public_key'] = None
    report = build(hostvars, arguments)
    assert report['drift'] == ['%s: keys: 7b6d0e0a413345d4, expected 7b6d0e0a413345d4' % node for node in NODES]


def test_unreadable_keys_drift():
    hostvars, arguments = cluster()
    hostvars['node3']['__drweb_check_keys'] = dict(failed=True, msg='cannot read /opt/drwcs/etc/drwcsd.pri')
    assert build(hostvars, arguments)['drift'] == ['node3: keys: none, expected 7b6d0e0a413345d4']


def test_the_keys_of_drweb_primary_host_are_expected():
    hostvars, arguments = cluster()
    hostvars['node2']['__drweb_check_keys']['fingerprint'] = dict(private_key='aa' * 32, public_key='bb', certificate='cc')
    report = build(hostvars, arguments, primary='node2')
    assert report['primary'] == 'node2'
    assert report['drift'] == ['node1: keys: 7b6d0e0a413345d4, expected %s' % ('aa' * 8),
                               'node3: keys: 7b6d0e0a413345d4, expected %s' % ('aa' * 8)]


def test_servers_reaching_several_databases_drift_on_every_dbuuid():
    hostvars, arguments = cluster()
    facts(hostvars, 'node2')['database']['dbuuid'] = 'other'
    hostvars['node2']['__drweb_check_database']['dbuuid'] = 'other'
    report = build(hostvars, arguments)
    assert report['drift'] == ['node1: dbuuid: %s, expected none' % UUID, 'node2: dbuuid: other, expected none',
                               'node3: dbuuid: %s, expected none' % UUID]
    assert item(report, 'node1', 'dbuuid')['note'] == 'the Servers of the run reach databases of several dbuuids: %s, other' % UUID


def test_a_server_reading_another_database_drifts_on_dbuuid_and_database():
    hostvars, arguments = cluster()
    facts(hostvars, 'node2')['database']['dbuuid'] = 'f00'
    report = build(hostvars, arguments)
    assert report['drift'] == [
        'node2: dbuuid: f00, expected %s' % UUID,
        'node2: database: database mode external, reads database f00, the common one is %s, expected attached to the common database' % UUID]


def test_a_server_that_cannot_read_its_database_names_why():
    hostvars, arguments = cluster()
    facts(hostvars, 'node2')['database']['dbuuid'] = None
    facts(hostvars, 'node2')['own_data']['source'] = 'connection refused'
    report = build(hostvars, arguments)
    assert 'node2: dbuuid: none, expected %s' % UUID in report['drift']
    assert item(report, 'node2', 'dbuuid')['note'] == 'cannot read its database: connection refused'


def test_without_a_common_database_read_the_primarys_dbuuid_is_expected():
    hostvars, arguments = cluster()
    for node in NODES:
        hostvars[node]['__drweb_check_database'] = dict(changed=False, failed=True, msg='timeout')
    facts(hostvars, 'node3')['database']['dbuuid'] = 'other'
    report = build(hostvars, arguments)
    assert item(report, 'node3', 'dbuuid') == dict(value='other', expected=UUID, ok=False,
                                                   note='one database for every Server (dbstruct.dbuuid)')
    assert item(report, 'node1', 'database')['value'] == 'database mode external, timeout'


def test_a_managed_drwcsd_conf_element_that_differs_drifts():
    hostvars, arguments = cluster()
    hostvars['node1']['drweb_config_predict_result']['drift'] = ['drwcsd.conf:/cluster/multicast/@ttl']
    assert build(hostvars, arguments)['drift'] == [
        'node1: drwcsd.conf: differs: drwcsd.conf:/cluster/multicast/@ttl, expected as the config role writes it']


def test_a_database_section_that_differs_drifts_as_drwcsd_conf():
    hostvars, arguments = cluster()
    hostvars['node2']['drweb_config_database_result']['changed_elements'] = ['/database/pgsql']
    assert build(hostvars, arguments)['drift'] == [
        'node2: drwcsd.conf: differs: drwcsd.conf:/database/pgsql, expected as the config role writes it']


def test_another_server_address_in_download_conf_drifts_as_server_address_only():
    hostvars, arguments = cluster()
    hostvars['node2']['drweb_config_predict_result'].update(drift=['download.conf:/server/@host'], server_address='10.9.9.9')
    report = build(hostvars, arguments)
    assert report['drift'] == ['node2: server address: 10.9.9.9, expected %s' % NAME]
    assert item(report, 'node2', 'drwcsd.conf')['ok'] is True


def test_no_prediction_drifts_on_the_file_settings():
    hostvars, arguments = cluster()
    del hostvars['node2']['drweb_config_predict_result']
    assert build(hostvars, arguments)['drift'] == ['node2: drwcsd.conf: none, expected as the config role writes it',
                                                   'node2: server address: none, expected %s' % NAME]


def test_a_server_on_its_embedded_database_drifts_with_the_reason():
    hostvars, arguments = cluster()
    facts(hostvars, 'node3')['database']['mode'] = 'internal'
    hostvars['node3']['__drweb_check_database'] = dict(changed=False, failed=True, msg='connection refused')
    assert build(hostvars, arguments)['drift'] == [
        'node3: database: database mode internal, connection refused, expected attached to the common database']


def test_a_schema_not_the_releases_drifts():
    hostvars, arguments = cluster()
    hostvars['node3']['__drweb_check_database'].update(schema_matches=False, schema_version=500)
    assert build(hostvars, arguments)['drift'] == [
        'node3: database: database mode external, schema 500 for 13.00.1, expected attached to the common database']


def test_the_odd_node_out_in_repository_revisions_drifts():
    hostvars, arguments = cluster()
    hostvars['node2']['__drweb_check_repository']['revisions']['10-drwbases'] = '20240101000000'
    report = build(hostvars, arguments)
    assert report['drift'] == ['node2: repository: differs: 10-drwbases, expected same revisions on every Server']
    assert report['repository']['products']['10-drwbases']['node2'] == '20240101000000'
    assert any('node2' in message for message in report['repository']['messages'])


def test_a_repository_that_cannot_be_read_drifts_with_the_reason():
    hostvars, arguments = cluster()
    hostvars['node2']['__drweb_check_repository'] = dict(failed=True, msg='no folder')
    assert build(hostvars, arguments)['drift'] == [
        'node2: repository: repository_version failed: no folder, expected same revisions on every Server']


def test_empty_repositories_drift_everywhere():
    hostvars, arguments = cluster()
    for node in NODES:
        hostvars[node]['__drweb_check_repository']['revisions'] = {}
    report = build(hostvars, arguments)
    assert report['drift'] == ['%s: repository: same revisions, expected same revisions on every Server' % node for node in NODES]


def test_a_server_that_does_not_hear_a_member_drifts():
    hostvars, arguments = cluster()
    facts(hostvars, 'node2')['web_api']['peers'] = [dict(id='id-node1', name='node1')]
    assert build(hostvars, arguments)['drift'] == ['node2: peers: node1, expected node1,node3']


def test_a_peer_heard_under_another_server_id_drifts():
    hostvars, arguments = cluster()
    facts(hostvars, 'node2')['web_api']['peers'] = [dict(id='id-node1', name='node1'), dict(id='stranger', name='node3')]
    assert build(hostvars, arguments)['drift'] == ['node2: peers: node1,node3, expected node1,node3']


def test_a_running_server_that_does_not_say_its_peers_is_not_checked():
    hostvars, arguments = cluster()
    facts(hostvars, 'node2')['web_api']['peers'] = None
    report = build(hostvars, arguments)
    assert report['drift'] == []
    assert item(report, 'node2', 'peers') == dict(value=None, expected='node1,node3', ok=None,
                                                  note='not reported by this Server (Web API has no cluster block)')


def test_dns_a_records_other_than_the_servers_drift():
    hostvars, arguments = cluster()
    report = build(hostvars, arguments, dns=dig(['10.231.0.11', '10.231.0.99']))
    assert report['drift'] == ['cluster: DNS A records of %s: 10.231.0.11,10.231.0.99, expected 10.231.0.11,10.231.0.12,10.231.0.13' % NAME]
    assert report['dns']['ok'] is False


def test_a_cluster_name_without_records_drifts_with_the_dns_status():
    report = build(*cluster(), dns=dig([], 'NXDOMAIN'))
    assert report['drift'] == ['cluster: DNS A records of %s: NXDOMAIN, expected 10.231.0.11,10.231.0.12,10.231.0.13' % NAME]
    assert report['dns']['status'] == 'NXDOMAIN' and report['dns']['value'] == []


def test_a_dns_server_that_refuses_drifts():
    report = build(*cluster(), dns=dict(dig(['10.231.0.11', '10.231.0.12', '10.231.0.13']), rc=9))
    assert report['dns']['ok'] is False and len(report['drift']) == 1


def test_without_a_dns_server_dns_is_not_checked():
    report = build(*cluster(), dns=SKIPPED)
    assert report['drift'] == [] and report['dns']['ok'] is None
    assert report['dns']['note'] == 'no DNS server known (drweb_dns_server, group drweb_dns): not checked'


def test_dns_a_records_are_compared_as_addresses_not_as_text():
    # 10.0.0.9 sorts after 10.0.0.10 as text: the same set of addresses in another order is no drift
    hostvars, arguments = cluster(['10.0.0.9', '10.0.0.10', '10.0.0.11'])
    report = build(hostvars, arguments, dns=dig(['10.0.0.11', '10.0.0.10', '10.0.0.9', '10.0.0.10']))
    assert report['drift'] == [] and report['dns']['ok'] is True
    assert report['dns']['value'] == report['dns']['expected'] == ['10.0.0.9', '10.0.0.10', '10.0.0.11']


def test_a_missing_address_among_similar_ones_still_drifts():
    hostvars, arguments = cluster(['10.0.0.9', '10.0.0.10', '10.0.0.11'])
    report = build(hostvars, arguments, dns=dig(['10.0.0.10', '10.0.0.11', '10.0.0.1']))
    assert report['drift'] == ['cluster: DNS A records of %s: 10.0.0.1,10.0.0.10,10.0.0.11, expected 10.0.0.9,10.0.0.10,10.0.0.11' % NAME]


def test_aaaa_records_are_checked_with_drweb_dns_ipv6_and_compared_as_addresses():
    hostvars, arguments = cluster()
    for node, address in zip(NODES, ['fd00::9', 'fd00::a', 'fd00::11']):
        hostvars[node]['drweb_dns_server_address6'] = address
    # another spelling of the same addresses, in another order
    answer = dig(['fd00:0::11', 'fd00::a', 'fd00:0:0::9'], kind='AAAA')
    report = build(hostvars, arguments, dns_ipv6='yes', dns6=answer)
    assert report['drift'] == [] and report['dns']['aaaa']['ok'] is True
    assert report['dns']['aaaa']['expected'] == ['fd00::9', 'fd00::a', 'fd00::11']


def test_a_missing_aaaa_record_drifts():
    hostvars, arguments = cluster()
    for node, address in zip(NODES, ['fd00::11', 'fd00::12', 'fd00::13']):
        hostvars[node]['drweb_dns_server_address6'] = address
    report = build(hostvars, arguments, dns_ipv6=True, dns6=dig(['fd00::11', 'fd00::12'], kind='AAAA'))
    assert report['drift'] == ['cluster: DNS AAAA records of %s: fd00::11,fd00::12, expected fd00::11,fd00::12,fd00::13' % NAME]


def test_an_exclusive_task_on_two_servers_drifts_naming_both():
    hostvars, arguments = cluster()
    arguments['schedule']['schedules']['id-node2']['Purge Old Data'] = True
    report = build(hostvars, arguments)
    assert report['drift'] == ['cluster: scheduler: Backup sensitive data on node1, Purge Old Data on node1+node2, '
                               'Purge old statistics on node1, Purge unsent IS events on node1, Purge old stations on node1, '
                               'expected all five on one Server']
    assert report['scheduler']['tasks']['Purge Old Data'] == ['node1', 'node2']


def test_an_exclusive_task_on_no_server_drifts():
    hostvars, arguments = cluster()
    arguments['schedule']['schedules']['id-node1']['Purge old stations'] = False
    report = build(hostvars, arguments)
    assert 'Purge old stations on none' in report['drift'][0]


def test_exclusive_tasks_on_another_server_than_drweb_scheduler_host_drift():
    report = build(*cluster(), scheduler_host='node3')
    assert report['drift'][0].endswith('Purge old stations on node1, expected all five on node3')
    assert report['scheduler']['expected'] == 'node3'


def test_an_exclusive_task_on_a_server_that_is_no_member_drifts():
    hostvars, arguments = cluster()
    arguments['schedule']['schedules'] = {'id-elsewhere': dict.fromkeys(TASKS, True)}
    report = build(hostvars, arguments)
    assert report['scheduler']['value'] == ['unknown Server id-elsewhere'] and report['scheduler']['ok'] is False


def test_unreadable_schedules_drift_with_the_reason():
    report = build(*cluster(), schedule=dict(changed=False, failed=True, msg='no table'))
    assert report['drift'] == ['cluster: scheduler: cannot read the schedules: no table, expected all five on one Server']


def test_a_skipped_schedule_read_is_not_checked():
    report = build(*cluster(), schedule=SKIPPED)
    assert report['drift'] == [] and report['scheduler']['ok'] is None


# --- members that cannot be read are reported, never an error

def test_a_member_whose_facts_failed_is_reported_as_not_read():
    hostvars, arguments = cluster()
    hostvars['node3']['ansible_facts'] = {}
    hostvars['node3']['__drweb_check_facts'] = dict(failed=True, msg='Web API refused')
    report, verdict = with_verdict(build(hostvars, arguments))
    assert 'node3: server: not read: Web API refused, expected running' in report['drift']
    assert report['nodes']['node3']['readable'] is False
    assert verdict['status'] == 'unreadable' and verdict['unreadable'] == ['node3']
    jsonschema.validate(report, SCHEMA)


def test_an_unreachable_member_is_reported_as_not_read_naming_the_reason():
    hostvars, arguments = cluster()
    hostvars['node3'] = dict(ansible_host='10.231.0.13',
                             __drweb_check_facts=dict(unreachable=True, msg='Failed to connect to the host via ssh'),
                             __drweb_check_keys=dict(unreachable=True, msg='Failed to connect to the host via ssh'),
                             __drweb_check_repository=dict(unreachable=True, msg='Failed to connect to the host via ssh'))
    report = build(hostvars, arguments)
    assert 'node3: server: not read: Failed to connect to the host via ssh, expected running' in report['drift']
    assert 'node3: repository: unreachable: Failed to connect to the host via ssh, expected same revisions on every Server' in report['drift']
    assert report['nodes']['node3']['licence_keys'] is None


def test_peers_of_the_members_read_are_checked_without_the_member_not_read():
    # node3 not read: its Server id is unknown, so node1 and node2 cannot be proved to hear it - not a drift of theirs
    hostvars, arguments = cluster()
    hostvars['node3'] = dict(ansible_host='10.231.0.13',
                             __drweb_check_facts=dict(unreachable=True, msg='Failed to connect to the host via ssh'))
    report = build(hostvars, arguments)
    assert not [line for line in report['drift'] if ': peers: ' in line and not line.startswith('node3: ')], report['drift']
    assert item(report, 'node1', 'peers') == dict(
        value='node2,node3', expected='node2,node3', ok=None,
        note='the Server id of node3 is not known (not read): the other members only were checked')
    # a member that was read and is not heard is still a drift
    facts(hostvars, 'node2')['web_api']['peers'] = [dict(id='id-node3', name='node3')]
    assert 'node2: peers: node3, expected node1,node3' in build(hostvars, arguments)['drift']


def test_a_member_without_any_facts_or_results_is_reported_as_not_read():
    hostvars, arguments = cluster()
    hostvars['node3'] = dict(ansible_host='10.231.0.13')
    report, verdict = with_verdict(build(hostvars, arguments))
    assert 'node3: server: not read: no facts (server_facts did not run), expected running' in report['drift']
    assert [line for line in report['drift'] if line.startswith('node3: ')] == [
        'node3: %s' % line for line in (
            'server: not read: no facts (server_facts did not run), expected running', 'version: none, expected 13.00.1',
            'keys: none, expected 7b6d0e0a413345d4',
            'dbuuid: none, expected %s' % UUID, 'drwcsd.conf: none, expected as the config role writes it',
            'server address: none, expected %s' % NAME, 'database: database mode unknown, expected attached to the common database',
            'repository: no repository_version result (the host did not run it), expected same revisions on every Server',
            'peers: none, expected node1,node2')]
    assert verdict['status'] == 'unreadable'
    jsonschema.validate(report, SCHEMA)


def test_a_member_absent_from_hostvars_is_reported_as_not_read():
    hostvars, arguments = cluster()
    del hostvars['node3']
    report = build(hostvars, arguments)
    assert item(report, 'node3', 'server')['value'] == 'not read: no facts (server_facts did not run)' and report['nodes']['node3']['address'] == 'node3'


# --- --limit

def test_members_outside_limit_are_read_by_delegation_and_their_file_settings_not_checked():
    hostvars, arguments = limited(['node1', 'node2'])
    report = build(hostvars, arguments, checked=['node1', 'node2'])
    assert report['ok'] is True and report['limited'] is True and report['checked'] == ['node1', 'node2']
    assert report['nodes']['node3']['in_run'] is False
    for name in ('drwcsd.conf', 'server address', 'database'):
        assert item(report, 'node3', name)['ok'] is None and item(report, 'node3', name)['note'] == 'not checked (--limit)'
    assert item(report, 'node3', 'keys')['ok'] is True and item(report, 'node3', 'repository')['revisions'] == REVISIONS


def test_drift_of_a_member_outside_limit_is_still_found():
    hostvars, arguments = limited(['node2', 'node3'])
    arguments['outside']['keys']['results'][0]['fingerprint'] = dict(PRINTS, private_key='ff' * 32)
    report = build(hostvars, arguments, checked=['node2', 'node3'])
    # node1 is the primary: the others' keys are compared with the key set it was read with by delegation
    assert report['drift'] == ['node2: keys: 7b6d0e0a413345d4, expected ffffffffffffffff',
                               'node3: keys: 7b6d0e0a413345d4, expected ffffffffffffffff']


def test_a_member_outside_limit_that_was_not_read_is_reported_as_not_read():
    hostvars, arguments = limited(['node1', 'node2'])
    arguments['outside'] = dict(facts=dict(results=[]), keys=dict(results=[]), repository=dict(results=[]))
    hostvars['node3'] = dict(ansible_host='10.231.0.13')
    report = build(hostvars, arguments, checked=['node1', 'node2'])
    assert 'node3: server: not read: no facts (server_facts did not run), expected running' in report['drift']
    assert item(report, 'node3', 'drwcsd.conf')['ok'] is None


# --- the report file and bad input

def test_drweb_check_report_path_is_trimmed_and_an_empty_one_means_the_default():
    assert build(*cluster(), report_path=' /srv/check.json ')['report_path'] == '/srv/check.json'
    assert build(*cluster(), report_path='', cluster_name=None)['report_path'] == '/tmp/drweb-check-cluster.json'


@pytest.mark.parametrize('arguments, message', [
    (('not hostvars', NODES, NODES), 'the input must be hostvars'),
    (({}, 'node1', NODES), 'members must be a list'),
    (({}, NODES, None), 'checked must be a list'),
    (({}, [], []), 'members'),
])
def test_bad_input_is_refused_naming_it(arguments, message):
    with pytest.raises(AnsibleFilterError, match=message):
        drift_report(*arguments)


def test_outside_must_be_a_dict():
    with pytest.raises(AnsibleFilterError, match='outside must be a dict'):
        drift_report({}, NODES, NODES, outside=['facts'])
