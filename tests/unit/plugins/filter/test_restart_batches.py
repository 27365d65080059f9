# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the drweb.cluster.restart_batches filter: running members one at a time, the Servers a run installs
together, the first Server alone."""

from __future__ import annotations

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.drweb.cluster.plugins.filter.restart_batches import FilterModule, restart_batches

NODES = ['node1', 'node2', 'node3']


def plan(*installed_now):
    """A cluster plan whose nodes are NODES plus the ones named, those named installed by this run."""
    return dict(nodes={host: dict(install=host in installed_now, state='new' if host in installed_now else 'attached')
                       for host in NODES + [host for host in installed_now if host not in NODES]})


def test_the_filter_is_registered():
    assert FilterModule().filters()['restart_batches'] is restart_batches


@pytest.mark.parametrize('strategy', ['serial', '', None])
def test_running_members_go_one_at_a_time(strategy):
    assert restart_batches(NODES, strategy, plan()) == [['node1'], ['node2'], ['node3']]


def test_without_a_plan_every_member_goes_one_at_a_time():
    # a role run on its own (no preflight): nothing counts as installed by this run
    assert restart_batches(NODES, 'serial', None) == [['node1'], ['node2'], ['node3']]
    assert restart_batches(NODES) == [['node1'], ['node2'], ['node3']]


def test_a_cluster_built_from_nothing_is_one_batch():
    assert restart_batches(NODES, 'serial', plan(*NODES)) == [NODES]


def test_the_first_server_goes_alone_before_the_others():
    # the database switch: the primary on the common database before any other Server joins it
    assert restart_batches(NODES, 'serial', plan(*NODES), first='node1') == [['node1'], ['node2', 'node3']]
    assert restart_batches(['node3', 'node2', 'node1'], 'serial', plan(), first='node1') == [
        ['node1'], ['node3'], ['node2']]


def test_a_first_server_not_in_the_list_changes_nothing():
    assert restart_batches(['node2', 'node3'], 'serial', plan(), first='node1') == [['node2'], ['node3']]
    assert restart_batches(['node2', 'node3'], 'serial', plan(), first=None) == [['node2'], ['node3']]


def test_servers_installed_now_go_together_before_the_running_members():
    # a node added to a running cluster: it goes first (it serves no agent yet), the members one at a time after it
    batches = restart_batches(['node1', 'node4', 'node2', 'node5', 'node3'], 'serial', plan('node4', 'node5'))
    assert batches == [['node4', 'node5'], ['node1'], ['node2'], ['node3']]


def test_a_running_member_is_never_in_a_batch_with_another_server():
    batches = restart_batches(NODES + ['node4'], 'serial', plan('node4'), first='node2')
    assert batches == [['node2'], ['node4'], ['node1'], ['node3']]
    for batch in batches:
        assert len(batch) == 1 or all(plan('node4')['nodes'][host]['install'] for host in batch)


def test_parallel_is_one_batch_after_the_first():
    assert restart_batches(NODES, 'parallel', plan()) == [NODES]
    assert restart_batches(NODES, 'parallel', None, first='node1') == [['node1'], ['node2', 'node3']]
    assert restart_batches(['node1'], 'parallel', None, first='node1') == [['node1']]


@pytest.mark.parametrize('strategy', ['serial', 'parallel'])
def test_every_server_is_in_exactly_one_batch(strategy):
    hosts = ['node3', 'node1', 'node4', 'node1', 'node2']
    batches = restart_batches(hosts, strategy, plan('node4'), first='node2')
    flat = [host for batch in batches for host in batch]
    assert sorted(flat) == ['node1', 'node2', 'node3', 'node4']
    assert all(batches)


def test_nothing_to_change_is_no_batch():
    assert restart_batches([], 'serial', plan()) == []
    assert restart_batches([], 'parallel', plan(), first='node1') == []


def test_a_plan_without_nodes_counts_nothing_as_installed_now():
    assert restart_batches(NODES, 'serial', {}) == [['node1'], ['node2'], ['node3']]
    assert restart_batches(NODES, 'serial', {'nodes': {'node1': 'garbled'}}) == [['node1'], ['node2'], ['node3']]


@pytest.mark.parametrize('hosts,strategy,the_plan,match', [
    ('node1', 'serial', None, 'list of Servers to change'),
    ([1, 2], 'serial', None, 'list of Servers to change'),
    (NODES, 'rolling', None, 'drweb_restart_strategy must be serial or parallel'),
    (NODES, 'serial', ['node1'], 'cluster plan'),
])
def test_bad_input_is_named(hosts, strategy, the_plan, match):
    with pytest.raises(AnsibleFilterError, match=match):
        restart_batches(hosts, strategy, the_plan)
