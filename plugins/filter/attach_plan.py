# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``drweb.cluster.attach_plan`` filter: what attaching one node to the common database means, and why it would
be refused. Documentation: DOCUMENTATION below (``ansible-doc -t filter drweb.cluster.attach_plan``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
name: attach_plan
version_added: 0.1.0
short_description: Decide what attaching one Server to the common database means, and why it would be refused
description:
  - Used by the database role's entry point C(attach) for every node of the run, before anything changes.
  - RV(_value.action) - C(initdb) (the primary initialises the empty common database, holding no stations itself),
    C(import) (the primary moves its own data into the empty common database, exportdb + importdb), C(switch) (stop,
    database section of drwcsd.conf, start - never initdb or import against the common database), C(none) (already
    on it), C(install) (check mode only - the Server is not installed yet).
  - RV(_value.problems) - why the node cannot be attached safely - the database unreadable, not a Dr.Web database, of
    another schema version; Servers of different versions; the primary outside the run while the database is empty;
    a node whose own database holds stations the common one does not have (unless its C(allow_data_loss) is true); a
    passwd-salt that is not the primary's; members that could not be read.
options:
  _input:
    description:
      - A dictionary with C(host) (the node), C(server) (its drweb.cluster.server_facts dictionary), C(status) (its
        drweb.cluster.database_status result, or the failed result), C(primary) and C(primary_server) (the primary's
        facts), C(database) (the database as messages name it), C(allow_data_loss) (bool, for this node), C(versions)
        (member -> release of every installed member), C(play_hosts), C(check_mode).
      - Whether the database section of the node's drwcsd.conf would change - C(pending) (bool), or, without it,
        C(section) (drweb.cluster.database_status' C(config_section) - when its C(same) is true
        nothing changes) and C(predicted) (the config role's prediction, drweb_config_database_result, made where the
        section is not the same - it would change when its C(changed_elements) is not empty).
      - The members outside the run that could not be read - C(unreadable) (their failed results), or C(members_read)
        (the registered loop that read them, whose failed and unreachable results are taken).
      - C(read_current) - whether this run's read of the node still holds (C(drweb_server_read_current) - nothing
        started, stopped or reconfigured it since); it decides RV(_value.acts).
    type: dict
    required: true
author:
  - drweb.cluster maintainers !UNKNOWN
'''

EXAMPLES = r'''
- name: Plan each node
  ansible.builtin.set_fact:
    plan: "{{ {'host': inventory_hostname, 'server': ansible_facts.drweb_server, 'status': status_result,
               'primary': 'node1', 'database': 'drwcs@db1:5432/drwcs', 'pending': true} | drweb.cluster.attach_plan }}"
'''

RETURN = r'''
_value:
  description: The node's plan.
  type: dict
  contains:
    action:
      description: initdb, import, switch, none or install.
      type: str
    switch:
      description: Whether the node's drwcsd.conf database section is written.
      type: bool
    stations:
      description: Stations in the node's own database now (null when they could not be counted).
      type: int
    lost:
      description: Of those, how many the common database does not have.
      type: int
    problems:
      description: Why the node cannot be attached safely (any problem on any node stops the run before a change).
      type: list
      elements: str
    acts:
      description:
        - Whether the role acts on the node after the plan - it is switched (or initialises the database), the common
          database is initialised in this run (the primary is in the run and the database is empty - every node reads
          it again), or its Server is not known to run (installed, and C(read_current) is not true - it is
          started when stopped). C(false) on a converged cluster - nothing but the reads and the plan.
      type: bool
'''

import re
from collections.abc import Mapping

from ansible.errors import AnsibleFilterError


def _line(text):
    return re.sub(r'\s+', ' ', text).strip()


def _pending(node):
    """Whether the node's database section would change: pending when given, else the comparison of database_status
    (the same section: no change) and, where it is not the same, the config role's prediction."""
    if node.get('pending') is not None:
        return bool(node.get('pending'))
    section = node.get('section')
    if isinstance(section, Mapping) and section.get('same') is True:
        return False
    predicted = node.get('predicted')
    return isinstance(predicted, Mapping) and len(predicted.get('changed_elements') or []) > 0


def _unreadable(node):
    """The failed reads of members outside the run: unreadable when given, else those of members_read's results that
    failed, then those that were unreachable."""
    if node.get('unreadable') is not None:
        return list(node.get('unreadable'))
    results = [read for read in ((node.get('members_read') or {}).get('results') or []) if isinstance(read, Mapping)]
    return [read for read in results if read.get('failed')] + [read for read in results if read.get('unreachable')]


def attach_plan(node):
    """The node's plan: {action, switch, stations, lost, problems} (see RETURN)."""
    if not isinstance(node, Mapping):
        raise AnsibleFilterError('attach_plan expects a dictionary, got %s' % type(node).__name__)
    host = node.get('host')
    me = node.get('server')
    status = node.get('status') or {}
    primary = node.get('primary')
    primary_facts = node.get('primary_server')
    database = node.get('database')
    allow = bool(node.get('allow_data_loss'))
    action, problems, stations, lost = 'none', [], None, 0

    # members outside this run that could not be read: their version cannot be checked against the database
    for read in _unreadable(node):
        problems.append('%s: its Server facts cannot be read (%s), so its version cannot be checked against the common '
                        'database' % (read.get('item'), str(read.get('msg') or 'unreachable').strip()))

    # vendor item 4: "To be able to work with a common database, all Dr.Web Servers must be the same version"
    versions = node.get('versions') or {}
    if len(set(version or 'unknown' for version in versions.values())) > 1:
        problems.append('the Servers run different versions (%s); all Servers sharing a database must run the same '
                        'version (upgrade them with playbooks/upgrade.yml first)'
                        % ', '.join('%s %s' % (name, version) for name, version in versions.items()))

    if not isinstance(me, Mapping):
        problems.append('%s: its Server facts cannot be read' % host)
    elif not me.get('installed'):
        if node.get('check_mode'):
            action = 'install'
        else:
            problems.append('%s: no Dr.Web Server is installed (run the install role first; a new node is installed on '
                            'its embedded database)' % host)
    elif 'tables' not in status:
        # the module failed (registered with failed_when: false): its message says why
        problems.append('%s: %s' % (host, status.get('msg') or 'the common database cannot be read'))
    else:
        own = me.get('own_data') or {}
        stations = own.get('stations')
        if not status.get('empty') and not status.get('initialised'):
            problems.append('%s: the common database %s holds %s table(s) but no Dr.Web Server schema (no dbstruct); '
                            'refusing to initialise it, import into it or point a Server at it'
                            % (host, database, status.get('tables')))
        elif status.get('initialised') and status.get('schema_matches') is not True:
            expected = status.get('schema_expected')
            problems.append('%s: it runs Dr.Web Server %s, which needs database schema version %s, but the common database '
                            '%s has schema version %s%s; a Server cannot work with a database of another version' % (
                                host, me.get('version'), expected if expected is not None else '(unknown to this collection)',
                                database, status.get('schema_version'),
                                (' (Dr.Web Server %s)' % status['schema_release']) if status.get('schema_release') else ''))
        elif status.get('empty') and status.get('schema_expected') is None:
            problems.append('%s: the database schema version of Dr.Web Server %s is unknown to this collection '
                            '(module_utils/drwcsd.py SCHEMA_VERSION_BY_RELEASE)' % (host, me.get('version')))

        if status.get('empty') and host == primary:
            # the first Server initialises the common database: initdb when it holds nothing, else its data moves in
            if stations is None:
                problems.append('%s (the primary): cannot tell whether its own database holds stations (%s), so it cannot '
                                'choose between initdb and moving its data into the common database'
                                % (primary, own.get('source')))
            else:
                action = 'import' if stations > 0 else 'initdb'
        elif status.get('empty') and primary not in (node.get('play_hosts') or []):
            problems.append('%s: the common database %s is still empty; the primary %s initialises it and must be attached '
                            'first, but it is not in this run (--limit)' % (host, database, primary))
        elif _pending(node):
            action = 'switch'
            # what switching would lose: the stations of its own database the common one does not have
            server_id = me.get('server_id')
            in_common = (status.get('stations') or {}).get(server_id, 0) if server_id else 0
            if stations is None and not allow:
                problems.append('%s: cannot tell whether its own database holds stations (%s); switching it to the common '
                                'database could lose them. Add %s to drweb_allow_data_loss to attach it anyway'
                                % (host, own.get('source'), host))
            elif stations is not None and stations > in_common:
                lost = stations - in_common
                if not allow:
                    problems.append('%s: its own database (%s) holds %d station(s), %d of them not in the common database; '
                                    'switching %s to %s would lose %d station(s) on %s (with the statistics and settings '
                                    'kept in that database; vendor cluster chapter, item 4). Add %s to '
                                    'drweb_allow_data_loss to attach it anyway' % (
                                        host, own.get('source'), stations, lost, host, database, lost, host, host))
            # the unification rule: the same passwd-salt on every node (the config role's job)
            mine, theirs = me.get('passwd_salt_sha256'), (primary_facts or {}).get('passwd_salt_sha256')
            if isinstance(primary_facts, Mapping) and mine and theirs and mine != theirs:
                problems.append('%s: its passwd-salt is not the primary %s\'s; Servers sharing a database need the same one '
                                '(the admin password hash in the database is salted with it): run the config role first'
                                % (host, primary))
    switch = action in ('initdb', 'import', 'switch')
    initialised_now = bool(status.get('empty')) and primary in (node.get('play_hosts') or [])
    unknown_running = isinstance(me, Mapping) and bool(me.get('installed')) and node.get('read_current') is not True
    return dict(action=action, switch=switch, stations=stations, lost=lost,
                problems=[_line(problem) for problem in problems], acts=switch or initialised_now or unknown_running)


class FilterModule(object):
    """drweb.cluster.attach_plan"""

    def filters(self):
        return {'attach_plan': attach_plan}
