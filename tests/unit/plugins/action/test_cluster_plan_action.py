# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the action plugin drweb.cluster.cluster_plan's input gathering (the decisions are tested with
plugin_utils/cluster_plan.py)."""

from __future__ import annotations

import pytest

from ansible.errors import AnsibleActionFail

from ansible_collections.drweb.cluster.plugins.action.cluster_plan import mark, member_reads


def test_member_reads_turn_loop_results_into_reads():
    results = [
        dict(item='node1', server=dict(installed=True), changed=False),
        dict(item='node2', unreachable=True, msg='Failed to connect  '),
        dict(item='node3', failed=True, msg='cannot read drwcsd.conf'),
        dict(item='node4', skipped=True, skip_reason='removed'),
        'not a result',
    ]
    reads = member_reads(results)
    assert reads == dict(node1=dict(installed=True), node2=dict(unreadable='unreachable: Failed to connect'),
                         node3=dict(unreadable='cannot read drwcsd.conf'))


def test_marks_accept_what_inventories_and_surveys_send():
    hostvars = dict(a=dict(drweb_removed=True), b=dict(drweb_removed='yes'), c=dict(drweb_removed=''), d={},
                    e=dict(drweb_removed='false'), f=dict(drweb_removed='maybe'))
    assert [mark(hostvars, host, 'drweb_removed') for host in 'abcde'] == [True, True, False, False, False]
    assert mark(hostvars, 'zz', 'drweb_removed') is False
    with pytest.raises(AnsibleActionFail, match='drweb_removed of f must be true or false'):
        mark(hostvars, 'f', 'drweb_removed')
