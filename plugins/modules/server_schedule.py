#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: server_schedule
short_description: Read the Dr.Web Servers' task schedules in the common database and enable or disable named tasks
description:
- Reads the Server Task Scheduler of every Dr.Web Server registered in the cluster's common PostgreSQL database
  (one schedule per Server id) and, for the Server named by O(server_id), sets the enabled state of the tasks named in
  O(tasks). Other tasks and other Servers are left as they are.
- Made for the vendor's cluster item 7 - Purge Old Data, Backup sensitive data, Purge old stations, Purge expired
  stations and Purge unsent IS events run on one Server only (see the C(drweb.cluster.schedule) role).
- B(GUESS) - the product's schedule table is not public (where the schedule is stored is not documented; per Server id
  is an INFERENCE from the vendor's cluster item 7; see docs/compatibility.md). The SQL is registered in
  C(module_utils/drwcsd.py) and follows the drwcsd test double; settle it on a lab
  installation (C(playbooks/probe.yml)) before using the module on a production cluster.
- Task names are compared without case and repeated blanks (C(Purge Old Data), the vendor's cluster chapter, and
  C(Purge old data) are the same task); the five exclusive tasks are returned in the vendor's spelling whatever the
  database writes. A task name that the Server's schedule does not have is an error (nothing is changed), as is a
  Server id without a schedule (a Server creates its default schedule at its first start on the database).
- All changes of one call are made in one transaction. The Servers read their schedule from the database while they
  run; no restart is needed.
version_added: 0.1.0
extends_documentation_fragment:
- drweb.cluster.common_database
options:
  server_id:
    description:
    - The Server (drwcsd.conf C(<id>)) whose tasks O(tasks) sets. Without it the module only reads.
    type: str
  tasks:
    description:
    - Task display name -> whether it is enabled, for the Server O(server_id). Names are compared without case and
      repeated blanks.
    type: dict
    default: {}
  exclusive:
    description:
    - Shorthand for O(tasks) naming the five tasks the vendor wants on one Server only (RV(exclusive_tasks)). C(true)
      enables them all on O(server_id), C(false) disables them all. Merged with O(tasks) (O(tasks) wins).
    type: bool
attributes:
  check_mode:
    support: full
    description: Reports what would change and writes nothing.
  diff_mode:
    support: full
    description: The named tasks' enabled states before and after.
  platform:
    support: full
    platforms: posix
    description: Runs where the common database can be reached (a Server node).
notes:
- The password never appears in the result.
seealso:
- module: drweb.cluster.database_status
- name: Dr.Web Servers cluster, item 7 (tasks in the Server schedule)
  description: Some tasks should run on one Server of the cluster only.
  link: https://download.geo.drweb.com/pub/drweb/esuite/13.0.0/documentation/html/en/admin_manual/multiserver_cluster.htm
author:
- drweb.cluster maintainers !UNKNOWN
'''

EXAMPLES = r'''
- name: Read every Server's schedule
  drweb.cluster.server_schedule:
    login_host: "{{ drweb_db_host }}"
    db: "{{ drweb_db_name }}"
    login_user: "{{ drweb_db_user }}"
    login_password: "{{ drweb_db_password }}"
  register: drweb_schedules

- name: Run the purge tasks on this Server only
  drweb.cluster.server_schedule:
    login_host: "{{ drweb_db_host }}"
    db: "{{ drweb_db_name }}"
    login_user: "{{ drweb_db_user }}"
    login_password: "{{ drweb_db_password }}"
    server_id: "{{ ansible_facts.drweb_server.server_id }}"
    tasks:
      Purge Old Data: true
      Purge old stations: true
'''

RETURN = r'''
database:
  description: Where the database is (no password).
  returned: always
  type: dict
  sample: {host: 10.0.0.2, port: 5432, name: drwcs, user: drwcs}
schedules:
  description:
  - Server id -> task name -> enabled, as the database holds them after the call (before it in check mode).
  - The exclusive tasks are named as in RV(exclusive_tasks) (the vendor's spelling) whatever capitalisation the
    database holds; other tasks keep their stored names.
  returned: success
  type: dict
  sample: {0b8f1c52-6d3e-4f0a-9e55-2f3c1a7d9b10: {Purge Old Data: true, Update: true}}
tasks:
  description: The tasks of O(server_id) after the call (what they would be, in check mode).
  returned: when O(server_id) is given
  type: dict
  sample: {Purge Old Data: true, Backup sensitive data: false}
exclusive_tasks:
  description: The names of the tasks the vendor wants on one Server of a cluster only (C(module_utils/drwcsd.py)).
  returned: always
  type: list
  elements: str
  sample: [Purge Old Data, Backup sensitive data, Purge old stations, Purge expired stations, Purge unsent IS events]
changes:
  description: The tasks whose enabled state changed (would change in check mode).
  returned: success
  type: list
  elements: dict
  sample: [{task: Purge Old Data, before: false, after: true}]
'''

from ansible.module_utils.basic import AnsibleModule, missing_required_lib
from ansible.module_utils.common.text.converters import to_native

from ansible_collections.drweb.cluster.plugins.module_utils import common_database, drwcsd


def enabled(value):
    """The stored enabled flag as a bool (integer, boolean or text columns)."""
    if isinstance(value, str):
        return value.strip().lower() in ('1', 't', 'true', 'yes', 'on')
    return bool(value)


def task_name(stored):
    """The name a stored task is reported under: the vendor's spelling for an exclusive task, else as stored."""
    return drwcsd.exclusive_task(stored) or stored


class ServerSchedule(object):
    """Read and set the schedules."""

    def __init__(self, module, driver):
        self.module = module
        self.params = module.params
        self.driver = driver
        # Server id -> reported task name -> the names the database stores it under (one, unless a schedule holds the
        # same task twice written differently: both are then read and set together)
        self.stored = {}

    def read(self, connection):
        try:
            rows = common_database.query(connection, drwcsd.SQL_SCHEDULE)
        except Exception as error:  # pylint: disable=broad-exception-caught
            raise common_database.DatabaseError(
                'cannot read the Server schedules of %s: %s (the schedule table is a GUESS of this collection, '
                'see docs/compatibility.md)' % (common_database.describe(self.params), common_database.first_line(error)))
        schedules, self.stored = {}, {}
        for server_id, name, flag in rows:
            server_id, name = to_native(server_id), to_native(name)
            reported = task_name(name)
            tasks = schedules.setdefault(server_id, {})
            # one task written twice: enabled when either copy is
            tasks[reported] = tasks.get(reported, False) or enabled(flag)
            self.stored.setdefault(server_id, {}).setdefault(reported, []).append(name)
        return schedules

    def plan(self, schedules):
        server_id, wanted = self.params['server_id'], self.params['tasks']
        if not server_id:
            return []
        current = schedules.get(server_id)
        if current is None:
            raise common_database.DatabaseError(
                'Server %s has no schedule in %s (a Server creates its default schedule at its first start on the '
                'database; Servers with one: %s)'
                % (server_id, common_database.describe(self.params), ', '.join(sorted(schedules)) or 'none'))
        by_key = dict((drwcsd.schedule_task_key(name), name) for name in current)
        unknown = sorted(name for name in wanted if drwcsd.schedule_task_key(name) not in by_key)
        if unknown:
            raise common_database.DatabaseError(
                'Server %s has no task named %s in its schedule (its tasks: %s)'
                % (server_id, ', '.join(repr(name) for name in unknown), ', '.join(sorted(current))))
        changes = []
        for name in sorted(wanted):
            task = by_key[drwcsd.schedule_task_key(name)]
            if current[task] != bool(wanted[name]) and task not in [change['task'] for change in changes]:
                changes.append(dict(task=task, before=current[task], after=bool(wanted[name])))
        return changes

    def apply(self, connection, changes):
        cursor = connection.cursor()
        try:
            for change in changes:
                for stored in self.stored[self.params['server_id']][change['task']]:
                    cursor.execute(common_database.sql(drwcsd.SQL_SCHEDULE_SET_ENABLED),
                                   (1 if change['after'] else 0, self.params['server_id'], stored))
            connection.commit()
        except Exception as error:  # pylint: disable=broad-exception-caught
            connection.rollback()
            raise common_database.DatabaseError('cannot change the schedule of Server %s in %s: %s (nothing was changed)'
                                                % (self.params['server_id'], common_database.describe(self.params),
                                                   common_database.first_line(error)))
        finally:
            cursor.close()

    def run(self):
        params = self.params
        result = dict(changed=False, database=dict(host=params['login_host'], port=params['port'], name=params['db'],
                                                   user=params['login_user']), changes=[],
                      exclusive_tasks=list(drwcsd.EXCLUSIVE_SCHEDULE_TASKS))
        try:
            connection = common_database.connect(self.driver, params, 'drweb.cluster.server_schedule')
            try:
                schedules = self.read(connection)
                changes = self.plan(schedules)
                if changes and not self.module.check_mode:
                    self.apply(connection, changes)
                    schedules = self.read(connection)
                elif changes:
                    for change in changes:
                        schedules[params['server_id']][change['task']] = change['after']
            finally:
                connection.close()
        except common_database.DatabaseError as error:
            self.module.fail_json(msg=to_native(error), **result)
        result.update(schedules=schedules, changes=changes, changed=bool(changes))
        if params['server_id']:
            current = schedules[params['server_id']]
            by_key = dict((drwcsd.schedule_task_key(name), name) for name in current)
            result['tasks'] = dict((task_name(name), current[by_key[drwcsd.schedule_task_key(name)]])
                                   for name in sorted(params['tasks']))
            if self.module._diff:
                before = dict((name, change['before']) for name, change in ((c['task'], c) for c in changes))
                after = dict((name, change['after']) for name, change in ((c['task'], c) for c in changes))
                result['diff'] = dict(before=before, after=after,
                                      before_header='schedule of Server %s' % params['server_id'],
                                      after_header='schedule of Server %s' % params['server_id'])
        self.module.exit_json(**result)


def main():
    argument_spec = common_database.argument_spec()
    argument_spec.update(
        server_id=dict(type='str'),
        tasks=dict(type='dict', default={}),
        exclusive=dict(type='bool'),
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    if module.params['exclusive'] is not None:
        named = set(drwcsd.schedule_task_key(name) for name in module.params['tasks'])
        wanted = dict((name, module.params['exclusive']) for name in drwcsd.EXCLUSIVE_SCHEDULE_TASKS
                      if drwcsd.schedule_task_key(name) not in named)
        wanted.update(module.params['tasks'])
        module.params['tasks'] = wanted
    problem = common_database.check_params(module.params)
    if problem:
        module.fail_json(msg=problem)
    if module.params['tasks'] and not module.params['server_id']:
        module.fail_json(msg='tasks needs server_id (the Server whose tasks are set)')
    for name, value in module.params['tasks'].items():
        if not isinstance(value, bool):
            module.fail_json(msg='tasks: the value of %r must be true or false, got %r' % (name, value))
    if common_database.psycopg is None:
        module.fail_json(msg=missing_required_lib('psycopg (python3-psycopg) or psycopg2 (python3-psycopg2)'),
                         exception=to_native(common_database.PSYCOPG_IMPORT_ERROR))
    ServerSchedule(module, common_database.psycopg).run()


if __name__ == '__main__':
    main()
