# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of drweb.cluster.cluster_report: the report site.yml ends with, as an administrator reads it."""

from __future__ import annotations

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.drweb.cluster.plugins.filter import cluster_report as report_module
from ansible_collections.drweb.cluster.plugins.filter.cluster_report import cluster_report

MEMBERS = ['node1', 'node2', 'node3']
REVISIONS = {'10-drwbases': '20250201000000', '20-drwcs': '20250201000000'}
KEYS = dict(fingerprint=dict(private_key='473bd803fe' + 'a' * 54, public_key='b' * 64, certificate='c' * 64),
            certificate_version=1)


def server(node, **changes):
    base = dict(version='13.00.0', running=True, server_id='%s-6315b30f-0000' % node, database=dict(mode='external'),
                web_api=dict(peers=[dict(name=other) for other in MEMBERS if other != node]),
                key_files=dict(KEYS), repository=dict(REVISIONS))
    base.update(changes)
    return base


def report(servers=None, **changes):
    data = dict(cluster_name='esuite.drweb.test', members=MEMBERS,
                addresses=['10.213.0.11', '10.213.0.12', '10.213.0.13'],
                servers=servers if servers is not None else [server(node) for node in MEMBERS],
                licence=[None, None, None], scheduler=[None, None, None])
    data.update(changes)
    return cluster_report(data)


def test_the_filter_is_registered():
    assert report_module.FilterModule().filters() == {'cluster_report': cluster_report}


def test_a_converged_cluster_reads_as_the_readme_shows():
    lines = report()
    assert lines[0] == 'Dr.Web Servers cluster "esuite.drweb.test": 3 Server(s)'
    assert lines[1].split() == ['node', 'address', 'version', 'running', 'id', 'database', 'key', 'cert', 'peers']
    assert lines[2].split() == ['node1', '10.213.0.11', '13.00.0', 'yes', 'node1-63', 'external', '473bd803fe', '1',
                                'node2,node3']
    assert 'same version everywhere: yes' in lines
    assert 'same keys and certificate everywhere: yes' in lines
    table = lines.index('repository revisions (product -> revision per Server):')
    assert lines[table + 1].split() == ['product'] + MEMBERS
    assert lines[table + 2].split() == ['10-drwbases'] + ['20250201000000'] * 3
    assert 'all 3 nodes hold the same revisions of 2 products' in lines
    assert lines[-2] == 'licence key: not reported in this run (drweb_license_key is not set, or no Server is installed yet)'
    assert lines[-1] == 'scheduler host (exclusive tasks): not chosen in this run'


def test_a_server_on_another_version_with_other_keys_and_stopped_is_shown_so():
    other_keys = dict(fingerprint=dict(KEYS['fingerprint'], private_key='9' * 64))
    servers = [server('node1'), server('node2', version='12.00.0', running=False, web_api={}, key_files=other_keys),
               server('node3')]
    lines = report(servers)
    assert lines[3].split()[:4] == ['node2', '10.213.0.12', '12.00.0', 'NO']
    assert lines[3].split()[-1] == '-'          # no peers read from a stopped Server
    assert 'same version everywhere: NO: 13.00.0, 12.00.0' in lines
    assert 'same keys and certificate everywhere: NO' in lines


def test_a_member_without_a_read_shows_dashes_and_did_not_report():
    lines = report([server('node1'), {}, server('node3', repository=None, problems=['no repository folder'])])
    assert lines[3].split() == ['node2', '10.213.0.12', '-', 'NO', '-', '-', '-', '-', '-']
    assert any('node2: did not report' in line for line in lines)
    assert any('node3: did not report' in line and 'no repository folder' in line for line in lines)


def test_the_licence_line_names_the_host_and_the_servers_that_use_the_key():
    licence = [dict(number='0110000001', expires='2030-12-31', initdb=True, host='node1', used=True),
               dict(number='0110000001', expires='2030-12-31', initdb=True, host='node1', used=False),
               dict(number='0110000001', expires='2030-12-31', initdb=True, host='node1', used=True)]
    assert report(licence=licence)[-2] == ('licence key: 0110000001 (expires 2030-12-31), loaded by drwcsd initdb on '
                                           'node1; used by: node1, node3')
    licence = [dict(licence[0], initdb=False, used=False)] + [None, None]
    assert report(licence=licence)[-2] == ('licence key: 0110000001 (expires 2030-12-31), added through node1; used '
                                           'by: none')


def test_the_scheduler_line_gives_the_choice_and_its_reason():
    choice = dict(host='node2', reason='it is the most productive')
    assert report(scheduler=[choice, choice, None])[-1] == (
        'scheduler host (exclusive tasks): node2 - it is the most productive')


@pytest.mark.parametrize('data', [None, [], {'members': 'node1'}])
def test_bad_input_is_an_error(data):
    with pytest.raises(AnsibleFilterError, match='cluster_report expects'):
        cluster_report(data)


def test_dictionaries_per_member_give_each_member_only_what_it_has():
    servers = {'node2': server('node2'), 'node3': server('node3')}     # node1 not read (check mode before its install)
    licence = {'node2': dict(number='0110000001', expires='2030-12-31', initdb=True, host='node2', used=True)}
    lines = report(servers, addresses={'node1': '10.213.0.11'}, licence=licence, scheduler={})
    assert lines[2].split() == ['node1', '10.213.0.11', '-', 'NO', '-', '-', '-', '-', '-']
    assert lines[3].split()[:2] == ['node2', '-']
    assert lines[-2].endswith('on node2; used by: node2')
    assert lines[-1] == 'scheduler host (exclusive tasks): not chosen in this run'
