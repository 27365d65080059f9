# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of drweb.cluster.database_status with a fake DB-API driver over SQLite.

The fake answers the statements of module_utils/drwcsd.py from an in-memory SQLite database laid out like the
drwcsd test double's schema, raises PostgreSQL-worded errors (missing relation, refused connection, failed
authentication), and records how the module connected. The lab integration test (test_database.py) runs the module
against the real PostgreSQL on db1.
"""

from __future__ import annotations

import json
import os
import sqlite3

import pytest

from ansible_collections.drweb.cluster.plugins.module_utils import drwcsd
from ansible_collections.drweb.cluster.plugins.modules import database_status
from ansible_collections.drweb.cluster.tests.unit.plugins.modules.utils import AnsibleFailJson, run_module

PASSWORD = 'S3cr3t-db-pw'
SERVER_1 = '0b8f1c52-6d3e-4f0a-9e55-2f3c1a7d9b10'
DBUUID = '0f6c1b8e-5d7a-4f0e-9a1b-2c3d4e5f6a7b'
SERVER_2 = '7c1e5a9d-2b4f-4e8a-8d1c-3f6b9a0e2c44'
ARGS = dict(login_host='db1.example', db='drwcs', login_user='drwcs', login_password=PASSWORD)


class FakeError(Exception):
    """What the driver raises."""


class FakeCursor:
    # every statement the module runs returns rows: a DB-API cursor then has a description
    description = (('column',),)

    def __init__(self, connection):
        self.connection = connection
        self.rows = []

    def execute(self, statement, arguments=()):
        self.connection.statements.append(statement)
        if statement == 'SHOW server_version':
            self.rows = [('15.8',)]
            return
        if statement == drwcsd.SQL_USER_TABLES:
            self.rows = self.connection.db.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchall()
            return
        if self.connection.fail_on and self.connection.fail_on in statement:
            raise FakeError('ERROR:  canceling statement due to user request')
        try:
            self.rows = self.connection.db.execute(statement.replace('%s', '?'), tuple(arguments)).fetchall()
        except sqlite3.OperationalError as error:
            if 'no such table' in str(error):
                raise FakeError('ERROR:  relation "%s" does not exist\nLINE 1: ...' % str(error).rsplit(': ', maxsplit=1)[-1]) from error
            raise FakeError(str(error)) from error

    def fetchall(self):
        return list(self.rows)

    def close(self):
        pass


class FakeConnection:
    def __init__(self, db, fail_on=None):
        self.db = db
        self.fail_on = fail_on
        self.statements = []
        self.closed = False
        self.rolled_back = False

    def cursor(self):
        return FakeCursor(self)

    def rollback(self):
        self.rolled_back = True

    def close(self):
        self.closed = True


class FakeDriver:
    """Stands in for psycopg: connect(**kwargs) -> FakeConnection, or raises the configured error."""

    def __init__(self):
        self.db = sqlite3.connect(':memory:')
        self.error = None
        self.fail_on = None
        self.kwargs = None
        self.connection = None

    def connect(self, **kwargs):
        self.kwargs = kwargs
        if self.error:
            raise FakeError(self.error)
        self.connection = FakeConnection(self.db, self.fail_on)
        return self.connection

    def schema(self, dbver, servers=(), stations=(), dbuuid=DBUUID):
        """The double's tables: dbstruct, the documented servers and srv_names, stations (what the module reads)."""
        self.db.execute('CREATE TABLE dbstruct (dbver INTEGER NOT NULL, dbuuid VARCHAR(36))')
        self.db.execute('INSERT INTO dbstruct VALUES (?, ?)', (dbver, dbuuid))
        self.db.execute("CREATE TABLE servers (osid VARCHAR(36) NOT NULL, id VARCHAR(36) NOT NULL, name VARCHAR(64) NOT NULL, "
                        "value TEXT DEFAULT '', updatetime NUMERIC(17) DEFAULT 0)")
        self.db.execute("CREATE TABLE srv_names (osid VARCHAR(36) PRIMARY KEY, oname TEXT DEFAULT '', updatetime NUMERIC(17))")
        self.db.execute('CREATE TABLE stations (id TEXT PRIMARY KEY, server_id TEXT NOT NULL, name TEXT)')
        for server_id, name in servers:
            self.db.execute('INSERT INTO srv_names (osid, oname, updatetime) VALUES (?, ?, 0)', (server_id, name))
            # a neighbour attribute row: the documented "servers" table is no list of the Servers using the database
            self.db.execute("INSERT INTO servers (osid, id, name, value) VALUES (?, 'neighbour-uuid', 'address', 'x')", (server_id,))
        for index, server_id in enumerate(stations):
            self.db.execute('INSERT INTO stations VALUES (?, ?, ?)', ('st-%d' % index, server_id, 'st%d' % index))


@pytest.fixture
def driver(monkeypatch):
    fake = FakeDriver()
    monkeypatch.setattr(database_status, 'psycopg', fake)
    return fake


def run(args=None, check_mode=False):
    return run_module(database_status, dict(ARGS, **(args or {})), check_mode=check_mode)


def fail(args=None):
    with pytest.raises(AnsibleFailJson) as caught:
        run(args)
    return caught.value.result


def test_an_empty_database_is_empty_and_not_initialised(driver):
    result = run(dict(release='13.00.0'))
    assert result['changed'] is False
    assert result['empty'] is True and result['tables'] == 0
    assert result['initialised'] is False
    assert result['schema_version'] is None and result['schema_matches'] is None
    assert result['schema_expected'] == 522
    assert result['servers'] == [] and result['server_ids'] == [] and result['stations_total'] == 0
    assert result['database'] == dict(host='db1.example', port=5432, name='drwcs', user='drwcs')
    assert result['postgresql_version'] == '15.8'
    assert driver.connection.closed


def test_the_session_is_read_only_and_uses_the_given_connection_settings(driver):
    run(dict(port=5433, ssl_mode='require', connect_timeout=3))
    kwargs = driver.kwargs
    assert kwargs['options'] == '-c default_transaction_read_only=on'
    assert (kwargs['host'], kwargs['port'], kwargs['dbname'], kwargs['user']) == ('db1.example', 5433, 'drwcs', 'drwcs')
    assert kwargs['password'] == PASSWORD and kwargs['sslmode'] == 'require' and kwargs['connect_timeout'] == 3


def test_no_password_means_none_is_sent(driver):
    run(dict(login_password=None))
    assert 'password' not in driver.kwargs


def test_an_initialised_database_reports_schema_servers_and_stations(driver):
    driver.schema(522, servers=[(SERVER_1, 'node1'), (SERVER_2, '')],
                  stations=[SERVER_1] * 50 + [SERVER_2] * 2 + ['gone-server'])
    result = run(dict(release='13.00.0', server_id=SERVER_2))
    assert result['empty'] is False and result['initialised'] is True
    assert result['schema_version'] == 522 and result['schema_release'] == '13.00.0'
    assert result['dbuuid'] == DBUUID
    assert result['schema_expected'] == 522 and result['schema_matches'] is True
    assert result['server_ids'] == sorted([SERVER_1, SERVER_2])
    by_id = {server['id']: server for server in result['servers']}
    assert by_id[SERVER_1] == dict(id=SERVER_1, name='node1', stations=50)
    assert by_id[SERVER_2]['stations'] == 2
    # stations of a Server that is no longer registered are still counted
    assert result['stations'] == {SERVER_1: 50, SERVER_2: 2, 'gone-server': 1}
    assert result['stations_total'] == 53
    assert result['server'] == dict(id=SERVER_2, registered=True, stations=2)


@pytest.mark.parametrize('release, expected, matches', [('13.00.1', 542, False), ('13.00.1.202310121', 542, False),
                                                        ('13.00.0', 522, True), ('11.00.2', None, None)])
def test_the_schema_is_compared_with_the_release(driver, release, expected, matches):
    driver.schema(522)
    result = run(dict(release=release))
    assert result['schema_expected'] == expected
    assert result['schema_matches'] is matches


def test_a_database_of_another_version_is_reported_with_its_release(driver):
    driver.schema(473)
    result = run(dict(release='13.00.0'))
    assert result['schema_version'] == 473 and result['schema_release'] == '12.00.0'
    assert result['schema_matches'] is False


def test_a_schema_without_the_known_tables_is_still_reported(driver):
    driver.db.execute('CREATE TABLE dbstruct (dbver INTEGER NOT NULL)')
    driver.db.execute('INSERT INTO dbstruct VALUES (473)')
    result = run(dict(release='13.00.0'))
    assert result['initialised'] is True and result['schema_version'] == 473 and result['schema_matches'] is False
    assert result['servers'] == [] and result['stations'] == {} and result['dbuuid'] is None
    assert len(result['problems']) == 3 and 'no dbuuid' in result['problems'][0] and 'no srv_names' in result['problems'][1]
    assert driver.connection.rolled_back


def test_an_unknown_schema_version_has_no_release(driver):
    driver.schema(999)
    assert run()['schema_release'] is None


def test_tables_without_dbstruct_are_not_a_drweb_database(driver):
    driver.db.execute('CREATE TABLE invoices (id INTEGER)')
    result = run(dict(release='13.00.0'))
    assert result['empty'] is False and result['tables'] == 1
    assert result['initialised'] is False and result['schema_version'] is None
    assert driver.connection.rolled_back


def test_an_unregistered_server_id(driver):
    driver.schema(522, servers=[(SERVER_1, '')])
    assert run(dict(server_id=SERVER_2))['server'] == dict(id=SERVER_2, registered=False, stations=0)


def test_server_is_only_returned_when_asked(driver):
    assert 'server' not in run()
    assert 'commands' not in run()


@pytest.mark.parametrize('error, hint', [
    ('connection failed: FATAL:  password authentication failed for user "drwcs"', 'drweb_db_password'),
    ('connection failed: Connection refused\n\tIs the server running on that host and accepting TCP/IP connections?',
     'is PostgreSQL running'),
    ('connection failed: FATAL:  database "drwcs" does not exist', 'prepare'),
    ('connection failed: FATAL:  no pg_hba.conf entry for host "10.0.0.11", user "drwcs"', 'pg_hba.conf'),
    ('connection failed: timeout expired', 'is PostgreSQL running'),
    ('something odd', 'PostgreSQL server log'),
])
def test_a_connection_error_fails_with_a_clear_message_and_no_secret(driver, error, hint):
    driver.error = error
    result = fail()
    assert result['msg'].startswith('cannot connect to the common database drwcs@db1.example:5432/drwcs from ')
    assert error.splitlines()[0] in result['msg']
    assert hint in result['msg']
    assert result['database']['name'] == 'drwcs'
    assert PASSWORD not in json.dumps(result)


def test_a_failing_query_fails_naming_the_database(driver):
    driver.schema(522)
    driver.fail_on = 'FROM srv_names'
    result = fail()
    assert 'cannot read the srv_names of drwcs@db1.example:5432/drwcs (schema version 522)' in result['msg']


def test_commands_initialise_or_import_through_the_given_configuration(driver):
    result = run(dict(drwcsd_conf='/var/opt/drwcs/etc/drwcsd.conf.new', dump_file='/var/opt/drwcs/backup/x.dump'))
    base = [drwcsd.DRWCSD_BINARY, '-home=' + drwcsd.HOME_DIR, '-var-root=' + drwcsd.VAR_DIR]
    conf = '-conf=/var/opt/drwcs/etc/drwcsd.conf.new'
    assert result['commands'] == dict(
        initdb=base + [conf, 'initdb', '-', '-', '-'],
        exportdb=base + ['exportdb', '/var/opt/drwcs/backup/x.dump'],
        importdb=base + [conf, 'importdb', '/var/opt/drwcs/backup/x.dump'],
    )


def test_initdb_loads_the_licence_key_file_when_given(driver):
    result = run(dict(drwcsd_conf='/tmp/c.conf', licence_key='/var/opt/drwcs/etc/drwcsd.conf.drweb-cluster-init.key'))
    assert result['commands']['initdb'][-4:] == ['initdb', '/var/opt/drwcs/etc/drwcsd.conf.drweb-cluster-init.key', '-', '-']


def test_commands_without_a_dump_file_only_initialise(driver):
    result = run(dict(drwcsd_conf='/tmp/c.conf'))
    assert list(result['commands']) == ['initdb']


def test_check_mode_returns_the_same(driver):
    driver.schema(522, servers=[(SERVER_1, '')], stations=[SERVER_1])
    assert run(check_mode=True) == run()


def test_only_reads(driver):
    driver.schema(522, servers=[(SERVER_1, '')], stations=[SERVER_1])
    run(dict(release='13.00.0', server_id=SERVER_1))
    assert all(statement.split()[0] in ('SELECT', 'SHOW') for statement in driver.connection.statements)


@pytest.mark.parametrize('args, message', [
    (dict(release='thirteen'), 'release must be a Dr.Web Server release'),
    (dict(port=0), 'port must be 1..65535'),
    (dict(port=70000), 'port must be 1..65535'),
    (dict(db=' '), 'db must not be empty'),
    (dict(login_host=''), 'login_host must not be empty'),
    (dict(connect_timeout=0), 'connect_timeout must be at least 1 second'),
])
def test_bad_input_is_refused_before_connecting(driver, args, message):
    assert message in fail(args)['msg']
    assert driver.kwargs is None


def test_without_a_driver_the_module_says_what_to_install(monkeypatch):
    monkeypatch.setattr(database_status, 'psycopg', None)
    result = fail()
    assert 'psycopg' in result['msg'] and 'python3-psycopg' in result['msg']


def test_the_database_uuid_tells_one_database_from_another(driver):
    driver.schema(522, dbuuid='11111111-2222-3333-4444-555555555555')
    result = run()
    assert result['dbuuid'] == '11111111-2222-3333-4444-555555555555'
    assert 'SELECT dbuuid FROM dbstruct' in driver.connection.statements


def test_the_neighbour_table_servers_is_not_read_as_the_servers_using_the_database(driver):
    driver.schema(522, servers=[(SERVER_1, 'node1')])
    result = run()
    assert result['server_ids'] == [SERVER_1]
    assert not [statement for statement in driver.connection.statements if 'FROM servers' in statement]


# --------------------------------------------------------------------------------------------------------------------
# remove_leftovers and compare_config: the attach call of a node where nothing changes is this one call
# --------------------------------------------------------------------------------------------------------------------
def leftovers(tmp_path):
    """What an interrupted initialisation leaves: the private folder with a copy of drwcsd.conf and a key, the old copy."""
    folder = tmp_path / 'drweb-cluster-secrets'
    folder.mkdir()
    (folder / 'drwcsd.conf').write_text('<drwcsd><database><pgsql password="%s"/></database></drwcsd>' % PASSWORD)
    (folder / 'licence.key').write_text('key')
    copy = tmp_path / 'drwcsd.conf.drweb-cluster-init'
    copy.write_text('copy')
    return [str(folder), str(copy), str(tmp_path / 'drwcsd.conf.drweb-cluster-init.key')]


def test_leftovers_are_removed_and_listed_before_the_database_is_read(driver, tmp_path):
    driver.schema(522)
    paths = leftovers(tmp_path)
    result = run(dict(remove_leftovers=paths))
    assert result['changed'] is True and result['leftovers'] == paths[:2]
    assert not any(os.path.lexists(path) for path in paths)
    again = run(dict(remove_leftovers=paths))
    assert again['changed'] is False and again['leftovers'] == []


def test_leftovers_in_check_mode_are_listed_not_removed(driver, tmp_path):
    paths = leftovers(tmp_path)
    result = run(dict(remove_leftovers=paths), check_mode=True)
    assert result['changed'] is True and result['leftovers'] == paths[:2]
    assert all(os.path.lexists(path) for path in paths[:2])


def test_leftovers_diff_names_the_paths_only(driver, tmp_path):
    paths = leftovers(tmp_path)
    result = run_module(database_status, dict(ARGS, remove_leftovers=paths, _ansible_diff=True))
    assert result['diff']['before'] == '%s: present\n%s: present\n' % tuple(paths[:2])
    assert result['diff']['after'] == '%s: absent\n%s: absent\n' % tuple(paths[:2])
    assert PASSWORD not in json.dumps(result)


def test_a_link_left_behind_is_removed_not_its_target(driver, tmp_path):
    target = tmp_path / 'target'
    target.mkdir()
    (target / 'keep').write_text('keep')
    link = tmp_path / 'link'
    link.symlink_to(target)
    assert run(dict(remove_leftovers=[str(link)]))['leftovers'] == [str(link)]
    assert not os.path.lexists(str(link)) and (target / 'keep').exists()


def test_leftovers_go_also_when_the_database_cannot_be_reached(driver, tmp_path):
    driver.error = 'connection to server at "db1.example" (10.0.0.2), port 5432 failed: Connection refused'
    paths = leftovers(tmp_path)
    result = fail(dict(remove_leftovers=paths))
    assert 'cannot connect to the common database' in result['msg']
    assert result['changed'] is True and result['leftovers'] == paths[:2] and 'leftovers_failed' not in result
    assert not any(os.path.lexists(path) for path in paths)


def test_a_leftover_that_cannot_be_removed_fails_naming_it(driver, tmp_path, monkeypatch):
    paths = leftovers(tmp_path)

    def refuse(path):
        raise OSError(13, 'Permission denied', path)
    monkeypatch.setattr(database_status.os, 'remove', refuse)
    result = fail(dict(remove_leftovers=[paths[1]]))
    assert result['leftovers_failed'] is True
    assert result['msg'] == ('cannot remove %s, a temporary secret file an interrupted run left behind: Permission denied'
                             % paths[1])
    assert driver.kwargs is None


def conf_with(tmp_path, **attributes):
    values = dict(dbname='drwcs', host='db1.example', port='5432', user='drwcs', password=PASSWORD, requiressl='no')
    values.update(attributes)
    path = tmp_path / 'drwcsd.conf'
    path.write_text('<?xml version="1.0"?>\n<drwcsd>\n  <database connections="2">\n    <pgsql %s/>\n  </database>\n</drwcsd>\n'
                    % ' '.join('%s="%s"' % item for item in values.items()))
    return str(path)


def test_compare_config_says_the_section_is_the_same(driver, tmp_path):
    driver.schema(522)
    result = run(dict(compare_config=conf_with(tmp_path)))
    assert result['config_section'] == dict(path=str(tmp_path / 'drwcsd.conf'), same=True, differences=[], problem=None)
    assert result['changed'] is False


def test_compare_config_names_what_differs_never_a_value(driver, tmp_path):
    driver.schema(522)
    result = run(dict(compare_config=conf_with(tmp_path, password='0ld-pw', port='6432')))
    assert result['config_section']['same'] is False
    assert result['config_section']['differences'] == ['password', 'port']
    assert '0ld-pw' not in json.dumps(result) and PASSWORD not in json.dumps(result)
    tls = run(dict(compare_config=conf_with(tmp_path), ssl_mode='require'))
    assert tls['config_section']['differences'] == ['requiressl']


def test_compare_config_is_given_also_when_the_database_cannot_be_reached(driver, tmp_path):
    driver.error = 'FATAL:  password authentication failed for user "drwcs"'
    result = fail(dict(compare_config=conf_with(tmp_path)))
    assert result['config_section']['same'] is True
    missing = fail(dict(compare_config=str(tmp_path / 'none.conf')))
    assert missing['config_section']['same'] is False and 'cannot read' in missing['config_section']['problem']
