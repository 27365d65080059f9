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
    assert rollout_position(['node1', 'node2', 'node3'], node) == dict(done=done, pending=pending)


def test_bad_input_is_named():
    with pytest.raises(AnsibleFilterError, match='ordered list of Servers'):
        rollout_position('node1,node2', 'node1')
