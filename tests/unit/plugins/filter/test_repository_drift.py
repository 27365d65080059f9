# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the drweb.cluster.repository_drift filter."""

from __future__ import annotations


import pytest

import yaml

from ansible.errors import AnsibleFilterError

from ansible_collections.drweb.cluster.plugins.filter import repository_drift as plugin
from ansible_collections.drweb.cluster.plugins.filter.repository_drift import repository_drift

NODES = ['node1', 'node2', 'node3']
OLD = '20240101000000'
NEW = '20240201000000'


def result(revisions, digests=None):
    """A repository_version result as the module returns it."""
    return dict(changed=False, revisions=dict(revisions), digests=dict(digests or {}), products={})


def same(**overrides):
    results = dict((node, result({'05-drwmeta': NEW, '10-drwbases': NEW})) for node in NODES)
    results.update(overrides)
    return results


def test_all_nodes_agree():
    report = repository_drift(same(), NODES)
    assert report['ok'] is True
    assert report['drift'] == [] and report['odd_nodes'] == [] and report['not_reported'] == {}
    assert report['products'] == {'05-drwmeta': dict.fromkeys(NODES, NEW), '10-drwbases': dict.fromkeys(NODES, NEW)}
    assert 'all 3 nodes hold the same revisions of 2 products' in report['table']


def test_odd_node_out_is_named_with_product_and_revisions():
    report = repository_drift(same(node3=result({'05-drwmeta': NEW, '10-drwbases': OLD})), NODES)
    assert report['ok'] is False
    assert report['odd_nodes'] == ['node3']
    expected = dict(product='10-drwbases', node='node3', field='revision', value=OLD, expected=NEW, others=[NEW])
    assert report['drift'] == [expected]
    assert '10-drwbases: node3 holds revision %s, expected %s' % (OLD, NEW) in report['messages']
    assert 'odd node out: node3' in report['table']
    # the table shows every node's revision of the product
    line = [text for text in report['table'].splitlines() if text.startswith('10-drwbases')][0]
    assert line.split() == ['10-drwbases', NEW, NEW, OLD]


def test_missing_product_on_one_node():
    report = repository_drift(same(node2=result({'05-drwmeta': NEW})), NODES)
    assert report['odd_nodes'] == ['node2']
    assert report['drift'][0]['value'] is None and report['drift'][0]['product'] == '10-drwbases'
    assert '10-drwbases: node2 holds revision (absent), expected %s' % NEW in report['messages']


def test_no_majority_names_every_node():
    results = {'node1': result({'10-drwbases': OLD}), 'node2': result({'10-drwbases': NEW})}
    report = repository_drift(results, ['node1', 'node2'])
    assert report['ok'] is False and report['odd_nodes'] == ['node1', 'node2']
    assert all(entry['expected'] is None for entry in report['drift'])
    assert '10-drwbases: node1 holds revision %s (no majority: %s)' % (OLD, NEW) in report['messages']


def test_reference_node_decides_even_against_the_majority():
    results = same(node1=result({'05-drwmeta': NEW, '10-drwbases': OLD}))
    majority = repository_drift(results, NODES)
    assert majority['odd_nodes'] == ['node1']
    parent = repository_drift(results, NODES, 'node1')
    assert parent['reference'] == 'node1'
    assert parent['odd_nodes'] == ['node2', 'node3']
    assert all(entry['expected'] == OLD for entry in parent['drift'])


def test_reference_must_be_compared_and_must_report():
    with pytest.raises(AnsibleFilterError, match='reference node9 is not one of the nodes'):
        repository_drift(same(), NODES, 'node9')
    results = same(node1=dict(failed=True, msg='boom'))
    with pytest.raises(AnsibleFilterError, match='reference node node1 did not report: repository_version failed: boom'):
        repository_drift(results, NODES, 'node1')


def test_silent_nodes_make_the_report_fail():
    results = same(node2=dict(failed=True, msg='Permission denied'), node3=dict(unreachable=True, msg='ssh: timeout'))
    del results['node1']
    report = repository_drift(results, NODES)
    assert report['ok'] is False
    assert report['not_reported'] == {'node1': 'no repository_version result (the host did not run it)',
                                      'node2': 'repository_version failed: Permission denied',
                                      'node3': 'unreachable: ssh: timeout'}
    assert repository_drift(same(node2=dict(skipped=True)), NODES)['not_reported']['node2'] == 'repository_version was skipped'


def test_content_drift_with_the_same_revision_name():
    digests = {'05-drwmeta': 'aa', '10-drwbases': 'bb'}
    results = dict((node, result({'05-drwmeta': NEW, '10-drwbases': NEW}, digests)) for node in NODES)
    assert repository_drift(results, NODES)['ok'] is True
    assert '(content compared)' in repository_drift(results, NODES)['table']
    results['node2'] = result({'05-drwmeta': NEW, '10-drwbases': NEW}, {'05-drwmeta': 'aa', '10-drwbases': 'XX'})
    report = repository_drift(results, NODES)
    assert report['ok'] is False and report['drift'] == []
    assert report['content_drift'] == [dict(product='10-drwbases', node='node2', field='content', value='XX',
                                            expected='bb', others=['bb'])]
    assert report['odd_nodes'] == ['node2']


def test_content_not_compared_for_products_whose_revision_differs():
    results = dict((node, result({'10-drwbases': NEW}, {'10-drwbases': 'bb'})) for node in NODES)
    results['node3'] = result({'10-drwbases': OLD}, {'10-drwbases': 'old'})
    report = repository_drift(results, NODES)
    assert [entry['field'] for entry in report['drift'] + report['content_drift']] == ['revision']


def test_empty_repositories_are_not_ok():
    report = repository_drift(dict((node, result({})) for node in NODES), NODES)
    assert report['ok'] is False and 'no node holds any product' in report['table']


def test_nodes_default_to_the_input_keys_and_input_errors():
    assert repository_drift(same())['nodes'] == NODES
    with pytest.raises(AnsibleFilterError, match='expects a dict'):
        repository_drift([result({})])
    with pytest.raises(AnsibleFilterError, match='nodes must be a list'):
        repository_drift(same(), 'node1')
    with pytest.raises(AnsibleFilterError, match='no nodes'):
        repository_drift(same(), [])


def test_registered_as_filter_and_documented():
    assert plugin.FilterModule().filters()['repository_drift'] is repository_drift
    doc = dict((name, yaml.safe_load(getattr(plugin, name))) for name in ('DOCUMENTATION', 'EXAMPLES', 'RETURN'))
    assert doc['DOCUMENTATION']['name'] == 'repository_drift'
    assert set(doc['DOCUMENTATION']['options']) == {'_input', 'nodes', 'reference'}
    assert set(doc['RETURN']['_value']['contains']) == set(repository_drift(same(), NODES))
