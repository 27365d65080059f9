# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``drweb.cluster.rollout_position`` filter: where a Server stands in a rolling change.
Documentation: DOCUMENTATION below."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
name: rollout_position
version_added: 0.1.0
short_description: Where a Server stands in a rolling change - the Servers done before it and the ones after it
description:
  - A rolling change (restart, configuration, database switch) goes over an ordered list of Servers, one at a time, and
    stops at the first that does not serve again. Its failure message names the Servers done before that one and the
    ones not touched yet; this filter splits the list at the Server.
  - A Server not in the list - for example with the parallel strategy - has nothing done before it and every other
    Server of the list pending.
positional: node
options:
  _input:
    description: The Servers in the order the change goes over them.
    type: list
    elements: str
    required: true
  node:
    description: The Server being changed.
    type: str
    required: true
author:
  - drweb.cluster maintainers !UNKNOWN
'''

EXAMPLES = r'''
- name: The Servers after node2
  ansible.builtin.debug:
    msg: "{{ (['node1', 'node2', 'node3'] | drweb.cluster.rollout_position('node2')).pending }}"
'''

RETURN = r'''
_value:
  description: C(done) (the Servers before O(node)) and C(pending) (the ones after it).
  type: dict
'''


from ansible.errors import AnsibleFilterError


def rollout_position(order, node):
    """{'done': the Servers before node, 'pending': the ones after it} - see rollout_position.yml."""
    if not isinstance(order, (list, tuple)) or not all(isinstance(host, str) for host in order):
        raise AnsibleFilterError('rollout_position expects the ordered list of Servers, got %r' % (order,))
    order = list(order)
    if node not in order:
        return dict(done=[], pending=[host for host in order if host != node])
    index = order.index(node)
    return dict(done=order[:index], pending=order[index + 1:])


class FilterModule(object):
    """drweb.cluster.rollout_position"""

    def filters(self):
        return {'rollout_position': rollout_position}
