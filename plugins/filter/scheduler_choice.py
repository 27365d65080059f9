# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``drweb.cluster.scheduler_choice`` filter: which Server runs the exclusive schedule tasks, and why.
Documentation: DOCUMENTATION below."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
name: scheduler_choice
version_added: 0.1.0
short_description: Choose the Server that runs the exclusive schedule tasks (vendor cluster chapter, item 7)
description:
  - The vendor recommends running Purge Old Data, Backup sensitive data, Purge old stations, Purge expired stations and
    Purge unsent IS events on one Server only - "for example, on the Server which is located on the same computer as
    the common external database. Or on the most productive computer of a cluster".
  - The choice, in order - O(requested) (C(drweb_scheduler_host)); else the first candidate whose name, address,
    FQDN or one of its addresses is O(db_host); else the most productive (CPUs x memory MB), where a tie keeps the
    O(current) owner (so that the inventory order alone never moves the tasks of a running cluster), else the first in
    inventory order.
positional: hostvars, db_host, requested, current, excluded
options:
  _input:
    description: The members, in inventory order (their CPUs and memory come from the gathered facts).
    type: list
    elements: str
    required: true
  hostvars:
    description: The play's C(hostvars) (each member's C(ansible_host) and C(ansible_facts)).
    type: dict
  db_host:
    description: The common database's host (C(drweb_db_host)).
    type: str
  requested:
    description: C(drweb_scheduler_host); empty means choose.
    type: str
  current:
    description: The members that run the exclusive tasks now.
    type: list
    elements: str
  excluded:
    description: Members that must not be chosen (C(drweb_schedule_exclude), remove_node.yml).
    type: list
    elements: str
author:
  - drweb.cluster maintainers !UNKNOWN
'''

EXAMPLES = r'''
- name: Choose
  ansible.builtin.set_fact:
    choice: "{{ ['node1', 'node2'] | drweb.cluster.scheduler_choice(hostvars, drweb_db_host, '', ['node1'], []) }}"
'''

RETURN = r'''
_value:
  description: >-
    C(host), C(reason), C(candidates) (host, cpus, memory_mb, score, on_db_host), C(excluded) and C(summary) - the
    lines that show the choice (the host and the reason, the candidates, the excluded members).
  type: dict
'''

from collections.abc import Mapping

from ansible.errors import AnsibleFilterError


def _row(candidate, db_host):
    facts = candidate.get('facts') or {}
    try:
        cpus = int(facts.get('processor_vcpus') or (int(facts.get('processor_cores') or 1) * int(facts.get('processor_count') or 1)))
    except (TypeError, ValueError):
        cpus = 1
    try:
        memory = int(facts.get('memtotal_mb') or 0)
    except (TypeError, ValueError):
        memory = 0
    names = [candidate['host'], candidate.get('address') or '', facts.get('fqdn') or '', facts.get('hostname') or '',
             facts.get('nodename') or ''] + list(facts.get('all_ipv4_addresses') or []) + list(facts.get('all_ipv6_addresses') or [])
    return dict(host=candidate['host'], cpus=cpus, memory_mb=memory, score=cpus * memory,
                on_db_host=bool(db_host) and db_host in [str(name) for name in names])


def _candidates(hosts, hostvars):
    """[{host, address, facts}] from host names and the play's hostvars."""
    found = []
    for host in hosts:
        variables = hostvars.get(host) if isinstance(hostvars, Mapping) else None
        variables = variables if isinstance(variables, Mapping) else {}
        found.append(dict(host=host, address=variables.get('ansible_host') or '', facts=variables.get('ansible_facts') or {}))
    return found


def scheduler_choice(hosts, hostvars=None, db_host='', requested='', current=None, excluded=None):
    """{host, reason, candidates, excluded} - see RETURN."""
    if not isinstance(hosts, (list, tuple)) or not all(isinstance(host, str) for host in hosts):
        raise AnsibleFilterError('scheduler_choice expects a list of inventory host names, got %r' % (hosts,))
    candidates = _candidates(hosts, hostvars)
    excluded = list(excluded or [])
    rows = [_row(candidate, db_host) for candidate in candidates if candidate['host'] not in excluded]
    if not rows and not requested:
        raise AnsibleFilterError('scheduler_choice: no candidate left (every member is excluded)')
    current = [host for host in (current or []) if host not in excluded]
    on_db = [row['host'] for row in rows if row['on_db_host']]
    if requested:
        host, reason = requested, 'drweb_scheduler_host names it'
    elif on_db:
        host, reason = on_db[0], 'it is on the database host %s (vendor item 7)' % db_host
    else:
        best = sorted(rows, key=lambda row: row['score'], reverse=True)[0]   # stable: inventory order breaks ties
        ties = [row['host'] for row in rows if row['score'] == best['score']]
        size = '%d CPU x %d MB' % (best['cpus'], best['memory_mb'])
        if len(current) == 1 and current[0] in ties:
            # a running cluster keeps its scheduler host on a tie: the inventory order alone never moves the tasks
            host = current[0]
            others = [tie for tie in ties if tie != host]
            reason = ('no Server is on the database host %s; it is among the most productive (%s%s) and runs them already'
                      % (db_host, size, (', tied with ' + ', '.join(others)) if others else ''))
        else:
            host = best['host']
            others = [tie for tie in ties if tie != host]
            reason = ('no Server is on the database host %s; it is the most productive (%s%s)'
                      % (db_host, size, (', tied with %s, first in inventory order' % ', '.join(others)) if others else ''))
    summary = ['exclusive tasks on %s: %s' % (host, reason),
               'candidates (host, CPUs, memory MB, on the database host): %s'
               % '; '.join('%s %s %s %s' % (row['host'], row['cpus'], row['memory_mb'], row['on_db_host']) for row in rows),
               'excluded: %s' % (', '.join(excluded) or 'none')]
    return dict(host=host, reason=reason, candidates=rows, excluded=excluded, summary=summary)


class FilterModule(object):
    """drweb.cluster.scheduler_choice"""

    def filters(self):
        return {'scheduler_choice': scheduler_choice}
