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
    role's own read gave it), with the role's variables and the installation package's inspection. The result is
    everything the role then does or refuses, so that the role's tasks only act on it - one assert refuses, naming
    every problem.
  - With O(_input.settings), refuses (C(problems)) unusable variables - C(drweb_version), C(drweb_package),
    C(drweb_package_checksum), C(drweb_restart_strategy), C(drweb_primary_host) - and, when they are usable, a package
    that cannot be read, is not the release C(drweb_version) names or does not match C(drweb_package_checksum)
    (P(drweb.cluster.package_problems#filter), one message per problem naming the variable).
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
      settings:
        description:
          - The variables P(drweb.cluster.package_problems#filter) checks besides the version - C(package), C(checksum),
            C(restart_strategy), C(primary_host) and C(servers) (the members of C(drweb_servers)). Without it nothing
            but the cluster read is judged (the package is not either).
        type: dict
      package_read:
        description:
          - This host's registered result of drweb.cluster.server_facts with C(package) (the inspection on the
            controller); skipped when another host inspected the same package.
        type: dict
      batch_package_read:
        description: The batch's first host's registered inspection, used when this host's was skipped.
        type: dict
'''

EXAMPLES = r'''
- name: Decide from the variables, the package's inspection and the cluster read
  ansible.builtin.set_fact:
    install_plan: >-
      {{ {'members': groups['drweb_servers'], 'servers': cluster_read.servers, 'unreadable': cluster_read.unreadable,
          'why': cluster_read.why, 'version': drweb_version, 'admin_password_set': true,
          'check_mode': ansible_check_mode, 'play_hosts': ansible_play_hosts,
          'settings': {'package': drweb_package, 'checksum': '', 'restart_strategy': 'serial', 'primary_host': '',
                       'servers': groups['drweb_servers']},
          'package_read': package_inspection} | drweb.cluster.install_plan }}

- name: Refuse before anything changes, naming every problem
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
    acts:
      description:
        - Whether the role installs, starts or restarts anything on the play's hosts - a play host without the Server,
          a member to start, a Server that does not serve. Every host of the play enters the acting steps together
          (the restarts roll over them in order) or none does - on a converged cluster, one skipped step.
      type: bool
    read_current:
      description: The members whose read holds for the later roles (read and installed).
      type: list
      elements: str
    package:
      description:
        - The package's inspection (drweb.cluster.server_facts RV(drweb.cluster.server_facts#module:package)) - name,
          release, whether it is a URL, the installer's arguments; empty when it was not inspected.
      type: dict
'''

import json
import re
from collections.abc import Mapping

from ansible.errors import AnsibleFilterError
from ansible_collections.drweb.cluster.plugins.filter.package_problems import VERSION, package_problems
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


def _package_info(own, batch):
    """The package inspection this host goes by: its own, else the batch's first host's; None when none ran."""
    for read in (own, batch):
        read = _mapping(read)
        if not read or read.get('skipped'):
            continue
        if read.get('failed') or not isinstance(read.get('package'), Mapping):
            return dict(readable=False, url=False, error=str(read.get('msg') or 'it could not be inspected').strip())
        return dict(read['package'])
    return None


def _settings_problems(data):
    """The variables' and the package's problems (package_problems) and the package's inspection."""
    settings = data.get('settings')
    if settings is None:
        return [], {}
    inputs = dict(_mapping(settings), version=data.get('version'))
    problems = package_problems(inputs)
    if problems:
        return problems, {}
    info = _package_info(data.get('package_read'), data.get('batch_package_read'))
    if info is None:
        return (['drweb_package %s was not inspected on the controller, so it cannot be checked against drweb_version.'
                 % json.dumps(inputs.get('package') or '')], {})
    return package_problems(dict(inputs, package_info=info)), info


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
    problems, package = _settings_problems(data)
    # with the variables checked, a drweb_version that is no release is named there: no member is compared with it
    version_usable = data.get('settings') is None or bool(VERSION.match(version))
    failure = ''
    if unreadable:
        problems.append("Refusing to install: cannot read %s, so the cluster's versions cannot be checked. Nothing was "
                        "changed. %s" % (', '.join(unreadable), json.dumps(dict(why))))
    installed = [node for node in members if _mapping(servers.get(node)).get('installed')]
    other = [node for node in installed if version_usable and servers[node].get('version') != version]
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
    to_install = [node for node in play_hosts if node in servers and not _mapping(servers[node]).get('installed')]
    acts = bool(to_install or [node for node in start if node in play_hosts] or not_serving)
    return dict(table=table, problems=problems, failure=failure, start=start, not_serving=not_serving,
                not_serving_errors=errors, restart_reasons=reasons, acts=acts, read_current=read_current, package=package)


class FilterModule(object):
    """drweb.cluster.install_plan"""

    def filters(self):
        return {'install_plan': install_plan}
