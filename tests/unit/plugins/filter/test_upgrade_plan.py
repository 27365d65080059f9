# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of drweb.cluster.upgrade_plan: which Servers are upgraded, and what refuses before any Server stops."""

from __future__ import annotations

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.drweb.cluster.plugins.filter import upgrade_plan as filter_module
from ansible_collections.drweb.cluster.plugins.filter.upgrade_plan import upgrade_plan

NODES = ['node1', 'node2', 'node3']
PACKAGE = 'drweb-esuite-server-13.00.1.run'


def server(version='13.00.0', installed=True, mode='external', schema=522, source='the common database'):
    return dict(installed=installed, version=version if installed else None,
                database=dict(mode=mode, schema_version=schema), own_data=dict(source=source))


def plan(servers=None, version='13.00.1', play_hosts=None):
    servers = servers or dict((node, server()) for node in NODES)
    return upgrade_plan(dict(members=NODES, servers=servers, version=version, package=PACKAGE,
                             play_hosts=NODES if play_hosts is None else play_hosts))


def test_the_filter_is_registered():
    assert filter_module.FilterModule().filters() == {'upgrade_plan': upgrade_plan}


def test_every_node_on_one_older_release_is_upgraded_in_inventory_order():
    decided = plan()
    assert decided['pending'] == NODES
    assert decided['from'] == ['13.00.0']
    assert decided['problems'] == [] and decided['failure'] == ''
    assert decided['summary'] == ('Upgrading node1, node2, node3 from 13.00.0 to 13.00.1, one after another, after '
                                  'stopping them all.')


def test_an_interrupted_upgrade_goes_on_with_the_nodes_still_to_upgrade():
    decided = plan(dict(node1=server('13.00.1'), node2=server(), node3=server()))
    assert decided['pending'] == ['node2', 'node3']
    assert decided['problems'] == []


def test_a_cluster_on_the_target_release_has_nothing_to_upgrade():
    decided = plan(dict((node, server('13.00.1')) for node in NODES))
    assert decided['pending'] == [] and decided['problems'] == []
    assert decided['summary'] == 'Every node already runs 13.00.1: nothing to upgrade (the Servers are only started if stopped).'


def test_versions_not_installed_several_and_downgrades_are_named_in_one_sentence():
    decided = plan(dict(node1=server(installed=False), node2=server('12.00.0'), node3=server()))
    assert decided['absent'] == ['node1']
    assert decided['problems'] == [
        'Refusing to upgrade to drweb_version=13.00.1; no Server was stopped. Not installed: node1 (install the current '
        'release with site.yml first). The nodes to upgrade run several or unknown releases: 12.00.0, 13.00.0 (a '
        'cluster runs one version: bring them to one first).']
    assert decided['summary'] == ''


def test_an_unknown_release_is_refused():
    decided = plan(dict(node1=server(None), node2=server(), node3=server()))
    assert 'several or unknown releases: None, 13.00.0' in decided['failure']


@pytest.mark.parametrize('running', ['13.00.1', '13.00.2'])
def test_a_package_not_newer_is_refused(running):
    decided = plan(dict((node, server(running)) for node in NODES), version='13.00.0')
    assert decided['problems'] == ['Refusing to upgrade to drweb_version=13.00.0; no Server was stopped. The package %s '
                                   'is not newer than %s (no downgrades).' % (PACKAGE, running)]


def test_release_numbers_compare_as_versions_not_as_text():
    assert plan(dict((node, server('9.10.0')) for node in NODES), version='10.0.0')['problems'] == []


def test_a_node_to_upgrade_outside_the_limit_is_refused():
    decided = plan(play_hosts=['node1', 'node2'])
    assert decided['problems'] == ['Refusing to upgrade: node3 still run(s) 13.00.0 but are outside --limit. The cluster is '
                                   'upgraded as a whole (stop all, upgrade one after another); no Server was stopped.']


def test_a_node_that_cannot_read_the_external_database_is_refused_and_an_embedded_one_is_not():
    servers = dict(node1=server(), node2=server(schema=None, source='connection refused'),
                   node3=server(mode='embedded', schema=None))
    decided = plan(servers)
    assert decided['problems'] == ['Refusing to upgrade: the external database cannot be read from node2 (connection '
                                   'refused). The installer upgrades the database: it must be reachable. No Server was '
                                   'stopped.']


def test_every_reason_is_named_in_one_failure():
    servers = dict(node1=server('12.00.0'), node2=server(schema=None, source='timeout'), node3=server())
    decided = plan(servers, play_hosts=['node1', 'node2'])
    assert len(decided['problems']) == 3
    assert decided['failure'] == ' '.join(decided['problems'])


@pytest.mark.parametrize('facts', [None, [], dict(members=NODES)])
def test_an_input_without_the_reads_is_refused(facts):
    with pytest.raises(AnsibleFilterError, match='upgrade_plan: the input must be a mapping'):
        upgrade_plan(facts)
