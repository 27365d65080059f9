# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of drweb.cluster.server_facts against fake installations built in tmp_path."""

from __future__ import annotations

import hashlib
import io
import json
import sqlite3

import pytest

from ansible_collections.drweb.cluster.plugins.module_utils import drwcsd
from ansible_collections.drweb.cluster.plugins.module_utils import web_api as web_api_client
from ansible_collections.drweb.cluster.plugins.modules import server_facts
from ansible_collections.drweb.cluster.tests.unit.plugins.modules.utils import run_module

SERVER_ID = '0b8f1c52-6d3e-4f0a-9e55-2f3c1a7d9b10'
SALT = '5d41402abc4b2a76b9719d911017c592'
DB_PASSWORD = 'S3cr3t-db-pw'
ADMIN_PASSWORD = 'S3cr3t-admin-pw'

CONF_SQLITE = '''<?xml version="1.0" encoding="utf-8"?>
<drwcsd>
  <version value="13"/>
  <name value="node1"/>
  <id value="%s"/>
  <passwd-salt value="%s"/>
  <database connections="2"><sqlite dbfile="database.sqlite" wal="YES"/></database>
</drwcsd>
''' % (SERVER_ID, SALT)

CONF_PGSQL = '''<?xml version="1.0" encoding="utf-8"?>
<drwcsd>
  <name value=""/>
  <id value="%s"/>
  <passwd-salt value=""/>
  <database><pgsql dbname="drwcs" host="db1" port="5433" user="drwcs" password="%s"/></database>
</drwcsd>
''' % (SERVER_ID, DB_PASSWORD)

MARKER = '#!/bin/sh\n# product=drweb-esuite\nPRODUCT=drweb-esuite\nVERSION=13.00.0\nBUILD=13.00.0.202005090\n'

SUMMARY = b'''<?xml version="1.0" encoding="utf-8"?>
<drweb-es-api api_version="4.3.2" status="true" srv_version="13.00.1.202310121"><server-summary>
<version>13.00.1.202310121</version>
<keys><key id="0110000001" user="Lab" expires="1924905600"/><key id="k-2" user="Lab" expires="20301231"/><key id="k-3" expires="0"/></keys>
<cluster enabled="yes" active="yes"><peer id="p-2" name="node2" address="10.0.0.12" version="13.00.1.202310121"/></cluster>
</server-summary></drweb-es-api>'''


STATIONS = b'''<?xml version="1.0" encoding="utf-8"?>
<drweb-es-api api_version="4.3.0" status="true" srv_version="13.00.0.202005090">
<stations total="%d"><station id="1001" name="1001"/></stations><pages total="4" current="1" objects-per-page="1"/>
</drweb-es-api>'''


@pytest.fixture
def install(tmp_path, monkeypatch):
    """A fake product tree under tmp_path; drwcsd's paths point into it. Returns a helper to fill it."""
    home, var = tmp_path / 'opt' / 'drwcs', tmp_path / 'var' / 'opt' / 'drwcs'
    software = tmp_path / 'etc' / 'opt' / 'drweb.com' / 'software'
    for path in (home / 'bin', var / 'etc', var / 'log', software):
        path.mkdir(parents=True)
    values = dict(HOME_DIR=home, VAR_DIR=var, ETC_DIR=var / 'etc', BIN_DIR=home / 'bin', DRWCSD_BINARY=home / 'bin' / 'drwcsd',
                  CONFIG_FILE=var / 'etc' / 'drwcsd.conf', EMBEDDED_DATABASE_FILE=var / 'database.sqlite',
                  LOG_FILE=var / 'log' / 'drwcsd.log', INIT_SCRIPT=tmp_path / 'etc' / 'init.d' / 'drwcsd',
                  PRODUCT_MARKER_DIR=software, PRODUCT_MARKER_FILE=software / 'drweb-esuite.remove', OPTIONS_FILE=software / 'drwcsd')
    for name, value in values.items():
        monkeypatch.setattr(drwcsd, name, str(value))
    # a host where systemd is not the service manager, whatever runs the tests
    monkeypatch.setattr(server_facts, 'SYSTEMD_BOOTED_DIR', str(tmp_path / 'run' / 'systemd' / 'system'))
    return values


DBUUID = '0f6c1b8e-5d7a-4f0e-9a1b-2c3d4e5f6a7b'


def make_db(path, stations, dbver=522, server_id=SERVER_ID, dbuuid=DBUUID, keys=0, schedule=None):
    """A database of the drwcsd double's layout; dbuuid None: an older dbstruct without the column."""
    connection = sqlite3.connect(str(path))
    if dbuuid is None:
        connection.execute('CREATE TABLE dbstruct (dbver INTEGER)')
        connection.execute('INSERT INTO dbstruct VALUES (?)', (dbver,))
    else:
        connection.execute('CREATE TABLE dbstruct (dbver INTEGER, dbuuid VARCHAR(36))')
        connection.execute('INSERT INTO dbstruct VALUES (?, ?)', (dbver, dbuuid))
    connection.execute('CREATE TABLE stations (id TEXT, server_id TEXT, name TEXT)')
    for number in range(stations):
        connection.execute('INSERT INTO stations VALUES (?, ?, ?)', ('s%d' % number, server_id, 'station%d' % number))
    connection.execute('CREATE TABLE available_keys (id TEXT, value TEXT)')
    for number in range(keys):
        connection.execute('INSERT INTO available_keys VALUES (?, ?)', ('k%d' % number, '[Key]'))
    if schedule is not None:
        connection.execute('CREATE TABLE server_schedule (server_id TEXT, name TEXT, enabled INTEGER)')
        for owner, name, enabled in schedule:
            connection.execute('INSERT INTO server_schedule VALUES (?, ?, ?)', (owner, name, enabled))
    connection.commit()
    connection.close()


def facts(args=None, check_mode=False):
    result = run_module(server_facts, args or {}, check_mode=check_mode)
    assert result['changed'] is False
    assert result['ansible_facts']['drweb_server'] == result['server']
    return result['server']


def test_a_node_without_the_product_reports_not_installed(install):
    server = facts()
    assert server['installed'] is False
    assert server['running'] is False
    assert server['version'] is None and server['version_source'] is None
    assert server['own_data'] == dict(stations=None, licence_keys=None, holds_data=None, source='not installed',
                                      stations_source=None)
    assert server['paths']['config'] == str(install['CONFIG_FILE'])
    assert server['paths']['init_script'] == str(install['INIT_SCRIPT'])


def test_an_embedded_install_reports_version_identity_and_its_stations(install):
    install['PRODUCT_MARKER_FILE'].write_text(MARKER)
    install['CONFIG_FILE'].write_text(CONF_SQLITE)
    make_db(install['EMBEDDED_DATABASE_FILE'], stations=3)
    server = facts()
    assert server['installed'] is True
    assert (server['version'], server['build'], server['version_source']) == ('13.00.0', '13.00.0.202005090', 'marker')
    assert (server['server_id'], server['name']) == (SERVER_ID, 'node1')
    assert server['passwd_salt_sha256'] == hashlib.sha256(SALT.encode()).hexdigest()
    assert SALT not in json.dumps(server)
    assert server['database']['mode'] == 'embedded'
    assert server['database']['dbfile'] == str(install['EMBEDDED_DATABASE_FILE'])
    assert server['database']['schema_version'] == server['database']['schema_expected'] == 522
    assert server['own_data']['stations'] == 3 and server['own_data']['holds_data'] is True
    assert server['own_data']['stations_source'] == 'database'
    assert server['database']['dbuuid'] == DBUUID
    assert server['web_api']['status'] == 'skipped'


def test_the_embedded_database_is_opened_read_only(install):
    install['PRODUCT_MARKER_FILE'].write_text(MARKER)
    install['CONFIG_FILE'].write_text(CONF_SQLITE)
    make_db(install['EMBEDDED_DATABASE_FILE'], stations=0)
    before = hashlib.sha256(install['EMBEDDED_DATABASE_FILE'].read_bytes()).hexdigest()
    server = facts()
    assert server['own_data'] == dict(stations=0, licence_keys=0, holds_data=False, stations_source='database',
                                      source='embedded database %s' % install['EMBEDDED_DATABASE_FILE'])
    assert hashlib.sha256(install['EMBEDDED_DATABASE_FILE'].read_bytes()).hexdigest() == before


def test_an_absent_embedded_database_holds_no_data(install):
    install['PRODUCT_MARKER_FILE'].write_text(MARKER)
    install['CONFIG_FILE'].write_text(CONF_SQLITE)
    own = facts()['own_data']
    assert own['stations'] == 0 and own['holds_data'] is False and 'absent' in own['source']


def test_the_log_banner_is_the_last_resort_for_the_version(install):
    install['DRWCSD_BINARY'].write_text('#!/bin/sh\n')
    install['LOG_FILE'].write_text(
        '20250101.000000.000 ii [ 1] Dr.Web (R) Enterprise Server REL-1300 Build 13.00.0.202005090 Linux/x86_64\n'
        '20250102.000000.000 ii [ 2] Dr.Web (R) Enterprise Server REL-1300 Build 13.00.1.202310121 Linux/x86_64\n')
    server = facts()
    assert (server['version'], server['build'], server['version_source']) == ('13.00.1', '13.00.1.202310121', 'log')
    assert any('drwcsd.conf' in problem for problem in server['problems'])
    assert server['database']['mode'] is None
    assert server['own_data']['stations'] is None


def test_an_external_database_never_shows_its_password(install, monkeypatch):
    install['PRODUCT_MARKER_FILE'].write_text(MARKER)
    install['CONFIG_FILE'].write_text(CONF_PGSQL)
    monkeypatch.setattr(server_facts, 'HAS_PSYCOPG', False)
    server = facts()
    database = server['database']
    assert (database['mode'], database['host'], database['port'], database['name'], database['user']) == \
        ('external', 'db1', 5433, 'drwcs', 'drwcs')
    assert database['password_set'] is True
    assert server['passwd_salt_sha256'] is None
    assert server['own_data']['stations'] is None and server['own_data']['holds_data'] is None
    assert 'psycopg' in server['own_data']['source']
    assert DB_PASSWORD not in json.dumps(server)


def test_an_external_database_counts_only_this_servers_stations(install, monkeypatch):
    install['PRODUCT_MARKER_FILE'].write_text(MARKER)
    install['CONFIG_FILE'].write_text(CONF_PGSQL)
    shared = str(install['VAR_DIR'] / 'shared.sqlite')
    make_db(shared, stations=2)
    connection = sqlite3.connect(shared)
    connection.execute("INSERT INTO stations VALUES ('other', 'another-server', 'x')")
    connection.commit()
    connection.close()
    seen = {}

    class FakePsycopg:  # pylint: disable=too-few-public-methods
        """psycopg.connect stand-in backed by SQLite (paramstyle %s)."""

        @staticmethod
        def connect(**params):
            seen.update(params)
            real = sqlite3.connect(shared)

            class Cursor:  # pylint: disable=too-few-public-methods
                def __init__(self):
                    self.cursor = real.cursor()

                def execute(self, sql, args=()):
                    self.cursor.execute(sql.replace('%s', '?'), args)

                def fetchone(self):
                    return self.cursor.fetchone()

                def fetchall(self):
                    return self.cursor.fetchall()

            class Connection:  # pylint: disable=too-few-public-methods
                def cursor(self):
                    return Cursor()

                def rollback(self):
                    real.rollback()

                def close(self):
                    real.close()
            return Connection()

    monkeypatch.setattr(server_facts, 'HAS_PSYCOPG', True)
    monkeypatch.setattr(server_facts, 'psycopg', FakePsycopg)
    server = facts()
    assert server['own_data']['stations'] == 2 and server['own_data']['holds_data'] is True
    assert server['database']['schema_version'] == 522
    assert server['database']['dbuuid'] == DBUUID
    # the common database's licence keys are every Server's: not this Server's own data
    assert server['own_data']['licence_keys'] is None
    assert (seen['host'], seen['port'], seen['dbname'], seen['user'], seen['password']) == ('db1', 5433, 'drwcs', 'drwcs', DB_PASSWORD)
    assert DB_PASSWORD not in json.dumps(server)


def test_the_web_api_wins_when_the_server_runs_and_a_password_is_given(install, monkeypatch):
    install['PRODUCT_MARKER_FILE'].write_text(MARKER)  # the marker says 13.00.0: the running process says otherwise
    install['CONFIG_FILE'].write_text(CONF_SQLITE)
    calls = []

    def fake_open_url(url, **kwargs):
        calls.append((url, kwargs))
        return io.BytesIO(SUMMARY if 'summary.ds' in url else STATIONS % 0)
    monkeypatch.setattr(server_facts.ServerFacts, 'running', lambda self: True)
    monkeypatch.setattr(web_api_client, 'open_url', fake_open_url)
    server = facts(dict(admin_password=ADMIN_PASSWORD))
    assert (server['version'], server['build'], server['version_source']) == ('13.00.1', '13.00.1.202310121', 'webapi')
    assert server['web_api']['status'] == 'ok'
    assert server['web_api']['peers'] == [dict(id='p-2', name='node2', address='10.0.0.12', version='13.00.1.202310121')]
    # the licence keys from the same reply: Unix seconds as given, YYYYMMDD read as that day, 0 = no end date
    assert server['web_api']['keys'] == [dict(id='0110000001', expires=1924905600), dict(id='k-2', expires=1924905600),
                                         dict(id='k-3', expires=None)]
    assert [url for url, _kwargs in calls].count('https://127.0.0.1:9081/api/server/summary.ds') == 1
    url, kwargs = calls[0]
    assert url == 'https://127.0.0.1:9081/api/server/summary.ds'
    assert kwargs['force_basic_auth'] is True and kwargs['validate_certs'] is False
    assert ADMIN_PASSWORD not in json.dumps(server)


def test_a_web_api_refusal_falls_back_to_the_marker(install, monkeypatch):
    install['PRODUCT_MARKER_FILE'].write_text(MARKER)
    install['CONFIG_FILE'].write_text(CONF_SQLITE)
    refusal = b'<drweb-es-api status="false"><error><errno>1</errno><message>Authentication failed</message></error></drweb-es-api>'
    monkeypatch.setattr(server_facts.ServerFacts, 'running', lambda self: True)
    monkeypatch.setattr(web_api_client, 'open_url', lambda url, **kwargs: io.BytesIO(refusal))
    server = facts(dict(admin_password='wrong'))
    assert server['version_source'] == 'marker'
    assert server['web_api']['status'] == 'error' and 'Authentication failed' in server['web_api']['error']
    # a wrong password is not a lost database: the install role must not restart for it
    assert server['web_api']['database_unavailable'] is False


def test_a_refusal_naming_the_database_says_the_server_lost_it(install, monkeypatch):
    install['PRODUCT_MARKER_FILE'].write_text(MARKER)
    install['CONFIG_FILE'].write_text(CONF_SQLITE)
    refusal = (b'<drweb-es-api status="false"><error><errno>1</errno>'
               b'<message>Authentication failed: the database is not available</message></error></drweb-es-api>')
    monkeypatch.setattr(server_facts.ServerFacts, 'running', lambda self: True)
    monkeypatch.setattr(web_api_client, 'open_url', lambda url, **kwargs: io.BytesIO(refusal))
    server = facts(dict(admin_password=ADMIN_PASSWORD))
    assert server['web_api']['status'] == 'error'
    assert server['web_api']['database_unavailable'] is True


def test_check_mode_returns_the_same_facts(install):
    install['PRODUCT_MARKER_FILE'].write_text(MARKER)
    install['CONFIG_FILE'].write_text(CONF_SQLITE)
    make_db(install['EMBEDDED_DATABASE_FILE'], stations=1)
    assert facts(check_mode=True) == facts()


def test_a_package_is_named_by_its_release_and_hashed(tmp_path):
    package = tmp_path / 'drweb-13.00.1-esuite-server-linux-x86_64.run'
    package.write_bytes(b'#!/bin/sh\nexit 0\n')
    result = run_module(server_facts, dict(package=str(package)))
    info = result['package']
    assert 'ansible_facts' not in result and 'server' not in result
    assert (info['release'], info['readable'], info['url']) == ('13.00.1', True, False)
    assert info['sha256'] == hashlib.sha256(b'#!/bin/sh\nexit 0\n').hexdigest()
    assert info['install_arguments'] == drwcsd.INSTALLER_UNATTENDED_ARGUMENTS
    assert info['admin_password_option'] == drwcsd.INSTALLER_ADMIN_PASSWORD_OPTION


@pytest.mark.parametrize('path, release, readable, error', [
    ('/nonexistent/drweb-13.00.0-esuite-server-linux-x86_64.run', '13.00.0', False, 'does not exist'),
    ('https://mirror.example/pub/drweb-13.00.1-esuite-server-linux-x86_64.run?x=1', '13.00.1', None, None),
    ('/nonexistent/server.run', None, False, 'does not exist'),
])
def test_missing_packages_and_urls_are_reported_without_failing(path, release, readable, error):
    info = run_module(server_facts, dict(package=path))['package']
    assert info['release'] == release and info['readable'] == readable
    assert (info['error'] is None) if error is None else (error in info['error'])


# --- the cluster member read: gather_subset -------------------------------------------------------------------------

def test_an_older_dbstruct_without_dbuuid_still_counts(install):
    install['PRODUCT_MARKER_FILE'].write_text(MARKER)
    install['CONFIG_FILE'].write_text(CONF_SQLITE)
    make_db(install['EMBEDDED_DATABASE_FILE'], stations=1, dbuuid=None)
    server = facts()
    assert server['database']['dbuuid'] is None
    assert server['own_data']['stations'] == 1 and server['own_data']['holds_data'] is True


def test_licence_keys_in_its_own_database_are_own_data(install):
    install['PRODUCT_MARKER_FILE'].write_text(MARKER)
    install['CONFIG_FILE'].write_text(CONF_SQLITE)
    make_db(install['EMBEDDED_DATABASE_FILE'], stations=0, keys=1)
    own = facts()['own_data']
    assert (own['stations'], own['licence_keys'], own['holds_data']) == (0, 1, True)


def test_the_schedule_subset_names_the_exclusive_tasks_enabled_for_this_server(install):
    install['PRODUCT_MARKER_FILE'].write_text(MARKER)
    install['CONFIG_FILE'].write_text(CONF_SQLITE)
    make_db(install['EMBEDDED_DATABASE_FILE'], stations=0, schedule=[
        (SERVER_ID, 'Purge old data', 1), (SERVER_ID, 'Backup sensitive data', 0), (SERVER_ID, 'Update', 1),
        (SERVER_ID, 'PURGE OLD STATIONS', 1), ('another-server', 'Purge expired stations', 1)])
    server = facts(dict(gather_subset=['schedule']))
    # names compared without case, returned in the vendor's spelling ("Purge Old Data", the cluster chapter)
    assert server['schedule'] == dict(exclusive_enabled=['Purge Old Data', 'Purge old stations'], source='database')
    assert 'schedule' not in facts()


def test_the_repository_subset_gives_the_distributed_revision_of_each_product(install, monkeypatch, tmp_path):
    repository = tmp_path / 'repository'
    for code, revisions, current in (('10-drwbases', ['20250101000000', '20250201000000'], '20250101000000'),
                                     ('20-drwcs', ['20250101000000', '20250201000000'], None)):
        for revision in revisions:
            (repository / code / revision).mkdir(parents=True)
        if current:
            (repository / code / drwcsd.REPOSITORY_CURRENT_FILE).write_text(current)
    (repository / 'not-a-product').mkdir()
    monkeypatch.setattr(drwcsd, 'REPOSITORY_DIR', str(repository))
    install['PRODUCT_MARKER_FILE'].write_text(MARKER)
    install['CONFIG_FILE'].write_text(CONF_SQLITE)
    server = facts(dict(gather_subset=['repository']))
    assert server['repository'] == {'10-drwbases': '20250101000000', '20-drwcs': '20250201000000'}


def test_the_install_dir_subset_tells_a_foreign_folder_from_ours(install, tmp_path):
    ours, foreign = tmp_path / 'ours', tmp_path / 'foreign'
    ours.mkdir()
    (ours / 'drweb-13.00.0-esuite-server-linux-x86_64.run').write_text('x')
    foreign.mkdir()
    (foreign / 'unrelated.txt').write_text('x')
    assert facts(dict(gather_subset=['install_dir'], install_dir=str(tmp_path / 'absent')))['install_dir'] == dict(
        path=str(tmp_path / 'absent'), exists=False, is_dir=False, entries=0, foreign=[])
    assert facts(dict(gather_subset=['install_dir'], install_dir=str(ours)))['install_dir']['foreign'] == []
    found = facts(dict(gather_subset=['install_dir'], install_dir=str(foreign)))['install_dir']
    assert (found['is_dir'], found['entries'], found['foreign']) == (True, 1, ['unrelated.txt'])


def test_the_keys_subset_compares_without_key_material(install, monkeypatch, tmp_path):
    cryptography = pytest.importorskip('cryptography')  # noqa: F841  pylint: disable=unused-variable
    import datetime  # pylint: disable=import-outside-toplevel
    from cryptography import x509  # pylint: disable=import-outside-toplevel
    from cryptography.hazmat.primitives import hashes, serialization  # pylint: disable=import-outside-toplevel
    from cryptography.hazmat.primitives.asymmetric import ec  # pylint: disable=import-outside-toplevel
    from cryptography.x509.oid import NameOID  # pylint: disable=import-outside-toplevel
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, 'Dr.Web Server')])
    now = datetime.datetime.now(datetime.timezone.utc)
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                   .serial_number(3).not_valid_before(now).not_valid_after(now + datetime.timedelta(days=1))
                   .sign(key, hashes.SHA256()))
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    files = dict(PRIVATE_KEY_FILE=(tmp_path / 'drwcsd.pri', private),
                 PUBLIC_KEY_FILE=(tmp_path / 'drwcsd.pub', key.public_key().public_bytes(
                     serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)),
                 CERTIFICATE_FILE=(tmp_path / 'drwcsd-certificate.pem', certificate.public_bytes(serialization.Encoding.PEM)))
    for constant, (path, data) in files.items():
        path.write_bytes(data)
        monkeypatch.setattr(drwcsd, constant, str(path))
    install['PRODUCT_MARKER_FILE'].write_text(MARKER)
    install['CONFIG_FILE'].write_text(CONF_SQLITE)
    keys = facts(dict(gather_subset=['keys']))['key_files']
    assert keys['complete'] is True and keys['consistent'] is True and keys['certificate_version'] == 3
    assert keys['fingerprint']['private_key'] == hashlib.sha256(private).hexdigest()
    assert private.decode() not in json.dumps(keys)
    files['CERTIFICATE_FILE'][0].unlink()
    keys = facts(dict(gather_subset=['keys']))['key_files']
    assert keys['complete'] is False and keys['consistent'] is False and keys['fingerprint']['certificate'] is None


def test_the_common_database_subset_reads_the_named_database_read_only(install, monkeypatch):
    install['PRODUCT_MARKER_FILE'].write_text(MARKER)
    install['CONFIG_FILE'].write_text(CONF_SQLITE)
    make_db(install['EMBEDDED_DATABASE_FILE'], stations=0)
    seen = {}

    def fake_connect(driver, params, application_name, read_only=False):  # pylint: disable=unused-argument
        seen.update(params, read_only=read_only)
        real = sqlite3.connect(':memory:')
        real.execute('CREATE TABLE dbstruct (dbver INTEGER, dbuuid VARCHAR(36))')
        real.execute("INSERT INTO dbstruct VALUES (522, 'abc')")
        real.execute('CREATE TABLE stations (id TEXT)')
        return real
    monkeypatch.setattr(server_facts.common_database, 'psycopg', object())
    monkeypatch.setattr(server_facts.common_database, 'connect', fake_connect)
    monkeypatch.setattr(server_facts.common_database, 'query',
                        lambda connection, statement, arguments=(): (
                            [(2,)] if 'information_schema' in statement else connection.execute(statement, arguments).fetchall()))
    server = facts(dict(gather_subset=['common_database'], common_database=dict(host='db1', name='drwcs', user='drwcs'),
                        common_database_password=DB_PASSWORD))
    found = server['common_database']
    assert (found['reachable'], found['initialised'], found['dbuuid'], found['schema_version'], found['stations_total']) == \
        (True, True, 'abc', 522, 0)
    assert seen['read_only'] is True and seen['login_password'] == DB_PASSWORD
    assert DB_PASSWORD not in json.dumps(server)


# --- own stations: the Web API first, the database (a GUESS) second ------------------------------------------------

def web_api(monkeypatch, stations_reply):
    """Run with a Web API that answers summary.ds and, for the stations list, stations_reply (bytes or an exception)."""
    calls = []

    def fake_open_url(url, **kwargs):
        calls.append(url)
        if 'summary.ds' in url:
            return io.BytesIO(SUMMARY)
        if isinstance(stations_reply, Exception):
            raise stations_reply
        return io.BytesIO(stations_reply)
    monkeypatch.setattr(server_facts.ServerFacts, 'running', lambda self: True)
    monkeypatch.setattr(web_api_client, 'open_url', fake_open_url)
    return calls


def test_the_running_servers_web_api_counts_every_station_of_its_embedded_database(install, monkeypatch):
    install['PRODUCT_MARKER_FILE'].write_text(MARKER)
    install['CONFIG_FILE'].write_text(CONF_SQLITE)
    make_db(install['EMBEDDED_DATABASE_FILE'], stations=1)   # the database's guessed table says 1, the Server says 4
    calls = web_api(monkeypatch, STATIONS % 4)
    own = facts(dict(admin_password=ADMIN_PASSWORD))['own_data']
    assert (own['stations'], own['stations_source'], own['holds_data']) == (4, 'webapi', True)
    assert own['source'].startswith('Web API groups/stations-list.ds (every station)')
    assert calls[1] == ('https://127.0.0.1:9081/api/groups/stations-list.ds?id=%s&per-page=1' % drwcsd.WEB_API_GROUP_EVERYONE)


def test_on_the_external_database_the_web_api_counts_the_stations_of_its_server_id(install, monkeypatch):
    install['PRODUCT_MARKER_FILE'].write_text(MARKER)
    install['CONFIG_FILE'].write_text(CONF_PGSQL)
    monkeypatch.setattr(server_facts, 'HAS_PSYCOPG', False)
    calls = web_api(monkeypatch, STATIONS % 0)
    own = facts(dict(admin_password=ADMIN_PASSWORD))['own_data']
    assert (own['stations'], own['stations_source'], own['holds_data']) == (0, 'webapi', False)
    assert 'server-id=%s' % SERVER_ID in calls[1] and 'stations of Server %s' % SERVER_ID in own['source']


@pytest.mark.parametrize('reply, why', [
    (b'<drweb-es-api status="false"><error><errno>2</errno><message>Unknown request</message></error></drweb-es-api>',
     'refused: Unknown request'),
    (b'<drweb-es-api status="true"><stations/></drweb-es-api>', 'has no <stations total=...>'),
    (OSError('connection reset'), 'connection reset'),
])
def test_a_web_api_that_cannot_count_leaves_the_count_to_the_database_and_says_why(install, monkeypatch, reply, why):
    install['PRODUCT_MARKER_FILE'].write_text(MARKER)
    install['CONFIG_FILE'].write_text(CONF_SQLITE)
    make_db(install['EMBEDDED_DATABASE_FILE'], stations=2)
    web_api(monkeypatch, reply)
    server = facts(dict(admin_password=ADMIN_PASSWORD))
    own = server['own_data']
    assert (own['stations'], own['stations_source']) == (2, 'database')
    assert 'Web API not used' in own['source'] and why in own['source']
    assert server['version_source'] == 'webapi'


def test_a_package_with_a_build_stamp_in_its_name_is_its_release(tmp_path):
    package = tmp_path / 'drweb-13.00.1.202406060-esuite-server-linux-x86_64.run'
    package.write_bytes(b'\x7fELF not a shell header')
    info = run_module(server_facts, dict(package=str(package)))['package']
    assert (info['release'], info['build'], info['release_source']) == ('13.00.1', '13.00.1.202406060', 'name')


def test_the_package_header_names_the_release_of_a_package_under_any_name(tmp_path):
    package = tmp_path / 'esuite-server.run'
    package.write_bytes(b'#!/bin/sh\n# Dr.Web Enterprise Security Suite Server 13.00.1.202406060 for Linux\nexit 0\n\x1f\x8b\x00payload 12.00.0')
    info = run_module(server_facts, dict(package=str(package)))['package']
    assert (info['release'], info['build'], info['release_source']) == ('13.00.1', '13.00.1.202406060', 'package')
    # the header wins over a name that says otherwise
    renamed = tmp_path / 'drweb-13.00.0-esuite-server-linux-x86_64.run'
    renamed.write_bytes(package.read_bytes())
    info = run_module(server_facts, dict(package=str(renamed)))['package']
    assert (info['release'], info['release_source']) == ('13.00.1', 'package')


def test_a_package_whose_header_and_name_say_nothing_has_no_release(tmp_path):
    package = tmp_path / 'server.run'
    package.write_bytes(b'#!/bin/sh\n# installer of 13.00.0 and of 13.00.1\nexit 0\n')
    info = run_module(server_facts, dict(package=str(package)))['package']
    assert (info['release'], info['release_source'], info['readable']) == (None, None, True)


@pytest.mark.parametrize('booted, load_state, manager, unit, why', [
    (False, None, 'init', None, 'systemd is not the service manager'),
    (True, 'loaded', 'systemd', 'drwcsd.service', 'systemd is PID 1 and has the unit drwcsd.service loaded'),
    (True, 'not-found', 'init', None, 'the unit drwcsd.service is not-found'),
    (True, None, 'init', None, 'the unit drwcsd.service is unknown'),
])
def test_the_service_manager_is_systemd_only_where_it_runs_and_knows_the_unit(booted, load_state, manager, unit, why):
    chosen = server_facts.choose_service_manager(booted, load_state, True)
    assert (chosen['manager'], chosen['unit']) == (manager, unit)
    assert why in chosen['reason']


def fake_systemctl(tmp_path, monkeypatch, load_state, active):
    """A systemctl on PATH answering `show --property=LoadState --value <unit>` and `is-active --quiet <unit>`;
    every call is logged."""
    bin_dir = tmp_path / 'bin'
    bin_dir.mkdir()
    log = tmp_path / 'systemctl.log'
    script = bin_dir / 'systemctl'
    script.write_text('#!/bin/sh\necho "$*" >> %s\ncase "$1" in\n  show) echo %s ;;\n  is-active) exit %d ;;\nesac\n'
                      % (log, load_state, 0 if active else 3))
    script.chmod(0o755)
    monkeypatch.setenv('PATH', '%s:/usr/bin:/bin' % bin_dir)
    (tmp_path / 'run' / 'systemd' / 'system').mkdir(parents=True)
    return log


def test_where_systemd_runs_the_server_is_asked_through_its_unit(install, tmp_path, monkeypatch):
    log = fake_systemctl(tmp_path, monkeypatch, 'loaded', active=True)
    install['INIT_SCRIPT'].parent.mkdir(parents=True)
    install['INIT_SCRIPT'].write_text('#!/bin/sh\nexit 3\n')     # the init script would say "stopped"
    install['INIT_SCRIPT'].chmod(0o755)
    install['DRWCSD_BINARY'].write_text('')
    server = facts()
    assert server['service']['manager'] == 'systemd' and server['service']['unit'] == 'drwcsd.service'
    assert server['running'] is True, 'the state is systemd\'s, not the init script\'s'
    assert 'is-active --quiet drwcsd.service' in log.read_text()


def test_where_systemd_runs_without_the_unit_the_init_script_is_used_and_the_reason_given(install, tmp_path, monkeypatch):
    fake_systemctl(tmp_path, monkeypatch, 'not-found', active=True)
    server = facts()
    assert server['service']['manager'] == 'init' and server['service']['unit'] is None
    assert 'not-found' in server['service']['manager_reason']
