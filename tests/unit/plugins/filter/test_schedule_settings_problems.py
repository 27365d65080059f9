# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the drweb.cluster.schedule_settings_problems filter: the schedule role's input rules."""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.drweb.cluster.plugins.filter.schedule_settings_problems import (
    FilterModule, schedule_settings_problems)

GOOD = {'servers': ['node1', 'node2', 'node3'], 'exclude': [], 'requested': '', 'db_host': '10.213.0.10'}


def problems(**changes):
    settings = dict(GOOD)
    settings.update(changes)
    return schedule_settings_problems(settings)


def test_usable_settings_have_no_problem():
    assert problems() == []
    assert problems(requested='node2') == []
    assert problems(exclude=['node1'], requested='node3') == []
    assert problems(exclude=['node1', 'node2']) == []


def test_an_excluded_host_outside_drweb_servers_is_named():
    assert problems(exclude=['node1', 'node9']) == [
        'drweb_schedule_exclude names node9, which is not a member of drweb_servers (node1, node2, node3).']


def test_excluding_every_server_is_refused():
    assert problems(exclude=['node1', 'node2', 'node3']) == [
        'drweb_schedule_exclude excludes every Server of drweb_servers: one Server must run the exclusive tasks.']


def test_a_scheduler_host_excluded_or_outside_the_group_is_named():
    assert problems(exclude=['node1'], requested='node1') == [
        "drweb_scheduler_host 'node1' is excluded by drweb_schedule_exclude."]
    assert problems(requested='node9') == [
        "drweb_scheduler_host 'node9' is not a member of drweb_servers (node1, node2, node3)."]


def test_the_scheduler_host_is_not_judged_while_the_exclusion_is_wrong():
    """One mistake, one message: a wrong exclusion hides the check of the chosen host that depends on it."""
    assert problems(exclude=['node9'], requested='node9') == [
        'drweb_schedule_exclude names node9, which is not a member of drweb_servers (node1, node2, node3).']


def test_an_empty_database_host_is_named_with_every_other_problem():
    assert problems(db_host='') == ['drweb_db_host is empty; the Server schedules are in the common database it names.']
    assert problems(db_host=None, requested='node9') == [
        "drweb_scheduler_host 'node9' is not a member of drweb_servers (node1, node2, node3).",
        'drweb_db_host is empty; the Server schedules are in the common database it names.']


def test_the_input_must_be_a_mapping():
    with pytest.raises(AnsibleFilterError, match='must be a mapping'):
        schedule_settings_problems(['node1'])


def test_the_filter_is_registered():
    assert FilterModule().filters()['schedule_settings_problems'] is schedule_settings_problems
