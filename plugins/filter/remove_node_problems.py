# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``drweb.cluster.remove_node_problems`` filter: whether the Server named by drweb_remove_node can leave the
cluster. Documentation: DOCUMENTATION below."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
name: remove_node_problems
version_added: 0.1.0
short_description: Why the Server named by drweb_remove_node cannot leave the cluster (an empty list when it can)
description:
  - C(playbooks/remove_node.yml) removes one Server. Before anything changes it refuses a name that is not set, a host
    that is not a member of the cluster, the cluster's last Server, and the primary Server (it makes the keys and
    initialises the database, so C(drweb_primary_host) must name another Server first).
  - The first problem found is the one reported; the list holds at most one message.
positional: members, primary
options:
  _input:
    description: The value of C(drweb_remove_node) (an inventory name; empty or unset means not given).
    type: raw
    required: true
  members:
    description: The cluster's members in inventory order (the plan's C(members)).
    type: list
    elements: str
    required: true
  primary:
    description: C(drweb_primary_host) as given (empty when unset - the first member is then the primary).
    type: str
    default: ''
author:
  - drweb.cluster maintainers !UNKNOWN
'''

EXAMPLES = r'''
- name: Refuse a drweb_remove_node that is not a Server that can leave the cluster
  ansible.builtin.fail:
    msg: "{{ __problems | first }}; nothing was changed."
  vars:
    __problems: >-
      {{ drweb_remove_node | default('') | drweb.cluster.remove_node_problems(drweb_cluster_plan.members,
         lookup('drweb.cluster.cluster_settings', 'primary_host_given')) }}
  when: __problems | length > 0
'''

RETURN = r'''
_value:
  description: The reason the Server cannot be removed, as a one-element list; empty when it can.
  type: list
  elements: str
'''


from ansible.errors import AnsibleFilterError


def remove_node_problems(name, members, primary=''):
    """[] when name can leave the cluster of members, else [the reason]."""
    if not isinstance(members, (list, tuple)) or not all(isinstance(host, str) for host in members):
        raise AnsibleFilterError('remove_node_problems expects the list of the cluster\'s members, got %r' % (members,))
    name = '' if name is None else str(name).strip()
    primary = str(primary or '').strip() or (members[0] if members else '')
    if not name:
        return ['drweb_remove_node is not set: give the inventory name of the Server to remove (-e drweb_remove_node=node3)']
    if name not in members:
        return ['drweb_remove_node %s is not a member of drweb_servers (%s)' % (name, ', '.join(members))]
    if len(members) < 2:
        return ['drweb_remove_node %s is the last Server of drweb_servers: a cluster cannot lose its last Server' % name]
    if name == primary:
        return ['drweb_remove_node %s is drweb_primary_host, which makes the keys and initialises the database: set '
                'drweb_primary_host to another Server first' % name]
    return []


class FilterModule(object):
    """drweb.cluster.remove_node_problems"""

    def filters(self):
        return {'remove_node_problems': remove_node_problems}
