# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``drweb.cluster.unread_members`` filter: which of the given hosts a role must still read.
Documentation: DOCUMENTATION below."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
name: unread_members
version_added: 0.1.0
short_description: The hosts whose Server, or whose gathered facts, a role must still read in this run
description:
  - Without O(fact) - the hosts whose Server was not read in this run with nothing changed on it since
    (C(drweb_server_read_current) is not true; the install role sets it after its read, a restart clears it).
  - With O(fact) - the hosts whose gathered facts (C(ansible_facts)) do not hold that fact yet.
  - A role enters its read steps only when this list is not empty, so that a converged run skips one step instead of
    each read in turn.
positional: hostvars, fact
options:
  _input:
    description: Inventory host names, in the order the reads are to be made.
    type: list
    elements: str
    required: true
  hostvars:
    description: The play's C(hostvars).
    type: dict
    required: true
  fact:
    description: A fact name (without C(ansible_)); empty - the Server read (C(drweb_server_read_current)) is asked.
    type: str
    default: ''
author:
  - drweb.cluster maintainers !UNKNOWN
'''

EXAMPLES = r'''
- name: Read the Servers the install role did not read in this run
  drweb.cluster.server_facts:
    own_data: false
  delegate_to: "{{ item }}"
  delegate_facts: true
  loop: "{{ groups['drweb_servers'] | drweb.cluster.unread_members(hostvars) }}"

- name: Gather the hardware facts of the hosts that have none yet
  ansible.builtin.setup:
    gather_subset: [min, hardware]
  delegate_to: "{{ item }}"
  delegate_facts: true
  loop: "{{ groups['drweb_servers'] | drweb.cluster.unread_members(hostvars, 'memtotal_mb') }}"
'''

RETURN = r'''
_value:
  description: The hosts of the input still to be read, in the input's order, each once.
  type: list
  elements: str
'''

from collections.abc import Mapping

from ansible.errors import AnsibleFilterError
from ansible.module_utils.parsing.convert_bool import boolean


def _read_current(variables):
    try:
        return boolean(variables.get('drweb_server_read_current', False), strict=False)
    except TypeError:
        return False


def unread_members(hosts, hostvars, fact=''):
    """The hosts (in order, each once) whose Server read is not current, or whose facts lack ``fact``."""
    if not isinstance(hosts, (list, tuple)) or not all(isinstance(host, str) for host in hosts):
        raise AnsibleFilterError('unread_members expects a list of inventory host names, got %r' % (hosts,))
    if not isinstance(hostvars, Mapping):
        raise AnsibleFilterError('unread_members expects the play\'s hostvars, got %s' % type(hostvars).__name__)
    found = []
    for host in hosts:
        if host in found:
            continue
        variables = hostvars.get(host) if host in hostvars else None
        variables = variables if isinstance(variables, Mapping) else {}
        if fact:
            facts = variables.get('ansible_facts')
            unread = not isinstance(facts, Mapping) or fact not in facts
        else:
            unread = not _read_current(variables)
        if unread:
            found.append(host)
    return found


class FilterModule(object):
    """drweb.cluster.unread_members"""

    def filters(self):
        return {'unread_members': unread_members}
