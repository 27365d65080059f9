# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``drweb.cluster.cluster_report`` filter: the cluster report site.yml ends with. Documentation: DOCUMENTATION below."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
name: cluster_report
version_added: 0.1.0
short_description: The cluster report - one line per Server, and whether versions, keys and repositories agree
description:
  - The report playbooks/site.yml shows at its end, from one drweb.cluster.server_facts read of every member with the
    C(keys) and C(repository) subsets.
  - One line per Server (address, version, whether it runs, Server id, database mode, the private key's SHA-256 and
    the certificate's version, the peers its Web API names); whether every Server runs the same version and holds the
    same key pair and certificate; the repository revisions per Server (drweb.cluster.repository_drift); the licence
    key and the Servers that use it; the Server that runs the exclusive schedule tasks.
  - A member without a read (not reached, or a Server not installed yet in check mode) shows C(-) where nothing was read.
author:
  - drweb.cluster maintainers !UNKNOWN
options:
  _input:
    description:
      - What to report. C(addresses), C(servers), C(licence) and C(scheduler) are each a dictionary member -> value (a
        member without one is shown without it) or a list in the order of C(members).
    type: dict
    required: true
    suboptions:
      cluster_name:
        description: The common Server name (C(drweb_cluster_name)).
        type: str
      members:
        description: The cluster's members, in inventory order.
        type: list
        elements: str
        required: true
      addresses:
        description: Each member's address (C(ansible_host)).
        type: raw
      servers:
        description: Each member's drweb.cluster.server_facts C(server) dictionary (with C(key_files) and C(repository)).
        type: raw
      licence:
        description: Each member's licence report of the licence role (C(drweb_license_report)).
        type: raw
      scheduler:
        description: Each member's choice of the schedule role (C(drweb_schedule_choice)).
        type: raw
'''

EXAMPLES = r'''
- name: Show the cluster report
  vars:
    read: "{{ groups['drweb_servers'] | map('extract', hostvars) | selectattr('ansible_facts.drweb_server', 'defined') | list }}"
  ansible.builtin.debug:
    msg: >-
      {{ {'cluster_name': drweb_cluster_name, 'members': groups['drweb_servers'],
          'servers': dict(read | map(attribute='inventory_hostname') | zip(read | map(attribute='ansible_facts.drweb_server')))}
         | drweb.cluster.cluster_report }}
  run_once: true
'''

RETURN = r'''
_value:
  description: The report's lines.
  type: list
  elements: str
'''

from collections.abc import Mapping

from ansible.errors import AnsibleFilterError
from ansible_collections.drweb.cluster.plugins.filter.repository_drift import repository_drift

ROW = '%-8s %-13s %-9s %-8s %-9s %-10s %-10s %-5s %s'


def _mapping(value):
    return value if isinstance(value, Mapping) else {}


def _per_member(values, members):
    """One value per member: from a dictionary member -> value (a member without one gets None), or a list in the
    members' order."""
    if isinstance(values, Mapping):
        return [values.get(node) for node in members]
    values = list(values) if isinstance(values, (list, tuple)) else []
    return [values[index] if index < len(values) else None for index in range(len(members))]


def _peers(server):
    web_api = server.get('web_api')
    if not isinstance(web_api, Mapping) or web_api.get('peers') is None:
        return '-'
    return ','.join(str(_mapping(peer).get('name')) for peer in web_api['peers']) or 'none'


def _repository_result(server):
    """The shape drweb.cluster.repository_drift compares (a repository_version result), from the server_facts read."""
    if isinstance(server.get('repository'), Mapping):
        return {'revisions': dict(server['repository'])}
    if not server:
        return {}
    why = '; '.join(str(problem) for problem in server.get('problems') or [])
    return {'failed': True, 'msg': why or 'no repository read'}


def _licence_line(members, licence):
    reports = [(node, _mapping(report)) for node, report in zip(members, licence) if isinstance(report, Mapping)]
    if not reports:
        return 'licence key: not reported in this run (drweb_license_key is not set, or no Server is installed yet)'
    first = reports[0][1]
    used = ', '.join(node for node, report in reports if report.get('used') is True) or 'none'
    how = 'loaded by drwcsd initdb on ' if str(first.get('initdb')).lower() in ('true', 'yes', 'on', '1') else 'added through '
    return 'licence key: %s (expires %s), %s%s; used by: %s' % (
        first.get('number'), first.get('expires'), how, first.get('host'), used)


def cluster_report(data):
    """The report's lines."""
    if not isinstance(data, Mapping) or not isinstance(data.get('members'), (list, tuple)):
        raise AnsibleFilterError('cluster_report expects a dictionary with the list of members, got %r' % (data,))
    members = [str(node) for node in data['members']]
    servers = [_mapping(server) for server in _per_member(data.get('servers'), members)]
    addresses = _per_member(data.get('addresses'), members)
    lines = ['Dr.Web Servers cluster "%s": %d Server(s)' % (data.get('cluster_name') or '?', len(members)),
             ROW % ('node', 'address', 'version', 'running', 'id', 'database', 'key', 'cert', 'peers')]
    for index, node in enumerate(members):
        server = servers[index]
        keys = _mapping(server.get('key_files'))
        lines.append(ROW % (
            node, addresses[index] or '-', server.get('version') or '-',
            'yes' if server.get('running') else 'NO', (server.get('server_id') or '-')[:8],
            _mapping(server.get('database')).get('mode') or '-',
            (_mapping(keys.get('fingerprint')).get('private_key') or '-')[:10],
            keys.get('certificate_version') or '-', _peers(server)))
    versions = []
    for server in servers:
        if server.get('version') not in versions:
            versions.append(server.get('version'))
    key_sets = set(str(sorted(_mapping(_mapping(server.get('key_files')).get('fingerprint')).items())) for server in servers)
    lines.append('same version everywhere: %s' % ('yes' if len(versions) == 1 else 'NO: ' + ', '.join(str(v) for v in versions)))
    lines.append('same keys and certificate everywhere: %s' % ('yes' if len(key_sets) == 1 else 'NO'))
    repository = repository_drift(dict((node, _repository_result(server)) for node, server in zip(members, servers)), members)
    lines.append('repository revisions (product -> revision per Server):')
    lines.extend(repository['table'].splitlines())
    lines.append(_licence_line(members, _per_member(data.get('licence'), members)))
    choices = [_mapping(choice) for choice in _per_member(data.get('scheduler'), members) if _mapping(choice).get('host')]
    lines.append('scheduler host (exclusive tasks): %s' % (
        '%s - %s' % (choices[0]['host'], choices[0].get('reason')) if choices else 'not chosen in this run'))
    return lines


class FilterModule(object):
    """drweb.cluster.cluster_report"""

    def filters(self):
        return {'cluster_report': cluster_report}
