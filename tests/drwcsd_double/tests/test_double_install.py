"""The installation packages: build, fresh install, kept keys, upgrade, refusals."""

import os
import stat
import subprocess
import sys
import xml.etree.ElementTree as ET

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from double_helpers import DOUBLE, SRC, double_env, run

from drwcsd_double import licence


def test_build_is_deterministic_and_self_extracting(packages, tmp_path):
    """Two builds give the same bytes; each package is a shell header with a tar payload."""
    run([sys.executable, os.path.join(DOUBLE, 'build.py'), '--out', str(tmp_path)])
    for version, path in packages.items():
        with open(path, 'rb') as handle:
            first = handle.read()
        with open(tmp_path / os.path.basename(path), 'rb') as handle:
            assert handle.read() == first
        assert first.startswith(b'#!/bin/sh\n')
        assert os.stat(path).st_mode & stat.S_IXUSR
        listing = run(['sh', path, '--list']).stdout.split()
        assert 'drwcsd_double/installer.py' in listing and 'drwcsd_double/build_version.txt' in listing
        assert version in run(['sh', path, '--info']).stdout


def test_fresh_install(make_instance):
    """Layout, configuration, keys, certificate, database and schedule of a fresh 13.00.0 install."""
    srv = make_instance()
    key_file = os.path.join(srv.root + '.agent.key')
    with open(key_file, 'w', encoding='utf-8') as handle:
        handle.write(licence.make_key(number='0110000042', clients=7))
    out = srv.install('13.00.0', '--license-key=%s' % key_file).stdout
    assert 'installed' in out
    for rel in ('opt/drwcs/bin/drwcsd', 'opt/drwcs/bin/drwsign', 'etc/init.d/drwcsd', 'etc/opt/drweb.com/software/drwcsd',
                'etc/opt/drweb.com/software/drweb-esuite.remove', 'var/opt/drwcs/repository', 'var/opt/drwcs/log',
                'var/opt/drwcs/backup', 'var/opt/drwcs/database.sqlite', 'var/opt/drwcs/etc/download.conf',
                'var/opt/drwcs/etc/certificate.pem', 'var/opt/drwcs/etc/private-key.pem', 'var/opt/drwcs/etc/agent.key',
                'var/opt/drwcs/repository/10-drwbases/.current'):
        assert os.path.exists(os.path.join(srv.root, rel)), rel
    with open(os.path.join(srv.root, 'opt/drwcs/bin/drwcsd'), encoding='utf-8') as handle:
        assert handle.read().startswith('#!/bin/sh\n')
    with open(os.path.join(srv.root, 'etc/opt/drweb.com/software/drweb-esuite.remove'), encoding='utf-8') as handle:
        assert 'VERSION=13.00.0\n' in handle.read()
    assert stat.S_IMODE(os.stat(os.path.join(srv.etc, 'drwcsd.pri')).st_mode) == 0o600
    # drwcsd.conf: new id and salt, cluster protocol off, unmanaged elements present
    root = ET.parse(srv.conf).getroot()
    assert root.tag == 'drwcsd'
    assert len(root.find('id').get('value')) == 36 and root.find('passwd-salt').get('value')
    assert [p.get('name') for p in root.findall('protocols/disabled/protocol')] == ['CLUSTER', 'MSNAPSHV']
    assert root.find('database/sqlite').get('dbfile') == 'database.sqlite'
    on = root.find('cluster/on')
    assert (on.get('multicast-group'), on.get('interface'), on.get('ttl')) == ('232.0.0.1', '0.0.0.0', '1')
    for tag in ('location', 'threads', 'transports', 'plugins', 'mailer'):
        assert root.find(tag) is not None, tag
    assert ET.parse(os.path.join(srv.etc, 'download.conf')).getroot().find('server').get('port') == '2193'
    # keys: the certificate is X.509 version 1 signed by drwcsd.pri, drwcsd.pub derived from it
    with open(os.path.join(srv.etc, 'drwcsd.pri'), 'rb') as handle:
        pri = serialization.load_pem_private_key(b'-----BEGIN' + handle.read().split(b'-----BEGIN', 1)[1], None)
    with open(os.path.join(srv.etc, 'drwcsd-certificate.pem'), 'rb') as handle:
        cert = x509.load_pem_x509_certificate(handle.read())
    assert cert.serial_number == 1
    pri.public_key().verify(cert.signature, cert.tbs_certificate_bytes, ec.ECDSA(hashes.SHA256()))
    derived = run([os.path.join(srv.bin, 'drwsign'), 'extract', '-private-key=' + os.path.join(srv.etc, 'drwcsd.pri'),
                   os.path.join(srv.root, 'again.pub')])
    assert derived.returncode == 0
    with open(os.path.join(srv.root, 'again.pub'), 'rb') as a, open(os.path.join(srv.etc, 'drwcsd.pub'), 'rb') as b:
        assert a.read() == b.read()
    # database: 13.00.0 schema, admin, licence key, the default schedule of this Server id
    server_id = root.find('id').get('value')
    assert srv.sqlite('SELECT dbver FROM dbstruct') == [(522,)]
    assert srv.sqlite('SELECT id FROM available_keys') == [('0110000042',)]
    names = [r[0] for r in srv.sqlite("SELECT name FROM server_schedule WHERE server_id = '%s' AND enabled = 1" % server_id)]
    # the vendor's cluster chapter spells the first one "Purge Old Data"
    for name in ('Purge Old Data', 'Backup sensitive data', 'Purge old stations', 'Purge expired stations', 'Purge unsent IS events'):
        assert name in names
    # the documented metadata and neighbour tables (Database manual 13.0.0/13.0.1)
    listed = {row[0] for row in srv.sqlite('SELECT tabname FROM tables_list')}
    assert {'dbstruct', 'tables_list', 'servers', 'srv_names', 'available_keys', 'stations'} <= listed
    assert listed == {row[0] for row in srv.sqlite("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert [row[1] for row in srv.sqlite('PRAGMA table_info(servers)')] == ['osid', 'id', 'name', 'value', 'updatetime']
    assert [row[1] for row in srv.sqlite('PRAGMA table_info(srv_names)')] == ['osid', 'oname', 'updatetime']


def test_install_keeps_provided_keys(make_instance):
    """Keys put in etc beforehand are kept; a lone drwcsd.pri gets its .pub and a certificate (product-facts 4.2)."""
    first = make_instance('first')
    first.install('13.00.0')
    kept = {n: first.read(n) for n in ('drwcsd.pri', 'drwcsd.pub', 'drwcsd-certificate.pem')}
    second = make_instance('second')
    os.makedirs(second.etc)
    for name, text in kept.items():
        second.write(name, text)
    second.install('13.00.0')
    assert {n: second.read(n) for n in kept} == kept
    third = make_instance('third')
    os.makedirs(third.etc)
    third.write('drwcsd.pri', kept['drwcsd.pri'])
    third.install('13.00.0')
    assert third.read('drwcsd.pub') == kept['drwcsd.pub']
    # a new certificate of the same key: another version-1 certificate with different bytes
    assert third.read('drwcsd-certificate.pem') != kept['drwcsd-certificate.pem']
    assert first.read('drwcsd.conf') != third.read('drwcsd.conf')


def test_same_version_is_a_no_op_and_downgrade_is_refused(make_instance):
    """Re-running the installed version changes nothing; an older package is refused."""
    srv = make_instance()
    srv.install('13.00.1')
    before = srv.read('drwcsd.conf')
    assert 'nothing to do' in srv.install('13.00.1').stdout
    assert srv.read('drwcsd.conf') == before
    result = srv.install('13.00.0', check=False)
    assert result.returncode != 0 and 'not supported' in result.stdout


def test_upgrade_keeps_configuration_keys_and_data(make_instance):
    """13.00.0 -> 13.00.1: same id, keys and stations; the embedded database upgraded 522 -> 542."""
    srv = make_instance()
    srv.install('13.00.0')
    srv.start()
    station = srv.agent('REGISTER before-upgrade')[0].split()[1]
    srv.stop()
    conf_before = srv.read('drwcsd.conf')
    keys_before = {n: srv.read(n) for n in ('drwcsd.pri', 'drwcsd.pub', 'drwcsd-certificate.pem')}
    out = srv.install('13.00.1').stdout
    assert 'upgraded to 13.00.1' in out
    assert srv.read('drwcsd.conf') == conf_before
    assert {n: srv.read(n) for n in keys_before} == keys_before
    assert 'upgradedb: database schema upgraded 522 -> 542' in srv.log_text()
    assert srv.sqlite('SELECT dbver FROM dbstruct') == [(542,)]
    srv.start()
    summary = srv.api('server/summary.ds')
    assert summary['head']['api'] == {'version': 40302, 'versionString': '4.3.2'}
    assert summary['data']['version'] == '13.00.1.202310121'
    assert summary['data']['stations']['total'] == 1
    assert srv.agent('HELLO ' + station)[0].startswith('OK ')
    assert any(name.startswith('upgrade-13.00.0-') for name in os.listdir(os.path.join(srv.var, 'backup')))


def test_installer_help_and_source_entry_points():
    """The installer and the CLIs answer -help from the source tree too."""
    result = subprocess.run(['/usr/bin/python3', '-m', 'drwcsd_double.installer', '--help'], env=double_env('13.00.0'),
                            capture_output=True, text=True, check=False, cwd=SRC)
    assert result.returncode == 0 and '--admin-password' in result.stdout and '--license-key' in result.stdout
    result = subprocess.run(['/usr/bin/python3', '-m', 'drwcsd_double.drwcsd', '-help'], env=double_env('13.00.0'),
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0 and 'REL-1300 Build 13.00.0.202005090' in result.stdout and 'importdb' in result.stdout
