# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of drweb.cluster.license_key with a fake psycopg over SQLite and a stubbed local Web API.

The lab integration test (test_license_schedule.py) runs the module, through the licence role, against PostgreSQL
and the drwcsd double.
"""

from __future__ import annotations

import io

import pytest

from ansible_collections.drweb.cluster.plugins.module_utils import common_database, web_api
from ansible_collections.drweb.cluster.plugins.modules import license_key
from ansible_collections.drweb.cluster.tests.unit.plugins.modules.sqlite_driver import FakeDriver
from ansible_collections.drweb.cluster.tests.unit.plugins.modules.utils import AnsibleFailJson, run_module

PASSWORD = 'S3cr3t-db-pw'
ARGS = dict(login_host='db1.example', db='drwcs', login_user='drwcs', login_password=PASSWORD)
SIGNATURE = 'c0ffee' * 10


def key(number='0110000001', expires='20301231', user='Example Ltd'):
    return ('[Key]\nKeyNumber=%s\nCreated=20240101\nExpires=%s\nClients=50\n[User]\nName=%s\n[Signature]\nValue=%s\n'
            % (number, expires, user, SIGNATURE))


@pytest.fixture
def driver(monkeypatch):
    fake = FakeDriver()
    monkeypatch.setattr(common_database, 'psycopg', fake)
    return fake


def run(args=None, check_mode=False):
    return run_module(license_key, dict(ARGS, **(args or {})), check_mode=check_mode)


def fail(args=None):
    with pytest.raises(AnsibleFailJson) as failed:
        run(args)
    return failed.value.result


def test_a_new_key_is_added_once(driver):
    result = run(dict(content=key()))
    assert result['changed'] is True and result['present_before'] is False
    assert result['key'] == {'number': '0110000001', 'user': 'Example Ltd', 'expires': '2030-12-31'}
    assert driver.key_ids() == ['0110000001']
    stored = driver.db.execute('SELECT value FROM available_keys').fetchone()[0]
    assert stored == key()
    again = run(dict(content=key()))
    assert again['changed'] is False and again['present_before'] is True
    assert driver.key_ids() == ['0110000001']


def test_check_mode_predicts_the_addition_and_writes_nothing(driver):
    result = run(dict(content=key()), check_mode=True)
    assert result['changed'] is True
    assert result['database_keys'] == ['0110000001']
    assert driver.key_ids() == []


def test_query_never_writes(driver):
    result = run(dict(content=key(), state='query'))
    assert result['changed'] is False and result['present_before'] is False
    assert driver.key_ids() == []
    assert 'default_transaction_read_only' in driver.connections[0]['options']


def test_a_key_already_there_under_another_row_id_counts_by_its_number(driver):
    driver.db.execute("INSERT INTO available_keys (id, value, type) VALUES ('some-uuid', ?, 0)", (key(),))
    assert run(dict(content=key()))['changed'] is False


@pytest.mark.parametrize('content, words', [
    ('', 'empty'),
    ('just some text\n', 'outside a [section]'),
    ('[Key]\nKeyNumber=1\n', 'no [Signature]'),
    ('[Signature]\nValue=1\n', 'no [Key] section'),
    ('[Key]\nKeyNumber=1\nExpires=2030-12-31\n[Signature]\n', 'not a date'),
    ('PK\x03\x04\x00\x00', 'binary'),
])
def test_a_file_that_is_not_a_key_fails_before_any_connection(driver, content, words):
    result = fail(dict(content=content))
    assert 'not a Dr.Web licence key' in result['msg'] and words in result['msg']
    assert driver.connections == []


def test_an_expired_key_fails_before_any_connection(driver):
    result = fail(dict(content=key(expires='20200101')))
    assert 'expired on 2020-01-01' in result['msg']
    assert driver.connections == []


def test_check_only_reads_the_key_and_connects_to_nothing(driver):
    result = run(dict(content=key(), state='check'))
    assert result['changed'] is False and result['valid'] is True and result['key']['number'] == '0110000001'
    assert 'present_before' not in result and key() not in repr(result)
    assert driver.connections == []
    assert 'expired on 2020-01-01' in fail(dict(content=key(expires='20200101'), state='check'))['msg']
    assert 'not a Dr.Web licence key' in fail(dict(content='nothing', state='check'))['msg']
    assert driver.connections == []


def test_the_key_content_never_appears_in_the_result(driver):
    result = run(dict(content=key()))
    assert SIGNATURE not in str(result)
    failed = fail(dict(content=key(expires='20200101')))
    assert SIGNATURE not in str(failed)


def test_an_unreachable_database_is_named_without_the_password(driver):
    driver.refuse = 'connection failed: Connection refused'
    result = fail(dict(content=key()))
    assert 'drwcs@db1.example:5432/drwcs' in result['msg'] and 'drweb_db_port' in result['msg']
    assert PASSWORD not in str(result)


def test_a_failed_insert_is_rolled_back(driver):
    driver.fail_on = 'INSERT'
    result = fail(dict(content=key()))
    assert 'nothing was changed' in result['msg']
    assert driver.key_ids() == []


class Reply(io.BytesIO):
    pass


def test_in_use_comes_from_the_servers_keys_ds(driver, monkeypatch):
    calls = []

    def fake_open_url(url, **kwargs):
        calls.append((url, kwargs))
        return Reply(b'<response status="true"><keys><key id="0110000001" user="x" expires="1"/></keys></response>')

    monkeypatch.setattr(web_api, 'open_url', fake_open_url)
    result = run(dict(content=key(), state='query', admin_password='admin-pw'))
    assert result['in_use'] is True and result['server_keys'] == ['0110000001']
    assert calls[0][0].endswith('/api/server/keys.ds') and calls[0][1]['force_basic_auth'] is True
    other = run(dict(content=key(number='0110000009'), state='query', admin_password='admin-pw'))
    assert other['in_use'] is False


def test_an_unanswered_web_api_is_reported_not_guessed(driver, monkeypatch):
    def refuse(url, **kwargs):
        raise OSError('Connection refused')

    monkeypatch.setattr(web_api, 'open_url', refuse)
    result = run(dict(content=key(), state='query', admin_password='admin-pw'))
    assert result['in_use'] is None and 'Connection refused' in result['web_api_error']


@pytest.mark.parametrize('body, said', [
    (b'<drweb-es-api status="false"><error><errno>1</errno><message>Authentication failed</message></error></drweb-es-api>',
     'keys.ds refused: Authentication failed'),
    (b'<html>Control Center', 'keys.ds reply is not XML: '),
])
def test_a_web_api_that_refuses_or_answers_no_xml_is_reported_not_guessed(driver, monkeypatch, body, said):
    monkeypatch.setattr(web_api, 'open_url', lambda url, **kwargs: Reply(body))
    result = run(dict(content=key(), state='query', admin_password='admin-pw'))
    assert result['in_use'] is None and result['web_api_error'].startswith(said)
    assert 'admin-pw' not in str(result)
