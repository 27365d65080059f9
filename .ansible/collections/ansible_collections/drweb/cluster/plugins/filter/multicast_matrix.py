# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``drweb.cluster.multicast_matrix`` filter: every node's multicast_probe result -> who hears whom.

Documentation: ``multicast_matrix.yml`` next to this file (``ansible-doc -t filter drweb.cluster.multicast_matrix``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from collections.abc import Mapping

from ansible.errors import AnsibleFilterError


def _reported(result):
    """Whether a registered result is a probe result (it ran and returned its lists)."""
    return isinstance(result, Mapping) and isinstance(result.get('heard'), (list, tuple))


def _why_not_reported(result):
    if not isinstance(result, Mapping) or not result:
        return 'no probe result (the host did not run the probe)'
    if result.get('unreachable'):
        return 'unreachable: %s' % result.get('msg', '')
    if result.get('skipped'):
        return 'the probe was skipped'
    return 'the probe failed: %s' % result.get('msg', 'no message')


def _by_name(results):
    if isinstance(results, Mapping):
        return dict((str(name), result) for name, result in results.items())
    if isinstance(results, (list, tuple)):
        named = {}
        for result in results:
            if not isinstance(result, Mapping) or not result.get('name'):
                raise AnsibleFilterError('multicast_matrix: a list of results must hold multicast_probe results '
                                         '(each with its name); use a dict host -> result otherwise')
            named[str(result['name'])] = result
        return named
    raise AnsibleFilterError('multicast_matrix expects a dict (node name -> multicast_probe result) or a list of '
                             'results, got %s' % type(results).__name__)


def _table(nodes, matrix, endpoint):
    width = max([len(node) for node in nodes] + [len('receiver')]) + 2
    lines = ['multicast %s: does the receiver (row) hear the sender (column)?' % endpoint,
             'receiver'.ljust(width) + ''.join(node.ljust(width) for node in nodes)]
    for receiver in nodes:
        cells = []
        for sender in nodes:
            value = matrix[receiver][sender]
            cells.append(('-' if sender == receiver else 'yes' if value else '?' if value is None else 'NO').ljust(width))
        lines.append(receiver.ljust(width) + ''.join(cells))
    return lines


def multicast_matrix(results, nodes=None):
    """Combine every node's multicast_probe result into a receiver x sender matrix.

    results: dict node name -> the node's registered multicast_probe result (a failed, skipped or missing result
    counts as "did not report"), or a list of results (keyed by their ``name``).
    nodes: the nodes that must all hear each other (default: the keys of results), in table order.
    """
    named = _by_name(results)
    if nodes is None:
        nodes = list(named)
    elif isinstance(nodes, str) or not isinstance(nodes, (list, tuple)):
        raise AnsibleFilterError('multicast_matrix: nodes must be a list of node names, got %s' % type(nodes).__name__)
    nodes = [str(node) for node in nodes]
    if not nodes:
        raise AnsibleFilterError('multicast_matrix: no nodes to compare')

    matrix = {}
    not_reported = {}
    errors = {}
    endpoints = set()
    for receiver in nodes:
        result = named.get(receiver)
        if not _reported(result):
            not_reported[receiver] = _why_not_reported(result)
            matrix[receiver] = dict((sender, None if sender != receiver else True) for sender in nodes)
            continue
        heard = set(str(name) for name in result['heard'])
        matrix[receiver] = dict((sender, sender == receiver or sender in heard) for sender in nodes)
        if result.get('errors'):
            errors[receiver] = list(result['errors'])
        if result.get('group') and result.get('port'):
            endpoints.add('%s:%s' % (result['group'], result['port']))

    pairs = []
    for receiver in nodes:
        for sender in nodes:
            if sender != receiver and not matrix[receiver][sender]:
                pairs.append(dict(sender=sender, receiver=receiver, reported=receiver not in not_reported))
    deaf = [node for node in nodes if node not in not_reported
            and all(matrix[node][sender] is False for sender in nodes if sender != node) and len(nodes) > 1]
    unheard = [node for node in nodes if len(nodes) > 1
               and all(not matrix[receiver][node] for receiver in nodes if receiver != node)]

    lines = _table(nodes, matrix, ', '.join(sorted(endpoints)) or '(group unknown)')
    if pairs:
        lines.append('pairs that cannot hear each other (sender -> receiver): %s'
                     % ', '.join('%s -> %s%s' % (pair['sender'], pair['receiver'], '' if pair['reported'] else ' (?)')
                                 for pair in pairs))
    for node in nodes:
        if node in not_reported:
            lines.append('%s: did not report: %s' % (node, not_reported[node]))
        for error in errors.get(node, []):
            lines.append('%s: %s' % (node, error))
    if unheard:
        lines.append('heard by no other node: %s' % ', '.join(unheard))
    if deaf:
        lines.append('hears no other node: %s' % ', '.join(deaf))
    if not pairs and not errors:
        lines.append('all %d nodes hear each other' % len(nodes))

    return dict(
        ok=not pairs and not not_reported and not errors,
        nodes=nodes,
        matrix=matrix,
        pairs=pairs,
        missing=['%s -> %s' % (pair['sender'], pair['receiver']) for pair in pairs],
        not_reported=not_reported,
        errors=errors,
        unheard=unheard,
        deaf=deaf,
        table='\n'.join(lines),
    )


class FilterModule(object):
    """drweb.cluster multicast filters."""

    def filters(self):
        return {'multicast_matrix': multicast_matrix}
