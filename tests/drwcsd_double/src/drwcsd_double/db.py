"""The Server database: embedded SQLite or external PostgreSQL (psycopg), one schema for both.

Tables (names other than dbstruct, tables_list, servers, srv_names and available_keys are the double's choice;
product-facts 6.14 says the table of the Server schedule is UNKNOWN, so ``server_schedule`` is invented here):

    dbstruct(dbver, dbuuid)                            product-facts 6.10: 522 = 13.00.0, 542 = 13.00.1; dbuuid = the
                                                       database UUID (vendor Database manual 13.0.1, table dbstruct),
                                                       made by initdb, carried over by exportdb/importdb (GUESS)
    tables_list(priority, subsystem, tabname, description)   Database manual 13.0.1: every table of the database
    servers(osid, id, name, value, updatetime)         Database manual 13.0.0: the neighbour Servers as key/value
                                                       attributes (osid = this Server, id = the neighbour). The double
                                                       has no interserver links, so it stays empty.
    srv_names(osid, oname, updatetime)                 Database manual 13.0.0 ("Identification data of neighbor
                                                       Servers"). GUESS: every Server writes its own row at start (the
                                                       collection reports it as "the Servers the database knows")
    admins(login, password, salted)                    password = sha256(salt ":" password) when salted
    station_groups(id, name, type, settings)           type 1 = system group; settings = initdb ini file
    stations(id, server_id, name, created, last_seen)  server_id = the Server that registered the station
    available_keys(id, value, type, created, used_stations, used_neighbors)   product-facts 6.12 columns
    server_schedule(server_id, task_id, name, action, enabled, critical, period, last_run, last_status)
    repository_state(server_id, product, revision, state, updated [, last_update_src since 542])

Every Server reads and writes only the rows of its own id (drweb-servers-cluster.txt item 4), except the
licence keys (shared by all Servers, read at start) and stations looked up by id (a Server serves Agents that
first registered on another Server of the cluster).
"""

import contextlib
import decimal
import gzip
import hashlib
import json
import os
import sqlite3
import threading
import time
import uuid

from . import licence

SCHEMA_BASE = [
    'CREATE TABLE dbstruct (dbver INTEGER NOT NULL, dbuuid VARCHAR(36))',
    'CREATE TABLE tables_list (priority INTEGER NOT NULL, subsystem VARCHAR(64), tabname VARCHAR(64) NOT NULL, '
    'description TEXT)',
    "CREATE TABLE servers (osid VARCHAR(36) NOT NULL, id VARCHAR(36) NOT NULL, name VARCHAR(64) NOT NULL, "
    "value TEXT DEFAULT '', updatetime NUMERIC(17) DEFAULT 0)",
    'CREATE INDEX servers_0001 ON servers (osid, id, name)',
    "CREATE TABLE srv_names (osid VARCHAR(36) NOT NULL PRIMARY KEY, oname TEXT DEFAULT '', updatetime NUMERIC(17) NOT NULL)",
    'CREATE INDEX srv_names_0001 ON srv_names (updatetime)',
    'CREATE TABLE admins (login VARCHAR(64) PRIMARY KEY, password VARCHAR(255) NOT NULL, salted INTEGER NOT NULL)',
    'CREATE TABLE station_groups (id VARCHAR(36) PRIMARY KEY, name VARCHAR(255), type INTEGER, settings TEXT)',
    'CREATE TABLE stations (id VARCHAR(36) PRIMARY KEY, server_id VARCHAR(36) NOT NULL, name VARCHAR(255), '
    'created BIGINT, last_seen BIGINT)',
    'CREATE TABLE available_keys (id VARCHAR(36) PRIMARY KEY, value TEXT, type INTEGER, created NUMERIC(17), '
    'used_stations NUMERIC(10), used_neighbors NUMERIC(10))',
    'CREATE TABLE server_schedule (server_id VARCHAR(36) NOT NULL, task_id VARCHAR(64) NOT NULL, name VARCHAR(255), '
    'action VARCHAR(64), enabled INTEGER NOT NULL, critical INTEGER NOT NULL, period BIGINT, last_run BIGINT, '
    'last_status VARCHAR(32), PRIMARY KEY (server_id, task_id))',
    'CREATE TABLE repository_state (server_id VARCHAR(36) NOT NULL, product VARCHAR(64) NOT NULL, revision VARCHAR(32), '
    'state VARCHAR(16), updated BIGINT, PRIMARY KEY (server_id, product))',
]
BASE_DBVER = 522
# schema changes of later versions: (dbver, statements)
MIGRATIONS = [
    (542, ['ALTER TABLE repository_state ADD COLUMN last_update_src VARCHAR(64)']),
]
KNOWN_DBVERS = [BASE_DBVER] + [m[0] for m in MIGRATIONS]
TABLES = ['dbstruct', 'tables_list', 'servers', 'srv_names', 'admins', 'station_groups', 'stations', 'available_keys',
          'server_schedule', 'repository_state']
# tables_list rows: (priority, subsystem, tabname, description). The documented descriptions where the Database manual
# gives them; the subsystems and the priorities are the double's choice.
TABLES_LIST = [
    (0, 'Metadata', 'dbstruct', 'Metadata table. Version of the database scheme'),
    (1, 'Metadata', 'tables_list', 'Metadata table. The list of all database tables'),
    (10, 'Administrators', 'admins', 'Dr.Web Server administrator accounts'),
    (20, 'Stations', 'station_groups', 'Groups of stations'),
    (21, 'Stations', 'stations', 'Stations (drwcsd test double: server_id names the registering Server)'),
    (30, 'License Management', 'available_keys', 'License keys assigned at Dr.Web Server'),
    (40, 'Neighbors', 'servers', 'The list of neighbor Servers'),
    (41, 'Neighbors', 'srv_names', 'Identification data of neighbor Servers'),
    (50, 'Server', 'server_schedule', 'Server Task Scheduler (drwcsd test double: the product\'s table is not public)'),
    (51, 'Server', 'repository_state', 'Repository state per Server (drwcsd test double)'),
]

SYSTEM_GROUPS = [
    ('20e27d73-d21d-b211-a788-85419c46f0e6', 'Everyone'),
    ('7b6e5f8a-0c2b-4f8e-9b0b-3b1d8f0e2a11', 'Ungrouped'),
    ('3c7e1a64-5f0e-4b9a-8a3e-0d2f6c9b1e22', 'Newbies'),
    ('9a1d2c3b-4e5f-4a6b-8c7d-9e0f1a2b3c33', 'Online'),
    ('5e4d3c2b-1a0f-4e9d-8c7b-6a5f4e3d2c44', 'Offline'),
]
EVERYONE = SYSTEM_GROUPS[0][0]

# product-facts 9.5 GUESS: display names of the default Server schedule; the five exclusive tasks of the cluster
# chapter (item 7, which writes "Purge Old Data" - the spelling used here) plus "Update". product-facts 6.14/9.6
# UNKNOWN: the task ids, actions and the table are invented.
DEFAULT_SCHEDULE = [
    # task_id, name, action, enabled, critical, period (seconds)
    ('purge_old_data', 'Purge Old Data', 'PurgeOldData', 1, 0, 86400),
    ('backup_sensitive_data', 'Backup sensitive data', 'BackupSensitiveData', 1, 1, 86400),
    ('purge_old_stations', 'Purge old stations', 'PurgeOldStations', 1, 0, 86400),
    ('purge_expired_stations', 'Purge expired stations', 'PurgeExpiredStations', 1, 0, 86400),
    ('purge_unsent_is_events', 'Purge unsent IS events', 'PurgeUnsentISEvents', 1, 0, 86400),
    ('update', 'Update', 'Update', 1, 0, 1800),
]


class DatabaseError(Exception):
    """A database problem; the message is what the Server logs."""


def password_hash(password, salt):
    """(stored value, salted flag) of an admin password (product-facts 2.6: empty salt = no encryption)."""
    if not salt:
        return password, 0
    return hashlib.sha256(('%s:%s' % (salt, password)).encode('utf-8')).hexdigest(), 1


def schema_for(dbver):
    """CREATE/ALTER statements that build the schema of a dbver from nothing."""
    if dbver not in KNOWN_DBVERS:
        raise DatabaseError('unsupported database schema version %s (this double knows %s)' % (dbver, KNOWN_DBVERS))
    statements = list(SCHEMA_BASE)
    for version, migration in MIGRATIONS:
        if version <= dbver:
            statements.extend(migration)
    return statements


def _plain(value):
    if isinstance(value, decimal.Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, (bytes, memoryview)):
        return bytes(value).decode('utf-8', 'replace')
    return value


class Database:
    """One connection to the configured database, shared by the Server's threads under a lock."""

    def __init__(self, dbconf, paths):
        self.conf = dbconf
        self.paths = paths
        self.kind = dbconf.kind
        self.conn = None
        self.lock = threading.RLock()
        self.path = paths.resolve(dbconf.attrs.get('dbfile', 'database.sqlite')) if self.kind == 'sqlite' else None

    def describe(self):
        """What the log says about this database."""
        if self.kind == 'sqlite':
            return 'embedded SQLite %s' % self.path
        return self.conf.describe()

    # -- connection -----------------------------------------------------------------------------------------
    def open(self, create=False):
        """Connect; an absent embedded database file is created only when create is true."""
        if self.conn is not None:
            return self
        if self.kind == 'sqlite':
            if not create and not os.path.exists(self.path):
                raise DatabaseError('database is not initialised: %s does not exist, run initdb' % self.path)
            try:
                self.conn = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
                # product-facts 6.3: WAL and SYNCHRONOUS parameters of the embedded database
                if self.conf.attrs.get('wal', 'YES').upper() == 'YES':
                    self.conn.execute('PRAGMA journal_mode=WAL')
                sync = self.conf.attrs.get('synchronous', 'FULL').upper()
                if sync in ('FULL', 'NORMAL', 'OFF'):
                    self.conn.execute('PRAGMA synchronous=%s' % sync)
            except sqlite3.Error as exc:
                raise DatabaseError('cannot open %s: %s' % (self.path, exc)) from exc
            return self
        try:
            import psycopg  # pylint: disable=import-outside-toplevel
        except ImportError as exc:
            raise DatabaseError('PostgreSQL support needs python3-psycopg: %s' % exc) from exc
        attrs = self.conf.attrs
        params = {'dbname': attrs.get('dbname'), 'host': attrs.get('host'), 'port': attrs.get('port') or '5432',
                  'user': attrs.get('user') or None, 'password': attrs.get('password') or None, 'connect_timeout': 10,
                  'application_name': 'drwcsd'}
        options = [attrs.get('options', '')]
        for name in ('temp_tablespaces', 'default_transaction_isolation'):
            if attrs.get(name):
                options.append('-c %s=%s' % (name, attrs[name].replace(' ', '\\ ')))
        if ' '.join(options).strip():
            params['options'] = ' '.join(options).strip()
        if attrs.get('requiressl', 'no').lower() in ('yes', 'true', 'on', '1'):
            params['sslmode'] = 'require'
        # libpq's own keywords when the certificate is checked (GUESS names, docs/compatibility.md): passed as they are
        if attrs.get('sslmode'):
            params['sslmode'] = attrs['sslmode']
        if attrs.get('sslrootcert'):
            params['sslrootcert'] = attrs['sslrootcert']
        try:
            self.conn = psycopg.connect(autocommit=True, **{k: v for k, v in params.items() if v is not None})
        except psycopg.Error as exc:
            raise DatabaseError('cannot connect to %s: %s' % (self.describe(), str(exc).strip())) from exc
        return self

    def close(self):
        """Disconnect."""
        with self.lock:
            if self.conn is not None:
                try:
                    self.conn.close()
                finally:
                    self.conn = None

    def _errors(self):
        if self.kind == 'sqlite':
            return (sqlite3.Error,)
        import psycopg  # pylint: disable=import-outside-toplevel
        return (psycopg.Error,)

    def execute(self, sql, params=()):
        """Run one statement; returns the rows of a query (else an empty list)."""
        if self.kind == 'pgsql':
            sql = sql.replace('?', '%s')
        with self.lock:
            if self.conn is None:
                raise DatabaseError('database connection is closed')
            try:
                cursor = self.conn.execute(sql, tuple(params))
                if cursor.description is None:
                    return []
                return [tuple(_plain(v) for v in row) for row in cursor.fetchall()]
            except self._errors() as exc:
                raise DatabaseError('database error: %s' % str(exc).strip()) from exc

    @contextlib.contextmanager
    def transaction(self):
        """All statements inside commit together or not at all."""
        with self.lock:
            if self.kind == 'sqlite':
                self.execute('BEGIN IMMEDIATE')
                try:
                    yield self
                except BaseException:
                    self.conn.execute('ROLLBACK')
                    raise
                self.execute('COMMIT')
            else:
                try:
                    with self.conn.transaction():
                        yield self
                except self._errors() as exc:
                    raise DatabaseError('database error: %s' % str(exc).strip()) from exc

    # -- structure --------------------------------------------------------------------------------------------
    def tables(self):
        """Names of every table in the database (the current schema for PostgreSQL)."""
        if self.kind == 'sqlite':
            rows = self.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
        else:
            rows = self.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() "
                                "AND table_type = 'BASE TABLE'")
        return sorted(row[0].lower() for row in rows)

    def is_empty(self):
        """True when the database holds no table at all (product-facts 5.3: initdb needs an absent or empty DB)."""
        return not self.tables()

    def dbver(self):
        """dbstruct.dbver, or None when the database is not initialised."""
        if 'dbstruct' not in self.tables():
            return None
        rows = self.execute('SELECT dbver FROM dbstruct')
        return int(rows[0][0]) if rows else None

    def require_dbver(self, expected, version):
        """Refuse a database that is not initialised or whose schema is not this Server's (product-facts 11.1)."""
        # product-facts 6.7/6.8 GUESS: a Server pointed at an absent or empty database refuses to start (run initdb)
        found = self.dbver()
        if found is None:
            raise DatabaseError('database is not initialised (%s): run initdb' % self.describe())
        if found != expected:
            hint = 'run upgradedb' if found < expected else 'the database was upgraded by a newer Server'
            raise DatabaseError('database schema version %s does not match this Server %s (expects %s): %s'
                                % (found, version, expected, hint))
        return found

    def drop_everything(self):
        """Drop every table (importdb replaces the whole database)."""
        with self.transaction():
            for table in self.tables():
                self.execute('DROP TABLE IF EXISTS "%s"%s' % (table, ' CASCADE' if self.kind == 'pgsql' else ''))

    def create_schema(self, dbver):
        """Create the tables of a dbver in an empty database."""
        with self.transaction():
            for statement in schema_for(dbver):
                self.execute(statement)
            self.execute('INSERT INTO dbstruct (dbver, dbuuid) VALUES (?, ?)', (dbver, str(uuid.uuid4())))
            for row in TABLES_LIST:
                self.execute('INSERT INTO tables_list (priority, subsystem, tabname, description) VALUES (?, ?, ?, ?)', row)

    # -- initdb / export / import / upgrade / verify ------------------------------------------------------------
    def initdb(self, dbver, admin_password, salt, key_text=None, sql_script=None, ini_text=None):
        """Initialise an absent or empty database."""
        if not self.is_empty():
            raise DatabaseError('database is not empty (%s, tables: %s): initdb refused'
                                % (self.describe(), ', '.join(self.tables()[:8])))
        self.create_schema(dbver)
        with self.transaction():
            stored, salted = password_hash(admin_password, salt)
            self.execute('INSERT INTO admins (login, password, salted) VALUES (?, ?, ?)', ('admin', stored, salted))
            for gid, name in SYSTEM_GROUPS:
                self.execute('INSERT INTO station_groups (id, name, type, settings) VALUES (?, ?, 1, ?)',
                             (gid, name, ini_text if gid == EVERYONE and ini_text else ''))
            if key_text:
                self.add_key(key_text)
            if sql_script:
                for statement in [s.strip() for s in sql_script.split(';') if s.strip()]:
                    self.execute(statement)

    def add_key(self, key_text):
        """Store a licence key file in available_keys; returns its fields. LicenceError if it is invalid."""
        info = licence.parse_key(key_text)
        if self.execute('SELECT id FROM available_keys WHERE id = ?', (info['id'],)):
            return info
        self.execute('INSERT INTO available_keys (id, value, type, created, used_stations, used_neighbors) '
                     'VALUES (?, ?, ?, ?, 0, 0)', (info['id'], key_text, 0, int(time.time() * 1000)))
        return info

    def export(self):
        """The whole database as a dict (the exportdb file content)."""
        dump = {'format': 'drwcsd-double-dump/1', 'dbver': self.dbver(), 'exported': int(time.time()), 'tables': {}}
        if dump['dbver'] is None:
            raise DatabaseError('database is not initialised (%s): nothing to export' % self.describe())
        for table in TABLES:
            if self.kind == 'sqlite':
                columns = [row[1] for row in self.execute('PRAGMA table_info("%s")' % table)]
            else:
                columns = [row[0] for row in self.execute(
                    'SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() '
                    'AND table_name = ? ORDER BY ordinal_position', (table,))]
            rows = self.execute('SELECT %s FROM %s' % (', '.join(columns), table))
            dump['tables'][table] = {'columns': columns, 'rows': [list(row) for row in rows]}
        return dump

    def import_(self, dump, max_dbver):
        """Replace EVERYTHING in this database by a dump (the data-loss hazard of product-facts 6.8)."""
        if dump.get('format') != 'drwcsd-double-dump/1':
            raise DatabaseError('not a database export file')
        dbver = dump.get('dbver')
        if dbver not in KNOWN_DBVERS or dbver > max_dbver:
            raise DatabaseError('the export has schema version %s; this Server supports up to %d' % (dbver, max_dbver))
        self.drop_everything()
        self.create_schema(dbver)
        with self.transaction():
            self.execute('DELETE FROM dbstruct')
            if dump['tables'].get('tables_list', {}).get('columns'):
                self.execute('DELETE FROM tables_list')
            for table in TABLES:
                data = dump['tables'].get(table, {'columns': [], 'rows': []})
                if not data['columns']:
                    continue
                sql = 'INSERT INTO %s (%s) VALUES (%s)' % (table, ', '.join(data['columns']), ', '.join('?' * len(data['columns'])))
                for row in data['rows']:
                    self.execute(sql, row)
        return {table: len(dump['tables'].get(table, {}).get('rows', [])) for table in TABLES}

    def upgrade(self, target):
        """Run the schema upgrade up to target; returns (old, new)."""
        old = self.dbver()
        if old is None:
            raise DatabaseError('database is not initialised (%s): nothing to upgrade' % self.describe())
        if old > target:
            raise DatabaseError('database schema version %s is newer than this Server (%s)' % (old, target))
        if old == target:
            return old, old
        with self.transaction():
            for version, migration in MIGRATIONS:
                if old < version <= target:
                    for statement in migration:
                        self.execute(statement)
            self.execute('UPDATE dbstruct SET dbver = ?', (target,))
        return old, target

    def verify(self, expected):
        """Problems found (an empty list when the database is fine)."""
        problems = []
        found = self.dbver()
        if found is None:
            return ['database is not initialised']
        if found != expected:
            problems.append('schema version %s, this Server expects %s' % (found, expected))
        missing = sorted(set(TABLES) - set(self.tables()))
        if missing:
            problems.append('missing tables: %s' % ', '.join(missing))
        if self.kind == 'sqlite':
            result = self.execute('PRAGMA integrity_check')
            if result and result[0][0] != 'ok':
                problems.append('integrity check: %s' % result[0][0])
        return problems

    # -- what a running Server does ----------------------------------------------------------------------------
    def register_server(self, server_id, name):
        """Record this Server's start; create its default schedule on the first start of a new Server id.

        GUESS (the Database manual does not say when srv_names rows are written): the Server writes its own
        srv_names row (osid = its id, oname = its name) at every start. Returns True when the schedule was created now."""
        now = int(time.time() * 1000)
        with self.transaction():
            if self.execute('SELECT osid FROM srv_names WHERE osid = ?', (server_id,)):
                self.execute('UPDATE srv_names SET oname = ?, updatetime = ? WHERE osid = ?', (name, now, server_id))
            else:
                self.execute('INSERT INTO srv_names (osid, oname, updatetime) VALUES (?, ?, ?)', (server_id, name, now))
            return self.ensure_schedule(server_id)

    def ensure_schedule(self, server_id):
        """Create the default schedule of a Server id if it has none (product-facts 9.2)."""
        # product-facts 9.8/9.9/T38 INFERENCE (conflicting readings): the double keeps one schedule per Server id
        if self.execute('SELECT task_id FROM server_schedule WHERE server_id = ?', (server_id,)):
            return False
        for task_id, name, action, enabled, critical, period in DEFAULT_SCHEDULE:
            self.execute('INSERT INTO server_schedule (server_id, task_id, name, action, enabled, critical, period, last_run, '
                         'last_status) VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?)', (server_id, task_id, name, action, enabled, critical, period, ''))
        return True

    def schedule(self, server_id):
        """This Server's schedule rows as dicts."""
        rows = self.execute('SELECT task_id, name, action, enabled, critical, period, last_run, last_status FROM server_schedule '
                            'WHERE server_id = ? ORDER BY task_id', (server_id,))
        keys = ('task_id', 'name', 'action', 'enabled', 'critical', 'period', 'last_run', 'last_status')
        return [dict(zip(keys, row)) for row in rows]

    def mark_task(self, server_id, task_id, status):
        """Record a task run."""
        self.execute('UPDATE server_schedule SET last_run = ?, last_status = ? WHERE server_id = ? AND task_id = ?',
                     (int(time.time()), status, server_id, task_id))

    def check_admin(self, login, password, salt):
        """True when login/password match an administrator."""
        rows = self.execute('SELECT password, salted FROM admins WHERE login = ?', (login,))
        if not rows:
            return False
        stored, salted = rows[0]
        return stored == (password_hash(password, salt)[0] if salted else password)

    def add_station(self, server_id, name):
        """Register a station under this Server's id; returns the new station id."""
        station_id = str(uuid.uuid4())
        now = int(time.time())
        self.execute('INSERT INTO stations (id, server_id, name, created, last_seen) VALUES (?, ?, ?, ?, ?)',
                     (station_id, server_id, name, now, now))
        return station_id

    def hello_station(self, station_id):
        """A known station connects again: (registering Server id, name) or None."""
        rows = self.execute('SELECT server_id, name FROM stations WHERE id = ?', (station_id,))
        if not rows:
            return None
        self.execute('UPDATE stations SET last_seen = ? WHERE id = ?', (int(time.time()), station_id))
        return rows[0]

    def stations_of(self, server_id):
        """Stations registered by this Server: list of (id, name, last_seen)."""
        return self.execute('SELECT id, name, last_seen FROM stations WHERE server_id = ? ORDER BY created, id', (server_id,))

    def stations_list(self, server_id=None, offset=0, limit=100):
        """(total, rows) of the stations (registered by server_id when given), rows (id, name, last_seen) of one page."""
        where, params = ('WHERE server_id = ?', (server_id,)) if server_id else ('', ())
        total = int(self.execute('SELECT count(*) FROM stations %s' % where, params)[0][0])
        rows = self.execute('SELECT id, name, last_seen FROM stations %s ORDER BY created, id LIMIT %d OFFSET %d'
                            % (where, int(limit), int(offset)), params)
        return total, rows

    def group_counts(self):
        """(total, custom, system) group counts."""
        rows = self.execute('SELECT type, COUNT(*) FROM station_groups GROUP BY type')
        counts = {int(t): int(c) for t, c in rows}
        return sum(counts.values()), counts.get(0, 0), counts.get(1, 0)

    def key_texts(self):
        """Every licence key file stored in available_keys."""
        return [row[0] for row in self.execute('SELECT value FROM available_keys ORDER BY created, id')]

    def set_repository_state(self, server_id, product, revision, state, src, dbver):
        """Record a product's revision for this Server."""
        now = int(time.time())
        with self.transaction():
            self.execute('DELETE FROM repository_state WHERE server_id = ? AND product = ?', (server_id, product))
            self.execute('INSERT INTO repository_state (server_id, product, revision, state, updated) VALUES (?, ?, ?, ?, ?)',
                         (server_id, product, revision, state, now))
            if dbver >= 542:
                self.execute('UPDATE repository_state SET last_update_src = ? WHERE server_id = ? AND product = ?', (src, server_id, product))


def write_dump(path, dump):
    """Write an exportdb file: gzip-compressed JSON (double's choice; the vendor format is not public)."""
    data = json.dumps(dump, sort_keys=True, default=_plain).encode('utf-8')
    with gzip.open(path, 'wb') as handle:
        handle.write(data)


def read_dump(path):
    """Read an exportdb file."""
    try:
        with gzip.open(path, 'rb') as handle:
            return json.loads(handle.read().decode('utf-8'))
    except (OSError, ValueError, EOFError) as exc:
        raise DatabaseError('cannot read export file %s: %s' % (path, exc)) from exc
