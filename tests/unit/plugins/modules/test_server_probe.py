# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of drweb.cluster.server_probe: no secret of a Server's files survives the masking, and everything else
does. The lab test (tests/integration/test_probe.py) runs the module against the drwcsd double."""

from __future__ import annotations

import sqlite3

import pytest

from ansible_collections.drweb.cluster.plugins.modules import server_probe

DB_PASSWORD = 'drweb-lab-db-password'
SALT = 'qA9xSalt0VALUE7z'
PEM = '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----'

CONF = '''<?xml version="1.0" encoding="utf-8"?>
<drwcsd>
  <id value="6315b30f-0000-4000-8000-000000000001"/>
  <name value="node1"/>
  <passwd-salt value="%s"/>
  <database connections="2" speedup="yes">
    <pgsql dbname="drwcs" host="10.219.0.2" port="5432" user="drwcs" password="%s" options=""/>
  </database>
  <protocol name="cluster" enabled="yes"/>
  <admin-password>%s</admin-password>
  <secret-key value='single-quoted-secret'/>
  <url value="postgres://drwcs:%s@db1/drwcs"/>
</drwcsd>
''' % (SALT, DB_PASSWORD, DB_PASSWORD, DB_PASSWORD)

OPTIONS = 'DRWCS_HOME=/opt/drwcs\nDRWCS_USER=drwcs\nDRWCS_DB_PASSWORD="%s"\nexport API_TOKEN=abc123token\n' % DB_PASSWORD


def test_no_secret_survives_the_masking():
    text, count = server_probe.mask_secrets(CONF + OPTIONS + PEM)
    for secret in (DB_PASSWORD, SALT, 'single-quoted-secret', 'abc123token', 'MIIEvQIBADANBgkqhkiG9w0BAQEFAASC'):
        assert secret not in text, secret
    assert count >= 8   # (a value may be counted by two rules; none is missed)
    # what settles the touch-points stays: element and attribute names, the other values, the structure
    for kept in ('<pgsql dbname="drwcs" host="10.219.0.2" port="5432" user="drwcs" password="********"',
                 '<passwd-salt value="********"/>', '<id value="6315b30f-0000-4000-8000-000000000001"/>',
                 '<protocol name="cluster" enabled="yes"/>', 'DRWCS_HOME=/opt/drwcs', 'DRWCS_DB_PASSWORD=********',
                 '-----BEGIN PRIVATE KEY-----\n********\n-----END PRIVATE KEY-----', 'postgres://drwcs:********@db1'):
        assert kept in text, kept


@pytest.mark.parametrize('text', ['', '<download><server value="esuite.example.com"/></download>', 'plain text'])
def test_text_without_secrets_is_unchanged(text):
    assert server_probe.mask_secrets(text) == (text, 0)


def test_database_section_of_an_embedded_and_an_external_server():
    mode, dbfile, pgsql = server_probe.database_section(CONF)
    assert mode == 'external' and dbfile is None
    assert pgsql == dict(name='drwcs', host='10.219.0.2', port='5432', user='drwcs', password=DB_PASSWORD)
    embedded = '<drwcsd><database><sqlite dbfile="database.sqlite"/></database></drwcsd>'
    assert server_probe.database_section(embedded)[:2] == ('embedded', '/var/opt/drwcs/database.sqlite')
    assert server_probe.database_section('not xml') == (None, None, None)


def test_table_names_of_an_embedded_database(tmp_path):
    path = tmp_path / 'database.sqlite'
    connection = sqlite3.connect(str(path))
    connection.executescript('CREATE TABLE stations (id TEXT); CREATE TABLE dbstruct (dbver INTEGER);')
    connection.close()
    found = server_probe.read_database('embedded', str(path), None, 5)
    assert found['tables'] == ['dbstruct', 'stations']
    # a schema without dbstruct.dbuuid or tables_list: said, not fatal
    assert found['dbuuid'] is None and found['tables_list'] is None
    assert 'dbuuid not read' in found['error'] and 'tables_list not read' in found['error']
    found = server_probe.read_database('embedded', str(tmp_path / 'absent.sqlite'), None, 5)
    assert found['tables'] is None and 'absent' in found['error']


def test_the_database_uuid_and_the_documented_table_list_are_collected(tmp_path):
    path = tmp_path / 'database.sqlite'
    connection = sqlite3.connect(str(path))
    connection.executescript("""
        CREATE TABLE dbstruct (dbver INTEGER, dbuuid VARCHAR(36));
        INSERT INTO dbstruct VALUES (522, '0f6c1b8e-5d7a-4f0e-9a1b-2c3d4e5f6a7b');
        CREATE TABLE tables_list (priority INTEGER, subsystem VARCHAR(64), tabname VARCHAR(64), description TEXT);
        INSERT INTO tables_list VALUES (1, 'Metadata', 'tables_list', 'The list of all database tables');
        INSERT INTO tables_list VALUES (0, 'Metadata', 'dbstruct', 'Version of the database scheme');
    """)
    connection.close()
    found = server_probe.read_database('embedded', str(path), None, 5)
    assert found['error'] is None and found['dbuuid'] == '0f6c1b8e-5d7a-4f0e-9a1b-2c3d4e5f6a7b'
    assert found['tables_list'] == [
        dict(priority=0, subsystem='Metadata', tabname='dbstruct', description='Version of the database scheme'),
        dict(priority=1, subsystem='Metadata', tabname='tables_list', description='The list of all database tables')]


AWKWARD = 'q"u\'o\\te<&>-pä$$-Ж'


def xml_attribute(value):
    return value.replace('&', '&amp;').replace('<', '&lt;').replace('>', '&gt;').replace('"', '&quot;')


def test_the_report_masks_the_actual_values_in_every_spelling(tmp_path, monkeypatch):
    """The module reads drwcsd.conf's own secrets and masks them by value wherever they appear - here also in
    download.conf and the options file under names no pattern knows, XML-escaped, JSON-escaped, doubled-backslashed;
    a value given in secret_values (the TSIG secret) too."""
    import json
    from ansible_collections.drweb.cluster.plugins.module_utils import drwcsd
    from ansible_collections.drweb.cluster.tests.unit.plugins.modules.utils import run_module

    salt, tsig = 'Zq8SaltValue-0123', 'dHNpZy1zZWNyZXQtdmFsdWU='
    conf = tmp_path / 'drwcsd.conf'
    conf.write_text('<?xml version="1.0" encoding="utf-8"?>\n<drwcsd>\n  <passwd-salt value="%s"/>\n  <database>\n'
                    '    <pgsql dbname="drwcs" user="drwcs" password="%s"/>\n  </database>\n</drwcsd>\n'
                    % (salt, xml_attribute(AWKWARD)), encoding='utf-8')
    download = tmp_path / 'download.conf'
    download.write_text('<download-config><note value="%s"/><seen value="%s %s"/></download-config>\n'
                        % (xml_attribute(AWKWARD), salt, tsig), encoding='utf-8')
    options = tmp_path / 'drwcsd.options'
    options.write_text('DRWCS_NOTE=%s\nDRWCS_OTHER="%s"\n' % (json.dumps(AWKWARD), AWKWARD.replace('\\', '\\\\')), encoding='utf-8')
    for name, path in (('CONFIG_FILE', conf), ('DOWNLOAD_CONFIG_FILE', download), ('OPTIONS_FILE', options),
                       ('PRODUCT_MARKER_FILE', tmp_path / 'absent'), ('DRWCSD_BINARY', tmp_path / 'absent-drwcsd'),
                       ('DRWSIGN_BINARY', tmp_path / 'absent-drwsign'), ('ETC_DIR', tmp_path)):
        monkeypatch.setattr(drwcsd, name, str(path))
    failed = dict(tables=None, tables_list=None, dbuuid=None, error='cannot connect as %s' % AWKWARD)
    monkeypatch.setattr(server_probe, 'read_database', lambda *args: failed)
    result = run_module(server_probe, dict(secret_values=[tsig]))
    text = json.dumps(result) + json.dumps(result, ensure_ascii=False) + repr(result)
    for secret in (AWKWARD, xml_attribute(AWKWARD), json.dumps(AWKWARD)[1:-1], AWKWARD.replace('\\', '\\\\'), salt, tsig):
        assert secret not in text, secret
    files = dict((entry['path'], entry['content']) for entry in result['probe']['files'])
    assert '<note value="********"/>' in files[str(download)]
    assert 'DRWCS_NOTE="********"' in files[str(options)] and 'DRWCS_OTHER="********"' in files[str(options)]
    assert result['probe']['database']['error'] == 'cannot connect as ********'
    assert result['probe']['masked'] >= 7


def probe_with_web_api(tmp_path, monkeypatch, fake_open_url, password='admin-Pa55'):
    """Run the module on a node with no product files, the Web API answering as fake_open_url does."""
    from ansible_collections.drweb.cluster.plugins.module_utils import drwcsd, web_api
    from ansible_collections.drweb.cluster.tests.unit.plugins.modules.utils import run_module

    for name in ('CONFIG_FILE', 'DOWNLOAD_CONFIG_FILE', 'OPTIONS_FILE', 'PRODUCT_MARKER_FILE', 'DRWCSD_BINARY',
                 'DRWSIGN_BINARY'):
        monkeypatch.setattr(drwcsd, name, str(tmp_path / ('absent-' + name)))
    monkeypatch.setattr(drwcsd, 'ETC_DIR', str(tmp_path))
    monkeypatch.setattr(web_api, 'open_url', fake_open_url)
    return run_module(server_probe, dict(admin_password=password))


def test_an_unreachable_web_api_is_a_line_of_the_report_not_a_failure(tmp_path, monkeypatch):
    from urllib.error import URLError

    def refuse(url, **kwargs):
        raise URLError(ConnectionRefusedError(111, 'Connection refused'))
    result = probe_with_web_api(tmp_path, monkeypatch, refuse)
    assert result['changed'] is False
    said = "GET https://127.0.0.1:9081/api/server/summary.ds failed: could not connect to the Server's Web API (Connection refused)"
    assert result['probe']['summary'] == dict(text=None, error=said)


def test_the_summary_is_reported_as_the_server_sent_it_a_refusal_too(tmp_path, monkeypatch):
    import io
    refusal = (b'<drweb-es-api status="false"><error><errno>1</errno><message>Authentication failed for admin-Pa55'
               b'</message></error></drweb-es-api>')
    result = probe_with_web_api(tmp_path, monkeypatch, lambda url, **kwargs: io.BytesIO(refusal))
    summary = result['probe']['summary']
    assert summary['error'] is None
    assert summary['text'] == refusal.decode().replace('admin-Pa55', '********')
