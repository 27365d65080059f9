# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the action plugin drweb.cluster.cluster_plan's input gathering (the decisions are tested with
plugin_utils/cluster_plan.py)."""

from __future__ import annotations

from unittest import mock

import pytest

from ansible.errors import AnsibleActionFail

from ansible_collections.drweb.cluster.plugins.action import cluster_plan as action_module
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


def test_the_result_is_the_plan_itself_so_that_it_can_be_registered_as_drweb_cluster_plan():
    """The preflight registers the task as drweb_cluster_plan: the plan's keys are at the top level of the result."""
    task = mock.MagicMock()
    task.args = dict(results=[dict(item='node1', server=dict(installed=True))], operation='site')
    task.check_mode = False
    task.async_val = 0
    action = action_module.ActionModule(task, mock.MagicMock(), mock.MagicMock(), mock.MagicMock(), mock.MagicMock(),
                                        mock.MagicMock())
    plan = dict(version=1, members=['node1'], identity=dict(source='node1'), refusals=[], summary=['line'])
    with mock.patch.object(action_module, 'decide', return_value=plan) as decide:
        result = action.run(task_vars=dict(groups=dict(drweb_servers=['node1']), hostvars=dict(node1={}),
                                           ansible_play_hosts_all=['node1']))
    assert decide.call_args[0][0] == dict(node1=dict(installed=True))
    assert result['plan'] == plan and not result.get('failed') and result['changed'] is False
    assert {key: result[key] for key in plan} == plan
    refused = dict(plan, refusals=['node2 cannot be read'])
    with mock.patch.object(action_module, 'decide', return_value=refused):
        result = action.run(task_vars=dict(groups=dict(drweb_servers=['node1']), hostvars=dict(node1={})))
    assert result['failed'] and result['refusals'] == ['node2 cannot be read']
    assert result['msg'] == 'Refusing to change the cluster; nothing was changed on any host:\n- node2 cannot be read'
