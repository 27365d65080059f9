"""drwsign, the switch parser, licence files, the zone helper, repository updates and SIGUSR1."""
# pylint: disable=redefined-outer-name

import functools
import http.server
import os
import signal
import subprocess
import threading
import time

import pytest

from double_helpers import SRC, double_env, wait_for

from drwcsd_double import licence, util, zone


def drwsign(*args, cwd=None):
    """Run drwsign from the source tree with the system Python."""
    return subprocess.run(['/usr/bin/python3', '-m', 'drwcsd_double.drwsign'] + list(args), env=double_env(), cwd=cwd,
                          capture_output=True, text=True, check=False)


def test_drwsign_genkey_extract_gencert_versions(tmp_path):
    """The same private key gives the same public key; every gencert is the next certificate version."""
    from drwcsd_double import keys  # pylint: disable=import-outside-toplevel
    assert drwsign('genkey', cwd=tmp_path).returncode == 0
    assert (tmp_path / 'drwcsd.pri').stat().st_mode & 0o777 == 0o600
    assert drwsign('extract', str(tmp_path / 'again.pub'), cwd=tmp_path).returncode == 0
    assert (tmp_path / 'again.pub').read_bytes() == (tmp_path / 'drwcsd.pub').read_bytes()
    cert = str(tmp_path / 'drwcsd-certificate.pem')
    for version in (1, 2, 3):
        result = drwsign('gencert', '-private-key=%s' % (tmp_path / 'drwcsd.pri'), '-subj=/O=Lab/CN=esuite.drweb.test', '-days=30', cert)
        assert result.returncode == 0 and 'version %d' % version in result.stdout
        assert keys.certificate_version(cert) == version
    assert drwsign('-help').returncode == 0 and 'gencert' in drwsign('-help').stdout
    assert drwsign('gencert', '-subj=bad', cert, cwd=tmp_path).returncode == 1
    assert drwsign('frobnicate').returncode == 1


def test_switch_parser():
    """product-facts 5.1: -x, -no-x, -x=yes|no, unique abbreviations."""
    spec = {'daemon': 'bool', 'db-verify': 'bool', 'home': 'value', 'var-root': 'value'}
    assert util.parse_switches(['-daemon', '-no-db-verify', '-home=/h', 'start', '-x'], spec) == \
        ({'daemon': True, 'db-verify': False, 'home': '/h'}, ['start', '-x'])
    assert util.parse_switches(['-da=off', '-db=OK', '-var=/v', 'verifydb'], spec)[0] == {'daemon': False, 'db-verify': True, 'var-root': '/v'}
    for bad in (['-d'], ['-nope'], ['-home'], ['-daemon=maybe']):
        with pytest.raises(util.UsageError):
            util.parse_switches(bad + ['start'], spec)


def test_licence_files():
    """Signed key files: valid as written, invalid once edited."""
    text = licence.make_key(number='0123456789', user='Org', clients=3, expires='20300101')
    info = licence.parse_key(text)
    assert (info['id'], info['user'], info['clients']) == ('0123456789', 'Org', 3)
    with pytest.raises(licence.LicenceError):
        licence.parse_key(text.replace('Org', 'Other'))
    with pytest.raises(licence.LicenceError):
        licence.parse_key(text.split('[Signature]')[0])


@pytest.fixture
def zone_server(tmp_path):
    """An update zone served over HTTP on 127.0.0.1."""
    root = tmp_path / 'zone'
    zone.make_zone(str(root), revisions=['20240101000000', '20240301000000'])
    handler = functools.partial(QuietHandler, directory=str(root))
    httpd = http.server.ThreadingHTTPServer(('127.0.0.1', 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield root, 'http://127.0.0.1:%d' % httpd.server_address[1]
    httpd.shutdown()
    httpd.server_close()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    """No request log on stderr."""

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        pass


def test_repository_update_from_zone_and_parent(make_instance, zone_server):
    """tasks.ds starts an update from the .url zone; a child Server updates from its parent (drwcs://)."""
    url = zone_server[1]
    parent = make_instance('parent')
    parent.install('13.00.0')
    with open(os.path.join(parent.var, 'repository/.url'), 'w', encoding='utf-8') as handle:
        handle.write(url + '\n')
    parent.start()
    task = parent.api('server/tasks.ds?task-id=update_repositories')['data']['task']
    assert task == {'id': 'update_repositories', 'status': 'success', 'message': ''}
    wait_for(lambda: parent.api('server/repository-status.ds')['data']['status'] == 'ready'
             and 'update finished' in parent.log_text())
    products = {p['code']: p for p in parent.api('server/summary.ds')['data']['repository']}
    assert products['10-drwbases']['revision'] == '20240301000000'
    assert products['10-drwbases']['last_update_rc'] == 'success'
    assert os.path.isfile(os.path.join(parent.var, 'repository/10-drwbases/20240301000000/data/10-drwbases.bin'))
    with open(os.path.join(parent.var, 'repository/10-drwbases/.current'), encoding='utf-8') as handle:
        assert handle.read().strip() == '20240301000000'
    # child: updates from the parent Server's /update/ tree
    child = make_instance('child')
    child.install('13.00.1')
    with open(os.path.join(child.var, 'repository/.url'), 'w', encoding='utf-8') as handle:
        handle.write('drwcs://127.0.0.1:%d\n' % parent.https_port)
    child.start()
    child.api('server/tasks.ds?task-id=update_repositories')
    wait_for(lambda: 'update finished' in child.log_text())
    revisions = {p['code']: p['revision'] for p in child.api('server/summary.ds')['data']['repository']}
    assert revisions == {p['code']: p['revision'] for p in parent.api('server/summary.ds')['data']['repository']}
    # a broken source: the update fails, status back to ready
    with open(os.path.join(child.var, 'repository/.url'), 'w', encoding='utf-8') as handle:
        handle.write('http://127.0.0.1:1/nothing\n')
    child.api('server/tasks.ds?task-id=update_repositories')
    wait_for(lambda: 'repository: update failed' in child.log_text())
    assert child.api('server/repository-status.ds')['data']['status'] == 'ready'


def test_sigusr1_rereads_the_repository(make_instance):
    """Files changed on disk show only after SIGUSR1 (product-facts 5.14)."""
    srv = make_instance()
    srv.install('13.00.0')
    srv.start()
    product_dir = os.path.join(srv.var, 'repository/80-drwnews')
    os.makedirs(os.path.join(product_dir, '20990101000000'))
    with open(os.path.join(product_dir, '.current'), 'w', encoding='utf-8') as handle:
        handle.write('20990101000000\n')

    def revision():
        return {p['code']: p['revision'] for p in srv.api('server/summary.ds')['data']['repository']}['80-drwnews']
    time.sleep(0.3)
    assert revision() == '20200509000000'
    srv.signal(signal.SIGUSR1)
    wait_for(lambda: revision() == '20990101000000')
    assert 'repository: reread from disk' in srv.log_text()


def test_scheduler_runs_enabled_tasks_of_its_own_id(make_instance):
    """A due, enabled task of this Server's schedule runs and is recorded; disabled ones do not run."""
    srv = make_instance()
    srv.install('13.00.0')
    import sqlite3  # pylint: disable=import-outside-toplevel
    conn = sqlite3.connect(os.path.join(srv.var, 'database.sqlite'))
    with conn:
        conn.execute("UPDATE server_schedule SET period = 1 WHERE task_id IN ('backup_sensitive_data', 'purge_old_data')")
        conn.execute("UPDATE server_schedule SET enabled = 0 WHERE task_id = 'purge_old_data'")
    conn.close()
    srv.start()
    wait_for(lambda: 'running task "Backup sensitive data"' in srv.log_text())
    assert 'running task "Purge Old Data"' not in srv.log_text()
    wait_for(lambda: srv.sqlite("SELECT last_status FROM server_schedule WHERE task_id = 'backup_sensitive_data'") == [('success',)])
    # <backup>/<guid>/<date>/database.dz, <guid> the Server id (a v5 administrator's note; INFERENCE for 13)
    server_id = srv.read('drwcsd.conf').split('<id value="')[1].split('"')[0]
    dates = os.listdir(os.path.join(srv.var, 'backup', server_id))
    assert dates and all(len(date) == 14 and date.isdigit() for date in dates)
    assert 'database.dz' in os.listdir(os.path.join(srv.var, 'backup', server_id, dates[0]))


def test_zone_module_cli(tmp_path):
    """python3 -m drwcsd_double.zone publishes revisions; revisions.txt stays sorted."""
    for revision in ('20240301000000', '20240101000000'):
        result = subprocess.run(['/usr/bin/python3', '-m', 'drwcsd_double.zone', str(tmp_path), '--product', '10-drwbases',
                                 '--revision', revision], env=double_env(), cwd=SRC, capture_output=True, text=True, check=False)
        assert result.returncode == 0, result.stderr
    assert (tmp_path / '10-drwbases/revisions.txt').read_text() == '20240101000000\n20240301000000\n'
    assert (tmp_path / 'products.txt').read_text() == '10-drwbases\n'
    assert '10-drwbases.bin' in (tmp_path / '10-drwbases/20240301000000/.files').read_text()
