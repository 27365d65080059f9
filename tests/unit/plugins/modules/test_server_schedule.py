# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of drweb.cluster.server_schedule with a fake psycopg over SQLite (the drwcsd double's schedule table).

The lab integration test (test_license_schedule.py) runs the module, through the schedule role, against PostgreSQL.
"""

from __future__ import annotations

import pytest

from ansible_collections.drweb.cluster.plugins.module_utils import common_database, drwcsd
from ansible_collections.drweb.cluster.plugins.modules import server_schedule
from ansible_collections.drweb.cluster.tests.unit.plugins.modules.sqlite_driver import FakeDriver
from ansible_collections.drweb.cluster.tests.unit.plugins.modules.utils import AnsibleFailJson, run_module

PASSWORD = 'S3cr3t-db-pw'
SERVER_1 = '0b8f1c52-6d3e-4f0a-9e55-2f3c1a7d9b10'
SERVER_2 = '7c1e5a9d-2b4f-4e8a-8d1c-3f6b9a0e2c44'
ARGS = dict(login_host='db1.example', db='drwcs', login_user='drwcs', login_password=PASSWORD)
DEFAULT = dict([(name, True) for name in drwcsd.EXCLUSIVE_SCHEDULE_TASKS] + [('Update', True)])


@pytest.fixture
def driver(monkeypatch):
    fake = FakeDriver()
    fake.add_schedule(SERVER_1, DEFAULT)
    fake.add_schedule(SERVER_2, DEFAULT)
    monkeypatch.setattr(common_database, 'psycopg', fake)
    return fake


def run(args=None, check_mode=False, diff=False):
    merged = dict(ARGS, **(args or {}))
    if diff:
        merged['_ansible_diff'] = True
    return run_module(server_schedule, merged, check_mode=check_mode)


def fail(args=None):
    with pytest.raises(AnsibleFailJson) as failed:
        run(args)
    return failed.value.result


def test_reading_returns_every_servers_schedule_and_changes_nothing(driver):
    result = run()
    assert result['changed'] is False
    assert result['schedules'] == {SERVER_1: DEFAULT, SERVER_2: DEFAULT}
    assert result['exclusive_tasks'] == list(drwcsd.EXCLUSIVE_SCHEDULE_TASKS)
    assert driver.commits == 0


def test_exclusive_false_disables_the_five_tasks_of_that_server_only(driver):
    result = run(dict(server_id=SERVER_2, exclusive=False))
    assert result['changed'] is True
    assert sorted(change['task'] for change in result['changes']) == sorted(drwcsd.EXCLUSIVE_SCHEDULE_TASKS)
    after = driver.schedule(SERVER_2)
    assert [name for name, enabled in after.items() if enabled] == ['Update']
    assert driver.schedule(SERVER_1) == DEFAULT
    assert result['schedules'][SERVER_2] == after


def test_a_second_call_changes_nothing(driver):
    run(dict(server_id=SERVER_2, exclusive=False))
    assert run(dict(server_id=SERVER_2, exclusive=False))['changed'] is False


def test_check_mode_predicts_and_writes_nothing(driver):
    result = run(dict(server_id=SERVER_1, tasks={'Purge Old Data': False}), check_mode=True)
    assert result['changed'] is True
    assert result['tasks'] == {'Purge Old Data': False}
    assert driver.schedule(SERVER_1)['Purge Old Data'] is True
    assert driver.commits == 0


def test_diff_shows_the_named_tasks_before_and_after(driver):
    result = run(dict(server_id=SERVER_1, tasks={'Purge Old Data': False, 'Update': True}), diff=True)
    assert result['diff']['before'] == {'Purge Old Data': True}
    assert result['diff']['after'] == {'Purge Old Data': False}
    assert SERVER_1 in result['diff']['before_header']


def test_tasks_override_the_exclusive_shorthand(driver):
    run(dict(server_id=SERVER_1, exclusive=False, tasks={'Backup sensitive data': True}))
    assert driver.schedule(SERVER_1)['Backup sensitive data'] is True
    assert driver.schedule(SERVER_1)['Purge Old Data'] is False


def test_an_unknown_task_name_fails_and_changes_nothing(driver):
    result = fail(dict(server_id=SERVER_1, tasks={'Purge Old Data': False, 'Purge everything': False}))
    assert "no task named 'Purge everything'" in result['msg']
    assert driver.schedule(SERVER_1) == DEFAULT


def test_a_server_without_schedule_fails_naming_the_known_ones(driver):
    result = fail(dict(server_id='ffffffff-0000-0000-0000-000000000000', exclusive=True))
    assert 'has no schedule' in result['msg'] and SERVER_1 in result['msg']


def test_tasks_need_a_server_id(driver):
    assert 'needs server_id' in fail(dict(exclusive=True))['msg']


def test_a_refused_connection_names_the_database_and_the_variables_without_the_password(driver):
    driver.refuse = 'connection failed: Connection refused\n\tIs the server running?'
    result = fail(dict(server_id=SERVER_1, exclusive=True))
    assert 'drwcs@db1.example:5432/drwcs' in result['msg']
    assert 'drweb_db_host' in result['msg']
    assert PASSWORD not in str(result)


def test_a_failed_update_is_rolled_back(driver):
    driver.fail_on = 'UPDATE'
    result = fail(dict(server_id=SERVER_1, exclusive=False))
    assert 'nothing was changed' in result['msg']
    assert driver.schedule(SERVER_1) == DEFAULT


def test_the_connection_uses_the_given_settings(driver):
    run(dict(port=5433, ssl_mode='require', connect_timeout=3))
    connection = driver.connections[0]
    assert (connection['host'], connection['port'], connection['dbname'], connection['user']) == ('db1.example', 5433, 'drwcs', 'drwcs')
    assert connection['sslmode'] == 'require' and connection['connect_timeout'] == 3
    assert connection['password'] == PASSWORD


@pytest.mark.parametrize('stored', ['Purge old data', 'PURGE OLD DATA', 'Purge  Old Data'])
def test_a_task_stored_in_another_capitalisation_is_the_vendors_task(monkeypatch, stored):
    """The vendor's chapter writes "Purge Old Data"; a schedule may hold "Purge old data": the same task."""
    fake = FakeDriver()
    tasks = dict(DEFAULT)
    del tasks['Purge Old Data']
    tasks[stored] = True
    fake.add_schedule(SERVER_1, tasks)
    monkeypatch.setattr(common_database, 'psycopg', fake)
    result = run()
    assert result['schedules'][SERVER_1]['Purge Old Data'] is True
    assert stored not in result['schedules'][SERVER_1] or stored == 'Purge Old Data'
    result = run(dict(server_id=SERVER_1, exclusive=False))
    assert result['changed'] is True
    assert fake.schedule(SERVER_1)[stored] is False, 'the stored row keeps its name and is disabled'
    assert result['schedules'][SERVER_1]['Purge Old Data'] is False
    assert run(dict(server_id=SERVER_1, exclusive=False))['changed'] is False


def test_task_names_given_in_any_capitalisation_match(driver):
    result = run(dict(server_id=SERVER_1, tasks={'purge old data': False}))
    assert result['changes'] == [dict(task='Purge Old Data', before=True, after=False)]
    assert result['tasks'] == {'Purge Old Data': False}
    assert driver.schedule(SERVER_1)['Purge Old Data'] is False


def test_tasks_in_another_capitalisation_override_the_exclusive_shorthand(driver):
    run(dict(server_id=SERVER_1, exclusive=False, tasks={'purge old data': True}))
    assert driver.schedule(SERVER_1)['Purge Old Data'] is True
    assert driver.schedule(SERVER_1)['Backup sensitive data'] is False
