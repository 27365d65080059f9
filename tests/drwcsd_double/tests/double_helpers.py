"""Helpers and fixtures of the drwcsd double's own tests: built packages, installed instances, a throwaway PostgreSQL.

conftest.py re-exports the fixtures; test modules import the helpers from here (a unique module name, so the
double's tests can be collected together with other conftest.py files).

Every daemon listens on 127.0.0.1 only (free ports), and the cluster protocol is bound to the 127.0.0.1
interface, so no test packet leaves the loopback interface.
"""
# pylint: disable=redefined-outer-name

import base64
import json
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.request

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
DOUBLE = os.path.dirname(HERE)
SRC = os.path.join(DOUBLE, 'src')
SYS_PYTHON = '/usr/bin/python3'
PG_BIN = '/usr/lib/postgresql/15/bin'
sys.path.insert(0, SRC)


def free_port():
    """A TCP port nobody listens on now."""
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def run(argv, check=True, **kwargs):
    """subprocess.run with text output captured."""
    result = subprocess.run(argv, capture_output=True, text=True, timeout=120, check=False, **kwargs)
    if check and result.returncode != 0:
        raise AssertionError('%s failed (%d):\n%s%s' % (argv, result.returncode, result.stdout, result.stderr))
    return result


def double_env(version=None):
    """Environment that runs the double from the source tree with the system Python."""
    env = dict(os.environ, PYTHONPATH=SRC)
    if version:
        env['DRWCSD_DOUBLE_VERSION'] = version
    return env


@pytest.fixture(scope='session')
def packages(tmp_path_factory):
    """{version: path of the .run} built into a temp dir."""
    out = tmp_path_factory.mktemp('build')
    run([sys.executable, os.path.join(DOUBLE, 'build.py'), '--out', str(out)])
    return {v: str(out / ('drweb-%s-esuite-server-linux-x86_64.run' % v)) for v in ('13.00.0', '13.00.1')}


class Instance:
    """One installed Server below a temp root, with its own loopback ports."""

    def __init__(self, root, packages):
        self.root = str(root)
        self.packages = packages
        self.var = os.path.join(self.root, 'var/opt/drwcs')
        self.etc = os.path.join(self.var, 'etc')
        self.conf = os.path.join(self.etc, 'drwcsd.conf')
        self.log = os.path.join(self.var, 'log/drwcsd.log')
        self.init = os.path.join(self.root, 'etc/init.d/drwcsd')
        self.bin = os.path.join(self.root, 'opt/drwcs/bin')
        self.agent_port = free_port()
        self.http_port = free_port()
        self.https_port = free_port()
        self.password = 'secret'

    def install(self, version, *args, check=True):
        """Run the .run package for this root (never starts the Server)."""
        result = run(['sh', self.packages[version], '--', '--non-interactive', '--root=%s' % self.root, '--no-start',
                      '--admin-password=%s' % self.password] + list(args), check=check)
        if result.returncode == 0 and os.path.exists(self.conf):
            self.set_ports()
        return result

    def read(self, name):
        """Text of a file in etc."""
        with open(os.path.join(self.etc, name), encoding='utf-8') as handle:
            return handle.read()

    def write(self, name, text):
        """Replace a file in etc."""
        with open(os.path.join(self.etc, name), 'w', encoding='utf-8') as handle:
            handle.write(text)

    def edit_conf(self, old, new):
        """Replace one string of drwcsd.conf (must be present)."""
        text = self.read('drwcsd.conf')
        assert old in text, old
        self.write('drwcsd.conf', text.replace(old, new, 1))

    def set_ports(self):
        """Loopback ports for the agent transport and the Web server."""
        text = self.read('drwcsd.conf')
        start = text.index('<transport ')
        end = text.index('/>', start) + 2
        self.write('drwcsd.conf', text[:start] + '<transport name="drwcs" ip="127.0.0.1" port="%d"/>' % self.agent_port + text[end:])
        webmin = self.read('webmin.conf')
        webmin = re.sub(r'<insecure value="[^"]*"/>', '<insecure value="http://127.0.0.1:%d"/>' % self.http_port, webmin)
        webmin = re.sub(r'<secure value="[^"]*"/>', '<secure value="https://127.0.0.1:%d"/>' % self.https_port, webmin)
        self.write('webmin.conf', webmin)

    def enable_cluster(self, port, group='232.0.0.1'):
        """Cluster protocol on, bound to the loopback interface."""
        text = self.read('drwcsd.conf')
        text = text.replace('      <protocol name="CLUSTER"/>\n', '')
        start = text.index('<on ')
        end = text.index('/>', start) + 2
        text = text[:start] + '<on multicast-group="%s" port="%d" interface="127.0.0.1" ttl="1"/>' % (group, port) + text[end:]
        self.write('drwcsd.conf', text)

    def use_pgsql(self, pg):
        """Point <database> at the throwaway PostgreSQL."""
        text = self.read('drwcsd.conf')
        start = text.index('<sqlite ')
        end = text.index('/>', start) + 2
        self.write('drwcsd.conf', text[:start] + pg.element() + text[end:])

    def service(self, action, check=False):
        """sh /etc/init.d/drwcsd <action>."""
        return run(['sh', self.init, action], check=check)

    def drwcsd(self, *args, check=False):
        """The installed drwcsd with this root's home and var."""
        return run([os.path.join(self.bin, 'drwcsd')] + list(args), check=check)

    def start(self):
        """Start and wait until the Web API answers."""
        result = self.service('start')
        assert result.returncode == 0, result.stdout + result.stderr + self.log_text()
        return result

    def stop(self):
        """Stop (no error when it is not running)."""
        return self.service('stop')

    def pid(self):
        """pid of the running daemon or None."""
        try:
            with open(os.path.join(self.var, 'run/drwcsd.pid'), encoding='ascii') as handle:
                pid = int(handle.read())
            os.kill(pid, 0)
            return pid
        except (OSError, ValueError):
            return None

    def signal(self, signum):
        """Send a signal to the daemon."""
        os.kill(self.pid(), signum)

    def log_text(self):
        """The whole drwcsd.log."""
        try:
            with open(self.log, encoding='utf-8') as handle:
                return handle.read()
        except OSError:
            return ''

    def api(self, script, fmt='json', password=None, user='admin', secure=True):
        """GET /api/<script>; JSON dict or XML text."""
        sep = '&' if '?' in script else '?'
        scheme, port = ('https', self.https_port) if secure else ('http', self.http_port)
        url = '%s://127.0.0.1:%d/api/%s%s' % (scheme, port, script, sep + 'format=json' if fmt == 'json' else '')
        request = urllib.request.Request(url)
        if user is not None:
            token = base64.b64encode(('%s:%s' % (user, password or self.password)).encode()).decode()
            request.add_header('Authorization', 'Basic ' + token)
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        with urllib.request.urlopen(request, timeout=10, context=context) as response:
            body = response.read().decode('utf-8')
        return json.loads(body) if fmt == 'json' else body

    def agent(self, *lines):
        """Send agent protocol lines; returns the reply lines."""
        with socket.create_connection(('127.0.0.1', self.agent_port), timeout=10) as sock:
            sock.sendall(''.join(line + '\n' for line in lines).encode())
            handle = sock.makefile('r', encoding='utf-8')
            return [handle.readline().strip() for _line in lines]

    def sqlite(self, sql):
        """Rows of a query on the embedded database."""
        import sqlite3  # pylint: disable=import-outside-toplevel
        conn = sqlite3.connect(os.path.join(self.var, 'database.sqlite'))
        try:
            return conn.execute(sql).fetchall()
        finally:
            conn.close()


@pytest.fixture
def make_instance(tmp_path, packages):
    """Factory of Instances; stops every daemon at the end of the test."""
    made = []

    def make(name='srv'):
        instance = Instance(tmp_path / name, packages)
        made.append(instance)
        return instance
    yield make
    for instance in made:
        pid = instance.pid()
        if pid:
            os.kill(pid, signal.SIGTERM)
            for _attempt in range(100):
                if instance.pid() is None:
                    break
                time.sleep(0.05)


def wait_for(predicate, timeout=15, interval=0.2):
    """Poll until predicate() is truthy; returns its value or raises."""
    deadline = time.time() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.time() > deadline:
            raise AssertionError('condition not met within %s s' % timeout)
        time.sleep(interval)


class Postgres:
    """A throwaway PostgreSQL 15 cluster on 127.0.0.1 with password authentication."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix='drwcsd-double-pg-', dir='/tmp')
        shutil.chown(self.dir, 'postgres', 'postgres')
        self.data = os.path.join(self.dir, 'data')
        self.port = free_port()
        self.user = 'drwcs'
        self.password = 'pg-secret'
        self.counter = 0
        self.current = None

    def pg(self, *argv):
        """Run a PostgreSQL program as user postgres."""
        return run(['runuser', '-u', 'postgres', '--'] + list(argv), cwd=self.dir)

    def start(self):
        """initdb + pg_ctl start + the drwcs role."""
        self.pg(os.path.join(PG_BIN, 'initdb'), '-D', self.data, '-A', 'trust', '--auth-host=scram-sha-256', '-U', 'postgres', '-E', 'UTF8')
        self.pg(os.path.join(PG_BIN, 'pg_ctl'), '-D', self.data, '-w', '-l', os.path.join(self.dir, 'pg.log'), '-o',
                '-c listen_addresses=127.0.0.1 -c port=%d -c unix_socket_directories=%s -c fsync=off' % (self.port, self.dir), 'start')
        self.psql("CREATE ROLE %s LOGIN PASSWORD '%s'" % (self.user, self.password))

    def psql(self, sql, dbname='postgres'):
        """Run SQL as the superuser over the unix socket; returns stdout."""
        return self.pg('psql', '-h', self.dir, '-p', str(self.port), '-U', 'postgres', '-d', dbname, '-v', 'ON_ERROR_STOP=1',
                       '-Atc', sql).stdout

    def new_database(self):
        """A new empty database owned by drwcs; returns its name."""
        self.counter += 1
        name = 'drwcs%d' % self.counter
        self.psql('CREATE DATABASE %s OWNER %s' % (name, self.user))
        return name

    def element(self, dbname=None):
        """<pgsql .../> for drwcsd.conf (product-facts 6.5 GUESS names)."""
        return ('<pgsql dbname="%s" host="127.0.0.1" port="%d" user="%s" password="%s" options="" requiressl="no" '
                'temp_tablespaces="" default_transaction_isolation=""/>' % (dbname or self.current, self.port, self.user, self.password))

    def stop(self):
        """pg_ctl stop and remove the files."""
        run(['runuser', '-u', 'postgres', '--', os.path.join(PG_BIN, 'pg_ctl'), '-D', self.data, '-m', 'immediate', 'stop'], check=False,
            cwd=self.dir)
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture(scope='session')
def postgres():
    """The session's throwaway PostgreSQL server."""
    if not os.path.exists(os.path.join(PG_BIN, 'postgres')):
        pytest.skip('PostgreSQL 15 is not installed')
    server = Postgres()
    try:
        server.start()
    except AssertionError:
        server.stop()
        raise
    yield server
    server.stop()


@pytest.fixture
def pgdb(postgres):
    """A fresh empty database on the throwaway server; returns the Postgres object with .current set."""
    postgres.current = postgres.new_database()
    return postgres
