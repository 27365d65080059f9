#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: database_status
short_description: Read the state of a Dr.Web Servers cluster's common PostgreSQL database
description:
- Connects to the external PostgreSQL database the Servers of a cluster share and reports, without changing
  anything, whether it can be reached with the given credentials, whether it is empty or initialised, its schema
  version (C(dbstruct.dbver), Database Manual, about the database), its UUID (C(dbstruct.dbuuid)) - Servers share
  one database exactly when they read the same one - the Dr.Web Servers it knows and how many stations each of them registered.
- Made as the preflight and guard of attaching Servers to the common database. A Server can only work with a
  database whose schema version is the one its release needs; a database that is empty is initialised by the first
  Server only; a node whose own database holds stations loses them when it is switched (the vendor's cluster chapter,
  item 4).
- Every statement runs in a read-only session (C(default_transaction_read_only)), so the module cannot write even by
  mistake.
- Two more reads and one clean-up of the node, so that attaching a node needs one call on a node where nothing changes
  - O(compare_config) compares the node's drwcsd.conf database section with these connection options
  (RV(config_section)), and O(remove_leftovers) removes the temporary secret files an interrupted run left behind
  (RV(leftovers)). Both happen before the database is read, also when it cannot be reached.
- The SQL it runs is registered in the collection's product-fact register (C(module_utils/drwcsd.py)). C(dbstruct) is
  documented; the Servers come from C(srv_names) (documented table, but that every Server using the database has a row
  there is a GUESS) and the station counts from a stations table that is not public (a GUESS, high risk). Decide on
  RV(dbuuid) and RV(schema_version); treat RV(servers) and the counts as information.
- When the database cannot be reached the module fails with a message that names the database and the host it was
  run on, and says what PostgreSQL answered (connection refused, authentication failed, ...). The password never
  appears in the result.
version_added: 0.1.0
extends_documentation_fragment:
- drweb.cluster.common_database
options:
  release:
    description:
    - A Dr.Web Server release (C(MM.mm.p)). When given, RV(schema_expected) is the schema version that release needs
      and RV(schema_matches) tells whether the database has it.
    type: str
  server_id:
    description:
    - A Server id (drwcsd.conf C(<id>)). When given, RV(server) tells whether the database knows that Server (a GUESS,
      see RV(servers)) and how many stations it registered.
    type: str
  drwcsd_conf:
    description:
    - Path of a drwcsd.conf (usually a copy of the Server's) whose database section names this database. When given,
      RV(commands) holds the drwcsd command lines that initialise this database or import into it with that file
      (C(-conf=)), so that the common database can be prepared before the Server's own configuration points at it.
    - The module does not read or check the file, and runs nothing.
    type: path
  dump_file:
    description: Path of the export file used in RV(commands) (C(exportdb) writes it, C(importdb) reads it).
    type: path
  licence_key:
    description:
    - Path, on the node, of a licence key file (C(agent.key)) that the C(initdb) command line of RV(commands) loads
      into the database it initialises (CONFIRMED by the Appendices, database management commands;
      see docs/compatibility.md). Without it C(initdb) loads no key.
    - The module does not read or check the file (its content never passes through the module); the caller checks
      the key before and places the file with owner-only permissions.
    type: path
  remove_leftovers:
    description:
    - Paths of temporary secret files (or folders) an interrupted run left behind on the node (a copy of drwcsd.conf
      with the database password, a licence key file). Those that exist are removed before the database is read and
      listed in RV(leftovers); the result is then C(changed). In check mode they are listed, not removed.
    - Nothing else on the node is changed; the database is never written.
    type: list
    elements: path
    default: []
  compare_config:
    description:
    - Path of the node's drwcsd.conf. When given, RV(config_section) tells whether its database section is already
      exactly the one these connection options make (the C(<pgsql>) element of the common database, the attributes the
      collection does not manage kept), as the config role's entry point C(database) writes it.
    - The file is only read; the password in it is compared, never returned.
    type: path
attributes:
  check_mode:
    support: full
    description: The database is only read; in check mode the files O(remove_leftovers) names are listed, not removed.
  diff_mode:
    support: full
    description: The files O(remove_leftovers) removes, by path (never their content).
  platform:
    support: full
    platforms: posix
    description: Runs on the Servers (Linux) to check the database as they reach it.
notes:
- Run it on the Servers (not on the controller) to check the database the way each Server will reach it.
seealso:
- module: drweb.cluster.server_facts
- module: community.postgresql.postgresql_info
- name: Dr.Web Servers cluster, item 4 (the same database)
  description: All Servers of a cluster use the same external database, created before the first Server; they must run the same version.
  link: https://download.geo.drweb.com/pub/drweb/esuite/13.0.0/documentation/html/en/admin_manual/multiserver_cluster.htm
author:
- drweb.cluster maintainers !UNKNOWN
'''

EXAMPLES = r'''
- name: Read the common database from a Server node
  drweb.cluster.database_status:
    login_host: "{{ drweb_db_host }}"
    port: "{{ drweb_db_port | default(5432, true) }}"
    db: "{{ drweb_db_name }}"
    login_user: "{{ drweb_db_user }}"
    login_password: "{{ drweb_db_password }}"
    release: "{{ drweb_version }}"
    server_id: "{{ ansible_facts.drweb_server.server_id }}"
  register: drweb_common_db

- name: Read the common database, compare this node's database section and remove what an interrupted run left
  drweb.cluster.database_status:
    login_host: "{{ drweb_db_host }}"
    db: "{{ drweb_db_name }}"
    login_user: "{{ drweb_db_user }}"
    login_password: "{{ drweb_db_password }}"
    compare_config: "{{ ansible_facts.drweb_server.paths.config }}"
    remove_leftovers: [/run/drweb-cluster-secrets]
  register: drweb_common_db
  changed_when: drweb_common_db.leftovers | length > 0

- name: Refuse a database of another Server version
  ansible.builtin.assert:
    that: drweb_common_db.schema_matches is not false
    fail_msg: >-
      The common database has schema {{ drweb_common_db.schema_version }}, Dr.Web Server {{ drweb_version }} needs
      {{ drweb_common_db.schema_expected }}.

- name: Refuse a node whose Server reads another database (Servers share a database exactly when they read one dbuuid)
  ansible.builtin.assert:
    that: ansible_facts.drweb_server.database.dbuuid == drweb_common_db.dbuuid
    fail_msg: "{{ inventory_hostname }} uses database {{ ansible_facts.drweb_server.database.dbuuid }}, not {{ drweb_common_db.dbuuid }}"
'''

RETURN = r'''
database:
  description: Where the database is (no password).
  returned: always
  type: dict
  sample: {host: 10.0.0.2, port: 5432, name: drwcs, user: drwcs}
postgresql_version:
  description: The PostgreSQL server version (C(server_version)).
  returned: success
  type: str
  sample: '15.8'
tables:
  description: Number of tables in the database's current schema.
  returned: success
  type: int
  sample: 8
empty:
  description: Whether the current schema holds no table at all (what C(initdb) and a first import need).
  returned: success
  type: bool
  sample: false
initialised:
  description: Whether the database has the C(dbstruct) table with a schema version, that is a Dr.Web Server database.
  returned: success
  type: bool
  sample: true
schema_version:
  description: C(dbstruct.dbver); C(null) when the database is not initialised.
  returned: success
  type: int
  sample: 522
dbuuid:
  description: The database's UUID, C(dbstruct.dbuuid), made when it was initialised; C(null) when not initialised or the
    schema has no such column.
  returned: success
  type: str
  sample: 0f6c1b8e-5d7a-4f0e-9a1b-2c3d4e5f6a7b
schema_release:
  description: The Server release whose schema version this is (from the collection's table); C(null) when unknown.
  returned: success
  type: str
  sample: 13.00.0
schema_expected:
  description: Schema version O(release) needs; C(null) without O(release) or for a release the collection does not know.
  returned: success
  type: int
  sample: 522
schema_matches:
  description: Whether RV(schema_version) is RV(schema_expected); C(null) when either is unknown.
  returned: success
  type: bool
  sample: true
servers:
  description:
  - The Servers the database knows (C(srv_names) - C(osid), C(oname)), with the stations each registered.
  - A GUESS - C(srv_names) is documented as the identification data of neighbour Servers; that every Server using the
    database writes its row there is assumed. The documented table C(servers) lists neighbour Servers' attributes, not
    the Servers using the database, and is not read.
  returned: success
  type: list
  elements: dict
  sample: [{id: 0b8f1c52-6d3e-4f0a-9e55-2f3c1a7d9b10, name: node1, stations: 50}]
server_ids:
  description: The ids of RV(servers).
  returned: success
  type: list
  elements: str
  sample: [0b8f1c52-6d3e-4f0a-9e55-2f3c1a7d9b10]
stations:
  description: Stations per registering Server id (also ids that are not in RV(servers)); the table is a GUESS.
  returned: success
  type: dict
  sample: {0b8f1c52-6d3e-4f0a-9e55-2f3c1a7d9b10: 50}
stations_total:
  description: All stations in the database.
  returned: success
  type: int
  sample: 50
problems:
  description: What could not be read although the database answered (for example a table of a schema the collection does not know).
  returned: success
  type: list
  elements: str
  sample: []
server:
  description: The Server named by O(server_id) - whether the database knows it (RV(servers), a GUESS) and the stations it registered.
  returned: when O(server_id) is given
  type: dict
  sample: {id: 0b8f1c52-6d3e-4f0a-9e55-2f3c1a7d9b10, registered: true, stations: 50}
leftovers:
  description: The paths of O(remove_leftovers) that existed and were removed (in check mode - would be removed).
  returned: always
  type: list
  elements: str
  sample: [/run/drweb-cluster-secrets]
leftovers_failed:
  description: C(true) when a path of O(remove_leftovers) could not be removed (the module failed saying which).
  returned: failure
  type: bool
  sample: true
config_section:
  description:
  - With O(compare_config) - whether the node's drwcsd.conf database section is already the one these connection
    options make. C(same) is C(true) only when writing the section would certainly change nothing; anything that
    cannot be compared counts as a difference.
  - C(differences) names what differs (attribute names, or the shape of the section - never a value); C(problem) says
    why the file could not be compared (C(null) when it could).
  returned: when O(compare_config) is given
  type: dict
  sample: {path: /var/opt/drwcs/etc/drwcsd.conf, same: false, differences: [password], problem: null}
commands:
  description:
  - The Server's database verbs as argument vectors (C(initdb) CONFIRMED; the syntax of C(exportdb) and
    C(importdb) is a GUESS, see docs/compatibility.md; all registered in C(module_utils/drwcsd.py)), for the
    caller to run with the Server stopped. C(exportdb) exports the Server's own
    database (its own configuration) to O(dump_file); C(initdb) and C(importdb) act on the database named by
    O(drwcsd_conf).
  - C(initdb) loads the licence key file O(licence_key) when given (C(-) otherwise) and gives no SQL script or initial
    settings; append the initial password of the administrator C(admin) as one more argument when it is not the
    product's default (keep that task C(no_log)).
  returned: when O(drwcsd_conf) is given
  type: dict
  sample:
    exportdb: [/opt/drwcs/bin/drwcsd, -home=/opt/drwcs, -var-root=/var/opt/drwcs, exportdb, /var/opt/drwcs/backup/export.dz]
    initdb: [/opt/drwcs/bin/drwcsd, -home=/opt/drwcs, -var-root=/var/opt/drwcs, -conf=/var/opt/drwcs/etc/drwcsd.conf.new, initdb, '-', '-', '-']
    importdb: [/opt/drwcs/bin/drwcsd, -home=/opt/drwcs, -var-root=/var/opt/drwcs, -conf=/var/opt/drwcs/etc/drwcsd.conf.new, importdb,
               /var/opt/drwcs/backup/export.dz]
'''

import os
import shutil

from ansible.module_utils.basic import AnsibleModule, missing_required_lib
from ansible.module_utils.common.text.converters import to_native

from ansible_collections.drweb.cluster.plugins.module_utils import common_database, database_section, drwcsd
from ansible_collections.drweb.cluster.plugins.module_utils.common_database import DatabaseError, describe, first_line

# The driver the module uses (module_utils/common_database.py imports psycopg 3 or psycopg2); a module global so the
# unit tests can stand in for it.
psycopg = common_database.psycopg


def commands(drwcsd_conf, dump_file, licence_key=None):
    """argv of drwcsd's database verbs: export the Server's own database, initialise / import the one drwcsd_conf names."""
    base = [drwcsd.DRWCSD_BINARY, '%s=%s' % (drwcsd.DRWCSD_SWITCH_HOME, drwcsd.HOME_DIR),
            '%s=%s' % (drwcsd.DRWCSD_SWITCH_VAR_ROOT, drwcsd.VAR_DIR)]
    other = base + ['%s=%s' % (drwcsd.DRWCSD_SWITCH_CONF, drwcsd_conf)]
    result = dict(initdb=other + drwcsd.initdb_arguments(licence_key))
    if dump_file:
        result['exportdb'] = base + [drwcsd.DRWCSD_VERB_EXPORTDB, dump_file]
        result['importdb'] = other + [drwcsd.DRWCSD_VERB_IMPORTDB, dump_file]
    return result


def remove_leftovers(paths, check_mode):
    """The paths that exist, removed unless check_mode (a folder with what it holds; a link itself, never its target).
    OSError names the path that could not be removed."""
    found = []
    for path in paths:
        if not os.path.lexists(path):
            continue
        found.append(path)
        if check_mode:
            continue
        try:
            if os.path.isdir(path) and not os.path.islink(path):
                shutil.rmtree(path)
            else:
                os.remove(path)
        except OSError as error:
            raise OSError('cannot remove %s, a temporary secret file an interrupted run left behind: %s'
                          % (path, error.strerror or error))
    return found


def section_spec(params):
    """The database section these connection options make (database_section.pgsql_attributes' spec)."""
    return dict(host=params['login_host'], port=str(params['port']), name=params['db'], user=params['login_user'],
                password=params['login_password'] or '', sslmode=params['ssl_mode'], ca_file=params['ca_cert'] or '')


def missing_table(error):
    return 'does not exist' in to_native(error) or 'no such table' in to_native(error)


class DatabaseStatus(object):
    """Read the common database."""

    def __init__(self, module, driver):
        self.module = module
        self.params = module.params
        self.driver = driver

    def problem(self):
        """What makes the options unusable (after the clean-up: leftovers go also when the database cannot be read)."""
        params = self.params
        problem = common_database.check_params(params)
        if problem:
            return problem
        if params['release'] and drwcsd.parse_release(params['release']) is None:
            return 'release must be a Dr.Web Server release MM.mm.p (for example 13.00.1), got %r' % params['release']
        return None

    def connect(self):
        """A read-only session: the module must never change the database it guards."""
        return common_database.connect(self.driver, self.params, 'drweb.cluster.database_status', read_only=True)

    @staticmethod
    def query(connection, statement, arguments=()):
        return common_database.query(connection, statement, arguments)

    def read(self, connection):
        params = self.params
        result = dict(postgresql_version=None, tables=0, empty=True, initialised=False, schema_version=None, dbuuid=None,
                      schema_release=None, schema_expected=None, schema_matches=None, servers=[], server_ids=[],
                      stations={}, stations_total=0, problems=[])
        try:
            result['postgresql_version'] = to_native(self.query(connection, 'SHOW server_version')[0][0])
            result['tables'] = int(self.query(connection, drwcsd.SQL_USER_TABLES)[0][0])
        except Exception as error:  # pylint: disable=broad-exception-caught
            raise DatabaseError('cannot read the common database %s: %s' % (describe(params), first_line(error)))
        result['empty'] = result['tables'] == 0
        if params['release']:
            result['schema_expected'] = drwcsd.SCHEMA_VERSION_BY_RELEASE.get(drwcsd.parse_release(params['release']))
        if result['empty']:
            return result
        try:
            rows = self.query(connection, drwcsd.SQL_SCHEMA_VERSION)
        except Exception as error:  # pylint: disable=broad-exception-caught
            if missing_table(error):
                # tables, but no dbstruct: not a Dr.Web Server database (initialised stays false, empty false)
                connection.rollback()
                return result
            raise DatabaseError('cannot read the schema version of %s: %s' % (describe(params), first_line(error)))
        if not rows or rows[0][0] is None:
            return result
        result['initialised'] = True
        result['schema_version'] = int(rows[0][0])
        releases = [release for release, dbver in drwcsd.SCHEMA_VERSION_BY_RELEASE.items() if dbver == result['schema_version']]
        result['schema_release'] = sorted(releases, key=drwcsd.release_key)[-1] if releases else None
        if result['schema_expected'] is not None:
            result['schema_matches'] = result['schema_version'] == result['schema_expected']
        servers, counts = [], []
        for statement, what in ((drwcsd.SQL_DATABASE_UUID, 'dbuuid'), (drwcsd.SQL_SERVER_NAMES, 'srv_names'),
                                (drwcsd.SQL_STATIONS_PER_SERVER, 'stations')):
            try:
                rows = self.query(connection, statement)
            except Exception as error:  # pylint: disable=broad-exception-caught
                if not (missing_table(error) or 'no such column' in to_native(error)):
                    raise DatabaseError('cannot read the %s of %s (schema version %s): %s'
                                        % (what, describe(params), result['schema_version'], first_line(error)))
                # a schema of another release may lay its tables out otherwise: report what is there
                connection.rollback()
                result['problems'].append('schema version %s has no %s as this collection knows it: %s'
                                          % (result['schema_version'], what, first_line(error)))
                continue
            if what == 'dbuuid':
                result['dbuuid'] = to_native(rows[0][0]) if rows and rows[0][0] is not None else None
            elif what == 'srv_names':
                servers = rows
            else:
                counts = rows
        stations = dict((to_native(server_id), int(count)) for server_id, count in counts)
        result['stations'] = stations
        result['stations_total'] = sum(stations.values())
        result['servers'] = [dict(id=to_native(server_id), name=to_native(name) if name is not None else None,
                                  stations=stations.get(to_native(server_id), 0))
                             for server_id, name in servers]
        result['server_ids'] = [server['id'] for server in result['servers']]
        return result

    def run(self):
        params = self.params
        result = dict(changed=False, database=dict(host=params['login_host'], port=params['port'], name=params['db'],
                                                   user=params['login_user']), leftovers=[])
        try:
            result['leftovers'] = remove_leftovers(params['remove_leftovers'], self.module.check_mode)
        except OSError as error:
            self.module.fail_json(msg=to_native(error), leftovers_failed=True, **result)
        result['changed'] = bool(result['leftovers'])
        if result['leftovers'] and self.module._diff:
            result['diff'] = dict(before_header='temporary secret files', after_header='temporary secret files',
                                  before=''.join('%s: present\n' % path for path in result['leftovers']),
                                  after=''.join('%s: absent\n' % path for path in result['leftovers']))
        if params['compare_config']:
            result['config_section'] = dict(path=params['compare_config'],
                                            **database_section.compare_file(params['compare_config'], section_spec(params)))
        problem = self.problem()
        if problem:
            self.module.fail_json(msg=problem, **result)
        if self.driver is None:
            self.module.fail_json(msg=missing_required_lib('psycopg (python3-psycopg) or psycopg2 (python3-psycopg2)'),
                                  exception=to_native(common_database.PSYCOPG_IMPORT_ERROR), **result)
        try:
            connection = self.connect()
            try:
                result.update(self.read(connection))
            finally:
                connection.close()
        except DatabaseError as error:
            self.module.fail_json(msg=to_native(error), **result)
        if params['drwcsd_conf']:
            result['commands'] = commands(params['drwcsd_conf'], params['dump_file'], params['licence_key'])
        if params['server_id']:
            result['server'] = dict(id=params['server_id'], registered=params['server_id'] in result['server_ids'],
                                    stations=result['stations'].get(params['server_id'], 0))
        self.module.exit_json(**result)


def main():
    argument_spec = common_database.argument_spec()
    argument_spec.update(
        release=dict(type='str'),
        server_id=dict(type='str'),
        drwcsd_conf=dict(type='path'),
        dump_file=dict(type='path'),
        licence_key=dict(type='path'),
        remove_leftovers=dict(type='list', elements='path', default=[]),
        compare_config=dict(type='path'),
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    DatabaseStatus(module, psycopg).run()


if __name__ == '__main__':
    main()
