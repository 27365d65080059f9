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
  - The list may also hold batches (lists of Servers changed at the same time, see C(drweb.cluster.restart_batches)) -
    the Servers of the batches before the Server's are done, those of the batches after it pending, and the other
    Servers of its own batch were changed together with it.
  - A Server not in the list has nothing done before it and every other Server of the list pending.
positional: node
options:
  _input:
    description: The Servers in the order the change goes over them, each a host name or a batch (a list of host names).
    type: list
    elements: raw
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
  description: C(done) (the Servers before O(node)), C(pending) (the ones after it) and C(together) (the other Servers
    of its batch, changed at the same time).
  type: dict
'''


from ansible.errors import AnsibleFilterError


def rollout_position(order, node):
    """{'done': the Servers before node, 'pending': the ones after it, 'together': the rest of its batch}."""
    if not isinstance(order, (list, tuple)) or not all(
            isinstance(entry, str) or (isinstance(entry, (list, tuple)) and all(isinstance(host, str) for host in entry))
            for entry in order):
        raise AnsibleFilterError('rollout_position expects the ordered list of Servers (or of batches of Servers), '
                                 'got %r' % (order,))
    batches = [[entry] if isinstance(entry, str) else list(entry) for entry in order]
    index = next((number for number, batch in enumerate(batches) if node in batch), None)
    if index is None:
        return dict(done=[], pending=[host for batch in batches for host in batch if host != node], together=[])
    return dict(done=[host for batch in batches[:index] for host in batch],
                pending=[host for batch in batches[index + 1:] for host in batch],
                together=[host for host in batches[index] if host != node])


class FilterModule(object):
    """drweb.cluster.rollout_position"""

    def filters(self):
        return {'rollout_position': rollout_position}
