# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of drweb.cluster.schedule_writes: which Server schedules are switched, what refuses, what warns."""

from __future__ import annotations

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.drweb.cluster.plugins.filter import schedule_writes as writes_module
from ansible_collections.drweb.cluster.plugins.filter.schedule_writes import schedule_writes

TASKS = ['Backup sensitive data', 'Purge Old Data', 'Purge old statistics', 'Purge unsent IS events', 'Purge Agents']
MEMBERS = ['node1', 'node2', 'node3']
IDS = {'node1': 'id-1', 'node2': 'id-2', 'node3': 'id-3'}
DATABASE = 'drwcs@10.213.0.2:5432/drwcs'


def schedule(enabled):
    return dict((task, enabled) for task in TASKS)


def writes(schedules, **changes):
    data = dict(read=dict(schedules=schedules, exclusive_tasks=TASKS), members=MEMBERS, server_ids=dict(IDS),
                exclude=[], chosen='node1', database=DATABASE, check_mode=False)
    data.update(changes)
    return schedule_writes(data)


def test_the_filter_is_registered():
    assert writes_module.FilterModule().filters() == {'schedule_writes': schedule_writes}


def test_a_cluster_as_it_should_be_writes_nothing():
    decided = writes({'id-1': schedule(True), 'id-2': schedule(False), 'id-3': schedule(False)})
    assert decided == dict(problems=[], warnings=[], disable=[], enable=None, write=False)


def test_a_fresh_cluster_disables_the_others_first_and_enables_the_chosen_one():
    decided = writes({'id-1': schedule(True), 'id-2': schedule(True), 'id-3': schedule(True)}, chosen='node2')
    assert decided['disable'] == [dict(server_id='id-1', label='node1 (id-1)'), dict(server_id='id-3', label='node3 (id-3)')]
    assert decided['enable'] is None           # node2 holds all five already
    assert decided['write'] is True
    one_off = dict(schedule(True), **{'Purge Agents': False})
    assert writes({'id-1': one_off, 'id-2': schedule(False), 'id-3': schedule(False)})['enable'] == 'id-1'
    assert writes({'id-1': one_off, 'id-2': schedule(False), 'id-3': schedule(False)})['write'] is True


def test_a_task_missing_from_a_schedule_counts_as_not_switched():
    partial = dict((task, False) for task in TASKS[:3])
    assert writes({'id-1': schedule(True), 'id-2': partial, 'id-3': schedule(False)})['disable'] == [
        dict(server_id='id-2', label='node2 (id-2)')]


def test_an_id_no_member_has_is_switched_off_when_it_holds_a_task():
    schedules = {'id-1': schedule(True), 'id-2': schedule(False), 'id-3': schedule(False),
                 'id-old': dict(schedule(False), **{'Purge Old Data': True}), 'id-gone': schedule(False)}
    assert writes(schedules)['disable'] == [dict(server_id='id-old', label='no member (id-old)')]


def test_the_schedules_not_read_refuse_naming_the_database_and_nothing_else_is_decided():
    decided = schedule_writes(dict(read=dict(failed=True, msg='connection refused'), members=MEMBERS, server_ids=IDS,
                                   chosen='node1', database=DATABASE))
    assert decided['problems'] == ['cannot read the Server schedules from the common database drweb_db_* '
                                   '(%s): connection refused' % DATABASE]
    assert decided['disable'] == [] and decided['enable'] is None and decided['write'] is False


def test_a_member_without_a_schedule_refuses_outside_check_mode():
    schedules = {'id-1': schedule(True), 'id-2': schedule(True)}
    decided = writes(schedules)
    assert decided['problems'] == [
        'node3: no schedule in the common database %s (a Server creates it at its first start on the database): attach '
        'it first (database role, site.yml).' % DATABASE]
    assert decided['disable'] == []
    in_check_mode = writes(schedules, check_mode=True)
    assert in_check_mode['problems'] == []
    assert in_check_mode['disable'] == [dict(server_id='id-2', label='node2 (id-2)')]


def test_an_excluded_member_not_read_is_a_warning_not_a_refusal():
    ids = dict(IDS, node3=None)
    decided = writes({'id-1': schedule(True), 'id-2': schedule(False)}, server_ids=ids, exclude=['node3'])
    assert decided['problems'] == []
    assert decided['warnings'] == [
        'WARNING: node3 (drweb_schedule_exclude) could not be read: its Server id is unknown, so its exclusive tasks '
        'were not disabled here. Disable them in its Control Center, or remove its schedule with the node.']


def test_an_excluded_member_read_is_switched_off():
    decided = writes({'id-1': schedule(True), 'id-2': schedule(False), 'id-3': schedule(True)}, exclude=['node3'])
    assert decided['disable'] == [dict(server_id='id-3', label='node3 (id-3)')]


@pytest.mark.parametrize('data', [None, {'read': None}])
def test_bad_input_is_an_error(data):
    with pytest.raises(AnsibleFilterError, match='schedule_writes expects'):
        schedule_writes(data)
