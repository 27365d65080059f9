# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the drweb.cluster.unread_members filter: which hosts a role must still read."""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.drweb.cluster.plugins.filter.unread_members import FilterModule, unread_members

HOSTVARS = {
    'node1': {'drweb_server_read_current': True, 'ansible_facts': {'memtotal_mb': 2048}},
    'node2': {'drweb_server_read_current': False, 'ansible_facts': {}},
    'node3': {'drweb_server_read_current': 'True'},
    'node4': {},
}


def test_the_filter_is_registered():
    assert FilterModule().filters() == {'unread_members': unread_members}


def test_the_servers_not_read_in_this_run():
    assert unread_members(['node1', 'node2', 'node3', 'node4'], HOSTVARS) == ['node2', 'node4']


def test_a_converged_run_reads_nothing():
    assert unread_members(['node1', 'node3'], HOSTVARS) == []
    assert unread_members([], HOSTVARS) == []


def test_the_hosts_without_a_fact():
    assert unread_members(['node1', 'node2', 'node3', 'node4'], HOSTVARS, 'memtotal_mb') == ['node2', 'node3', 'node4']


def test_order_kept_each_host_once_and_unknown_hosts_unread():
    assert unread_members(['node4', 'node2', 'node4', 'node9'], HOSTVARS) == ['node4', 'node2', 'node9']


def test_a_value_that_is_not_a_boolean_is_not_current():
    assert unread_members(['node1'], {'node1': {'drweb_server_read_current': 'maybe'}}) == ['node1']


@pytest.mark.parametrize('hosts, hostvars', [('node1', HOSTVARS), ([1], HOSTVARS), (['node1'], ['node1'])])
def test_bad_input_is_refused(hosts, hostvars):
    with pytest.raises(AnsibleFilterError):
        unread_members(hosts, hostvars)
