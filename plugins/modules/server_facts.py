#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: server_facts
short_description: Read what a node's Dr.Web Server is (version, identity, paths, database, own data)
description:
- Returns, as the fact C(drweb_server) (and the same dictionary as RV(server)), whether the Dr.Web Server
  (C(drwcsd)) is installed on the target and runs, its release and build, its Server id and name, a hash of its
  C(passwd-salt), the product paths and service account, its database settings (never the password) and how many
  stations the Server registered in the database it uses now.
- B(Version sources), most reliable first; the first one that answers wins and RV(server.version_source) names it.
  C(webapi) - the C(<version>) of the Web API C(server/summary.ds) reply (CONFIRMED), asked
  only when the Server runs and O(admin_password) is given - it is the version of the running process, so it is
  right even in the middle of an upgrade. C(marker) - the C(VERSION=) (and C(BUILD=)) line of the installed-product
  marker file in C(/etc/opt/drweb.com/software) (its name and content are a GUESS). C(log) -
  the last start-up banner C(REL-1300 Build 13.00.x.<n>) in the Server log (GUESS; only the
  v5 banner is public). Every label is in docs/compatibility.md.
- The Web API is called on C(https://127.0.0.1:9081) from the node itself, with HTTP Basic credentials sent on
  the first request (the Server never sends a 401 challenge - Web API, integration) and without certificate
  validation (the Control Center's HTTPS certificate is the installer's self-signed one - a GUESS - and the
  connection never leaves the host).
- drwcsd.conf is read with ElementTree; the elements read (C(id), C(name), C(passwd-salt), C(database/sqlite),
  C(database/pgsql)) are registered in the collection's product-fact register (C(module_utils/drwcsd.py)).
- B(Own data) - where the Server runs and O(admin_password) is given, its stations are counted by its Web API (the
  stations list C(groups/stations-list.ds) of the system group Everyone, with the C(server-id) filter on the external
  database; documented in the Web API manual). Otherwise, or when the Web API cannot answer, they are counted in the
  database (HIGH RISK, a GUESS - the stations table is not public) - embedded database - the SQLite file opened
  read-only (C(mode=ro) URI), every station; external database - with psycopg (3, else 2) when the node has it, with
  the configuration's credentials, the stations of this Server's id. The database is opened either way for its
  schema version, C(dbuuid), licence keys and schedule. C(own_data.stations_source) names the source of the count
  (C(webapi) or C(database)); C(own_data.source) says what was read, or why nothing could be.
- Never returns a secret - no password, no salt (only its SHA-256), no key material. The module only reads.
version_added: 0.1.0
options:
  admin_password:
    description:
    - Password of the Control Center administrator, to read the version from the Web API.
    - Without it (or when it is empty) the Web API is not asked and the version comes from the marker or the log.
  package:
    description:
    - Inspect this installation package instead of the Server, and return RV(package) only (no facts, no RV(server)).
    - A path (run the module where the file is, usually C(delegate_to=localhost)) or an C(http(s)://) / C(ftp://) URL
      (then only its file name is read).
    - The release is read from the package's shell-script header when the file can be read (the header's form is a
      GUESS), else from the vendor's file name C(drweb-<MM.mm.p>[.<build>]-esuite-server-linux-<arch>.run); any other
      name is accepted when the header names the release. RV(package.release_source) says which was used.
    type: str
  own_data:
    description:
    - Whether to count the stations this Server registered (opens the database read-only).
    - When C(false), RV(server.own_data) has C(stations=null), C(holds_data=null).
    type: bool
    default: true
  gather_subset:
    description:
    - What to read besides the Server itself (C(server), always read). One call with several subsets is the cluster
      member read, everything the cluster's plan compares between members, read once per member.
    - C(keys) - the key pair and certificate, the three files' SHA-256, the private key's public-key hash, the
      certificate version and expiry, whether the set is complete and belongs together (RV(server.key_files)).
    - C(repository) - the revision each product's repository folder distributes (RV(server.repository)).
    - C(schedule) - which of the exclusive schedule tasks are enabled for this Server in the database it uses
      (RV(server.schedule); needs O(own_data)). Task names are compared without case (C(Purge Old Data) and
      C(Purge old data) are the same task) and returned in the vendor's spelling.
    - C(common_database) - the database O(common_database) names, as this node reaches it (reachable, initialised,
      its C(dbuuid), RV(server.common_database)).
    - C(install_dir) - whether the folder O(install_dir) is absent, empty or holds only installation packages
      (RV(server.install_dir)).
    - C(all) - every subset.
    type: list
    elements: str
    default: [server]
    choices: [all, server, keys, repository, schedule, common_database, install_dir]
  common_database:
    description:
    - The cluster's common database, for the C(common_database) subset. Read-only session.
    type: dict
    suboptions:
      host:
        description: Host name or address of the PostgreSQL server.
        type: str
        required: true
      port:
        description: TCP port.
        type: int
        default: 5432
      name:
        description: Database name.
        type: str
        required: true
      user:
        description: PostgreSQL role the Servers connect as.
        type: str
        required: true
      ssl_mode:
        description: libpq C(sslmode).
        type: str
        default: prefer
        choices: [disable, allow, prefer, require, verify-ca, verify-full]
      ca_cert:
        description: Path, on the node, of the CA file that checks the PostgreSQL server's certificate (libpq
          C(sslrootcert)); required with V(verify-ca) and V(verify-full).
        type: path
  common_database_password:
    description:
    - The password of O(common_database.user). Never logged.
    - An option of its own, not inside O(common_database). Ansible logs a module's invocation on the node (syslog) with
      each dict option written out, and a password with a quote or a backslash is written there escaped, in a spelling
      its masking does not find; an option of its own is logged as hidden.
    type: str
  install_dir:
    description: The folder the installation package is copied to, for the C(install_dir) subset.
    type: path
extends_documentation_fragment:
- drweb.cluster.attributes.read_only
- drweb.cluster.web_api
attributes:
  facts:
    support: full
    description: Sets the fact C(drweb_server) (not in the O(package) mode).
  platform:
    support: full
    platforms: posix
    description: Runs on the Linux (POSIX) hosts of the Servers, or on the controller for O(package).
requirements:
- psycopg (3) or psycopg2 on the target, only to count own stations in an external PostgreSQL database
notes:
- Run it as root (C(become=true)); drwcsd.conf and the database are readable by the Server account only.
seealso:
- name: Dr.Web Server cluster
  description: All Servers of a cluster must run the same version; upgrades from installation packages only.
  link: https://download.geo.drweb.com/pub/drweb/esuite/13.0.0/documentation/html/en/admin_manual/multiserver_cluster.htm
author:
- drweb.cluster maintainers !UNKNOWN
'''

EXAMPLES = r'''
- name: Read every Server's facts (from every member, so --limit still sees the whole cluster)
  drweb.cluster.server_facts:
  delegate_to: "{{ item }}"
  delegate_facts: true
  loop: "{{ groups['drweb_servers'] }}"

- name: Read the version from the running Server's Web API
  drweb.cluster.server_facts:
    admin_password: "{{ drweb_admin_password }}"
  no_log: true
  register: drweb_node

- name: Refuse to attach a node whose own database holds stations
  ansible.builtin.assert:
    that: not ansible_facts.drweb_server.own_data.holds_data
    fail_msg: "{{ inventory_hostname }}: its database holds {{ ansible_facts.drweb_server.own_data.stations }} station(s)"
'''

RETURN = r'''
server:
  description: What the node's Dr.Web Server is; the same dictionary is set as the fact C(drweb_server).
  returned: always
  type: dict
  contains:
    installed:
      description: Whether the product is installed (its marker file or the drwcsd binary exists).
      type: bool
      sample: true
    version:
      description: Release C(MM.mm.p); C(null) when not installed or no source answered.
      type: str
      sample: 13.00.0
    build:
      description: Full build string C(MM.mm.p.YYYYMMDDn); C(null) when no source gave it.
      type: str
      sample: 13.00.0.202005090
    version_source:
      description: Where RV(server.version) came from (C(webapi), C(marker), C(log)); C(null) when no source answered.
      type: str
      sample: marker
    running:
      description: Whether the init script's C(status) exits 0.
      type: bool
      sample: true
    server_id:
      description: drwcsd.conf C(<id value>), unique per node.
      type: str
      sample: 0b8f1c52-6d3e-4f0a-9e55-2f3c1a7d9b10
    name:
      description: drwcsd.conf C(<name value>) (empty means the computer name).
      type: str
      sample: ''
    passwd_salt_sha256:
      description: SHA-256 (hex) of drwcsd.conf C(<passwd-salt value>), to compare nodes; C(null) when absent or empty.
      type: str
    paths:
      description: The product paths (from C(module_utils/drwcsd.py)).
      type: dict
      sample:
        home: /opt/drwcs
        var: /var/opt/drwcs
        etc: /var/opt/drwcs/etc
        bin: /opt/drwcs/bin
        drwcsd: /opt/drwcs/bin/drwcsd
        drwsign: /opt/drwcs/bin/drwsign
        config: /var/opt/drwcs/etc/drwcsd.conf
        download_config: /var/opt/drwcs/etc/download.conf
        private_key: /var/opt/drwcs/etc/drwcsd.pri
        public_key: /var/opt/drwcs/etc/drwcsd.pub
        certificate: /var/opt/drwcs/etc/drwcsd-certificate.pem
        embedded_database: /var/opt/drwcs/database.sqlite
        repository: /var/opt/drwcs/repository
        backup: /var/opt/drwcs/backup
        log: /var/opt/drwcs/log/drwcsd.log
        init_script: /etc/init.d/drwcsd
        marker: /etc/opt/drweb.com/software/drweb-esuite.remove
    commands:
      description: Command lines (argv prefixes) for the Server's maintenance verbs, from C(module_utils/drwcsd.py).
      type: dict
      sample: {exportdb: [/etc/init.d/drwcsd, exportdb], status: [/etc/init.d/drwcsd, status]}
    ports:
      description: The Server's ports (Agents, Web API over HTTP and HTTPS).
      type: dict
      sample: {agent: 2193, http: 9080, https: 9081}
    service:
      description:
      - Service name and the account the Server runs as (the options file's C(DRWCS_USER)/C(DRWCS_GROUP) when set).
      - C(manager) - how the Server is started and stopped here. C(systemd) where systemd is PID 1 (C(/run/systemd/system)
        exists) and has the unit C(unit) loaded (the installer's, or the one systemd-sysv-generator makes from the init
        script; the unit's name is a GUESS, see docs/compatibility.md); C(init) (the init script) otherwise.
        C(manager_reason) says why.
      type: dict
      sample: {name: drwcsd, user: drwcs, group: drwcs, manager: init, unit: null,
               manager_reason: 'systemd is not the service manager: /etc/init.d/drwcsd'}
    database:
      description:
      - The drwcsd.conf database section. C(mode) is C(embedded), C(external) or C(null) (no readable configuration).
      - C(dbfile) is the embedded database file (absolute); C(host), C(port), C(name), C(user) the external one's.
      - C(password_set) tells whether the configuration holds a password; the password itself is never returned.
      - C(schema_version) is C(dbstruct.dbver) when the database could be read (own data counted), else C(null);
        C(schema_expected) the one the installed release needs (C(null) when unknown). A Server can only run on a
        database whose schema is the one it expects.
      - C(dbuuid) is the database's UUID (C(dbstruct.dbuuid)) when the database could be read (Servers share a
        database exactly when they read the same one).
      type: dict
      sample: {mode: embedded, dbfile: /var/opt/drwcs/database.sqlite, host: null, port: null, name: null, user: null,
               password_set: false, schema_version: 522, schema_expected: 522, dbuuid: 0f6c1b8e-5d7a-4f0e-9a1b-2c3d4e5f6a7b}
    own_data:
      description:
      - Stations this Server registered in the database it is configured for now, and whether that is any data.
      - C(licence_keys) counts the licence keys of its own embedded database (C(null) on the external database, whose
        keys every Server shares). C(holds_data) is true when it has stations or such keys.
      - C(source) names what was read, or why nothing could be; C(stations_source) is C(webapi) when the Server's Web
        API counted the stations, C(database) when the database did (the table is a GUESS), C(null) when neither.
      type: dict
      sample: {stations: 0, licence_keys: 0, holds_data: false, stations_source: webapi,
               source: 'Web API groups/stations-list.ds (every station); embedded database /var/opt/drwcs/database.sqlite'}
    key_files:
      description:
      - With the C(keys) subset - the key pair and certificate as the cluster compares them (never key material).
      - C(fingerprint) is the three files' SHA-256 (C(null) when missing), C(public_key_sha256) the hash of the private
        key's public half, C(complete) whether all three exist, C(consistent) whether they belong together.
      type: dict
      returned: when the keys subset is read
      sample: {fingerprint: {private_key: 3f0a..., public_key: 51e4..., certificate: 0b6f...}, public_key_sha256: 9d1c...,
               certificate_version: 1, certificate_not_after: '2035-01-01T00:00:00Z', complete: true, consistent: true,
               problems: []}
    repository:
      description: With the C(repository) subset - product code -> the revision the repository distributes.
      type: dict
      returned: when the repository subset is read
      sample: {10-drwbases: '20250201000000', 20-drwcs: '20250201000000'}
    schedule:
      description:
      - With the C(schedule) subset - C(exclusive_enabled), the exclusive schedule tasks (vendor item 7) enabled for this
        Server in the database it uses (C(null) when it could not be read; the table is a GUESS).
      type: dict
      returned: when the schedule subset is read on an installed Server
      sample: {exclusive_enabled: [Backup sensitive data, Purge Old Data], source: database}
    common_database:
      description:
      - With the C(common_database) subset - the database O(common_database) names, read from this node.
      - C(servers) counts the Servers the database names (table C(srv_names); that every Server writes its row there is
        a GUESS), C(null) when it cannot be read.
      type: dict
      returned: when the common_database subset is read
      sample: {reachable: true, error: null, tables: 8, empty: false, initialised: true,
               dbuuid: 0f6c1b8e-5d7a-4f0e-9a1b-2c3d4e5f6a7b, schema_version: 522, stations_total: 0, servers: 3}
    install_dir:
      description: With the C(install_dir) subset - whether the folder exists, is a folder, how many entries it holds
        and which of them are not installation packages (at most ten names).
      type: dict
      returned: when the install_dir subset is read
      sample: {path: /var/tmp/drweb-install, exists: false, is_dir: false, entries: 0, foreign: []}
    web_api:
      description:
      - Outcome of the Web API call. C(status) is C(ok), C(error) or C(skipped); C(error) says why it failed.
      - C(database_unavailable) is C(true) when the Server refused the call with a message that names its database
        (it cannot check the login, it lost its database), C(false) otherwise (for example a wrong O(admin_password)).
        The product's wording is not public (GUESS, C(WEB_API_REFUSAL_DATABASE_PATTERN) in docs/compatibility.md).
      - C(peers) lists the cluster peers the Server hears (id, name, address, version) when the reply has the
        C(<cluster>) block of the drwcsd test double (the documented summary.ds has none), else C(null).
      - C(keys) lists the licence keys the Server holds (C(id), C(expires) in Unix seconds UTC or C(null) for no end
        date), from the same summary.ds reply; C(null) when the Web API was not read.
      type: dict
      sample: {status: skipped, error: null, database_unavailable: false, peers: null, cluster_enabled: null, keys: null}
    problems:
      description: What could not be read (a missing or malformed drwcsd.conf, an unreadable database).
      type: list
      elements: str
      sample: []
package:
  description: The installation package named by O(package).
  returned: when O(package) is given
  type: dict
  contains:
    path:
      description: The path or URL as given.
      type: str
    name:
      description: Its file name.
      type: str
      sample: drweb-13.00.1-esuite-server-linux-x86_64.run
    url:
      description: Whether it is a URL.
      type: bool
    release:
      description: The package's release (from its header, else from its name); C(null) when neither names one.
      type: str
      sample: 13.00.1
    build:
      description: The full build string (C(MM.mm.p.YYYYMMDDn)) when the header or the name carries a build stamp.
      type: str
      sample: 13.00.1.202406060
    release_source:
      description: Where RV(package.release) was read - C(package) (the header), C(name) (the file name) or C(null).
      type: str
      sample: package
    exists:
      description: Whether the file exists (C(null) for a URL).
      type: bool
    readable:
      description: Whether the file can be read (C(null) for a URL).
      type: bool
    sha256:
      description: SHA-256 (hex) of the file; C(null) for a URL or an unreadable file.
      type: str
    error:
      description: Why the file cannot be read; C(null) when it can.
      type: str
    install_arguments:
      description: The installer's unattended arguments (GUESS), from C(module_utils/drwcsd.py).
      type: list
      elements: str
      sample: ['--', '--non-interactive']
    admin_password_option:
      description: The installer option giving the initial administrator password (GUESS).
      type: str
      sample: --admin-password
'''

import hashlib
import os
import re
import sqlite3
from xml.etree import ElementTree

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_native

from ansible_collections.drweb.cluster.plugins.module_utils import common_database, drwcsd, key_material, web_api
from ansible_collections.drweb.cluster.plugins.module_utils.repository import RepositoryError, scan_repository

try:
    import psycopg  # psycopg 3
    HAS_PSYCOPG = True
except ImportError:
    psycopg = None
    HAS_PSYCOPG = False
    try:
        import psycopg2 as psycopg  # noqa: F811  (same DB-API surface for what is used here)
        HAS_PSYCOPG = True
    except ImportError:
        pass

LOCAL_WEB_API = web_api.LOCAL_URL
LOG_TAIL_BYTES = 4 * 1024 * 1024
OPTION_LINE = re.compile(r'^\s*(DRWCS_[A-Z_]+)=["\']?([^"\'#\s]*)')


# systemd's own test whether it is the running service manager (sd_booted(3)): this folder exists.
SYSTEMD_BOOTED_DIR = '/run/systemd/system'


def choose_service_manager(systemd_booted, unit_load_state, init_script_present):
    """How the Server is started and stopped on this host: dict(manager='systemd' or 'init', unit, reason).

    systemd, where it is PID 1 and knows the Server's unit (the installer's, or the one systemd-sysv-generator makes
    from the init script): starting the Server behind systemd's back would make systemd's view false (it would not
    stop it at shutdown nor restart it). The init script where systemd does not run. Where systemd runs but has no
    unit loaded for the Server, the init script too, and the reason says so (systemctl daemon-reload would make the
    generated unit appear)."""
    unit = drwcsd.SYSTEMD_UNIT
    if not systemd_booted:
        return dict(manager='init', unit=None, reason='systemd is not the service manager: %s' % drwcsd.INIT_SCRIPT)
    if unit_load_state == 'loaded':
        return dict(manager='systemd', unit=unit, reason='systemd is PID 1 and has the unit %s loaded' % unit)
    return dict(manager='init', unit=None,
                reason='systemd is PID 1 but the unit %s is %s; %s used%s' % (
                    unit, unit_load_state or 'unknown', drwcsd.INIT_SCRIPT,
                    '' if init_script_present else ' (missing)'))


def _paths():
    return dict(
        home=drwcsd.HOME_DIR, var=drwcsd.VAR_DIR, etc=drwcsd.ETC_DIR, bin=drwcsd.BIN_DIR, drwcsd=drwcsd.DRWCSD_BINARY,
        drwsign=drwcsd.DRWSIGN_BINARY, config=drwcsd.CONFIG_FILE, download_config=drwcsd.DOWNLOAD_CONFIG_FILE,
        private_key=drwcsd.PRIVATE_KEY_FILE, public_key=drwcsd.PUBLIC_KEY_FILE, certificate=drwcsd.CERTIFICATE_FILE,
        embedded_database=drwcsd.EMBEDDED_DATABASE_FILE, repository=drwcsd.REPOSITORY_DIR, backup=drwcsd.BACKUP_DIR,
        log=drwcsd.LOG_FILE, init_script=drwcsd.INIT_SCRIPT, marker=drwcsd.PRODUCT_MARKER_FILE,
    )


def read_marker(path):
    """(version, build) from the marker's VERSION= / BUILD= lines; (None, None) when absent or unreadable."""
    values = {}
    try:
        with open(path, 'r', errors='replace') as handle:
            for line in handle:
                key, sep, value = line.strip().partition('=')
                if sep and key in (drwcsd.MARKER_VERSION_KEY, drwcsd.MARKER_BUILD_KEY) and key not in values:
                    values[key] = value.strip().strip('"\'')
    except (IOError, OSError):
        return None, None
    version = drwcsd.parse_release(values.get(drwcsd.MARKER_VERSION_KEY))
    build = values.get(drwcsd.MARKER_BUILD_KEY)
    if drwcsd.parse_release(build) != version:
        build = None
    return version, build


def read_log_build(path):
    """The build of the last start-up banner in the log's tail, or None."""
    try:
        with open(path, 'rb') as handle:
            handle.seek(0, os.SEEK_END)
            size = handle.tell()
            handle.seek(max(0, size - LOG_TAIL_BYTES))
            text = handle.read().decode('utf-8', 'replace')
    except (IOError, OSError):
        return None
    builds = [match.group('build') for match in drwcsd.LOG_BANNER_PATTERN.finditer(text)]
    return builds[-1] if builds else None


def read_options(path):
    """DRWCS_* settings of the options file sourced by the init script."""
    options = {}
    try:
        with open(path, 'r', errors='replace') as handle:
            for line in handle:
                match = OPTION_LINE.match(line)
                if match and match.group(2):
                    options[match.group(1)] = match.group(2)
    except (IOError, OSError):
        pass
    return options


def _value(root, xpath):
    element = root.find(xpath)
    return None if element is None else element.get(drwcsd.CONFIG_VALUE_ATTRIBUTE)


def read_config(path):
    """What drwcsd.conf says: identity, salt hash and the database section (a dict; 'error' when unreadable)."""
    info = dict(server_id=None, name=None, passwd_salt_sha256=None, error=None,
                database=dict(mode=None, dbfile=None, host=None, port=None, name=None, user=None, password_set=False,
                              schema_version=None, schema_expected=None, dbuuid=None))
    try:
        root = ElementTree.parse(path).getroot()
    except (IOError, OSError) as error:
        if getattr(error, 'errno', None) != 2:
            info['error'] = 'cannot read %s: %s' % (path, to_native(getattr(error, 'strerror', None) or error))
        else:
            info['error'] = '%s does not exist' % path
        return info, None
    except ElementTree.ParseError as error:
        info['error'] = 'malformed %s: %s' % (path, to_native(error))
        return info, None
    info['server_id'] = _value(root, drwcsd.CONFIG_ID_XPATH) or None
    info['name'] = _value(root, drwcsd.CONFIG_NAME_XPATH)
    salt = _value(root, drwcsd.CONFIG_PASSWD_SALT_XPATH)
    info['passwd_salt_sha256'] = hashlib.sha256(salt.encode('utf-8')).hexdigest() if salt else None
    database = info['database']
    secret = None
    sqlite_element = root.find(drwcsd.CONFIG_SQLITE_XPATH)
    pgsql_element = root.find(drwcsd.CONFIG_PGSQL_XPATH)
    if pgsql_element is not None:
        attributes = drwcsd.CONFIG_PGSQL_ATTRIBUTES
        port = pgsql_element.get(attributes['port']) or str(drwcsd.PGSQL_DEFAULT_PORT)
        secret = pgsql_element.get(attributes['password']) or None
        database.update(mode='external', host=pgsql_element.get(attributes['host']) or None,
                        port=int(port) if port.isdigit() else None, name=pgsql_element.get(attributes['name']) or None,
                        user=pgsql_element.get(attributes['user']) or None, password_set=secret is not None)
    elif sqlite_element is not None:
        dbfile = sqlite_element.get(drwcsd.CONFIG_SQLITE_FILE_ATTRIBUTE) or os.path.basename(drwcsd.EMBEDDED_DATABASE_FILE)
        # drwcsd.conf names files relative to the Server's var folder
        database.update(mode='embedded', dbfile=dbfile if os.path.isabs(dbfile) else os.path.join(drwcsd.VAR_DIR, dbfile))
    else:
        info['error'] = '%s has neither <%s> nor <%s>' % (path, drwcsd.CONFIG_SQLITE_XPATH, drwcsd.CONFIG_PGSQL_XPATH)
    return info, secret


def _tables_missing(error):
    return 'no such table' in str(error) or 'does not exist' in str(error)


def _exclusive_enabled(rows, server_id):
    """The exclusive schedule tasks enabled for server_id among (server_id, name, enabled) rows, in the vendor's
    spelling (names compared without case)."""
    return sorted(set(drwcsd.exclusive_task(name) for owner, name, enabled in rows
                      if owner == server_id and drwcsd.exclusive_task(name) and str(enabled) not in ('0', 'False', 'false')))


def _optional(run, fallback=None, connection=None):
    """run()'s value, or fallback when the table or column it reads does not exist (a schema this collection does not
    know, e.g. a release whose dbstruct has no dbuuid); a PostgreSQL connection is rolled back to go on."""
    try:
        return run()
    except Exception as error:  # pylint: disable=broad-exception-caught
        if _tables_missing(error) or 'no such column' in str(error):
            if connection is not None:
                connection.rollback()
            return fallback
        raise


def count_embedded(dbfile, server_id=None):
    """What the embedded SQLite database holds, opened read-only: a dict with stations, schema_version, dbuuid,
    licence_keys, exclusive (the exclusive schedule tasks enabled for server_id) and source."""
    found = dict(stations=None, schema_version=None, dbuuid=None, licence_keys=None, exclusive=None,
                 source='embedded database %s' % dbfile)
    if not os.path.exists(dbfile):
        found.update(stations=0, licence_keys=0, source=found['source'] + ' (absent: no data)')
        return found
    try:
        connection = sqlite3.connect('file:%s?mode=ro' % dbfile, uri=True, timeout=10)
    except sqlite3.Error as error:
        found['source'] = '%s: cannot open read-only: %s' % (found['source'], error)
        return found
    try:
        try:
            found['schema_version'] = int(connection.execute(drwcsd.SQL_SCHEMA_VERSION).fetchone()[0])
        except (sqlite3.Error, TypeError, ValueError) as error:
            if _tables_missing(error):
                found.update(stations=0, licence_keys=0, source=found['source'] + ' (not initialised: no data)')
            else:
                found['source'] = '%s: %s' % (found['source'], error)
            return found
        try:
            found['dbuuid'] = _optional(lambda: connection.execute(drwcsd.SQL_DATABASE_UUID).fetchone()[0])
            found['stations'] = _optional(lambda: int(connection.execute(drwcsd.SQL_STATIONS_TOTAL).fetchone()[0]), 0)
            found['licence_keys'] = _optional(lambda: len(connection.execute(drwcsd.SQL_LICENCE_KEYS).fetchall()), 0)
            if server_id:
                found['exclusive'] = _optional(lambda: _exclusive_enabled(connection.execute(drwcsd.SQL_SCHEDULE).fetchall(),
                                                                          server_id))
        except sqlite3.Error as error:
            found['source'] = '%s: %s' % (found['source'], error)
        return found
    finally:
        connection.close()


def count_external(database, secret, server_id, timeout):
    """What this Server's rows of the external PostgreSQL database are: a dict like count_embedded()'s (licence_keys
    stays None: the keys of the common database are every Server's, not this one's own data)."""
    described = (database['user'] or '', database['host'], database['port'], database['name'])
    found = dict(stations=None, schema_version=None, dbuuid=None, licence_keys=None, exclusive=None,
                 source='external database %s@%s:%s/%s' % described)
    source = found['source']
    if not HAS_PSYCOPG:
        found['source'] = '%s: not counted, neither psycopg nor psycopg2 can be imported on the node' % source
        return found
    if not server_id:
        found['source'] = '%s: not counted, drwcsd.conf has no Server id' % source
        return found
    params = dict(host=database['host'], port=database['port'] or drwcsd.PGSQL_DEFAULT_PORT, dbname=database['name'],
                  connect_timeout=timeout)
    if database['user']:
        params['user'] = database['user']
    if secret:
        params['password'] = secret
    try:
        connection = psycopg.connect(**params)
    except Exception as error:  # pylint: disable=broad-exception-caught
        # psycopg's messages never include the password
        found['source'] = '%s: not counted, cannot connect: %s' % (source, to_native(error).strip().splitlines()[0])
        return found
    try:
        cursor = connection.cursor()

        def one(statement, arguments=()):
            cursor.execute(statement.replace('?', '%s'), arguments)
            return cursor.fetchall()
        try:
            found['schema_version'] = int(one(drwcsd.SQL_SCHEMA_VERSION)[0][0])
        except Exception as error:  # pylint: disable=broad-exception-caught
            if _tables_missing(error):
                found.update(stations=0, source=source + ' (not initialised: no data)')
            else:
                found['source'] = '%s: %s' % (source, to_native(error).strip())
            return found
        try:
            found['dbuuid'] = _optional(lambda: one(drwcsd.SQL_DATABASE_UUID)[0][0], None, connection)
            found['stations'] = int(one(drwcsd.SQL_STATIONS_OF_SERVER, (server_id,))[0][0])
            found['exclusive'] = _optional(lambda: _exclusive_enabled(one(drwcsd.SQL_SCHEDULE), server_id), None, connection)
        except Exception as error:  # pylint: disable=broad-exception-caught
            found['source'] = '%s: %s' % (source, to_native(error).strip())
        return found
    finally:
        connection.close()


def read_common_database(module, options):
    """The common database the run names (not the one this Server is configured for): a dict with reachable, error,
    tables, initialised, dbuuid, schema_version, stations_total, servers (how many Servers the database names in
    srv_names; None when that cannot be read) - read-only, from this node."""
    found = dict(reachable=False, error=None, tables=None, empty=None, initialised=False, dbuuid=None,
                 schema_version=None, stations_total=None, servers=None)
    if common_database.psycopg is None:
        found['error'] = 'neither psycopg nor psycopg2 can be imported on the node'
        return found
    params = dict(login_host=options['host'], port=options['port'], db=options['name'], login_user=options['user'],
                  login_password=module.params['common_database_password'], ssl_mode=options['ssl_mode'],
                  ca_cert=options.get('ca_cert'),
                  connect_timeout=module.params['web_api_timeout'])
    problem = common_database.ssl_problem(params)
    if problem:
        found['error'] = problem
        return found
    try:
        connection = common_database.connect(common_database.psycopg, params, 'drweb.cluster.server_facts', read_only=True)
    except common_database.DatabaseError as error:
        found['error'] = to_native(error)
        return found
    found['reachable'] = True
    try:
        found['tables'] = int(common_database.query(connection, drwcsd.SQL_USER_TABLES)[0][0])
        found['empty'] = found['tables'] == 0
        if not found['empty']:
            for key, statement in (('schema_version', drwcsd.SQL_SCHEMA_VERSION), ('dbuuid', drwcsd.SQL_DATABASE_UUID),
                                   ('stations_total', drwcsd.SQL_STATIONS_TOTAL), ('servers', drwcsd.SQL_SERVER_NAMES)):
                try:
                    rows = common_database.query(connection, statement)
                except Exception as error:  # pylint: disable=broad-exception-caught
                    if not (_tables_missing(error) or 'no such column' in str(error)):
                        raise
                    connection.rollback()
                    if key == 'schema_version':
                        break   # tables, but no dbstruct: not a Dr.Web Server database
                    continue
                found[key] = len(rows) if key == 'servers' else (rows[0][0] if rows else None)
            found['initialised'] = found['schema_version'] is not None
            if found['schema_version'] is not None:
                found['schema_version'] = int(found['schema_version'])
    except Exception as error:  # pylint: disable=broad-exception-caught
        found['error'] = 'cannot read %s: %s' % (common_database.describe(params), common_database.first_line(error))
    finally:
        connection.close()
    return found


def read_install_dir(path):
    """Whether the folder the installation package is copied to can be used: it is created (root, 0700) when absent,
    so an existing folder must be empty or hold only installation packages."""
    found = dict(path=path, exists=os.path.lexists(path), is_dir=False, entries=0, foreign=[])
    if not found['exists']:
        return found
    found['is_dir'] = os.path.isdir(path) and not os.path.islink(path)
    if not found['is_dir']:
        return found
    try:
        names = sorted(os.listdir(path))
    except OSError as error:
        found['foreign'] = ['(cannot list: %s)' % to_native(error.strerror or error)]
        return found
    found['entries'] = len(names)
    found['foreign'] = [name for name in names if not drwcsd.INSTALLER_NAME_PATTERN.match(name)][:10]
    return found


def ask_web_api(module):
    """(build, web_api dict) from summary.ds on the node's own Web API."""
    params = module.params
    result = dict(status='error', error=None, database_unavailable=False, peers=None, cluster_enabled=None, keys=None)
    try:
        root = web_api.WebApiClient(params, LOCAL_WEB_API).get_xml(drwcsd.WEB_API_SUMMARY)
    except web_api.WebApiError as error:
        result['error'] = to_native(error)
        # a Server that lost its database refuses every login and says why: not a wrong password
        refused = error.kind == web_api.REFUSED
        result['database_unavailable'] = refused and re.search(drwcsd.WEB_API_REFUSAL_DATABASE_PATTERN, error.refusal) is not None
        return None, result
    build = (root.findtext('server-summary/version') or root.get('srv_version') or '').strip()
    if drwcsd.parse_release(build) is None:
        result['error'] = 'summary.ds reply has no version'
        return None, result
    cluster = root.find('server-summary/cluster')
    if cluster is not None:
        result['cluster_enabled'] = cluster.get('enabled') == 'yes'
        result['peers'] = [dict(id=peer.get('id'), name=peer.get('name'), address=peer.get('address'),
                                version=peer.get('version')) for peer in cluster.findall('peer')]
    # the licence keys the Server holds, from the same reply (no second request): id and expiry only
    result['keys'] = [dict(id=key.get(drwcsd.WEB_API_KEY_ID_ATTRIBUTE),
                           expires=drwcsd.parse_key_expiry(key.get(drwcsd.WEB_API_KEY_EXPIRES_ATTRIBUTE)))
                      for key in root.findall(drwcsd.WEB_API_SUMMARY_KEYS_XPATH)]
    result['status'] = 'ok'
    return build, result


def ask_stations(module, server_id=None):
    """(count, error) - the stations the Server lists in the system group Everyone, those of server_id when given."""
    params = module.params
    query = {'id': drwcsd.WEB_API_GROUP_EVERYONE, 'per-page': '1'}
    if server_id:
        query['server-id'] = server_id
    try:
        root = web_api.WebApiClient(params, LOCAL_WEB_API).get_xml(drwcsd.WEB_API_STATIONS_LIST, query)
    except web_api.WebApiError as error:
        return None, to_native(error)
    stations = root.find(drwcsd.WEB_API_STATIONS_LIST_XPATH)
    total = None if stations is None else stations.get(drwcsd.WEB_API_STATIONS_TOTAL_ATTRIBUTE)
    if total is None or not total.strip().isdigit():
        return None, '%s reply has no <%s %s=...>' % (drwcsd.WEB_API_STATIONS_LIST, drwcsd.WEB_API_STATIONS_LIST_XPATH,
                                                      drwcsd.WEB_API_STATIONS_TOTAL_ATTRIBUTE)
    return int(total), None


SUBSETS = ('server', 'keys', 'repository', 'schedule', 'common_database', 'install_dir')


class ServerFacts(object):
    """Build the drweb_server dictionary."""

    def __init__(self, module):
        self.module = module
        self.manager = None
        wanted = set(module.params['gather_subset'] or ['server'])
        self.subsets = set(SUBSETS) if 'all' in wanted else wanted | set(['server'])

    def service_manager(self):
        booted = os.path.isdir(SYSTEMD_BOOTED_DIR)
        load_state = None
        systemctl = self.module.get_bin_path('systemctl') if booted else None
        if systemctl:
            rc, out, unused_err = self.module.run_command([systemctl, 'show', '--property=LoadState', '--value',
                                                           drwcsd.SYSTEMD_UNIT])
            load_state = out.strip() if rc == 0 else None
        chosen = choose_service_manager(booted and bool(systemctl), load_state, os.path.exists(drwcsd.INIT_SCRIPT))
        chosen['systemctl'] = systemctl if chosen['manager'] == 'systemd' else None
        return chosen

    def running(self):
        manager = self.manager
        if manager['manager'] == 'systemd':
            rc, unused_out, unused_err = self.module.run_command([manager['systemctl'], 'is-active', '--quiet', manager['unit']])
            return rc == 0
        if not os.path.exists(drwcsd.INIT_SCRIPT):
            return False
        rc, unused_out, unused_err = self.module.run_command([drwcsd.INIT_SCRIPT, drwcsd.INIT_VERB_STATUS])
        return rc == 0

    def run(self):
        params = self.module.params
        paths = _paths()
        options = read_options(drwcsd.OPTIONS_FILE)
        installed = os.path.exists(drwcsd.PRODUCT_MARKER_FILE) or os.path.exists(drwcsd.DRWCSD_BINARY)
        self.manager = manager = self.service_manager()
        running = self.running() if installed else False
        server = dict(installed=installed, version=None, build=None, version_source=None, running=running,
                      server_id=None, name=None, passwd_salt_sha256=None, paths=paths,
                      commands=dict(exportdb=[drwcsd.INIT_SCRIPT, drwcsd.INIT_VERB_EXPORTDB],
                                    status=[drwcsd.INIT_SCRIPT, drwcsd.INIT_VERB_STATUS]),
                      ports=dict(agent=drwcsd.AGENT_PORT, http=drwcsd.WEB_API_HTTP_PORT, https=drwcsd.WEB_API_HTTPS_PORT),
                      service=dict(name=drwcsd.SERVICE_NAME, user=options.get('DRWCS_USER', drwcsd.SERVICE_USER),
                                   group=options.get('DRWCS_GROUP', drwcsd.SERVICE_GROUP), manager=manager['manager'],
                                   unit=manager['unit'], manager_reason=manager['reason']),
                      database=None,
                      own_data=dict(stations=None, licence_keys=None, holds_data=None, source='not installed', stations_source=None),
                      web_api=dict(status='skipped', error=None, database_unavailable=False, peers=None, cluster_enabled=None,
                                   keys=None), problems=[])
        config, secret = read_config(drwcsd.CONFIG_FILE)
        server['database'] = config['database']
        if not installed:
            self.read_subsets(server)
            return server
        for field in ('server_id', 'name', 'passwd_salt_sha256'):
            server[field] = config[field]
        if config['error']:
            server['problems'].append(config['error'])

        # Version: the most reliable source that answers (see DOCUMENTATION)
        build = version = source = None
        if running and params['admin_password']:
            build, server['web_api'] = ask_web_api(self.module)
            if build:
                version, source = drwcsd.parse_release(build), 'webapi'
        if version is None:
            version, build = read_marker(drwcsd.PRODUCT_MARKER_FILE)
            source = 'marker' if version else None
        if version is None:
            build = read_log_build(drwcsd.LOG_FILE)
            version = drwcsd.parse_release(build)
            source = 'log' if version else None
        server.update(version=version, build=build if version else None, version_source=source)

        # Own data: stations this Server registered in the database it is configured for now
        database = config['database']
        if not params['own_data']:
            server['own_data'] = dict(stations=None, licence_keys=None, holds_data=None, source='not asked (own_data=false)',
                                      stations_source=None)
        elif database['mode'] is None:
            server['own_data'] = dict(stations=None, licence_keys=None, holds_data=None, source='unknown: %s' % config['error'],
                                      stations_source=None)
        else:
            if database['mode'] == 'embedded':
                found = count_embedded(database['dbfile'], config['server_id'])
            else:
                found = count_external(database, secret, config['server_id'], params['web_api_timeout'])
            database['schema_version'] = found['schema_version']
            database['dbuuid'] = found['dbuuid']
            stations, keys, source = found['stations'], found['licence_keys'], found['source']
            stations_source = None if stations is None else 'database'
            # the running Server's own count is preferred to the database's (whose stations table is a GUESS): every
            # station of its own embedded database, or those of its id in the external one
            if server['web_api']['status'] == 'ok':
                mine = config['server_id'] if database['mode'] == 'external' else None
                counted, error = ask_stations(self.module, mine)
                if counted is not None:
                    stations, stations_source = counted, 'webapi'
                    source = 'Web API %s (%s); %s' % (drwcsd.WEB_API_STATIONS_LIST.rsplit('/api/', 1)[-1],
                                                      'stations of Server %s' % mine if mine else 'every station', source)
                else:
                    source = '%s; Web API not used: %s' % (source, error)
            # own data: its stations (and, in its own embedded database, its licence keys); unknown stays None
            holds = None if stations is None else (stations > 0 or bool(keys))
            server['own_data'] = dict(stations=stations, licence_keys=keys, holds_data=holds, source=source,
                                      stations_source=stations_source)
            if 'schedule' in self.subsets:
                server['schedule'] = dict(exclusive_enabled=found['exclusive'],
                                          source=found['source'] if found['exclusive'] is None else 'database')
        # the schema this Server's release needs: a Server cannot use a database at another schema version
        database['schema_expected'] = drwcsd.SCHEMA_VERSION_BY_RELEASE.get(version)
        self.read_subsets(server)
        return server

    def read_subsets(self, server):
        """The optional parts of the cluster member read (gather_subset)."""
        params = self.module.params
        if 'keys' in self.subsets:
            if key_material.HAS_CRYPTOGRAPHY:
                result, unused_problems = key_material.KeySet().read(dict(
                    private_key=drwcsd.PRIVATE_KEY_FILE, public_key=drwcsd.PUBLIC_KEY_FILE, certificate=drwcsd.CERTIFICATE_FILE))
                server['key_files'] = key_material.identity(result)
            else:
                server['key_files'] = None
                server['problems'].append('keys not read: the cryptography library cannot be imported on the node')
        if 'repository' in self.subsets:
            try:
                products, unused_missing = scan_repository(drwcsd.REPOSITORY_DIR, count_files=False)
                server['repository'] = dict((code, info['revision']) for code, info in products.items())
            except RepositoryError as error:
                server['repository'] = None
                server['problems'].append(to_native(error))
        if 'common_database' in self.subsets and params['common_database']:
            server['common_database'] = read_common_database(self.module, params['common_database'])
        if 'install_dir' in self.subsets and params['install_dir']:
            server['install_dir'] = read_install_dir(params['install_dir'])


def inspect_package(path):
    """What an installation package is: name, release (its header's, else its name's), readability, SHA-256."""
    url = re.match(r'^(https?|ftp)://', path) is not None
    name = path.rstrip('/').rsplit('/', 1)[-1].split('?', 1)[0] if url else os.path.basename(path)
    release = drwcsd.installer_release(name)
    info = dict(path=path, name=name, url=url, release=release, build=drwcsd.installer_build(name),
                release_source='name' if release else None, exists=None, readable=None,
                sha256=None, error=None, install_arguments=list(drwcsd.INSTALLER_UNATTENDED_ARGUMENTS),
                admin_password_option=drwcsd.INSTALLER_ADMIN_PASSWORD_OPTION)
    if url:
        return info
    info['exists'] = os.path.exists(path)
    if not info['exists']:
        info.update(readable=False, error='%s does not exist' % path)
        return info
    digest = hashlib.sha256()
    try:
        with open(path, 'rb') as handle:
            head = handle.read(drwcsd.INSTALLER_HEADER_BYTES)
            digest.update(head)
            for chunk in iter(lambda: handle.read(1024 * 1024), b''):
                digest.update(chunk)
    except (IOError, OSError) as error:
        info.update(readable=False, error='cannot read %s: %s' % (path, to_native(getattr(error, 'strerror', None) or error)))
        return info
    info.update(readable=True, sha256=digest.hexdigest())
    # the package's own header is preferred to its name: the name may be anything the user gave it
    release, build = drwcsd.installer_header_release(head)
    if release:
        info.update(release=release, release_source='package',
                    build=build or (info['build'] if drwcsd.parse_release(info['build']) == release else None))
    return info


def main():
    argument_spec = web_api.argument_spec()
    argument_spec.update(
        own_data=dict(type='bool', default=True),
        package=dict(type='str'),
        gather_subset=dict(type='list', elements='str', default=['server'], choices=['all'] + list(SUBSETS)),
        common_database=dict(type='dict', options=dict(
            host=dict(type='str', required=True),
            port=dict(type='int', default=drwcsd.PGSQL_DEFAULT_PORT),
            name=dict(type='str', required=True),
            user=dict(type='str', required=True),
            ssl_mode=dict(type='str', default='prefer', choices=list(common_database.SSL_MODES)),
            ca_cert=dict(type='path'),
        )),
        common_database_password=dict(type='str', no_log=True),
        install_dir=dict(type='path'),
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    if module.params['web_api_timeout'] < 1:
        module.fail_json(msg='web_api_timeout must be at least 1 second, got %d' % module.params['web_api_timeout'])
    if module.params['package']:
        module.exit_json(changed=False, package=inspect_package(module.params['package']))
    server = ServerFacts(module).run()
    module.exit_json(changed=False, server=server, ansible_facts=dict(drweb_server=server))


if __name__ == '__main__':
    main()
