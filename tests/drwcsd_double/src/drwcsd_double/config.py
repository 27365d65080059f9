"""drwcsd.conf, download.conf and webmin.conf: the fresh-install templates and the readers.

The double never rewrites these files except to put back, at shutdown, the drwcsd.conf it loaded at start
(see server.py, product-facts 2.2).
"""

import ipaddress
import os
import uuid
import xml.etree.ElementTree as ET

from . import product


class ConfigError(Exception):
    """A configuration file is missing, malformed or inconsistent."""


# product-facts section 2 skeleton: every element name below is GUESS (root <drwcsd> T2, <database>/<sqlite> T3,
# <cluster><on> T6, <transports> T9, <protocols><disabled> T7, <plugins> T8) except <version> <name> <id>
# <passwd-salt> <location> <threads> (CONFIRMED 2.3-2.8). The odd spacing, attribute order and comments are on
# purpose: the collection must leave every byte it does not manage untouched.
DRWCSD_CONF_TEMPLATE = '''<?xml version="1.0" encoding="utf-8"?>
<!-- Dr.Web Server configuration file.
     Written by the installer; stop the Server before you edit it by hand. -->
<drwcsd>
  <version value="13"/>
  <name value=""/>
  <id value="{server_id}"/>
  <passwd-salt value="{salt}"/>
  <!-- Where this Server is -->
  <location   room="" floor="" street="" city="" province="" country=""  department="" organization="" latitude="" longitude=""/>
  <threads count="5"/>
  <newbie  approve-to-group="" default-rate="50" mode="open"/>
  <database connections="2" speedup="yes">
    {sqlite}
  </database>
  <cluster>
    <on multicast-group="232.0.0.1" port="2194" interface="0.0.0.0" ttl="1"/>
  </cluster>
  <transports>
    <transport  port="2193" name="drwcs"   ip="0.0.0.0" discovery="yes" multicast="yes" multicast-group="231.0.0.1"/>
  </transports>
  <protocols>
    <disabled>
      <protocol name="CLUSTER"/>
      <protocol name="MSNAPSHV"/>
    </disabled>
  </protocols>
  <plugins>
    <disabled>
      <plugin name="FrontDoor"/>
    </disabled>
  </plugins>
  <!-- mail notifications (not managed by drweb.cluster) -->
  <mailer from="drwcsd@localhost"  server="127.0.0.1" port="25" user="" password="" starttls="yes" auth-plain="no"/>
</drwcsd>
'''

# product-facts 3.6/T11 GUESS: root <download-config>, <server host port/>; the rest is unmanaged filler.
DOWNLOAD_CONF_TEMPLATE = '''<?xml version="1.0" encoding="utf-8"?>
<!-- Network / Download settings: the Dr.Web Server address written into Agent installers -->
<download-config>
  <server host="" port="2193"/>
  <installer  bundle="yes" compress="yes"/>
  <!-- leave the rest alone -->
  <certificate file="drwcsd-certificate.pem"/>
</download-config>
'''

# product-facts 1.7/1.8/4.8/T13 GUESS: webmin.conf names the Control Center HTTPS pair and the listen addresses.
WEBMIN_CONF_TEMPLATE = '''<?xml version="1.0" encoding="utf-8"?>
<webmin>
  <version value="13"/>
  <server-name value=""/>
  <document-root value="webmin"/>
  <ssl-certificate value="certificate.pem"/>
  <ssl-private-key value="private-key.pem"/>
  <listen>
    <insecure value="http://:9080"/>
    <secure value="https://:9081"/>
  </listen>
  <redirect-http value="yes"/>
</webmin>
'''


# product-facts 6.3: the embedded database parameters (names and defaults CONFIRMED, lower-cased spelling GUESS)
SQLITE_ELEMENT = ('<sqlite dbfile="database.sqlite" cachesize="2048" precompiledcache="1048576" synchronous="FULL" '
                  'checkintegrity="QUICK" autorepair="NO" mmapsize="10485760" wal="YES" wal-max-pages="1000" wal-max-seconds="30"/>')


def new_server_id():
    """A fresh Server UUID (product-facts 2.5: a fresh install generates a new UUID)."""
    return str(uuid.uuid4())


def new_salt():
    """A fresh passwd-salt (product-facts 2.6; its format is not documented: 32 hex digits, double's choice)."""
    return uuid.uuid4().hex


def fresh_drwcsd_conf(server_id=None, salt=None):
    """The drwcsd.conf text a fresh install writes."""
    return DRWCSD_CONF_TEMPLATE.format(server_id=server_id or new_server_id(), salt=new_salt() if salt is None else salt,
                                       sqlite=SQLITE_ELEMENT)


def _parse(path, root_name):
    try:
        tree = ET.parse(path)
    except FileNotFoundError as exc:
        raise ConfigError('configuration file %s not found' % path) from exc
    except OSError as exc:
        raise ConfigError('cannot read configuration file %s: %s' % (path, exc)) from exc
    except ET.ParseError as exc:
        raise ConfigError('malformed configuration file %s: %s' % (path, exc)) from exc
    root = tree.getroot()
    if root.tag != root_name:
        raise ConfigError('malformed configuration file %s: root element is <%s>, expected <%s>' % (path, root.tag, root_name))
    return root


def _value(root, tag, path, required=True, attr='value'):
    elem = root.find(tag)
    if elem is None or elem.get(attr) is None:
        if required:
            raise ConfigError('invalid configuration file %s: <%s %s=""/> is missing' % (path, tag, attr))
        return None
    return elem.get(attr)


def _int(value, what, path, low=0, high=65535):
    try:
        number = int(value)
    except (TypeError, ValueError) as exc:
        raise ConfigError('invalid configuration file %s: %s %r is not a number' % (path, what, value)) from exc
    if not low <= number <= high:
        raise ConfigError('invalid configuration file %s: %s %d out of range %d..%d' % (path, what, number, low, high))
    return number


class DatabaseConfig:
    """The <database> section: kind is "sqlite" or "pgsql", attrs the element's attributes."""

    def __init__(self, kind, attrs, connections):
        self.kind = kind
        self.attrs = attrs
        self.connections = connections

    def describe(self):
        """Human-readable description without the password."""
        if self.kind == 'sqlite':
            return 'embedded SQLite %s' % self.attrs.get('dbfile', 'database.sqlite')
        attrs = self.attrs
        return 'PostgreSQL %s@%s:%s/%s' % (attrs.get('user', ''), attrs.get('host', ''), attrs.get('port', '5432'), attrs.get('dbname', ''))


class ServerConfig:
    """What the double reads from drwcsd.conf."""

    def __init__(self, path):
        self.path = path
        with open(path, 'rb') as handle:
            self.raw = handle.read()
        root = _parse(path, 'drwcsd')
        self.version = _value(root, 'version', path)
        self.name = _value(root, 'name', path, required=False) or ''
        self.server_id = _value(root, 'id', path)
        try:
            uuid.UUID(self.server_id)
        except ValueError as exc:
            raise ConfigError('invalid configuration file %s: <id value="%s"/> is not a UUID' % (path, self.server_id)) from exc
        # product-facts 2.6: empty salt means the admin password is kept without encryption
        self.salt = _value(root, 'passwd-salt', path, required=False) or ''
        threads = _value(root, 'threads', path, required=False, attr='count')
        self.threads = _int(threads, 'threads count', path, 1, 1000) if threads is not None else 5
        self.database = self._database(root, path)
        # product-facts 2.9/T6 GUESS: <cluster><on multicast-group port interface ttl/></cluster>
        self.cluster_endpoints = []
        for elem in root.findall('cluster/on'):
            group = elem.get('multicast-group', '')
            try:
                if not ipaddress.IPv4Address(group).is_multicast:
                    raise ValueError(group)
                interface = str(ipaddress.IPv4Address(elem.get('interface') or '0.0.0.0'))
            except ValueError as exc:
                raise ConfigError('invalid configuration file %s: bad <cluster><on> address: %s' % (path, exc)) from exc
            self.cluster_endpoints.append({
                'group': group,
                'port': _int(elem.get('port'), 'cluster port', path, 1),
                'interface': interface,
                'ttl': _int(elem.get('ttl', '1'), 'cluster ttl', path, 0, 255),
            })
        # product-facts 2.10/T7 GUESS: the protocol is off while it is listed in <protocols><disabled>
        self.protocols_disabled = {(e.get('name') or '').upper() for e in root.findall('protocols/disabled/protocol')}
        self.plugins_disabled = {e.get('name') or '' for e in root.findall('plugins/disabled/plugin')}
        self.cluster_enabled = 'CLUSTER' not in self.protocols_disabled
        # product-facts 2.13/T9 GUESS: the agent transport
        self.transports = []
        for elem in root.findall('transports/transport'):
            self.transports.append({
                'name': elem.get('name', ''),
                'ip': elem.get('ip') or '0.0.0.0',
                'port': _int(elem.get('port', str(product.AGENT_PORT)), 'transport port', path, 1),
            })

    @staticmethod
    def _database(root, path):
        section = root.find('database')
        if section is None:
            raise ConfigError('invalid configuration file %s: <database> section is missing' % path)
        children = [child for child in section if isinstance(child.tag, str)]
        if len(children) != 1 or children[0].tag not in ('sqlite', 'pgsql'):
            raise ConfigError('invalid configuration file %s: <database> must hold exactly one <sqlite/> or <pgsql/>' % path)
        elem = children[0]
        connections = _int(section.get('connections', '2'), 'database connections', path, 1, 1000)
        if elem.tag == 'pgsql':
            # product-facts 6.5/T4 GUESS: attribute names; 6.6/T5 GUESS: the password is in clear text
            for attr in ('dbname', 'host'):
                if not elem.get(attr):
                    raise ConfigError('invalid configuration file %s: <pgsql %s=""/> is empty' % (path, attr))
            _int(elem.get('port') or '5432', 'pgsql port', path, 1)
        return DatabaseConfig(elem.tag, dict(elem.attrib), connections)


def load_server_config(path):
    """Read and check drwcsd.conf."""
    return ServerConfig(path)


def load_download_config(path):
    """Read download.conf (product-facts 3.6 GUESS): returns {'host': ..., 'port': ...}."""
    root = _parse(path, 'download-config')
    server = root.find('server')
    if server is None:
        raise ConfigError('invalid configuration file %s: <server host="" port=""/> is missing' % path)
    return {'host': server.get('host', ''), 'port': _int(server.get('port', '2193'), 'download port', path, 1)}


def _listen(value, default_port, path):
    # "http://:9080", "https://127.0.0.1:9081"
    rest = value.split('://', 1)[-1]
    host, _sep, port = rest.rpartition(':')
    return host or '0.0.0.0', _int(port or default_port, 'webmin port', path, 1)


def load_webmin_config(path, etc_dir):
    """Read webmin.conf (product-facts 1.7/1.8 GUESS)."""
    root = _parse(path, 'webmin')
    insecure = _value(root, 'listen/insecure', path, required=False) or 'http://:%d' % product.HTTP_PORT
    secure = _value(root, 'listen/secure', path, required=False) or 'https://:%d' % product.HTTPS_PORT
    cert = _value(root, 'ssl-certificate', path, required=False) or 'certificate.pem'
    key = _value(root, 'ssl-private-key', path, required=False) or 'private-key.pem'
    return {
        'http': _listen(insecure, product.HTTP_PORT, path),
        'https': _listen(secure, product.HTTPS_PORT, path),
        'certificate': cert if cert.startswith('/') else os.path.join(etc_dir, cert),
        'private_key': key if key.startswith('/') else os.path.join(etc_dir, key),
        # product-facts 1.12/7.3: in 13.x HTTP is redirected to HTTPS by default (CONFIRMED)
        'redirect_http': (_value(root, 'redirect-http', path, required=False) or 'yes').lower() in ('yes', 'on', 'true'),
    }
