# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``drweb.cluster.install_plan`` filter: what the install role does, decided from one read of every member.
Documentation: DOCUMENTATION below."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
name: install_plan
version_added: 0.1.0
short_description: Decide the install role's run from one read of every cluster member
description:
  - Input is what the cluster read found (drweb.cluster.server_facts of every member, as the run's preflight or the
    role's own read gave it). The result is everything the role then does or refuses, so that the role's tasks only
    act on it.
  - Refuses (C(problems)) when a member could not be read (its version cannot be checked), when an installed member
    runs another version than O(_input.version) (the role never upgrades), and when a running Server on the external
    database refuses the administrator login for any other reason than its database (a wrong
    C(drweb_admin_password), which no restart mends). Every problem is named in one failure.
  - Names the Servers to start (installed but stopped at the read; not installed yet, outside check mode, as the
    installer leaves them) and the Servers that run but do not serve (their Web API said their database is not
    available), with the likely cause for the restart's message.
author:
  - drweb.cluster maintainers !UNKNOWN
options:
  _input:
    description: The cluster read and the run's settings.
    type: dict
    required: true
    suboptions:
      members:
        description: The cluster's members, in inventory order.
        type: list
        elements: str
        required: true
      servers:
        description: Member -> its drweb.cluster.server_facts C(server) dictionary, for every member read.
        type: dict
        required: true
      unreadable:
        description: The members that could not be read, in the order of the read.
        type: list
        elements: str
      why:
        description: Member -> why it could not be read.
        type: dict
      version:
        description: The release every Server must run (C(drweb_version)).
        type: str
        required: true
      admin_password_set:
        description: Whether C(drweb_admin_password) is set (without it the Web API was not asked, and nothing is judged by it).
        type: bool
      check_mode:
        description: Whether the run is in check mode (a Server to be installed is not started then).
        type: bool
      play_hosts:
        description: The hosts of the play; only they are restarted. Defaults to every member.
        type: list
        elements: str
'''

EXAMPLES = r'''
- name: Decide from the cluster read
  ansible.builtin.set_fact:
    install_plan: >-
      {{ {'members': groups['drweb_servers'], 'servers': cluster_read.servers, 'unreadable': cluster_read.unreadable,
          'why': cluster_read.why, 'version': drweb_version, 'admin_password_set': true,
          'check_mode': ansible_check_mode, 'play_hosts': ansible_play_hosts} | drweb.cluster.install_plan }}

- name: Refuse before anything changes
  ansible.builtin.assert:
    that: install_plan.problems | length == 0
    fail_msg: "{{ install_plan.failure }}"
'''

RETURN = r'''
_value:
  description: The decision.
  type: dict
  contains:
    table:
      description: The node -> version table (drweb.cluster.version_table), a header line then one line per member.
      type: list
      elements: str
    problems:
      description: Why the run must not go on, one sentence each; empty when it may.
      type: list
      elements: str
    failure:
      description:
        - The failure message - the problems in one string; a list of that string and the table when a member runs
          another version (the table shows which); empty when there is no problem.
      type: raw
    start:
      description: The members to start (and wait for until they serve).
      type: list
      elements: str
    not_serving:
      description: The play's Servers that run but do not serve, to restart one at a time.
      type: list
      elements: str
    not_serving_errors:
      description: Server that does not serve -> what its Web API answered.
      type: dict
    restart_reasons:
      description: Server -> the reason given with its restart (the likely cause, for the message when it does not serve again).
      type: dict
    read_current:
      description: The members whose read holds for the later roles (read and installed).
      type: list
      elements: str
'''

import json
import re
from collections.abc import Mapping

from ansible.errors import AnsibleFilterError
from ansible_collections.drweb.cluster.plugins.filter.version_table import version_table

# How server_facts words a Web API login refusal (its summary.ds request). A Server that refuses for want of its
# database says so (database_unavailable) and is restarted instead.
LOGIN_REFUSED = re.compile(r'^summary[.]ds refused')


def _mapping(value):
    return value if isinstance(value, Mapping) else {}


def _not_serving_reason(server):
    database = _mapping(server.get('database'))
    mode = database.get('mode') or ''
    if mode == 'external':
        cause = ('the common database %s:%s is unreachable from this node (check PostgreSQL and drweb_db_host / '
                 'drweb_db_port)' % (database.get('host'), database.get('port')))
    else:
        cause = 'its %s database cannot be opened' % (mode or 'unknown')
    return ('it ran but did not serve; likely cause: %s; if its Web API refuses the login, also check that '
            'drweb_admin_password is the Control Center administrator\'s password' % cause)


def install_plan(data):
    """The install role's decision (RETURN above)."""
    if not isinstance(data, Mapping):
        raise AnsibleFilterError('install_plan expects a dictionary of the cluster read and the settings, got %s'
                                 % type(data).__name__)
    members = list(data.get('members') or [])
    servers = _mapping(data.get('servers'))
    unreadable = list(data.get('unreadable') or [])
    why = _mapping(data.get('why'))
    version = data.get('version')
    version = '' if version is None else str(version)
    play_hosts = data.get('play_hosts')
    play_hosts = members if play_hosts is None else list(play_hosts)
    check_mode = bool(data.get('check_mode'))

    table = version_table(members, servers, why)
    problems, failure = [], ''
    if unreadable:
        problems.append("Refusing to install: cannot read %s, so the cluster's versions cannot be checked. Nothing was "
                        "changed. %s" % (', '.join(unreadable), json.dumps(dict(why))))
    other = [node for node in members
             if _mapping(servers.get(node)).get('installed') and servers[node].get('version') != version]
    if other:
        problems.append('Refusing to install: every Server must run drweb_version=%s, but %s run(s) another or an '
                        'unknown version. Nothing was changed. Upgrades go through playbooks/upgrade.yml (all nodes, '
                        'from the package); a downgrade is not supported.' % (version, ', '.join(other)))
    refusing = []
    for node, server in servers.items():
        server = _mapping(server)
        web_api = _mapping(server.get('web_api'))
        on_common_database = _mapping(server.get('database')).get('mode') == 'external'
        login_refused = web_api.get('status') == 'error' and LOGIN_REFUSED.search(str(web_api.get('error') or ''))
        if server.get('running') and on_common_database and login_refused and web_api.get('database_unavailable') is not True:
            refusing.append(node)
    if refusing:
        problems.append("Refusing to go on: the Web API of %s refused the administrator login (%s). Check "
                        "drweb_admin_password (the Control Center administrator's password). Nothing was changed."
                        % (', '.join(refusing), _mapping(servers[refusing[0]].get('web_api')).get('error')))
    if problems:
        failure = ' '.join(problems)
        if other:
            failure = [failure] + table

    start, not_serving, reasons, errors = [], [], {}, {}
    for node in members:
        if node not in servers:
            continue
        server = _mapping(servers[node])
        if server.get('installed') and not server.get('running'):
            start.append(node)
        elif not server.get('installed') and not check_mode:
            start.append(node)
        web_api = _mapping(server.get('web_api'))
        without_database = web_api.get('status') == 'error' and web_api.get('database_unavailable')
        if data.get('admin_password_set') and node in play_hosts and server.get('running') and without_database:
            not_serving.append(node)
            reasons[node] = _not_serving_reason(server)
            errors[node] = web_api.get('error')
    read_current = [node for node in members if _mapping(servers.get(node)).get('installed')]
    return dict(table=table, problems=problems, failure=failure, start=start, not_serving=not_serving,
                not_serving_errors=errors, restart_reasons=reasons, read_current=read_current)


class FilterModule(object):
    """drweb.cluster.install_plan"""

    def filters(self):
        return {'install_plan': install_plan}
