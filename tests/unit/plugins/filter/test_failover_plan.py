# Copyright (c) drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""drweb.cluster.failover_plan: which Servers a fail-over of the update source leaves out, and when it is refused."""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.drweb.cluster.plugins.filter.failover_plan import failover_plan

MEMBERS = ['node1', 'node2', 'node3']


def test_the_serving_servers_take_the_new_parent_and_the_failed_one_is_named():
    decided = failover_plan(['node2', 'node3'], MEMBERS, 'parent', 'node2:2193')
    assert decided == dict(serving=['node2', 'node3'], left_out=['node1'], parent='node2', problems=[],
                           line='Updating node2, node3 from parent node2; left out (unreachable or not running): node1.')


@pytest.mark.parametrize('source', ['', None])
def test_an_empty_source_is_a_parent(source):
    assert failover_plan(MEMBERS, MEMBERS, source, 'node3')['line'] == (
        'Updating node1, node2, node3 from parent node3; left out (unreachable or not running): none.')


def test_a_zone_needs_no_parent():
    decided = failover_plan(['node1', 'node3'], MEMBERS, 'zone', '')
    assert decided['problems'] == [] and decided['parent'] == ''
    assert decided['line'] == 'Updating node1, node3 from zone; left out (unreachable or not running): node2.'


def test_no_server_serving_is_refused_naming_every_member():
    assert failover_plan([], MEMBERS, 'zone')['problems'] == [
        'Cannot fail over: no Server is serving. Left out: node1, node2, node3.']


@pytest.mark.parametrize('parent', ['', None, '  '])
def test_a_parent_fail_over_without_a_parent_is_refused(parent):
    assert failover_plan(['node2'], MEMBERS, 'parent', parent)['problems'] == [
        'Cannot fail over: drweb_update_parent_host must name the new parent Server. Left out: node1, node3.']


def test_a_new_parent_that_does_not_serve_is_refused():
    assert failover_plan(['node2', 'node3'], MEMBERS, 'parent', 'node1:2193')['problems'] == [
        'Cannot fail over: the new parent node1 (drweb_update_parent_host) is not serving. Left out: node1.']


def test_a_parent_outside_the_cluster_is_the_administrators_choice():
    # an outside parent Server (another cluster's) is not a member: nothing here can tell whether it serves
    assert failover_plan(['node2'], MEMBERS, 'parent', 'parent.example.com')['problems'] == []


def test_names_that_are_not_a_list_are_an_error():
    with pytest.raises(AnsibleFilterError, match='serving Servers'):
        failover_plan('node1', MEMBERS)
    with pytest.raises(AnsibleFilterError, match='the members'):
        failover_plan([], None)
