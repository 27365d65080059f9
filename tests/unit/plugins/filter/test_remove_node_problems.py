# Copyright (c) drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""drweb.cluster.remove_node_problems: which Server remove_node.yml refuses to remove, before anything changes."""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.drweb.cluster.plugins.filter.remove_node_problems import remove_node_problems

MEMBERS = ['node1', 'node2', 'node3']


def test_a_member_that_is_not_the_primary_can_leave():
    assert remove_node_problems('node3', MEMBERS) == []
    assert remove_node_problems(' node1 ', MEMBERS, 'node2') == []   # another primary named


@pytest.mark.parametrize('name', ['', None, '   '])
def test_an_unset_name_is_refused_saying_how_to_give_it(name):
    assert remove_node_problems(name, MEMBERS) == [
        'drweb_remove_node is not set: give the inventory name of the Server to remove (-e drweb_remove_node=node3)']


def test_a_host_outside_the_cluster_is_refused_naming_the_members():
    assert remove_node_problems('node9', MEMBERS) == ['drweb_remove_node node9 is not a member of drweb_servers (node1, node2, node3)']


def test_the_last_server_is_refused():
    assert remove_node_problems('node1', ['node1']) == [
        'drweb_remove_node node1 is the last Server of drweb_servers: a cluster cannot lose its last Server']


@pytest.mark.parametrize('primary', ['', 'node1'])
def test_the_primary_is_refused_the_first_member_when_none_is_named(primary):
    assert remove_node_problems('node1', MEMBERS, primary) == [
        'drweb_remove_node node1 is drweb_primary_host, which makes the keys and initialises the database: set '
        'drweb_primary_host to another Server first']


def test_members_must_be_a_list_of_names():
    with pytest.raises(AnsibleFilterError, match='list of the cluster'):
        remove_node_problems('node1', 'node1,node2')
