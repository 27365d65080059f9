# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``drweb.cluster.upgrade_plan`` filter: which Servers the upgrade role upgrades, from which release, and what
refuses the upgrade before any Server stops. Documentation: DOCUMENTATION below."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
name: upgrade_plan
version_added: 0.1.0
short_description: Decide the cluster upgrade from one read of every member, refusing before any Server stops
description:
  - Input is drweb.cluster.server_facts of every member of the cluster (also those outside C(--limit)) and the release
    to upgrade to. The vendor's way is the only safe one - stop every Server, then upgrade them one after another -
    so the upgrade goes ahead only when every node runs the target release or one older release.
  - C(pending) are the members still to upgrade, in inventory order; C(from) is the release they run.
  - Refuses (C(problems)), each reason in its own sentence and all of them in one failure
    - a member is not installed (install the current release with site.yml first);
    - the members to upgrade run several or unknown releases (a cluster runs one version);
    - the package is not newer than the release they run (no downgrades);
    - C(--limit) leaves out a member still to upgrade (the cluster is upgraded as a whole);
    - a member to upgrade on the external database cannot read it (the installer upgrades the database).
  - C(summary) is the one line saying what the upgrade does.
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
        description: Member -> its drweb.cluster.server_facts C(server) dictionary (C(installed), C(version), C(database)).
        type: dict
        required: true
      version:
        description: The release to upgrade to (C(drweb_version)).
        type: str
        required: true
      package:
        description: The installation package's file name, for the message about downgrades.
        type: str
      play_hosts:
        description: Every host of the play (C(ansible_play_hosts_all)); a member to upgrade must be one of them.
        type: list
        elements: str
'''

EXAMPLES = r'''
- name: Decide the upgrade
  ansible.builtin.set_fact:
    upgrade: >-
      {{ {'members': groups['drweb_servers'], 'servers': cluster_read.servers, 'version': drweb_version,
          'package': 'drweb-esuite-server-13.00.1.run', 'play_hosts': ansible_play_hosts_all} | drweb.cluster.upgrade_plan }}

- name: Refuse before any Server stops
  ansible.builtin.assert:
    that: upgrade.problems | length == 0
    fail_msg: "{{ upgrade.failure }}"
'''

RETURN = r'''
_value:
  description: The decision.
  type: dict
  contains:
    pending:
      description: The members still to upgrade, in inventory order.
      type: list
      elements: str
    from:
      description: The releases the members still to upgrade run (one, when the upgrade may go on).
      type: list
      elements: str
    absent:
      description: The members without an installed Server.
      type: list
      elements: str
    problems:
      description: Why the upgrade must not start, one sentence each; empty when it may.
      type: list
      elements: str
    failure:
      description: The failure message (the problems in one string), empty when there is none.
      type: str
    summary:
      description: What the upgrade does, in one line.
      type: str
'''

from collections.abc import Mapping

from ansible.errors import AnsibleFilterError
from ansible.module_utils.compat.version import LooseVersion


def _older(release, version):
    """Whether release is older than version (LooseVersion, as Ansible's version test defaults to)."""
    try:
        return LooseVersion(str(release)) < LooseVersion(str(version))
    except TypeError:
        return str(release) < str(version)


def _version_problems(absent, releases, version, package):
    problems = []
    if absent:
        problems.append('Not installed: %s (install the current release with site.yml first).' % ', '.join(absent))
    if len(releases) > 1 or None in releases:
        problems.append('The nodes to upgrade run several or unknown releases: %s (a cluster runs one version: bring '
                        'them to one first).' % ', '.join(str(release) for release in releases))
    elif len(releases) == 1 and not _older(releases[0], version):
        problems.append('The package %s is not newer than %s (no downgrades).' % (package, releases[0]))
    if problems:
        return ['Refusing to upgrade to drweb_version=%s; no Server was stopped. %s' % (version, ' '.join(problems))]
    return []


def upgrade_plan(facts):
    """{pending, from, absent, problems, failure, summary}; see DOCUMENTATION."""
    if not isinstance(facts, Mapping) or not isinstance(facts.get('servers'), Mapping):
        raise AnsibleFilterError('upgrade_plan: the input must be a mapping with the members and their reads (servers), got %r'
                                 % (facts,))
    version = str(facts.get('version') or '')
    members = list(facts.get('members') or [])
    servers = dict((member, facts['servers'][member] if isinstance(facts['servers'].get(member), Mapping) else {})
                   for member in members)
    absent = [member for member in members if not servers[member].get('installed')]
    pending = [member for member in members if servers[member].get('installed') and servers[member].get('version') != version]
    releases = []
    for member in pending:
        release = servers[member].get('version')
        if release not in releases:
            releases.append(release)

    problems = _version_problems(absent, releases, version, facts.get('package') or 'the package')
    play_hosts = facts.get('play_hosts')
    outside = [member for member in pending if play_hosts is not None and member not in play_hosts]
    if outside:
        problems.append('Refusing to upgrade: %s still run(s) %s but are outside --limit. The cluster is upgraded as a '
                        'whole (stop all, upgrade one after another); no Server was stopped.'
                        % (', '.join(outside), ', '.join(str(release) for release in releases)))
    databases = dict((member, servers[member].get('database') or {}) for member in pending)
    no_database = [member for member in pending
                   if databases[member].get('mode') == 'external' and databases[member].get('schema_version') is None]
    if no_database:
        why = '; '.join(str((servers[member].get('own_data') or {}).get('source')) for member in no_database)
        problems.append('Refusing to upgrade: the external database cannot be read from %s (%s). The installer upgrades '
                        'the database: it must be reachable. No Server was stopped.' % (', '.join(no_database), why))
    if pending and not problems:
        summary = ('Upgrading %s from %s to %s, one after another, after stopping them all.'
                   % (', '.join(pending), releases[0], version))
    elif not pending:
        summary = 'Every node already runs %s: nothing to upgrade (the Servers are only started if stopped).' % version
    else:
        summary = ''
    return {'pending': pending, 'from': releases, 'absent': absent, 'problems': problems,
            'failure': ' '.join(problems), 'summary': summary}


class FilterModule(object):
    """drweb.cluster upgrade plan filter."""

    def filters(self):
        return {'upgrade_plan': upgrade_plan}
