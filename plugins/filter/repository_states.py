# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``drweb.cluster.repository_states`` filter: every play host's input of the repository update decision.
Documentation: DOCUMENTATION below."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
name: repository_states
version_added: 0.1.0
short_description: Every Server's input of drweb.cluster.repository_update_plan, from the reads the repository role registered
description:
  - For each play host whose update source was read and written (the registered C(__drweb_repository_before), the
    C(drweb.cluster.update_source) result - a host left out of the play has none), what
    C(drweb.cluster.repository_update_plan) takes - C(before) (that result), C(source) (what the Server updates from,
    the rule of C(drweb.cluster.repository_node_source)), C(zone) (its registered read of the update zone,
    C(__drweb_repository_zone_probe), for C(zone)), C(switched) (its update source files changed in this run, or would
    in check mode) and C(installed) (the cluster plan installs it in this run).
positional: hosts, source, parent, zone_url, plan_nodes
options:
  _input:
    description: The play's C(hostvars).
    type: dict
    required: true
  hosts:
    description: The play hosts, in order.
    type: list
    elements: str
    required: true
  source:
    description: C(drweb_update_source).
    type: str
    required: true
  parent:
    description: The parent Server's inventory name.
    type: str
  zone_url:
    description: C(drweb_update_zone_url).
    type: str
  plan_nodes:
    description: The cluster plan's nodes (C(drweb_cluster_plan.nodes); C(install) - installed in this run).
    type: dict
author:
  - drweb.cluster maintainers !UNKNOWN
'''

EXAMPLES = r'''
- name: Decide which Servers need an update
  ansible.builtin.debug:
    msg: >-
      {{ hostvars | drweb.cluster.repository_states(ansible_play_hosts, 'zone', '', 'http://10.0.0.4/update',
                                                    drweb_cluster_plan.nodes) | drweb.cluster.repository_update_plan }}
'''

RETURN = r'''
_value:
  description: Server -> C(before), C(source), C(zone), C(switched), C(installed).
  type: dict
'''

from collections.abc import Mapping

from ansible.errors import AnsibleFilterError
from ansible.module_utils.parsing.convert_bool import boolean

from ansible_collections.drweb.cluster.plugins.module_utils.repository import node_source

BEFORE = '__drweb_repository_before'
ZONE = '__drweb_repository_zone_probe'


def _mapping(value):
    return value if isinstance(value, Mapping) else {}


def _get(variables, name):
    return variables[name] if name in variables else None


def repository_states(hostvars, hosts, source, parent='', zone_url='', plan_nodes=None):
    """Server -> state (see RETURN)."""
    if not isinstance(hosts, (list, tuple)):
        raise AnsibleFilterError('repository_states expects the list of play hosts, got %r' % (hosts,))
    hostvars = _mapping(hostvars)
    plan_nodes = _mapping(plan_nodes)
    states = {}
    for host in hosts:
        variables = _mapping(hostvars[host]) if host in hostvars else {}
        before = _get(variables, BEFORE)
        if not isinstance(before, Mapping) or before.get('skipped') or before.get('failed'):
            continue
        kind = node_source(str(host), str(source or ''), str(parent or ''), str(zone_url or ''))
        zone = _get(variables, ZONE)
        states[host] = dict(before=before, source=kind,
                            zone=zone if kind == 'zone' and isinstance(zone, Mapping) else {},
                            switched=boolean(before.get('changed') or False, strict=False),
                            installed=boolean(_mapping(plan_nodes.get(host)).get('install') or False, strict=False))
    return states


class FilterModule(object):
    """drweb.cluster.repository_states"""

    def filters(self):
        return {'repository_states': repository_states}
