# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``drweb.cluster.schedule_writes`` filter: which Server schedules the schedule role writes.
Documentation: DOCUMENTATION below."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
name: schedule_writes
version_added: 0.1.0
short_description: Decide which Servers' exclusive schedule tasks to disable and enable, from one read of the database
description:
  - Input is the read of every Server schedule in the common database (drweb.cluster.server_schedule without
    C(server_id)), each member's Server id, the members excluded and the chosen Server (drweb.cluster.scheduler_choice).
  - The exclusive tasks are disabled on every Server id that holds one of them enabled and is not the chosen Server's -
    the other members, and the ids no member has (a rebuilt member's old id, a Server gone) - and enabled on the chosen
    Server when one of them is off. A schedule that already is as it should be is not written.
  - Refuses (C(problems)) when the schedules could not be read, or when a member that is not excluded has no schedule in
    the database (a Server creates it at its first start on the database; check mode lets this pass, as a Server still
    to be attached in the run has none yet).
  - Warns when an excluded member's Server id is unknown (it could not be read) - its tasks stay as they are.
author:
  - drweb.cluster maintainers !UNKNOWN
options:
  _input:
    description: The read and the choice.
    type: dict
    required: true
    suboptions:
      read:
        description: The registered result of drweb.cluster.server_schedule (C(schedules), C(exclusive_tasks); C(msg) when it failed).
        type: dict
        required: true
      members:
        description: The cluster's members, in inventory order.
        type: list
        elements: str
        required: true
      server_ids:
        description: Member -> its Server id (C(null) when it could not be read).
        type: dict
        required: true
      exclude:
        description: The members that must not run the exclusive tasks (C(drweb_schedule_exclude)).
        type: list
        elements: str
      chosen:
        description: The member chosen to run the exclusive tasks.
        type: str
        required: true
      database:
        description: How the common database is named in messages (C(drweb_db_*) as user@host:port/name).
        type: str
      check_mode:
        description: Whether the run is in check mode.
        type: bool
'''

EXAMPLES = r'''
- name: Decide the writes
  ansible.builtin.set_fact:
    schedule_writes: >-
      {{ {'read': schedule_read, 'members': groups['drweb_servers'], 'server_ids': server_ids, 'exclude': [],
          'chosen': drweb_schedule_choice.host, 'database': 'drwcs@db1:5432/drwcs',
          'check_mode': ansible_check_mode} | drweb.cluster.schedule_writes }}
'''

RETURN = r'''
_value:
  description: The decision.
  type: dict
  contains:
    problems:
      description: Why nothing may be written, one sentence each; empty when the writes may go on.
      type: list
      elements: str
    warnings:
      description: What the administrator must do by hand (an excluded member whose Server id is unknown).
      type: list
      elements: str
    disable:
      description: The schedules to switch the exclusive tasks off in, in order - C(server_id) and C(label) (the member, or C(no member)).
      type: list
      elements: dict
    enable:
      description: The chosen Server's id when its exclusive tasks are to be switched on, else C(null).
      type: str
    write:
      description: Whether any schedule is written (C(disable) or C(enable)); the role's writing steps are skipped
        together when it is false.
      type: bool
'''

from collections.abc import Mapping

from ansible.errors import AnsibleFilterError


def _all(schedule, tasks, value):
    """Whether every exclusive task of a schedule is switched to value."""
    schedule = schedule if isinstance(schedule, Mapping) else {}
    return all(schedule.get(task) is value for task in tasks)


def _mapping_value(schedule, task):
    return schedule.get(task) if isinstance(schedule, Mapping) else None


def schedule_writes(data):
    """The schedule role's writes (RETURN above)."""
    if not isinstance(data, Mapping) or not isinstance(data.get('read'), Mapping):
        raise AnsibleFilterError('schedule_writes expects a dictionary with the server_schedule read, got %r' % (data,))
    read = data['read']
    members = [str(node) for node in data.get('members') or []]
    ids = data.get('server_ids') if isinstance(data.get('server_ids'), Mapping) else {}
    exclude = [str(node) for node in data.get('exclude') or []]
    chosen = str(data.get('chosen') or '')
    database = data.get('database') or ''
    decided = dict(problems=[], warnings=[], disable=[], enable=None, write=False)
    if not isinstance(read.get('schedules'), Mapping):
        decided['problems'].append('cannot read the Server schedules from the common database drweb_db_* (%s): %s'
                                   % (database, read.get('msg') or 'failed'))
        return decided
    schedules, tasks = read['schedules'], list(read.get('exclusive_tasks') or [])

    unknown = [node for node in members if ids.get(node) is None and node in exclude]
    if unknown:
        decided['warnings'].append(
            'WARNING: %s (drweb_schedule_exclude) could not be read: its Server id is unknown, so its exclusive tasks '
            'were not disabled here. Disable them in its Control Center, or remove its schedule with the node.'
            % ', '.join(unknown))
    missing = [node for node in members if node not in exclude and ids.get(node) not in schedules]
    if missing and not data.get('check_mode'):
        decided['problems'].append(
            '%s: no schedule in the common database %s (a Server creates it at its first start on the database): attach '
            'it first (database role, site.yml).' % (', '.join(missing), database))
        return decided

    for node in members:
        server_id = ids.get(node)
        if node != chosen and server_id is not None and server_id in schedules \
                and not _all(schedules[server_id], tasks, False):
            decided['disable'].append(dict(server_id=server_id, label='%s (%s)' % (node, server_id)))
    known = set(ids.values())
    for server_id in schedules:
        if server_id not in known and any(_mapping_value(schedules[server_id], task) is True for task in tasks):
            decided['disable'].append(dict(server_id=server_id, label='no member (%s)' % server_id))
    chosen_id = ids.get(chosen)
    if chosen_id in schedules and not _all(schedules[chosen_id], tasks, True):
        decided['enable'] = chosen_id
    decided['write'] = bool(decided['disable']) or decided['enable'] is not None
    return decided


class FilterModule(object):
    """drweb.cluster.schedule_writes"""

    def filters(self):
        return {'schedule_writes': schedule_writes}
