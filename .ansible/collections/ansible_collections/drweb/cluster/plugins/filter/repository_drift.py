# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``drweb.cluster.repository_drift`` filter: every node's repository_version result -> drift report.

Documentation: ``repository_drift.yml`` next to this file (``ansible-doc -t filter drweb.cluster.repository_drift``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from collections import Counter
from collections.abc import Mapping

from ansible.errors import AnsibleFilterError

ABSENT = '(absent)'


def _reported(result):
    return isinstance(result, Mapping) and isinstance(result.get('revisions'), Mapping) and not result.get('failed')


def _why_not_reported(result):
    if not isinstance(result, Mapping) or not result:
        return 'no repository_version result (the host did not run it)'
    if result.get('unreachable'):
        return 'unreachable: %s' % result.get('msg', '')
    if result.get('skipped'):
        return 'repository_version was skipped'
    return 'repository_version failed: %s' % result.get('msg', 'no message')


def _expected(values, reference):
    """The value every node should hold: the reference node's, else the one most nodes hold (None on a tie)."""
    if reference is not None:
        return values.get(reference)
    ranked = Counter(values.values()).most_common()
    if len(ranked) > 1 and ranked[0][1] == ranked[1][1]:
        return None
    return ranked[0][0]


def _compare(field, per_node, nodes, reference):
    """Rows product -> node -> value, and the drift entries of that field."""
    products = sorted(set(code for values in per_node.values() for code in values))
    rows = {}
    drift = []
    for code in products:
        values = dict((node, per_node[node].get(code)) for node in nodes if node in per_node)
        rows[code] = values
        if len(set(values.values())) <= 1:
            continue
        expected = _expected(values, reference)
        for node in nodes:
            if node in values and (expected is None or values[node] != expected):
                if node == reference:
                    continue
                drift.append(dict(product=code, node=node, field=field, value=values[node], expected=expected,
                                  others=sorted(set(v for n, v in values.items() if n != node), key=str)))
    return rows, drift


def _describe(entry):
    shown = entry['value'] if entry['value'] is not None else ABSENT
    if entry['expected'] is None:
        return '%s: %s holds %s %s (no majority: %s)' % (
            entry['product'], entry['node'], entry['field'], shown,
            ', '.join(ABSENT if value is None else str(value) for value in entry['others']))
    return '%s: %s holds %s %s, expected %s' % (entry['product'], entry['node'], entry['field'], shown, entry['expected'])


def _table(nodes, rows):
    width = max([len(code) for code in rows] + [len('product')]) + 2
    columns = dict((node, max([len(node)] + [len(str(rows[code].get(node) or ABSENT)) for code in rows]) + 2)
                   for node in nodes)
    lines = ['product'.ljust(width) + ''.join(node.ljust(columns[node]) for node in nodes)]
    for code in sorted(rows):
        lines.append(code.ljust(width) + ''.join(
            (str(rows[code][node] if rows[code][node] is not None else ABSENT) if node in rows[code] else '?').ljust(columns[node])
            for node in nodes))
    return [line.rstrip() for line in lines]


def repository_drift(results, nodes=None, reference=None):
    """Compare every node's repository_version result: product -> revision per node, and the odd node out.

    results: dict node name -> the node's registered repository_version result (a failed, skipped or missing result
    counts as "did not report").
    nodes: the nodes that must agree (default: the keys of results), in table order.
    reference: a node whose revisions are the expected ones (a parent Server); default: what most nodes hold.
    """
    if not isinstance(results, Mapping):
        raise AnsibleFilterError('repository_drift expects a dict (node name -> repository_version result), got %s'
                                 % type(results).__name__)
    if nodes is None:
        nodes = list(results)
    elif isinstance(nodes, str) or not isinstance(nodes, (list, tuple)):
        raise AnsibleFilterError('repository_drift: nodes must be a list of node names, got %s' % type(nodes).__name__)
    nodes = [str(node) for node in nodes]
    if not nodes:
        raise AnsibleFilterError('repository_drift: no nodes to compare')
    if reference is not None and str(reference) not in nodes:
        raise AnsibleFilterError('repository_drift: reference %s is not one of the nodes compared (%s)'
                                 % (reference, ', '.join(nodes)))
    reference = None if reference is None else str(reference)

    named = dict((str(name), result) for name, result in results.items())
    not_reported = {}
    revisions = {}
    digests = {}
    for node in nodes:
        result = named.get(node)
        if not _reported(result):
            not_reported[node] = _why_not_reported(result)
            continue
        revisions[node] = dict(result['revisions'])
        if isinstance(result.get('digests'), Mapping) and result['digests']:
            digests[node] = dict(result['digests'])
    if reference is not None and reference in not_reported:
        raise AnsibleFilterError('repository_drift: the reference node %s did not report: %s'
                                 % (reference, not_reported[reference]))

    rows, drift = _compare('revision', revisions, nodes, reference)
    content_drift = []
    if len(digests) == len(revisions) and digests:
        # bytes are compared only among nodes that agree on the revision name: different names differ anyway
        same_revision = dict((node, dict((code, digest) for code, digest in values.items()
                                         if not any(entry['product'] == code for entry in drift)))
                             for node, values in digests.items())
        unused_rows, content_drift = _compare('content', same_revision, nodes, reference)

    lines = _table(nodes, rows)
    messages = [_describe(entry) for entry in drift + content_drift]
    messages += ['%s: did not report: %s' % (node, why) for node, why in sorted(not_reported.items())]
    odd = sorted(set(entry['node'] for entry in drift + content_drift), key=nodes.index)
    if odd:
        messages.append('odd node%s out: %s' % ('s' if len(odd) > 1 else '', ', '.join(odd)))
    elif not rows and not not_reported:
        messages.append('no node holds any product (empty or missing repositories)')
    elif not not_reported:
        messages.append('all %d nodes hold the same revision%s of %d product%s' % (
            len(nodes), 's' if len(rows) != 1 else '', len(rows), 's' if len(rows) != 1 else '') +
            (' (content compared)' if digests else ''))
    return dict(
        ok=not drift and not content_drift and not not_reported and bool(rows),
        nodes=nodes,
        reference=reference,
        products=rows,
        drift=drift,
        content_drift=content_drift,
        odd_nodes=odd,
        not_reported=not_reported,
        messages=messages,
        table='\n'.join(lines + messages),
    )


class FilterModule(object):
    """drweb.cluster repository filters."""

    def filters(self):
        return {'repository_drift': repository_drift}
