# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the drweb.cluster.multicast_matrix filter."""

from __future__ import annotations


import pytest

import yaml

from ansible.errors import AnsibleFilterError

from ansible_collections.drweb.cluster.plugins.filter import multicast_matrix as plugin
from ansible_collections.drweb.cluster.plugins.filter.multicast_matrix import multicast_matrix

NODES = ['node1', 'node2', 'node3']


def probe(name, heard, errors=(), group='232.0.0.1', port=11111):
    """A multicast_probe result as the module returns it."""
    return dict(changed=False, name=name, heard=list(heard), missing=[], errors=list(errors), group=group, port=port,
                ok=not errors)


def full():
    return dict((name, probe(name, [other for other in NODES if other != name])) for name in NODES)


def test_everyone_hears_everyone():
    matrix = multicast_matrix(full(), NODES)
    assert matrix['ok'] is True
    assert matrix['pairs'] == [] and matrix['missing'] == []
    assert matrix['nodes'] == NODES
    assert all(matrix['matrix'][receiver][sender] is True for receiver in NODES for sender in NODES)
    assert 'all 3 nodes hear each other' in matrix['table']
    assert 'multicast 232.0.0.1:11111' in matrix['table']


def test_node_without_route_is_named_in_every_pair():
    results = full()
    results['node1']['heard'] = ['node2']
    results['node2']['heard'] = ['node1']
    results['node3'] = probe('node3', [], errors=['cannot join multicast group 232.0.0.1 on interface 0.0.0.0: '
                                                  '[Errno 19] No such device'])
    matrix = multicast_matrix(results, NODES)
    assert matrix['ok'] is False
    assert matrix['missing'] == ['node3 -> node1', 'node3 -> node2', 'node1 -> node3', 'node2 -> node3']
    assert matrix['matrix']['node1'] == {'node1': True, 'node2': True, 'node3': False}
    assert matrix['unheard'] == ['node3'] and matrix['deaf'] == ['node3']
    assert matrix['errors'] == {'node3': ['cannot join multicast group 232.0.0.1 on interface 0.0.0.0: '
                                          '[Errno 19] No such device']}
    table = matrix['table'].splitlines()
    assert table[1].split() == ['receiver', 'node1', 'node2', 'node3']
    assert table[2].split() == ['node1', '-', 'yes', 'NO']
    assert table[4].split() == ['node3', 'NO', 'NO', '-']
    assert 'pairs that cannot hear each other (sender -> receiver): node3 -> node1, node3 -> node2, ' \
           'node1 -> node3, node2 -> node3' in matrix['table']
    assert 'node3: cannot join multicast group' in matrix['table']


def test_one_way_loss_names_one_pair():
    results = full()
    results['node2']['heard'] = ['node3']
    matrix = multicast_matrix(results, NODES)
    assert matrix['ok'] is False
    assert matrix['pairs'] == [dict(sender='node1', receiver='node2', reported=True)]
    assert matrix['unheard'] == [] and matrix['deaf'] == []


@pytest.mark.parametrize('result, why', [
    (None, 'did not run the probe'),
    ({}, 'did not run the probe'),
    (dict(failed=True, msg='boom'), 'the probe failed: boom'),
    (dict(skipped=True), 'skipped'),
    (dict(unreachable=True, msg='ssh down'), 'unreachable: ssh down'),
])
def test_node_that_did_not_report(result, why):
    results = full()
    if result is None:
        del results['node2']
    else:
        results['node2'] = result
    matrix = multicast_matrix(results, NODES)
    assert matrix['ok'] is False
    assert why in matrix['not_reported']['node2']
    assert matrix['matrix']['node2'] == {'node1': None, 'node2': True, 'node3': None}
    assert [pair['reported'] for pair in matrix['pairs']] == [False, False]
    assert 'node1 -> node2 (?)' in matrix['table']
    assert 'node2: did not report: ' in matrix['table']


def test_node_outside_the_results_but_in_nodes():
    matrix = multicast_matrix(dict(node1=probe('node1', [])), ['node1', 'node2'])
    assert matrix['missing'] == ['node2 -> node1', 'node1 -> node2']


def test_nodes_default_to_the_results_and_a_list_is_keyed_by_name():
    results = full()
    assert multicast_matrix(results)['nodes'] == NODES
    assert multicast_matrix(list(results.values()))['ok'] is True


def test_extra_heard_names_do_not_matter():
    results = full()
    results['node1']['heard'].append('elsewhere')
    assert multicast_matrix(results, NODES)['ok'] is True


@pytest.mark.parametrize('results, nodes, words', [
    ('node1', None, 'expects a dict'),
    ([dict(heard=[])], None, 'each with its name'),
    (dict(node1={}), 'node1', 'nodes must be a list'),
    ({}, None, 'no nodes'),
])
def test_bad_input(results, nodes, words):
    with pytest.raises(AnsibleFilterError, match=words):
        multicast_matrix(results, nodes)


def test_registered_and_documented():
    assert plugin.FilterModule().filters() == {'multicast_matrix': multicast_matrix}
    docs = dict((name, yaml.safe_load(getattr(plugin, name))) for name in ('DOCUMENTATION', 'EXAMPLES', 'RETURN'))
    assert docs['DOCUMENTATION']['name'] == 'multicast_matrix'
    assert set(docs['RETURN']['_value']['contains']) == set(multicast_matrix(full()))
