# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the drweb.cluster.rollout_position filter."""

from __future__ import annotations

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.drweb.cluster.plugins.filter.rollout_position import FilterModule, rollout_position


def test_the_filter_is_registered():
    assert FilterModule().filters()['rollout_position'] is rollout_position


@pytest.mark.parametrize('node,done,pending', [
    ('node1', [], ['node2', 'node3']),
    ('node2', ['node1'], ['node3']),
    ('node3', ['node1', 'node2'], []),
    ('node9', [], ['node1', 'node2', 'node3']),
])
def test_the_list_is_split_at_the_server(node, done, pending):
    assert rollout_position(['node1', 'node2', 'node3'], node) == dict(done=done, pending=pending, together=[])


@pytest.mark.parametrize('node,done,pending,together', [
    ('node1', [], ['node2', 'node3', 'node4'], []),
    ('node2', ['node1'], ['node4'], ['node3']),
    ('node3', ['node1'], ['node4'], ['node2']),
    ('node4', ['node1', 'node2', 'node3'], [], []),
])
def test_batches_split_at_the_servers_batch(node, done, pending, together):
    # the primary alone, then the two Servers this run installed together, then a running member
    order = [['node1'], ['node2', 'node3'], ['node4']]
    assert rollout_position(order, node) == dict(done=done, pending=pending, together=together)


def test_names_and_batches_mix():
    position = rollout_position(['node1', ['node2', 'node3']], 'node3')
    assert position == dict(done=['node1'], pending=[], together=['node2'])


@pytest.mark.parametrize('order', [[['node1', 2]], [{'node1': 1}], 'node1'])
def test_a_bad_batch_is_named(order):
    with pytest.raises(AnsibleFilterError, match='ordered list of Servers'):
        rollout_position(order, 'node1')


def test_bad_input_is_named():
    with pytest.raises(AnsibleFilterError, match='ordered list of Servers'):
        rollout_position('node1,node2', 'node1')
