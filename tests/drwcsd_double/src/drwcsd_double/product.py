"""Version table, default paths and other product constants of the drwcsd test double."""

import os
import socket

# product-facts 12.1 (srv_version), 7.2/12.2 (Web API version), 6.10/12.3 (dbstruct.dbver): CONFIRMED values.
VERSIONS = {
    '13.00.0': {
        'build': '13.00.0.202005090',
        'dbver': 522,
        'api': '4.3.0',
        'api_int': 40300,
        # initial repository revision shipped inside the package (double's choice)
        'repo_revision': '20200509000000',
    },
    '13.00.1': {
        'build': '13.00.1.202310121',
        'dbver': 542,
        'api': '4.3.2',
        'api_int': 40302,
        'repo_revision': '20231012000000',
    },
}
LATEST = '13.00.1'
DBVER_TO_VERSION = {info['dbver']: name for name, info in VERSIONS.items()}

PRODUCT_NAME = 'Dr.Web (R) Enterprise Server'
# product-facts 12.4/T32 GUESS: 13.x banner "REL-1300 Build 13.00.x.<timestamp>"
RELEASE_TAG = 'REL-1300'

# product-facts 1.4/1.5 (home /opt/drwcs, var /var/opt/drwcs): CONFIRMED by the summary.ds example; T14 GUESS.
DEFAULT_HOME = '/opt/drwcs'
DEFAULT_VAR = '/var/opt/drwcs'
# product-facts 1.9/T18 GUESS: marker name of the ESS Server
MARKER_NAME = 'drweb-esuite.remove'
SOFTWARE_DIR = '/etc/opt/drweb.com/software'
# product-facts 1.10/T16 GUESS: options file sourced by the init script
OPTIONS_NAME = 'drwcsd'
INIT_SCRIPT = '/etc/init.d/drwcsd'

AGENT_PORT = 2193
HTTP_PORT = 9080
HTTPS_PORT = 9081

ADMIN_LOGIN = 'admin'
# product-facts 5.3: default initdb password of admin "admin" is "root" (CONFIRMED, 11.0.2)
DEFAULT_ADMIN_PASSWORD = 'root'


def current_version():
    """The version this copy of the double plays.

    An installed copy carries build_version.txt (written by build.py); a source checkout uses the
    DRWCSD_DOUBLE_VERSION environment variable, else the latest version.
    """
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'build_version.txt')
    if os.path.exists(path):
        with open(path, encoding='utf-8') as handle:
            version = handle.read().strip()
    else:
        version = os.environ.get('DRWCSD_DOUBLE_VERSION', LATEST)
    if version not in VERSIONS:
        raise ValueError('unknown drwcsd double version %r' % version)
    return version


def version_info(version=None):
    """The VERSIONS entry of a version (default: current_version()) with its name added."""
    version = version or current_version()
    info = dict(VERSIONS[version])
    info['version'] = version
    return info


def banner(version=None):
    """The log/help banner line (product-facts 12.4 GUESS)."""
    info = version_info(version)
    return '%s %s Build %s Linux/x86_64 (drwcsd test double)' % (PRODUCT_NAME, RELEASE_TAG, info['build'])


def hostname():
    """This host's name."""
    return socket.gethostname()


class Paths:
    """Every file location of one Server instance, derived from -home, -var-root and -conf."""

    def __init__(self, home=None, var_root=None, conf=None):
        self.home = os.path.abspath(home or os.environ.get('DRWCS_HOME') or DEFAULT_HOME)
        self.var = os.path.abspath(var_root or os.environ.get('DRWCS_VAR') or DEFAULT_VAR)
        # product-facts 1.1/1.2/T1: etc under the var root; -conf default etc/drwcsd.conf
        self.etc = os.path.join(self.var, 'etc')
        self.conf = self.resolve(conf) if conf else os.path.join(self.etc, 'drwcsd.conf')
        # product-facts 3.5/T10 GUESS
        self.download_conf = os.path.join(self.etc, 'download.conf')
        # product-facts 1.7/1.8 GUESS: webmin.conf with the HTTPS pair
        self.webmin_conf = os.path.join(self.etc, 'webmin.conf')
        # product-facts 4.7/T12 GUESS: keys and Server certificate in etc
        self.private_key = os.path.join(self.etc, 'drwcsd.pri')
        self.public_key = os.path.join(self.etc, 'drwcsd.pub')
        self.certificate = os.path.join(self.etc, 'drwcsd-certificate.pem')
        self.agent_key = os.path.join(self.etc, 'agent.key')
        self.repository = os.path.join(self.var, 'repository')
        self.log_dir = os.path.join(self.var, 'log')
        # product-facts 1.8/T17 GUESS
        self.log = os.path.join(self.log_dir, 'drwcsd.log')
        self.backup = os.path.join(self.var, 'backup')
        # double's choice: pid file under the var root (the daemon runs as drwcs and must be able to write it)
        self.run_dir = os.path.join(self.var, 'run')
        self.pid = os.path.join(self.run_dir, 'drwcsd.pid')
        self.bin = os.path.join(self.home, 'bin')

    def resolve(self, path):
        """A path relative to the var root (how drwcsd.conf names its files), absolute paths unchanged."""
        return path if os.path.isabs(path) else os.path.join(self.var, path)
