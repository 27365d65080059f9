# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of drweb.cluster.member_groups: which in-memory group (drweb_removed or drweb_members) each host of the
preflight's play goes to, in the play's order."""

from __future__ import annotations

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.drweb.cluster.plugins.filter import member_groups as groups_module
from ansible_collections.drweb.cluster.plugins.filter.member_groups import member_groups

HOSTVARS = dict(node1={}, node2=dict(drweb_removed=True), node3=dict(drweb_removed='no'), node4=dict(drweb_removed=''),
                node5=dict(drweb_removed='yes'), node6=dict(drweb_removed=None), node7=dict(drweb_removed='maybe'))


def test_the_filter_is_registered():
    assert groups_module.FilterModule().filters() == {'member_groups': member_groups}


def test_marked_hosts_go_to_drweb_removed_the_others_to_drweb_members_in_play_order():
    hosts = ['node6', 'node5', 'node4', 'node3', 'node2', 'node1']
    assert member_groups(hosts, HOSTVARS) == [
        dict(name='node6', group='drweb_members'), dict(name='node5', group='drweb_removed'),
        dict(name='node4', group='drweb_members'), dict(name='node3', group='drweb_members'),
        dict(name='node2', group='drweb_removed'), dict(name='node1', group='drweb_members')]


def test_the_inventory_group_drweb_removed_marks_a_host_too():
    assert member_groups(['node1', 'node3'], HOSTVARS, ['node3']) == [
        dict(name='node1', group='drweb_members'), dict(name='node3', group='drweb_removed')]
    assert member_groups(['nodeX'], HOSTVARS, None) == [dict(name='nodeX', group='drweb_members')]


def test_a_mark_that_is_not_true_or_false_is_refused_naming_the_host():
    with pytest.raises(AnsibleFilterError, match="drweb_removed of node7 must be true or false, got 'maybe'"):
        member_groups(['node7'], HOSTVARS)
    with pytest.raises(AnsibleFilterError, match='list of the play'):
        member_groups('node1', HOSTVARS)
