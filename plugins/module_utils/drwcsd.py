# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The single source of Dr.Web Server (``drwcsd``) product facts used by drweb.cluster.

Every path, file name, CLI verb, Web API call, SQL statement and schedule task name the collection relies on is
defined here, and each one is registered in ``TOUCH_POINTS`` with its label and its public source (``SOURCES``):

* ``CONFIRMED`` - stated in public Dr.Web documentation (the source is named);
* ``INFERENCE`` - reasoned from confirmed facts;
* ``GUESS`` - not stated anywhere public; ``playbooks/probe.yml`` collects what settles it on a real installation.

``docs/compatibility.md`` lists the same register; a unit test keeps the two equal. Roles and modules must take
these values from here (through ``drweb.cluster.server_facts``) rather than spell them again.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

# ---------------------------------------------------------------------------------------------------------------
# Files and folders
# ---------------------------------------------------------------------------------------------------------------
HOME_DIR = '/opt/drwcs'
VAR_DIR = '/var/opt/drwcs'
ETC_DIR = VAR_DIR + '/etc'
BIN_DIR = HOME_DIR + '/bin'
DRWCSD_BINARY = BIN_DIR + '/drwcsd'
DRWSIGN_BINARY = BIN_DIR + '/drwsign'
CONFIG_FILE = ETC_DIR + '/drwcsd.conf'
DOWNLOAD_CONFIG_FILE = ETC_DIR + '/download.conf'
PRIVATE_KEY_FILE = ETC_DIR + '/drwcsd.pri'
PUBLIC_KEY_FILE = ETC_DIR + '/drwcsd.pub'
CERTIFICATE_FILE = ETC_DIR + '/drwcsd-certificate.pem'
EMBEDDED_DATABASE_FILE = VAR_DIR + '/database.sqlite'
REPOSITORY_DIR = VAR_DIR + '/repository'
BACKUP_DIR = VAR_DIR + '/backup'
# Repository layout (the dot-files CONFIRMED; the 12/13 folder names GUESS): product folders "NN-name" under REPOSITORY_DIR,
# one folder per revision inside (named by timestamp, so the lexical order is the time order), and a dot-file in the
# product folder naming the revision the Server distributes; without it the latest revision is distributed.
REPOSITORY_PRODUCT_PATTERN = re.compile(r'^\d{2}-[A-Za-z0-9_.+-]+$')
REPOSITORY_CURRENT_FILE = '.current'
REPOSITORY_DESCRIPTION_FILE = '.description'
REPOSITORY_SYNC_OFF_FILE = '.sync-off'
# Where the Server updates from: GUS host names polled in order, the base URI, the protocol.
REPOSITORY_SERVERS_FILE = '.servers'
REPOSITORY_URL_FILE = '.url'
REPOSITORY_PROTO_FILE = '.proto'
# The GUS setting of a fresh install: the hosts of .servers, the path of .url, the protocol of .proto. The path and
# esuite.msk.drweb.com are in the v6 sync-with example; the geo host and https are a GUESS.
REPOSITORY_GUS_SERVERS = ('esuite.geo.drweb.com', 'esuite.msk.drweb.com')
REPOSITORY_GUS_URL = '/update'
REPOSITORY_GUS_PROTO = 'https'
# A full URI in .url (a local update zone, or a parent Server) is used as is and .servers/.proto are then not read;
# a parent Server is written drwcs://<host>[:<port>] (the interserver update source). Both GUESS: the product
# configures interserver links in the Control Center, whose files are not public.
REPOSITORY_PARENT_SCHEME = 'drwcs'
# What a local update zone (a GUS mirror) publishes, read to tell whether an update would bring anything new: the list of
# products at <zone>/products.txt, and per product <zone>/<product>/revisions.txt, the revisions one per line, oldest
# first - the last line is the newest, the one a Server takes when it updates. A GUESS: the layout of the vendor's
# update servers and of their mirrors is not public. The GUS's own list is not read (the collection does not reach
# out to the vendor's servers); there the Servers' own Update task brings new revisions.
UPDATE_ZONE_PRODUCTS_FILE = 'products.txt'
UPDATE_ZONE_REVISIONS_FILE = 'revisions.txt'
# summary.ds <repository><product code name revision state .../> and repository-status.ds values
WEB_API_SUMMARY_PRODUCTS_XPATH = 'server-summary/repository/product'
WEB_API_REPOSITORY_READY = 'ready'
WEB_API_REPOSITORY_UPDATING = 'updating'
LOG_FILE = VAR_DIR + '/log/drwcsd.log'
INIT_SCRIPT = '/etc/init.d/drwcsd'
SERVICE_NAME = 'drwcsd'
# Where systemd is PID 1 the Server is controlled through systemd, so that systemd's view of it (and the boot order)
# stays true: through the unit the installer provides, or the one systemd-sysv-generator makes from the init script,
# which takes the script's name. The unit's name is a GUESS (the installer's files on systemd hosts are not public).
SYSTEMD_UNIT = SERVICE_NAME + '.service'
SERVICE_USER = 'drwcs'
SERVICE_GROUP = 'drwcs'
PRODUCT_MARKER_DIR = '/etc/opt/drweb.com/software'
PRODUCT_MARKER_FILE = PRODUCT_MARKER_DIR + '/drweb-esuite.remove'
OPTIONS_FILE = PRODUCT_MARKER_DIR + '/drwcsd'

# The installation package: vendor-style self-extracting archive, run unattended. Its file name carries the release
# and, possibly, the build stamp of the release string (drweb-13.00.1.202406060-esuite-server-linux-x86_64.run): the
# release format MM.mm.p.YYYYMMDDn is the vendor's (a Web API reply reads srv_version="13.00.1.202406060"), the name
# pattern with an optional build is an INFERENCE from the Agent installers' names (drweb-11.1.4-av-linux-amd64.run).
INSTALLER_NAME_PATTERN = re.compile(r'^drweb-(?P<version>\d+\.\d+\.\d+)(?:\.(?P<build>\d+))?-esuite-server-linux-'
                                    r'(?P<arch>[a-z0-9_]+)\.run$')
# A package given under any other name is recognised by its content: a self-extracting installer starts with a
# shell-script header, and the header is taken to name the release (or the full build) in its first lines - a GUESS
# (the vendor's installer header is not public). Only the header is read (never run), at most this many bytes.
INSTALLER_HEADER_BYTES = 16384
INSTALLER_HEADER_RELEASE_PATTERN = re.compile(r'(?<![\d.])(?P<release>\d{1,2}\.\d{2}\.\d+)(?:\.(?P<build>\d{9}))?(?![\d.])')
INSTALLER_UNATTENDED_ARGUMENTS = ['--', '--non-interactive']
# Initial password of the administrator "admin" on a fresh install (the installer's counterpart of initdb's <password>).
INSTALLER_ADMIN_PASSWORD_OPTION = '--admin-password'
# Where the administrator's initial password can be given: only on those command lines (the installer's option and
# initdb's <password> argument) - no file or environment variable for it is public, so while either command runs the
# password is in its argument list (/proc/<pid>/cmdline, audit logs of exec calls).
ADMIN_PASSWORD_CHANNELS = ('installer ' + INSTALLER_ADMIN_PASSWORD_OPTION, 'initdb <password>')
# The product marker's lines naming the installed release and build (shell-variable style).
MARKER_VERSION_KEY = 'VERSION'
MARKER_BUILD_KEY = 'BUILD'
# The start-up banner of the Server log: "... Enterprise Server REL-1300 Build 13.00.0.202005090 ...".
LOG_BANNER_PATTERN = re.compile(r'REL-\d+ Build (?P<build>\d{1,2}\.\d{2}\.\d+\.\d+)')
# Init script verbs: status exits 0 while the Server runs (LSB); exportdb <file> wraps drwcsd exportdb.
INIT_VERB_STATUS = 'status'
INIT_VERB_EXPORTDB = 'exportdb'

# ---------------------------------------------------------------------------------------------------------------
# drwcsd.conf and download.conf (XML): what server_facts reads, what the config role's filters decide on, and the paths
# of the elements the config role manages (relative to the root element). The element and attribute names inside a
# section the config role renders live in its templates, next to what it writes.
# ---------------------------------------------------------------------------------------------------------------
CONFIG_ID_XPATH = 'id'
CONFIG_NAME_XPATH = 'name'
CONFIG_PASSWD_SALT_XPATH = 'passwd-salt'
CONFIG_VALUE_ATTRIBUTE = 'value'
CONFIG_SQLITE_XPATH = 'database/sqlite'
CONFIG_SQLITE_FILE_ATTRIBUTE = 'dbfile'
CONFIG_PGSQL_XPATH = 'database/pgsql'
# server_facts database field -> <pgsql> attribute
CONFIG_PGSQL_ATTRIBUTES = {'name': 'dbname', 'host': 'host', 'port': 'port', 'user': 'user', 'password': 'password'}
# TLS of the Servers' database connection: requiressl="yes" makes the Server insist on TLS (libpq sslmode require);
# sslmode and sslrootcert pass libpq's own keywords when the Server must also check PostgreSQL's certificate against a CA
# (verify-ca, verify-full). The product's documentation names none of them (the Database tab is not public).
CONFIG_PGSQL_REQUIRESSL_ATTRIBUTE = 'requiressl'
CONFIG_PGSQL_SSLMODE_ATTRIBUTE = 'sslmode'
CONFIG_PGSQL_SSLROOTCERT_ATTRIBUTE = 'sslrootcert'
PGSQL_DEFAULT_PORT = 5432
# libpq's sslmode values (the PostgreSQL documentation of libpq's connection parameters); the last two check the
# PostgreSQL server's certificate against a CA (sslrootcert). Here, not in common_database, so that the controller's
# filters reading them never import a database driver.
PGSQL_SSL_MODES = ('disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full')
PGSQL_VERIFYING_SSL_MODES = ('verify-ca', 'verify-full')
# The Modules tab's "Dr.Web Servers cluster protocol" flag (CONFIRMED by the vendor's cluster chapter): in drwcsd.conf a
# protocol is off when <protocols><disabled> lists it as <protocol name="..."/>, and the cluster protocol's name is
# CLUSTER. None of these names is public (probe.yml shows a real installation's <protocols>).
CONFIG_PROTOCOLS_DISABLED_TAG = 'disabled'
CONFIG_PROTOCOL_TAG = 'protocol'
CONFIG_PROTOCOL_NAME_ATTRIBUTE = 'name'
CLUSTER_PROTOCOL_NAME = 'CLUSTER'
# download.conf: the Server address Agent installers use - <server host="..." port="..."/> (that the address is the
# cluster's common name is CONFIRMED by the vendor's cluster chapter; the element and attribute names are not public).
DOWNLOAD_SERVER_TAG = 'server'
DOWNLOAD_SERVER_HOST_ATTRIBUTE = 'host'
DOWNLOAD_SERVER_PORT_ATTRIBUTE = 'port'
# The root elements of the two files, and the elements of drwcsd.conf the config role merges (paths relative to the
# root): the cluster section (the Cluster tab's fields, CONFIRMED by the Administrator Manual; the names are not
# public), the protocols list and the database section (its <pgsql>/<sqlite> above).
CONFIG_ROOT_TAG = 'drwcsd'
DOWNLOAD_ROOT_TAG = 'download-config'
CONFIG_CLUSTER_XPATH = 'cluster'
CONFIG_PROTOCOLS_XPATH = 'protocols'
CONFIG_DATABASE_XPATH = 'database'
# Every element the config role manages, by file and by absolute path (drweb.cluster.xml_fragments syntax); the filter
# drweb.cluster.config_element_paths gives it to the role.
CONFIG_MANAGED_ELEMENTS = {
    'drwcsd': {'cluster': '/%s/%s' % (CONFIG_ROOT_TAG, CONFIG_CLUSTER_XPATH),
               'protocols': '/%s/%s' % (CONFIG_ROOT_TAG, CONFIG_PROTOCOLS_XPATH),
               'passwd_salt': '/%s/%s' % (CONFIG_ROOT_TAG, CONFIG_PASSWD_SALT_XPATH),
               'database': '/%s/%s' % (CONFIG_ROOT_TAG, CONFIG_DATABASE_XPATH)},
    'download': {'server': '/%s/%s' % (DOWNLOAD_ROOT_TAG, DOWNLOAD_SERVER_TAG)},
}

# ---------------------------------------------------------------------------------------------------------------
# Command line (drwcsd and drwsign)
# ---------------------------------------------------------------------------------------------------------------
DRWCSD_VERB_INITDB = 'initdb'
DRWCSD_VERB_EXPORTDB = 'exportdb'
DRWCSD_VERB_IMPORTDB = 'importdb'
DRWCSD_VERB_UPGRADEDB = 'upgradedb'
DRWCSD_VERB_VERIFYDB = 'verifydb'
# drwcsd switches naming the installation, its variable folder and the configuration file, so a database verb
# can be run against another configuration (the common database) while the Server's own file is left as it is.
DRWCSD_SWITCH_HOME = '-home'
DRWCSD_SWITCH_VAR_ROOT = '-var-root'
DRWCSD_SWITCH_CONF = '-conf'
# initdb's positional arguments: "-" means "not used" (initdb [<licence_key>|- [<sql>|- [<ini>|- [<password>]]]]).
DRWCSD_ARGUMENT_UNUSED = '-'
# Their order (CONFIRMED): the licence key file (agent.key) first, loaded into the database at initialisation,
# then the SQL script, the initial settings (ini) and the administrator's initial password.
DRWCSD_INITDB_ARGUMENTS = ('licence_key', 'sql_script', 'ini_file', 'password')
# Usage text of the two programs (probe.yml collects it to settle the GUESSes about verbs and switches)
DRWCSD_SWITCH_HELP = '-help'
DRWSIGN_SWITCH_HELP = '-help'
DRWSIGN_VERB_GENKEY = 'genkey'
DRWSIGN_VERB_EXTRACT = 'extract'
DRWSIGN_VERB_GENCERT = 'gencert'
# drwsign switches: which private key to use, and the subject of a certificate it makes (OpenSSL style /CN=...).
DRWSIGN_SWITCH_PRIVATE_KEY = '-private-key'
DRWSIGN_SWITCH_SUBJECT = '-subj'
# Modes of the three key files: the private key readable by the Server account alone; the public key and the
# certificate are public (the certificate is handed to Agents, /install/drwcsd-certificate.pem).
KEY_FILE_MODES = {'private_key': '0600', 'public_key': '0644', 'certificate': '0644'}

# ---------------------------------------------------------------------------------------------------------------
# Web API (HTTP Basic on the first request: the Server never sends a 401 challenge)
# ---------------------------------------------------------------------------------------------------------------
WEB_API_HTTP_PORT = 9080
WEB_API_HTTPS_PORT = 9081
WEB_API_SUMMARY = '/api/server/summary.ds'
WEB_API_KEYS = '/api/server/keys.ds'
WEB_API_PUBLIC_KEY = '/api/server/public-key.ds'
WEB_API_REPOSITORY_STATUS = '/api/server/repository-status.ds'
# A Web API refusal whose message names the database is taken as "this Server lost its database" (restart it), any other
# refusal as a login problem (no restart: a wrong drweb_admin_password must not cost a rolling restart). GUESS: the
# product's wording of a refusal when it cannot reach its database is not public.
WEB_API_REFUSAL_DATABASE_PATTERN = r'(?i)\b(database|DBMS|DB)\b'
WEB_API_TASKS = '/api/server/tasks.ds'
WEB_API_TASK_UPDATE_REPOSITORIES = 'update_repositories'
# Stations of one Server: the stations list of a group with the server-id filter ("Dr.Web Server ID the information is
# requested from"); <stations total="N"> counts them, so one station per page is enough. The group asked is the system
# group Everyone (its id is the one the documented replies name "Everyone"; for a system group every station is listed).
# That server-id selects the stations the Server registered is an INFERENCE from the parameter's description.
WEB_API_STATIONS_LIST = '/api/groups/stations-list.ds'
WEB_API_STATIONS_LIST_XPATH = 'stations'
WEB_API_STATIONS_TOTAL_ATTRIBUTE = 'total'
WEB_API_GROUP_EVERYONE = '20e27d73-d21d-b211-a788-85419c46f0e6'

# ---------------------------------------------------------------------------------------------------------------
# Network addresses (appendix "Server addresses"): Agents reach a Server on TCP port 2193 of every IPv4 and every
# IPv6 interface, and find it through the discovery multicast group 231.0.0.1:2193.
# ---------------------------------------------------------------------------------------------------------------
AGENT_PORT = 2193
# The installer registers an SRV record for the Server on the DNS server; the service's default name is drwcs
# (installation manual, "Network connection"). The record's owner, _drwcs._tcp.<domain>, is an inference from the SRV
# convention (RFC 2782); roles/dns publishes it with drweb_dns_srv.
DNS_SRV_SERVICE = 'drwcs'
DNS_SRV_OWNER = '_%s._tcp.<domain>' % DNS_SRV_SERVICE
AGENT_LISTEN_ADDRESSES = ('tcp/0.0.0.0:2193', 'tcp/[::]:2193')
DISCOVERY_ADDRESS = 'udp/231.0.0.1:2193'

# ---------------------------------------------------------------------------------------------------------------
# Database
# ---------------------------------------------------------------------------------------------------------------
SQL_SCHEMA_VERSION = 'SELECT dbver FROM dbstruct'
# The database's UUID, made when the database is initialised: two Servers share a database exactly when they read the
# same dbuuid (CONFIRMED: vendor Database manual 13.0.1, table dbstruct - dbver INTEGER, dbuuid VARCHAR(36)).
SQL_DATABASE_UUID = 'SELECT dbuuid FROM dbstruct'
# Schema version (dbstruct.dbver) each Server release needs.
SCHEMA_VERSION_BY_RELEASE = {
    '12.00.0': 473,
    '13.00.0': 522,
    '13.00.1': 542,
}
SQL_LICENCE_KEYS_TABLE = 'available_keys'
# Licence keys held in the database (available_keys.value = the key file's content) and how a key is added
# without the Control Center (no Web API adds one). initdb <agent.key> only loads one into an empty
# database; on an initialised one the row goes straight into available_keys - a GUESS (the manual gives the columns, not
# what else the License Manager writes; type 0 and id = the key number are the drwcsd double's choice).
SQL_LICENCE_KEYS = 'SELECT id, value FROM available_keys'
SQL_LICENCE_KEY_ADD = ('INSERT INTO available_keys (id, value, type, created, used_stations, used_neighbors) '
                       'VALUES (?, ?, 0, ?, 0, 0)')
# Table "servers" is NOT a list of the Servers using the database: the Database manual documents it as "The list of
# neighbor Servers", a key/value table - osid VARCHAR(36) "this Server ID", id "neighbor Server UUID", name "attribute
# name", value "attribute value", updatetime - with no version column. The collection does not read it. A Server is
# identified by the <id> of its drwcsd.conf, and Servers share a database exactly when they read the same dbuuid.
# Which Servers the database knows: srv_names(osid "server ID", oname "server name", updatetime) is documented, next to
# "servers", as "Identification data of neighbor Servers". It is keyed by osid, the column the other tables use for
# "this Server ID", so it is taken to hold a row for every Server that wrote to the database - a GUESS: the manual does
# not say when a row is written. The collection only reports it; no decision rests on it.
SQL_SERVER_NAMES = 'SELECT osid, oname FROM srv_names ORDER BY osid'
# Stations per registering Server: HIGH RISK. The schema of the stations table is not public, and the documented tables
# name a Server by osid - no server_id column was seen anywhere. Prefer the Web API (WEB_API_STATIONS_LIST) where the
# Server runs; these statements are the fallback for a stopped Server or a database read directly ("?" is the
# parameter, the Server id; drivers with another paramstyle replace it).
SQL_STATIONS_PER_SERVER = 'SELECT server_id, count(*) FROM stations GROUP BY server_id'
# Stations a Server registered: every row of its own embedded database, or its rows of the common one.
SQL_STATIONS_TOTAL = 'SELECT count(*) FROM stations'
SQL_STATIONS_OF_SERVER = 'SELECT count(*) FROM stations WHERE server_id = ?'
# Every table of the database with its subsystem and description (metadata table tables_list, Database manual 13.0.1):
# probe.yml collects it, which settles where a real database keeps the schedule and the stations.
SQL_TABLES_LIST = 'SELECT priority, subsystem, tabname, description FROM tables_list ORDER BY priority, tabname'
# Tables in the database's current schema: none means "empty", the only state initdb and a first import accept.
SQL_USER_TABLES = ("SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema() "
                   "AND table_type = 'BASE TABLE'")
# The names of those tables (probe.yml: which tables a real database has), PostgreSQL and the embedded SQLite.
SQL_USER_TABLE_NAMES = ("SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() "
                        "AND table_type = 'BASE TABLE' ORDER BY 1")
SQL_EMBEDDED_TABLE_NAMES = "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY 1"

# ---------------------------------------------------------------------------------------------------------------
# Server schedule: the tasks the vendor wants on exactly one Server of a cluster
# ---------------------------------------------------------------------------------------------------------------
# The names as the vendor's cluster chapter writes them ("Purge Old Data, Backup sensitive data, Purge old stations, Purge
# expired stations, Purge unsent IS events"). The Control Center's task editor may capitalise them otherwise ("Purge old
# data"), so a task is matched by its name compared without case and repeated blanks (schedule_task_key()); the
# product's internal task types are not public, so there is no type to match by.
EXCLUSIVE_SCHEDULE_TASKS = (
    'Purge Old Data',
    'Backup sensitive data',
    'Purge old stations',
    'Purge expired stations',
    'Purge unsent IS events',
)
# Where the schedule lives is not public (kept per Server id is an INFERENCE from the cluster chapter). The table
# and its columns are the drwcsd double's invention - a GUESS to settle on a lab install (probe.yml) before use.
SQL_SCHEDULE = 'SELECT server_id, name, enabled FROM server_schedule ORDER BY server_id, name'
SQL_SCHEDULE_SET_ENABLED = 'UPDATE server_schedule SET enabled = ? WHERE server_id = ? AND name = ?'


def schedule_task_key(name):
    """How task names are compared: without case, surrounding blanks or repeated inner blanks."""
    return ' '.join((name or '').split()).casefold()


def exclusive_task(name):
    """The vendor's spelling of the exclusive task a schedule entry name is (any capitalisation), or None."""
    return _EXCLUSIVE_BY_KEY.get(schedule_task_key(name))


_EXCLUSIVE_BY_KEY = dict((schedule_task_key(task), task) for task in EXCLUSIVE_SCHEDULE_TASKS)

# ---------------------------------------------------------------------------------------------------------------
# The Server's own backups: <backup dir>/<guid>/<date>/database.dz. The layout comes from a v5 administrator's note
# that restores %ES%\var\backup\%guid%\%date%\database.dz with importdb - an INFERENCE for 12/13: that <guid> is the
# Server's id (drwcsd.conf <id>) and <date> a time stamp folder are read from that note, not from a 12/13 manual.
# ---------------------------------------------------------------------------------------------------------------
BACKUP_DATABASE_FILE = 'database.dz'
BACKUP_LAYOUT = BACKUP_DIR + '/<guid>/<date>/' + BACKUP_DATABASE_FILE

# A revision is a product's state at a point in time with a unique number (CONFIRMED: Administrator Manual,
# Repository). That its name's last 14 digits read YYYYMMDDhhmmss UTC (a documented summary.ds revision reads
# 13020200416000000) is an INFERENCE (see docs/compatibility.md).
REPOSITORY_REVISION_TIME_FORMAT = '%Y%m%d%H%M%S'


def revision_time(revision):
    """Unix seconds (UTC) a repository revision's name stands for, None when it is not a time stamp."""
    import calendar
    import time
    text = str(revision if revision is not None else '').strip()
    if not text.isdigit() or len(text) < 14:
        return None
    try:
        return calendar.timegm(time.strptime(text[-14:], REPOSITORY_REVISION_TIME_FORMAT))
    except ValueError:
        return None


# ---------------------------------------------------------------------------------------------------------------
# Licence key files (agent.key): signed text files (CONFIRMED: editing one invalidates it). Their
# layout is not public: an INI-like text with a [Key] section (key number, dates YYYYMMDD) and a [Signature] section
# is a GUESS. The signature cannot be checked outside the product; the collection checks the layout and the dates.
# ---------------------------------------------------------------------------------------------------------------
LICENCE_KEY_SECTION = 'Key'
LICENCE_KEY_NUMBER = 'KeyNumber'
LICENCE_KEY_EXPIRES = 'Expires'
LICENCE_KEY_USER_SECTION = 'User'
LICENCE_KEY_USER_NAME = 'Name'
LICENCE_KEY_SIGNATURE_SECTION = 'Signature'
LICENCE_KEY_DATE_FORMAT = '%Y%m%d'
# keys.ds (CONFIRMED shape): <keys><key id=... expires=.../></keys>; that "id" is the key file's
# key number is a GUESS (the manual's sample id is not a number).
WEB_API_KEYS_XPATH = 'keys/key'
WEB_API_KEY_ID_ATTRIBUTE = 'id'
# summary.ds lists the licence keys too (CONFIRMED shape, Web API server/summary.ds: <keys><key id user expires/></keys>);
# the format of the "expires" value is not public (the manual shows "..."): read as Unix seconds, or as YYYYMMDD when
# it has 8 digits - GUESS.
WEB_API_SUMMARY_KEYS_XPATH = 'server-summary/keys/key'
WEB_API_KEY_EXPIRES_ATTRIBUTE = 'expires'


def parse_key_expiry(value):
    """Unix seconds (UTC) of a key's "expires" value (Unix seconds or YYYYMMDD), None when absent/0/unreadable."""
    import calendar
    import time
    text = str(value if value is not None else '').strip()
    if not text.isdigit() or int(text) == 0:
        return None
    if len(text) == 8:
        try:
            return calendar.timegm(time.strptime(text, LICENCE_KEY_DATE_FORMAT))
        except ValueError:
            return None
    return int(text)


class LicenceKeyError(ValueError):
    """The text is not a licence key file as the collection knows them."""


def _licence_sections(text):
    sections, current = {}, None
    for raw in text.replace('\r\n', '\n').split('\n'):
        line = raw.strip()
        if not line or line.startswith(';') or line.startswith('#'):
            continue
        if line.startswith('[') and line.endswith(']'):
            current = sections.setdefault(line[1:-1].strip(), {})
            continue
        if current is None or '=' not in line:
            raise LicenceKeyError('line %r is outside a [section] or has no "="' % line[:40])
        name, value = line.split('=', 1)
        current[name.strip()] = value.strip()
    return sections


def parse_licence_key(text):
    """Fields of a licence key file: number, user, expires (YYYY-MM-DD or None). LicenceKeyError when it is not one."""
    import datetime
    if not text or not text.strip():
        raise LicenceKeyError('the file is empty')
    if '\x00' in text:
        raise LicenceKeyError('the file is binary, not a licence key text (unpack agent.zip first)')
    sections = _licence_sections(text)
    key = sections.get(LICENCE_KEY_SECTION)
    if key is None or not key.get(LICENCE_KEY_NUMBER):
        raise LicenceKeyError('no [%s] section with %s' % (LICENCE_KEY_SECTION, LICENCE_KEY_NUMBER))
    if LICENCE_KEY_SIGNATURE_SECTION not in sections:
        raise LicenceKeyError('no [%s] section (key files are signed)' % LICENCE_KEY_SIGNATURE_SECTION)
    expires = None
    if key.get(LICENCE_KEY_EXPIRES):
        try:
            expires = datetime.datetime.strptime(key[LICENCE_KEY_EXPIRES], LICENCE_KEY_DATE_FORMAT).date().isoformat()
        except ValueError:
            raise LicenceKeyError('%s=%s is not a date YYYYMMDD' % (LICENCE_KEY_EXPIRES, key[LICENCE_KEY_EXPIRES]))
    user = sections.get(LICENCE_KEY_USER_SECTION, {}).get(LICENCE_KEY_USER_NAME, '')
    return dict(number=key[LICENCE_KEY_NUMBER], user=user, expires=expires)


# ---------------------------------------------------------------------------------------------------------------
# Versions
# ---------------------------------------------------------------------------------------------------------------
# Release "13.00.1"; full build string "13.00.1.202310121" (MM.mm.p.YYYYMMDDn).
RELEASE_PATTERN = re.compile(r'^(?P<major>\d{1,2})\.(?P<minor>\d{2})\.(?P<patch>\d+)(?:\.(?P<build>\d+))?$')


def initdb_arguments(licence_key=None):
    """initdb's verb and positional arguments: the licence key file when given, no SQL script, no ini file.

    The administrator's initial password is not among them: a caller appends it (a secret, kept out of results).
    """
    unused = DRWCSD_ARGUMENT_UNUSED
    values = dict(licence_key=licence_key or unused, sql_script=unused, ini_file=unused)
    return [DRWCSD_VERB_INITDB] + [values[name] for name in DRWCSD_INITDB_ARGUMENTS if name in values]


def parse_release(text):
    """Return the release ``MM.mm.p`` of a version or build string, or None when it is not one."""
    match = RELEASE_PATTERN.match((text or '').strip())
    if not match:
        return None
    return '%s.%s.%s' % (match.group('major'), match.group('minor'), match.group('patch'))


def release_key(release):
    """Sort key of a release string: ``13.00.1`` -> (13, 0, 1)."""
    parsed = parse_release(release)
    if parsed is None:
        raise ValueError('not a Dr.Web Server release: %r' % (release,))
    return tuple(int(part) for part in parsed.split('.'))


def installer_release(file_name):
    """Release named by an installation package's file name (with or without a build stamp), or None."""
    match = INSTALLER_NAME_PATTERN.match(file_name or '')
    return match.group('version') if match else None


def installer_build(file_name):
    """Full build string (MM.mm.p.YYYYMMDDn) named by an installation package's file name, or None without a stamp."""
    match = INSTALLER_NAME_PATTERN.match(file_name or '')
    if not match or not match.group('build'):
        return None
    return '%s.%s' % (match.group('version'), match.group('build'))


def installer_header_release(data):
    """(release, build) named in the shell-script header of a self-extracting installer (bytes of its start), or
    (None, None): no header, or a header naming no release or several different ones."""
    if not data.startswith(b'#!'):
        return None, None
    header = data[:INSTALLER_HEADER_BYTES].split(b'\x00', 1)[0].decode('latin-1')
    found = {}
    for match in INSTALLER_HEADER_RELEASE_PATTERN.finditer(header):
        release = match.group('release')
        if match.group('build'):
            found.setdefault(release, set()).add('%s.%s' % (release, match.group('build')))
        else:
            found.setdefault(release, set())
    if len(found) != 1:
        return None, None
    release, builds = next(iter(found.items()))
    return release, (sorted(builds)[0] if len(builds) == 1 else None)


# ---------------------------------------------------------------------------------------------------------------
# Public sources of the facts above. docs/compatibility.md lists them at its end, and the register below cites them
# as [S<n>]. Vendor pages are Dr.Web Enterprise Security Suite documentation (edition named in the title).
# ---------------------------------------------------------------------------------------------------------------
_ESS = 'https://download.geo.drweb.com/pub/drweb/esuite/'
_ESS_CDN = 'https://cdn-download.drweb.com/pub/drweb/esuite/'
SOURCES = (
    ('S1', 'Web API 13.0.1, server/summary.ds', _ESS_CDN + '13.0.1/documentation/html/en/web-api/server_summary.htm'),
    ('S2', 'Appendices 13.0.0, drwcsd-proxy.conf configuration file',
     _ESS + '13.0.0/documentation/html/en/appendices/app_config_proxy.htm'),
    ('S3', 'Appendices 12.0.11 (German edition), Dr.Web Server switches',
     _ESS_CDN + '12.0.11/documentation/html/de/appendices/app_command_server_switches.htm'),
    ('S4', 'Appendices 13.0.0, drwcsd.conf configuration file (also the 12.0.11 edition)',
     _ESS_CDN + '13.0.0/documentation/html/en/appendices/app_config_server.htm'),
    ('S5', 'Administrator Manual 11.0.2, Repository (introduction)',
     _ESS + '11.0.2/documentation/HTML/en/admin_manual/repository_setup_intro.htm'),
    ('S6', 'SCPLoader, a public community Python script reading /var/opt/drwcs/repository/10-drwbases', ''),
    ('S7', 'Administrator Manual 13.0.1, repository revisions',
     _ESS_CDN + '13.0.1/documentation/html/en/admin_manual/repository_setup_detailed_revision.htm'),
    ('S8', 'Appendices 10.1.0, repository product configuration files',
     _ESS + '10.1.0/documentation/html/en/appendices/app_repository_products.htm'),
    ('S9', 'Bundled help of a public Dr.Web Server, general repository configuration files',
     'http://62.231.190.12:9080/esuite/include/languages/en/help/appendices/app_repository_general.htm'),
    ('S10', 'Administrator Manual 6.00, appendix F2 (the v6 product .config with sync-with)',
     _ESS_CDN + '6.00/doc/HTML/admin-manual/en/f2.htm'),
    ('S11', 'Administrator Manual 13.0.0, Dr.Web Servers Cluster (the vendor\'s cluster chapter, prescriptions 1-7)',
     _ESS + '13.0.0/documentation/html/en/admin_manual/multiserver_cluster.htm'),
    ('S12', 'Administrator Manual 13.0.1, Dr.Web Servers Cluster (the table of settings that must be the same)',
     _ESS_CDN + '13.0.1/documentation/html/en/admin_manual/multiserver_cluster.htm'),
    ('S13', 'The public Dr.Web for Linux installer script (installed-product markers in /etc/opt/drweb.com/software)', ''),
    ('S14', 'Web API 13.0.0, integration (ports, HTTPS, Basic authentication, /install/ downloads)',
     _ESS + '13.0.0/documentation/html/en/web-api/integration.htm'),
    ('S15', 'Appendices 11.0.2 (French edition), H4.3 database management commands',
     _ESS + '11.0.2/documentation/HTML/fr/appendices/app_command_server_db.htm'),
    ('S16', 'Appendices 13.0.0, supported DBMS (embedded SQLite parameters)',
     _ESS_CDN + '13.0.0/documentation/html/en/appendices/app_dbms.htm'),
    ('S17', 'A public blog post on ESS 5 for Windows (initdb, importdb, -var-root, the REL-500 log banner)', ''),
    ('S18', 'Installation Manual 13.0.1, tools to ensure secure connection (keys, certificate, drwsign)',
     _ESS_CDN + '13.0.1/documentation/html/en/installation_manual/getstarted_encryption_tools.htm'),
    ('S19', 'Web API 13.0.1, server/keys.ds', _ESS_CDN + '13.0.1/documentation/html/en/web-api/server_keys.htm'),
    ('S20', 'Web API 13.0.0, server/public-key.ds', _ESS + '13.0.0/documentation/html/en/web-api/server_public-key.htm'),
    ('S21', 'Web API 13.0.0, server/repository-status.ds',
     _ESS + '13.0.0/documentation/html/en/web-api/server_repository-status.htm'),
    ('S22', 'Web API 13.0.1, server/tasks.ds', _ESS_CDN + '13.0.1/documentation/html/en/web-api/server_tasks.htm'),
    ('S23', 'Web API 13.0.0, groups/stations-list.ds',
     _ESS + '13.0.0/documentation/html/en/web-api/groups_stations-list.htm'),
    ('S24', 'Web API 13.0.1, stations/newbies-info.ds',
     _ESS_CDN + '13.0.1/documentation/html/en/web-api/stations_newbies-info.htm'),
    ('S25', 'Appendices 10.1.0, Server addresses', _ESS + '10.1.0/documentation/html/en/appendices/app_net_address_server.htm'),
    ('S26', 'Installation Manual 13.0.1, Server discovery (default udp/231.0.0.1:2193)',
     _ESS_CDN + '13.0.1/documentation/html/en/installation_manual/getstarted_networkconnection_discovery.htm'),
    ('S27', 'Database Manual 13.0.1, about the database (dbver per release; the 12.0.11 and 13.0.0 editions too)',
     _ESS_CDN + '13.0.1/documentation/html/en/database_manual/about_db.htm'),
    ('S28', 'Database Manual 13.0.1, metadata tables (dbstruct, tables_list)',
     'http://chewbacca.drweb.com/pub/drweb/esuite/13.0.1/documentation/html/en/database_manual/app_database_01.htm'),
    ('S29', 'Database Manual 13.0.0, neighbour Server tables (servers, srv_names)',
     _ESS_CDN + '13.0.0/documentation/html/en/database_manual/app_database_07.htm'),
    ('S30', 'Database Manual 13.0.1, licence tables (available_keys)',
     _ESS_CDN + '13.0.1/documentation/html/en/database_manual/app_database_04.htm'),
    ('S31', 'Administrator Manual 13.0.1, Dr.Web Server Task Scheduler',
     _ESS_CDN + '13.0.1/documentation/html/en/admin_manual/server_schedule.htm'),
    ('S32', 'Quick Installation Guide 10.1.0, licensing (key files are signed; editing one invalidates it)', ''),
    ('S33', 'Administrator Manual 13.0.0, licensing features (where keys apply, interserver links)',
     _ESS + '13.0.0/documentation/html/en/admin_manual/licensing_features.htm'),
    ('S34', 'Administrator Manual 13.0.1, License Manager',
     _ESS_CDN + '13.0.1/documentation/html/en/admin_manual/components_licencemanager.htm'),
    ('S35', 'Public community scripts provisioning Linux Agents (drweb-<version>-av-linux-<arch>.run -- --non-interactive)',
     ''),
    ('S36', 'A public test fixture holding a Web API reply (srv_version="13.00.1.202406060")', ''),
    ('S37', 'A public administration note on ESS 5 restoring %ES%\\var\\backup\\%guid%\\%date%\\database.dz', ''),
    ('S38', 'Web API 13.0.0, general structure of XML replies (srv_version)',
     _ESS + '13.0.0/documentation/html/en/web-api/general_structure_xml.htm'),
    ('S39', 'Appendices 13.0.1, UNIX signals (SIGUSR1 rereads the repository, SIGHUP restarts)',
     _ESS_CDN + '13.0.1/documentation/html/en/appendices/app_command_kill.htm'),
    ('S40', 'Administrator Manual 13.0.0, Dr.Web Server configuration: Cluster tab',
     _ESS + '13.0.0/documentation/html/en/admin_manual/server_setup_cluster.htm'),
    ('S41', 'Installation Manual 13.0.1, Server discovery through an SRV record (the installer registers it; service drwcs)',
     _ESS_CDN + '13.0.1/documentation/html/en/installation_manual/getstarted_networkconnection_srv.htm'),
    ('S42', 'PostgreSQL documentation, libpq connection parameters: sslmode',
     'https://www.postgresql.org/docs/current/libpq-connect.html#LIBPQ-CONNECT-SSLMODE'),
)

# ---------------------------------------------------------------------------------------------------------------
# The register of touch-points (docs/compatibility.md mirrors it; a unit test keeps them equal)
# ---------------------------------------------------------------------------------------------------------------
CONFIRMED = 'CONFIRMED'
INFERENCE = 'INFERENCE'
GUESS = 'GUESS'

_DOUBLE = 'not public; the drwcsd test double does the same'

TOUCH_POINTS = (
    # name, kind, value, label, public source ([S<n>] of SOURCES; "not public" for a GUESS no source states)
    ('HOME_DIR', 'path', HOME_DIR, GUESS,
     'not public; consistent with the home-directory of a documented reply [S1]; the test double installs there'),
    ('VAR_DIR', 'path', VAR_DIR, CONFIRMED, '[S1] (variable-directory of a documented reply)'),
    ('ETC_DIR', 'path', ETC_DIR, CONFIRMED, '[S2] (stated for drwcsd-proxy.conf, same tree)'),
    ('BIN_DIR', 'path', BIN_DIR, CONFIRMED, '[S3] (-bin-root defaults to <home>/bin)'),
    ('DRWCSD_BINARY', 'path', DRWCSD_BINARY, GUESS, 'the folder follows HOME_DIR and [S3]; ' + _DOUBLE),
    ('DRWSIGN_BINARY', 'path', DRWSIGN_BINARY, GUESS, 'the folder follows HOME_DIR and [S3]; ' + _DOUBLE),
    ('CONFIG_FILE', 'path', CONFIG_FILE, GUESS,
     '[S4] (the etc subfolder, the -conf switch); the full Linux path is ' + _DOUBLE),
    ('DOWNLOAD_CONFIG_FILE', 'path', DOWNLOAD_CONFIG_FILE, GUESS,
     'next to drwcsd.conf as drwcsd-proxy.conf is [S2]; ' + _DOUBLE),
    ('PRIVATE_KEY_FILE', 'path', PRIVATE_KEY_FILE, GUESS, 'file name CONFIRMED [S11], [S18]; its folder is ' + _DOUBLE),
    ('PUBLIC_KEY_FILE', 'path', PUBLIC_KEY_FILE, GUESS, 'file name CONFIRMED [S11], [S18]; its folder is ' + _DOUBLE),
    ('CERTIFICATE_FILE', 'path', CERTIFICATE_FILE, GUESS, 'file name CONFIRMED [S11], [S18]; its folder is ' + _DOUBLE),
    ('EMBEDDED_DATABASE_FILE', 'path', EMBEDDED_DATABASE_FILE, GUESS,
     'file name: the DBFILE default [S16]; its folder is ' + _DOUBLE),
    ('REPOSITORY_DIR', 'path', REPOSITORY_DIR, CONFIRMED, '[S6]; var/repository under the Server folder [S5]'),
    ('REPOSITORY_PRODUCT_PATTERN', 'path', REPOSITORY_PRODUCT_PATTERN.pattern, GUESS,
     '10-drwbases [S6], 05-drwmeta and 80-drwnews [S1] CONFIRMED; the 12/13 folder names are ' + _DOUBLE),
    ('REPOSITORY_CURRENT_FILE', 'file', REPOSITORY_CURRENT_FILE, GUESS,
     'the "Current" marker, else the latest revision: CONFIRMED [S7]; its form on disk is ' + _DOUBLE),
    ('REPOSITORY_DESCRIPTION_FILE', 'file', REPOSITORY_DESCRIPTION_FILE, CONFIRMED,
     '[S8] (ESS 10.1; still valid in 13: GUESS)'),
    ('REPOSITORY_SYNC_OFF_FILE', 'file', REPOSITORY_SYNC_OFF_FILE, CONFIRMED, '[S8] (ESS 10.1; still valid in 13: GUESS)'),
    ('REPOSITORY_SERVERS_FILE', 'file', REPOSITORY_SERVERS_FILE, CONFIRMED, '[S9]'),
    ('REPOSITORY_URL_FILE', 'file', REPOSITORY_URL_FILE, CONFIRMED, '[S9]'),
    ('REPOSITORY_PROTO_FILE', 'file', REPOSITORY_PROTO_FILE, CONFIRMED, '[S9]'),
    ('REPOSITORY_GUS_SERVERS', 'network', ', '.join(REPOSITORY_GUS_SERVERS), GUESS,
     'esuite.msk.drweb.com CONFIRMED for v6 [S10]; the 12/13 default hosts are not public'),
    ('REPOSITORY_GUS_URL', 'file', REPOSITORY_GUS_URL, INFERENCE, 'the v6 sync-with path /update [S10]'),
    ('REPOSITORY_GUS_PROTO', 'file', REPOSITORY_GUS_PROTO, GUESS, 'the list of protocols [S9]; the default is not public'),
    ('REPOSITORY_PARENT_SCHEME', 'network', REPOSITORY_PARENT_SCHEME + '://<host>[:<port>] in .url', GUESS,
     'Server to Server revision sync [S5] and prescription 5 of [S11]; the interserver update source\'s configuration '
     'is ' + _DOUBLE),
    ('UPDATE_ZONE_PRODUCTS_FILE', 'network', '<zone>/' + UPDATE_ZONE_PRODUCTS_FILE + ' (product codes, one a line)', GUESS,
     'an update zone is a GUS mirror [S11]; what the vendor\'s update servers publish is ' + _DOUBLE),
    ('UPDATE_ZONE_REVISIONS_FILE', 'network', '<zone>/<product>/%s (oldest first; the last line is the newest)' % UPDATE_ZONE_REVISIONS_FILE,
     GUESS,
     'an update zone is a GUS mirror [S11]; what the vendor\'s update servers publish is ' + _DOUBLE),
    ('BACKUP_DIR', 'path', BACKUP_DIR, GUESS, _DOUBLE),
    ('LOG_FILE', 'path', LOG_FILE, GUESS, _DOUBLE),
    ('INIT_SCRIPT', 'path', INIT_SCRIPT, GUESS, _DOUBLE),
    ('SERVICE_NAME', 'service', SERVICE_NAME, GUESS, _DOUBLE),
    ('SYSTEMD_UNIT', 'service', SYSTEMD_UNIT + ' (where systemd is PID 1: the installer\'s unit or the one generated from '
     'the init script)', GUESS, 'the installer\'s files on systemd hosts are not public; the init script\'s name is ' + _DOUBLE),
    ('SERVICE_USER', 'account', SERVICE_USER, GUESS, _DOUBLE),
    ('PRODUCT_MARKER_DIR', 'path', PRODUCT_MARKER_DIR, CONFIRMED, '[S13]'),
    ('PRODUCT_MARKER_FILE', 'path', PRODUCT_MARKER_FILE, GUESS,
     'the folder and the drweb-esuite* prefix [S13]; the exact name is ' + _DOUBLE),
    ('OPTIONS_FILE', 'path', OPTIONS_FILE, GUESS, _DOUBLE + ' (its init script reads it)'),
    ('INSTALLER_NAME_PATTERN', 'file', INSTALLER_NAME_PATTERN.pattern, INFERENCE,
     'release string format 13.00.1.202406060 (a Web API reply, srv_version [S36]), Agent installer names '
     'drweb-<version>-av-linux-<arch>.run [S35]; the Server package\'s name with a build stamp is not documented'),
    ('INSTALLER_HEADER_BYTES', 'file', str(INSTALLER_HEADER_BYTES), GUESS,
     'not public: how much of the installer\'s shell header is read for the release'),
    ('INSTALLER_HEADER_RELEASE_PATTERN', 'file', INSTALLER_HEADER_RELEASE_PATTERN.pattern, GUESS,
     'not public: that the installer\'s shell header names its release is assumed; the test double\'s header does'),
    ('INSTALLER_UNATTENDED_ARGUMENTS', 'cli', ' '.join(INSTALLER_UNATTENDED_ARGUMENTS), GUESS,
     'the Agent installers\' switches [S35]; the Server installer\'s are ' + _DOUBLE),
    ('INSTALLER_ADMIN_PASSWORD_OPTION', 'cli', INSTALLER_ADMIN_PASSWORD_OPTION, GUESS,
     'initdb\'s <password> argument [S15] is the documented counterpart; the installer option is ' + _DOUBLE),
    ('ADMIN_PASSWORD_CHANNELS', 'cli', ', '.join(ADMIN_PASSWORD_CHANNELS), GUESS,
     'initdb\'s <password> argument is documented [S15]; a file or environment variable that could carry the password '
     'instead is not public (none is known)'),
    ('MARKER_VERSION_KEY', 'file', MARKER_VERSION_KEY, GUESS, 'the marker\'s content is ' + _DOUBLE),
    ('MARKER_BUILD_KEY', 'file', MARKER_BUILD_KEY, GUESS, 'the marker\'s content is ' + _DOUBLE),
    ('LOG_BANNER_PATTERN', 'version', LOG_BANNER_PATTERN.pattern, GUESS,
     'the v5 banner REL-500 Build 5.00.0.200908050 [S17]; the 13.x banner is ' + _DOUBLE),
    ('INIT_VERB_STATUS', 'cli', INIT_VERB_STATUS, GUESS, _DOUBLE + ' (LSB status)'),
    ('INIT_VERB_EXPORTDB', 'cli', INIT_VERB_EXPORTDB, GUESS, _DOUBLE),
    ('CONFIG_ID_XPATH', 'xml', CONFIG_ID_XPATH, CONFIRMED, '[S4]'),
    ('CONFIG_NAME_XPATH', 'xml', CONFIG_NAME_XPATH, CONFIRMED, '[S4]'),
    ('CONFIG_PASSWD_SALT_XPATH', 'xml', CONFIG_PASSWD_SALT_XPATH, CONFIRMED, '[S4]'),
    ('CONFIG_VALUE_ATTRIBUTE', 'xml', CONFIG_VALUE_ATTRIBUTE, CONFIRMED, '[S4]'),
    ('CONFIG_SQLITE_XPATH', 'xml', CONFIG_SQLITE_XPATH, GUESS,
     'the SQLite parameters [S16]; their XML spelling is ' + _DOUBLE),
    ('CONFIG_SQLITE_FILE_ATTRIBUTE', 'xml', CONFIG_SQLITE_FILE_ATTRIBUTE, GUESS,
     'the DBFILE parameter [S16]; its XML spelling is ' + _DOUBLE),
    ('CONFIG_PGSQL_XPATH', 'xml', CONFIG_PGSQL_XPATH, GUESS, _DOUBLE),
    ('CONFIG_PGSQL_ATTRIBUTES', 'xml', ', '.join('%s=%s' % item for item in sorted(CONFIG_PGSQL_ATTRIBUTES.items())), GUESS,
     'the names, and the password kept in clear text: ' + _DOUBLE),
    ('CONFIG_PGSQL_REQUIRESSL_ATTRIBUTE', 'xml', CONFIG_PGSQL_REQUIRESSL_ATTRIBUTE, GUESS,
     'the name and its meaning (the Server insists on TLS) are ' + _DOUBLE),
    ('CONFIG_PGSQL_SSLMODE_ATTRIBUTE', 'xml', CONFIG_PGSQL_SSLMODE_ATTRIBUTE, GUESS,
     'libpq\'s keyword; that the Server passes it to libpq is ' + _DOUBLE),
    ('CONFIG_PGSQL_SSLROOTCERT_ATTRIBUTE', 'xml', CONFIG_PGSQL_SSLROOTCERT_ATTRIBUTE, GUESS,
     'libpq\'s keyword; that the Server passes it to libpq is ' + _DOUBLE),
    ('CONFIG_PROTOCOLS_DISABLED_TAG', 'xml', CONFIG_PROTOCOLS_DISABLED_TAG, GUESS,
     'the Modules tab\'s cluster protocol flag is CONFIRMED [S12]; its XML form is ' + _DOUBLE),
    ('CONFIG_PROTOCOL_TAG', 'xml', CONFIG_PROTOCOL_TAG, GUESS, _DOUBLE),
    ('CONFIG_PROTOCOL_NAME_ATTRIBUTE', 'xml', CONFIG_PROTOCOL_NAME_ATTRIBUTE, GUESS, _DOUBLE),
    ('CLUSTER_PROTOCOL_NAME', 'xml', CLUSTER_PROTOCOL_NAME, GUESS, _DOUBLE),
    ('DOWNLOAD_SERVER_TAG', 'xml', DOWNLOAD_SERVER_TAG, GUESS,
     'the common Server address in download.conf is CONFIRMED [S12]; the element is ' + _DOUBLE),
    ('DOWNLOAD_SERVER_HOST_ATTRIBUTE', 'xml', DOWNLOAD_SERVER_HOST_ATTRIBUTE, GUESS, _DOUBLE),
    ('DOWNLOAD_SERVER_PORT_ATTRIBUTE', 'xml', DOWNLOAD_SERVER_PORT_ATTRIBUTE, GUESS, _DOUBLE),
    ('CONFIG_ROOT_TAG', 'xml', CONFIG_ROOT_TAG, GUESS, 'the file is CONFIRMED [S4]; its root element is ' + _DOUBLE),
    ('DOWNLOAD_ROOT_TAG', 'xml', DOWNLOAD_ROOT_TAG, GUESS, 'the file is CONFIRMED [S12]; its root element is ' + _DOUBLE),
    ('CONFIG_CLUSTER_XPATH', 'xml', CONFIG_CLUSTER_XPATH, GUESS,
     'the Cluster tab\'s fields are CONFIRMED [S40]; the section\'s name is ' + _DOUBLE),
    ('CONFIG_PROTOCOLS_XPATH', 'xml', CONFIG_PROTOCOLS_XPATH, GUESS,
     'the Modules tab\'s cluster protocol flag is CONFIRMED [S12]; its XML form is ' + _DOUBLE),
    ('CONFIG_DATABASE_XPATH', 'xml', CONFIG_DATABASE_XPATH, GUESS,
     'the database settings [S16]; the section\'s name is ' + _DOUBLE),
    ('CONFIG_MANAGED_ELEMENTS', 'xml', ', '.join(sorted(path for paths in CONFIG_MANAGED_ELEMENTS.values()
                                                        for path in paths.values())), GUESS,
     'made of the names above: passwd-salt is CONFIRMED [S4], the others ' + _DOUBLE),
    ('PGSQL_DEFAULT_PORT', 'network', str(PGSQL_DEFAULT_PORT), INFERENCE, 'PostgreSQL\'s default port'),
    ('PGSQL_SSL_MODES', 'network', ', '.join(PGSQL_SSL_MODES), CONFIRMED,
     'libpq\'s sslmode values [S42]; how the Server takes them is CONFIG_PGSQL_SSLMODE_ATTRIBUTE'),
    ('PGSQL_VERIFYING_SSL_MODES', 'network', ', '.join(PGSQL_VERIFYING_SSL_MODES), CONFIRMED,
     'the sslmode values that check the server certificate against a CA (sslrootcert) [S42]'),
    ('DRWCSD_VERB_INITDB', 'cli', DRWCSD_VERB_INITDB, CONFIRMED, '[S15]'),
    ('DRWCSD_VERB_EXPORTDB', 'cli', DRWCSD_VERB_EXPORTDB, GUESS,
     'the verb\'s name CONFIRMED in use [S17] (v5); its syntax is ' + _DOUBLE),
    ('DRWCSD_VERB_IMPORTDB', 'cli', DRWCSD_VERB_IMPORTDB, GUESS,
     'the verb\'s name CONFIRMED in use [S17] (v5); its syntax is ' + _DOUBLE),
    ('DRWCSD_VERB_UPGRADEDB', 'cli', DRWCSD_VERB_UPGRADEDB, GUESS, _DOUBLE),
    ('DRWCSD_VERB_VERIFYDB', 'cli', DRWCSD_VERB_VERIFYDB, CONFIRMED, '[S3] (its syntax: GUESS)'),
    ('DRWCSD_SWITCH_HOME', 'cli', DRWCSD_SWITCH_HOME, CONFIRMED, '[S3]'),
    ('DRWCSD_SWITCH_VAR_ROOT', 'cli', DRWCSD_SWITCH_VAR_ROOT, CONFIRMED, '[S17] (ESS 5 material)'),
    ('DRWCSD_SWITCH_CONF', 'cli', DRWCSD_SWITCH_CONF, CONFIRMED, '[S3], [S4]'),
    ('DRWCSD_ARGUMENT_UNUSED', 'cli', DRWCSD_ARGUMENT_UNUSED, CONFIRMED, '[S15]'),
    ('DRWCSD_INITDB_ARGUMENTS', 'cli', 'initdb ' + ' '.join('<%s>|-' % name for name in DRWCSD_INITDB_ARGUMENTS), CONFIRMED,
     '[S15] (the licence key file is loaded into the database at initialisation)'),
    ('DRWCSD_SWITCH_HELP', 'cli', DRWCSD_SWITCH_HELP, CONFIRMED, '[S3]'),
    ('DRWSIGN_SWITCH_HELP', 'cli', DRWSIGN_SWITCH_HELP, GUESS, 'drwsign is documented [S18]; its switches are ' + _DOUBLE),
    ('DRWSIGN_VERB_GENKEY', 'cli', DRWSIGN_VERB_GENKEY, GUESS, 'drwsign\'s purpose [S18]; its verbs are ' + _DOUBLE),
    ('DRWSIGN_VERB_EXTRACT', 'cli', DRWSIGN_VERB_EXTRACT, GUESS, 'drwsign\'s purpose [S18]; its verbs are ' + _DOUBLE),
    ('DRWSIGN_VERB_GENCERT', 'cli', DRWSIGN_VERB_GENCERT, GUESS, 'drwsign\'s purpose [S18]; its verbs are ' + _DOUBLE),
    ('DRWSIGN_SWITCH_PRIVATE_KEY', 'cli', DRWSIGN_SWITCH_PRIVATE_KEY, GUESS,
     'drwsign\'s purpose [S18]; its switches are ' + _DOUBLE),
    ('DRWSIGN_SWITCH_SUBJECT', 'cli', DRWSIGN_SWITCH_SUBJECT, GUESS, 'drwsign\'s purpose [S18]; its switches are ' + _DOUBLE),
    ('KEY_FILE_MODES', 'file', ', '.join('%s=%s' % item for item in sorted(KEY_FILE_MODES.items())), GUESS,
     'the product\'s own modes are not public; the certificate is public (served at /install/drwcsd-certificate.pem, '
     '[S14]), the private key is kept from everyone but the Server account'),
    ('WEB_API_HTTP_PORT', 'webapi', str(WEB_API_HTTP_PORT), CONFIRMED, '[S14]'),
    ('WEB_API_HTTPS_PORT', 'webapi', str(WEB_API_HTTPS_PORT), CONFIRMED, '[S14]'),
    ('WEB_API_SUMMARY', 'webapi', WEB_API_SUMMARY, CONFIRMED, '[S1]'),
    ('WEB_API_KEYS', 'webapi', WEB_API_KEYS, CONFIRMED, '[S19]'),
    ('WEB_API_PUBLIC_KEY', 'webapi', WEB_API_PUBLIC_KEY, CONFIRMED, '[S20]'),
    ('WEB_API_REPOSITORY_STATUS', 'webapi', WEB_API_REPOSITORY_STATUS, CONFIRMED, '[S21]'),
    ('WEB_API_REFUSAL_DATABASE_PATTERN', 'webapi', WEB_API_REFUSAL_DATABASE_PATTERN, GUESS,
     'not public: the wording of a Web API refusal when the Server cannot reach its database'),
    ('WEB_API_TASKS', 'webapi', WEB_API_TASKS, CONFIRMED, '[S22]'),
    ('WEB_API_TASK_UPDATE_REPOSITORIES', 'webapi', WEB_API_TASK_UPDATE_REPOSITORIES, CONFIRMED, '[S22]'),
    ('WEB_API_SUMMARY_PRODUCTS_XPATH', 'webapi', WEB_API_SUMMARY_PRODUCTS_XPATH, CONFIRMED, '[S1]'),
    ('WEB_API_REPOSITORY_READY', 'webapi', WEB_API_REPOSITORY_READY, CONFIRMED, '[S21]'),
    ('WEB_API_REPOSITORY_UPDATING', 'webapi', WEB_API_REPOSITORY_UPDATING, CONFIRMED, '[S21]'),
    ('WEB_API_STATIONS_LIST', 'webapi', WEB_API_STATIONS_LIST + '?id=<group>&server-id=<id>&per-page=1', CONFIRMED,
     '[S23]; that server-id selects the stations the Server registered: INFERENCE'),
    ('WEB_API_STATIONS_LIST_XPATH', 'webapi', WEB_API_STATIONS_LIST_XPATH, CONFIRMED, '[S23] (XML reply)'),
    ('WEB_API_STATIONS_TOTAL_ATTRIBUTE', 'webapi', WEB_API_STATIONS_TOTAL_ATTRIBUTE, CONFIRMED,
     '[S23]: <stations total> "Total number of stations in the specified group"'),
    ('WEB_API_GROUP_EVERYONE', 'webapi', WEB_API_GROUP_EVERYONE, CONFIRMED,
     '[S24]: parent_id of the group named "Everyone"; every station listed for a system group: Web API 13.0.1 '
     'groups/stations-list.ds'),
    ('AGENT_PORT', 'network', str(AGENT_PORT), CONFIRMED, '[S26]'),
    ('DNS_SRV_SERVICE', 'network', DNS_SRV_SERVICE + ' (SRV service name the installer registers)', CONFIRMED, '[S41]'),
    ('DNS_SRV_OWNER', 'network', DNS_SRV_OWNER + ' -> 0 0 2193 <cluster name>.', INFERENCE,
     'the service name [S41] in the SRV owner form of RFC 2782'),
    ('AGENT_LISTEN_ADDRESSES', 'network', ', '.join(AGENT_LISTEN_ADDRESSES), CONFIRMED, '[S25]'),
    ('DISCOVERY_ADDRESS', 'network', DISCOVERY_ADDRESS, CONFIRMED, '[S25], [S26]'),
    ('SQL_SCHEMA_VERSION', 'sql', SQL_SCHEMA_VERSION, CONFIRMED, '[S27]'),
    ('SQL_DATABASE_UUID', 'sql', SQL_DATABASE_UUID, CONFIRMED, '[S28] (dbstruct)'),
    ('SCHEMA_VERSION_BY_RELEASE', 'sql', ', '.join('%s=%s' % item for item in sorted(SCHEMA_VERSION_BY_RELEASE.items())),
     CONFIRMED, '[S27]'),
    ('SQL_LICENCE_KEYS_TABLE', 'sql', SQL_LICENCE_KEYS_TABLE, CONFIRMED, '[S30]'),
    ('SQL_SERVER_NAMES', 'sql', SQL_SERVER_NAMES, GUESS,
     'table and columns CONFIRMED: srv_names [S29]; that every Server using the database has a row there is not '
     'public (documented as "Identification data of neighbor Servers"; table servers is the neighbours\' key/value list, not '
     'the Servers using the database)'),
    ('SQL_STATIONS_PER_SERVER', 'sql', SQL_STATIONS_PER_SERVER, GUESS,
     'HIGH RISK: stations schema not public; documented tables name a Server by osid, no server_id column seen [S29]'),
    ('SQL_STATIONS_TOTAL', 'sql', SQL_STATIONS_TOTAL, GUESS,
     'HIGH RISK: stations schema not public; the test double\'s stations table'),
    ('SQL_STATIONS_OF_SERVER', 'sql', SQL_STATIONS_OF_SERVER, GUESS,
     'HIGH RISK: stations schema not public, no server_id column documented; the Web API count is preferred'),
    ('SQL_TABLES_LIST', 'sql', SQL_TABLES_LIST, CONFIRMED, '[S28] (metadata table tables_list)'),
    ('SQL_LICENCE_KEYS', 'sql', SQL_LICENCE_KEYS, CONFIRMED, '[S30] (columns id and value)'),
    ('SQL_LICENCE_KEY_ADD', 'sql', SQL_LICENCE_KEY_ADD, GUESS,
     'columns CONFIRMED [S30]; server/keys.ds is read-only [S19] and no other documented call adds a key; the row the '
     'License Manager [S34] writes is ' + _DOUBLE),
    ('SQL_SCHEDULE', 'sql', SQL_SCHEDULE, GUESS,
     'the Task Scheduler [S31]; where the schedule is stored is not public (per Server id: INFERENCE from prescription 7 '
     'of [S11]); the table is the drwcsd test double\'s'),
    ('SQL_SCHEDULE_SET_ENABLED', 'sql', SQL_SCHEDULE_SET_ENABLED, GUESS,
     'Enable/Disable execution of a task [S31]; the table is not public: the drwcsd test double\'s'),
    ('LICENCE_KEY_SECTION', 'file', '[%s]' % LICENCE_KEY_SECTION, GUESS,
     'signed file CONFIRMED [S32]; the layout is ' + _DOUBLE),
    ('LICENCE_KEY_NUMBER', 'file', LICENCE_KEY_NUMBER, GUESS, 'the layout is ' + _DOUBLE),
    ('LICENCE_KEY_EXPIRES', 'file', LICENCE_KEY_EXPIRES, GUESS, 'the layout is ' + _DOUBLE),
    ('WEB_API_SUMMARY_KEYS_XPATH', 'webapi', WEB_API_SUMMARY_KEYS_XPATH, CONFIRMED, '[S1] (<keys><key id user expires/></keys>)'),
    ('WEB_API_KEY_EXPIRES_ATTRIBUTE', 'webapi', WEB_API_KEY_EXPIRES_ATTRIBUTE + ' (Unix seconds, or YYYYMMDD: GUESS)', GUESS,
     'the attribute CONFIRMED [S1], [S19]; the value\'s format is not public (the documented replies show "...")'),
    ('REPOSITORY_REVISION_TIME_FORMAT', 'file', REPOSITORY_REVISION_TIME_FORMAT + ' (last 14 digits of a revision)', INFERENCE,
     'a revision is a state at a point in time with a unique number [S5]; the sample revision 13020200416000000 [S1]'),
    ('LICENCE_KEY_USER_SECTION', 'file', '[%s]' % LICENCE_KEY_USER_SECTION, GUESS, 'the layout is ' + _DOUBLE),
    ('LICENCE_KEY_USER_NAME', 'file', LICENCE_KEY_USER_NAME, GUESS, 'the layout is ' + _DOUBLE),
    ('LICENCE_KEY_SIGNATURE_SECTION', 'file', '[%s]' % LICENCE_KEY_SIGNATURE_SECTION, GUESS,
     'signed CONFIRMED [S32]; the section name is ' + _DOUBLE),
    ('LICENCE_KEY_DATE_FORMAT', 'file', LICENCE_KEY_DATE_FORMAT, GUESS, 'the layout is ' + _DOUBLE),
    ('WEB_API_KEYS_XPATH', 'webapi', WEB_API_KEYS_XPATH, CONFIRMED, '[S19]'),
    ('WEB_API_KEY_ID_ATTRIBUTE', 'webapi', WEB_API_KEY_ID_ATTRIBUTE + ' (= the key file\'s key number: GUESS)', GUESS,
     'attribute CONFIRMED [S19]; what it holds is not public (its sample value is not a key number); the test '
     'double gives the key number'),
    ('SQL_USER_TABLES', 'sql', SQL_USER_TABLES, INFERENCE, 'initdb needs an absent or empty database [S15]'),
    ('SQL_USER_TABLE_NAMES', 'sql', SQL_USER_TABLE_NAMES, INFERENCE,
     'initdb needs an empty database [S15] (PostgreSQL catalogue, not the product\'s)'),
    ('SQL_EMBEDDED_TABLE_NAMES', 'sql', SQL_EMBEDDED_TABLE_NAMES, INFERENCE,
     'the embedded database is SQLite [S16] (SQLite catalogue, not the product\'s)'),
    ('EXCLUSIVE_SCHEDULE_TASKS', 'schedule', ', '.join(EXCLUSIVE_SCHEDULE_TASKS), CONFIRMED,
     'prescription 7 of [S11], its spelling (their storage is not public; names compared without case: the task '
     'editor\'s capitalisation is not documented)'),
    ('BACKUP_LAYOUT', 'path', BACKUP_LAYOUT, INFERENCE,
     '[S37] (layout for 12/13 not documented; <guid> read as the Server id)'),
    ('BACKUP_DATABASE_FILE', 'file', BACKUP_DATABASE_FILE, INFERENCE, '[S37] (database.dz)'),
    ('RELEASE_PATTERN', 'version', RELEASE_PATTERN.pattern, INFERENCE,
     'the versions 12.00.0.201909260, 13.00.0.202005090, 13.00.1.202310121 of documented replies [S38], [S1]'),
)
