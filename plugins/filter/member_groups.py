# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``drweb.cluster.member_groups`` filter: which in-memory group each host of the play goes to (drweb_removed or
drweb_members). Documentation: DOCUMENTATION below."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
name: member_groups
version_added: 0.1.0
short_description: Put each host of the play in drweb_removed (marked drweb_removed) or drweb_members, in play order
description:
  - Input is the play's hosts, in the order the later plays must go over them (the inventory's).
  - A host is removed when its host variable C(drweb_removed) is true (unset or empty means false, as AWX surveys send
    it) or when it is in the inventory group C(drweb_removed); every other host is a member.
  - The result feeds one C(ansible.builtin.add_host) loop, which fills the groups in this order (a C(group_by) fills
    them in the order the hosts' results come back, which changes from run to run).
positional: hostvars, removed_group
options:
  _input:
    description: The hosts of the play (C(ansible_play_hosts)), in order.
    type: list
    elements: str
    required: true
  hostvars:
    description: C(hostvars).
    type: dict
    required: true
  removed_group:
    description: The hosts of the inventory group C(drweb_removed) (empty when there is no such group).
    type: list
    elements: str
    default: []
author:
  - drweb.cluster maintainers !UNKNOWN
'''

EXAMPLES = r'''
- name: Put the removed hosts in drweb_removed, the others in drweb_members
  ansible.builtin.add_host:
    name: "{{ item.name }}"
    groups: "{{ item.group }}"
  loop: "{{ ansible_play_hosts | drweb.cluster.member_groups(hostvars, groups['drweb_removed'] | default([])) }}"
  run_once: true
'''

RETURN = r'''
_value:
  description: One entry per host, in the input's order - C(name) (the host) and C(group) (C(drweb_removed) or C(drweb_members)).
  type: list
  elements: dict
'''

from collections.abc import Mapping

from ansible.errors import AnsibleFilterError
from ansible_collections.drweb.cluster.plugins.plugin_utils.cluster_plan import PlanInputError, inventory_mark


def is_removed(hostvars, host, removed_group):
    """Whether host is marked drweb_removed (its host variable, or the inventory group)."""
    if host in removed_group:
        return True
    try:
        return inventory_mark(hostvars, host, 'drweb_removed')
    except PlanInputError as error:
        raise AnsibleFilterError(str(error)) from error


def member_groups(hosts, hostvars, removed_group=None):
    """[{'name': host, 'group': 'drweb_removed' | 'drweb_members'}] in the order of hosts."""
    if not isinstance(hosts, (list, tuple)):
        raise AnsibleFilterError('member_groups expects the list of the play\'s hosts, got %s' % type(hosts).__name__)
    if not isinstance(hostvars, Mapping) and not hasattr(hostvars, '__getitem__'):
        raise AnsibleFilterError('member_groups: hostvars must be the hostvars mapping, got %s' % type(hostvars).__name__)
    removed_group = [str(host) for host in removed_group or []]
    return [dict(name=str(host), group='drweb_removed' if is_removed(hostvars, str(host), removed_group) else 'drweb_members')
            for host in hosts]


class FilterModule(object):
    """drweb.cluster.member_groups"""

    def filters(self):
        return {'member_groups': member_groups}
