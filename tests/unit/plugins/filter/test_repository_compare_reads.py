# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the drweb.cluster.repository_compare_reads filter: the comparison reads again only what changed."""

from __future__ import annotations

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.drweb.cluster.plugins.filter.repository_compare_reads import repository_compare_reads

R2 = '20250201000000'
NODES = ['node1', 'node2', 'node3']


def states(*hosts):
    """repository_states' result for hosts: each with the update_source read of this run."""
    return dict((host, dict(before=dict(changed=False, revisions={'10-drwbases': R2}, products={}), source='zone'))
                for host in hosts)


def test_a_converged_run_reads_nothing_again():
    decided = repository_compare_reads(states(*NODES), NODES)
    assert decided['read'] == []
    assert sorted(decided['reads']) == NODES
    assert decided['reads']['node2']['revisions'] == {'10-drwbases': R2}


def test_updated_servers_and_servers_outside_the_play_are_read_again_in_order():
    decided = repository_compare_reads(states('node1', 'node2'), NODES, ['node1'])
    assert decided['read'] == ['node1', 'node3']
    assert list(decided['reads']) == ['node2']


def test_content_comparison_reads_every_server():
    assert repository_compare_reads(states(*NODES), NODES, [], True)['read'] == NODES
    assert repository_compare_reads(states(*NODES), NODES, [], 'true')['reads'] == {}


def test_a_failed_or_missing_read_is_read_again():
    failed = states(*NODES)
    failed['node2']['before'] = dict(failed=True, msg='no repository')
    failed['node3'] = dict(source='zone')
    assert repository_compare_reads(failed, NODES)['read'] == ['node2', 'node3']


@pytest.mark.parametrize('value, hosts', [([], NODES), (states(), 'node1')])
def test_bad_input_is_refused_clearly(value, hosts):
    with pytest.raises(AnsibleFilterError, match='repository_compare_reads'):
        repository_compare_reads(value, hosts)
