# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``drweb.cluster.member_reads`` filter: the cluster read's results, sorted into what was read and what was not.
Documentation: DOCUMENTATION below."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
name: member_reads
version_added: 0.1.0
short_description: Sort the results of reading every cluster member into the Servers read and the members not read
description:
  - Input is the list of loop results of drweb.cluster.server_facts run once per member (each result names its member
    in C(item)), as registered with C(ignore_unreachable) and C(ignore_errors). Skipped results are left out.
  - A member whose result is unreachable or failed is not read; the others give their C(server) dictionary.
author:
  - drweb.cluster maintainers !UNKNOWN
'''

EXAMPLES = r'''
- name: Sort the reads
  ansible.builtin.set_fact:
    cluster_read: "{{ (self_read.results + outside_read.results) | drweb.cluster.member_reads }}"
'''

RETURN = r'''
_value:
  description: What the read found.
  type: dict
  contains:
    servers:
      description: Member name -> the drweb.cluster.server_facts C(server) dictionary, for every member read.
      type: dict
    unreadable:
      description: The members that could not be read, in the order of the results.
      type: list
      elements: str
    why:
      description: Member name -> why it could not be read (the task's message, else C(unreachable)).
      type: dict
'''

from collections.abc import Mapping

from ansible.errors import AnsibleFilterError


def member_reads(results):
    """{'servers': {node: server}, 'unreadable': [node], 'why': {node: message}} from server_facts loop results."""
    if not isinstance(results, (list, tuple)):
        raise AnsibleFilterError('member_reads expects the list of server_facts loop results, got %s' % type(results).__name__)
    servers, unreadable, why = {}, [], {}
    for result in results:
        if not isinstance(result, Mapping) or 'item' not in result:
            raise AnsibleFilterError('member_reads: a result without its member (item): %r' % (result,))
        node = result['item']
        if result.get('unreachable') or result.get('failed'):
            if node not in unreadable:
                unreadable.append(node)
                why[node] = result.get('msg') or 'unreachable'
            continue
        if result.get('skipped') and 'server' not in result:
            continue
        if 'server' not in result:
            raise AnsibleFilterError('member_reads: the read of %s returned no server' % node)
        servers[node] = result['server']
    for node in unreadable:
        servers.pop(node, None)
    return {'servers': servers, 'unreadable': unreadable, 'why': why}


class FilterModule(object):
    """drweb.cluster.member_reads"""

    def filters(self):
        return {'member_reads': member_reads}
