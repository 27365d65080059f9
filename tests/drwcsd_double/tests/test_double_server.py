"""The running Server: init script, agent protocol, Web API, signals, licence keys, configuration."""

import os
import signal
import socket
import urllib.request
import xml.etree.ElementTree as ET

from double_helpers import run, wait_for

from drwcsd_double import licence


def test_start_status_stop_and_agents(make_instance):
    """LSB status codes; stations registered under this Server's id; summary counts them."""
    srv = make_instance()
    srv.install('13.00.0')
    assert srv.service('status').returncode == 3
    srv.start()
    assert srv.service('status').returncode == 0
    assert 'already running' in srv.service('start').stdout
    with open('/proc/%d/comm' % srv.pid(), encoding='ascii') as handle:
        assert handle.read().strip() == 'drwcsd'
    replies = srv.agent('REGISTER ws-1', 'REGISTER ws-2', 'SERVER', 'HELLO nope', 'BOGUS', 'QUIT')
    assert replies[0].startswith('OK ') and replies[1].startswith('OK ')
    server_id = srv.api('server/summary.ds')['data']['uuid']
    assert replies[2] == 'OK %s 13.00.0.202005090' % server_id
    assert replies[3] == 'ERR unknown station' and replies[4].startswith('ERR') and replies[5] == 'BYE'
    assert srv.sqlite('SELECT server_id, name FROM stations ORDER BY name') == [(server_id, 'ws-1'), (server_id, 'ws-2')]
    assert srv.api('server/summary.ds')['data']['stations']['total'] == 2
    assert 'station "ws-1"' in srv.log_text()
    assert srv.stop().returncode == 0
    assert srv.service('status').returncode == 3
    assert srv.pid() is None
    # a transport on every interface serves Agents on IPv4 and IPv6 (appendix "Server addresses": tcp/0.0.0.0:2193
    # and tcp/[::]:2193)
    srv.edit_conf('ip="127.0.0.1" port="%d"' % srv.agent_port, 'ip="0.0.0.0" port="%d"' % srv.agent_port)
    srv.start()
    for address in ('::1', '127.0.0.1'):
        with socket.create_connection((address, srv.agent_port), timeout=10) as sock:
            sock.sendall(b'SERVER\n')
            assert sock.makefile('r', encoding='utf-8').readline().strip() == 'OK %s 13.00.0.202005090' % server_id
    assert srv.stop().returncode == 0


def test_web_api_envelopes(make_instance):
    """XML and JSON envelopes of product-facts section 7; no 401 challenge; HTTP redirected to HTTPS."""
    srv = make_instance()
    srv.install('13.00.0')
    srv.start()
    xml = srv.api('server/summary.ds', fmt='xml')
    root = ET.fromstring(xml)
    assert root.tag == 'drweb-es-api'
    assert (root.get('api_version'), root.get('srv_version'), root.get('status')) == ('4.3.0', '13.00.0.202005090', 'true')
    summary = root.find('server-summary')
    assert summary.find('version').text == '13.00.0.202005090'
    assert summary.find('file-system/home-directory').get('path').endswith('/opt/drwcs')
    assert summary.find('repository/product[@code="10-drwbases"]').get('revision') == '20200509000000'
    assert summary.find('cluster').get('enabled') == 'no'
    data = srv.api('server/summary.ds')
    assert data['head']['status'] is True and data['head']['api']['versionString'] == '4.3.0'
    assert data['head']['server']['uuid'] == data['data']['uuid'] == ET.parse(srv.conf).getroot().find('id').get('value')
    # bad password: an error envelope, HTTP 200, no WWW-Authenticate challenge (product-facts 7.4)
    denied = srv.api('server/keys.ds', password='wrong')
    assert denied['head']['status'] is False and denied['error']['code'] == 1
    xml_denied = ET.fromstring(srv.api('server/keys.ds', fmt='xml', user=None))
    assert xml_denied.get('status') == 'false' and xml_denied.find('error/errno').text == '1'
    assert srv.api('server/nothing.ds')['head']['status'] is False
    public = ET.fromstring(srv.api('server/public_key.ds', fmt='xml')).find('keys/key')
    assert public.get('active') == 'true' and '***EOF***' in public.find('file').text
    assert srv.api('server/repository-status.ds')['data'] == {'status': 'ready'}
    task = ET.fromstring(srv.api('server/tasks.ds?task-id=newbies', fmt='xml')).find('task')
    assert (task.get('id'), task.get('status')) == ('newbies', 'success')
    request = urllib.request.Request('http://127.0.0.1:%d/api/server/summary.ds' % srv.http_port)
    opener = urllib.request.build_opener(NoRedirect)
    try:
        opener.open(request, timeout=5)
        raise AssertionError('no redirect')
    except urllib.error.HTTPError as exc:
        assert exc.code == 301 and exc.headers['Location'].startswith('https://127.0.0.1:%d/' % srv.https_port)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    """Do not follow redirects."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


def test_licence_key_added_later_needs_a_restart(make_instance, tmp_path):
    """keys.ds shows the keys read at start; SIGHUP restarts the Server, which then reads the new key."""
    srv = make_instance()
    key = tmp_path / 'agent.key'
    key.write_text(licence.make_key(number='0110000001', clients=10))
    srv.install('13.00.0', '--license-key=%s' % key)
    srv.start()
    assert [k['id'] for k in srv.api('server/keys.ds')['data']['keys']] == ['0110000001']
    import sqlite3  # pylint: disable=import-outside-toplevel
    conn = sqlite3.connect(os.path.join(srv.var, 'database.sqlite'))
    with conn:
        conn.execute("INSERT INTO available_keys (id, value, type, created, used_stations, used_neighbors) VALUES (?, ?, 0, 1, 0, 0)",
                     ('0110000002', licence.make_key(number='0110000002', clients=5)))
    conn.close()
    assert len(srv.api('server/keys.ds')['data']['keys']) == 1
    pid = srv.pid()
    srv.signal(signal.SIGHUP)
    wait_for(lambda: srv.log_text().count('Server started') == 2)
    assert srv.pid() == pid
    keys = wait_for(lambda: srv.api('server/keys.ds')['data']['keys'])
    assert sorted(k['id'] for k in keys) == ['0110000001', '0110000002']
    assert srv.api('server/summary.ds')['data']['stations']['available'] == 15


def test_tampered_licence_key_is_refused(make_instance, tmp_path):
    """A key file changed after signing is rejected by the installer (initdb)."""
    key = tmp_path / 'agent.key'
    key.write_text(licence.make_key(clients=10).replace('Clients=10', 'Clients=9999'))
    srv = make_instance()
    result = srv.install('13.00.0', '--license-key=%s' % key, check=False)
    assert result.returncode != 0 and 'signature' in result.stdout + result.stderr


def test_malformed_configuration_stops_the_server(make_instance):
    """A malformed drwcsd.conf or download.conf: clear log line, non-zero exit."""
    srv = make_instance()
    srv.install('13.00.0')
    good = srv.read('drwcsd.conf')
    srv.write('drwcsd.conf', good.replace('</drwcsd>', ''))
    result = srv.service('start')
    assert result.returncode == 2
    assert 'malformed configuration file %s' % srv.conf in srv.log_text()
    assert srv.service('status').returncode == 3
    srv.write('drwcsd.conf', good.replace('<database connections="2" speedup="yes">', '<database connections="2" speedup="yes"><sqlite dbfile="x"/>'))
    assert srv.service('start').returncode == 2
    assert 'must hold exactly one' in srv.log_text()
    srv.write('drwcsd.conf', good)
    download = srv.read('download.conf')
    srv.write('download.conf', download.replace('<server', '<server <'))
    assert srv.service('start').returncode == 2
    assert 'configuration error: malformed configuration file %s' % os.path.join(srv.etc, 'download.conf') in srv.log_text()
    assert srv.log_text().splitlines()[-1].endswith('Server start failed')
    srv.write('download.conf', download)
    srv.start()


def test_config_edited_while_running_is_written_back(make_instance):
    """product-facts 2.2: a running Server rewrites its configuration; an edit made meanwhile is lost at stop."""
    srv = make_instance()
    srv.install('13.00.0')
    srv.start()
    original = srv.read('drwcsd.conf')
    srv.edit_conf('<name value=""/>', '<name value="edited-while-running"/>')
    srv.stop()
    assert srv.read('drwcsd.conf') == original
    assert 'changed while the Server was running' in srv.log_text()
    srv.edit_conf('<name value=""/>', '<name value="edited-while-stopped"/>')
    srv.start()
    srv.stop()
    assert 'edited-while-stopped' in srv.read('drwcsd.conf')


def test_cli_switches_and_exit_codes(make_instance):
    """Unknown verbs and switches are usage errors; abbreviations and -no- forms work."""
    srv = make_instance()
    srv.install('13.00.0')
    assert srv.drwcsd('bogus').returncode == 1
    assert srv.drwcsd('-frobnicate', 'verifydb').returncode == 1
    assert srv.drwcsd('-d', 'verifydb').returncode == 1  # ambiguous: -daemon / -db-verify
    result = srv.drwcsd('-verb=all', '-no-daemon', '-db-verify=yes', 'verifydb')
    assert result.returncode == 0, result.stderr
    assert 'verifydb: database OK' in result.stderr
    srv.start()
    assert srv.drwcsd('exportdb', os.path.join(srv.root, 'x.es')).returncode == 4
    assert srv.drwcsd('start').returncode == 4


def test_selfcert_and_certificate_download(make_instance):
    """selfcert makes a new HTTPS pair; /install/drwcsd-certificate.pem serves the Server certificate."""
    srv = make_instance()
    srv.install('13.00.0')
    before = srv.read('certificate.pem')
    assert srv.drwcsd('selfcert').returncode == 0
    assert srv.read('certificate.pem') != before
    srv.start()
    out = run(['curl', '-sk', 'https://127.0.0.1:%d/install/drwcsd-certificate.pem' % srv.https_port]).stdout
    assert out == srv.read('drwcsd-certificate.pem')
