# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``drweb.cluster.rollout_position`` filter: where a Server stands in a rolling change.
Documentation: ``rollout_position.yml`` next to this file."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

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
