# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the drweb.cluster.scheduler_choice filter (vendor cluster chapter, item 7)."""

from __future__ import annotations

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.drweb.cluster.plugins.filter.scheduler_choice import FilterModule, scheduler_choice


def hostvars(**sizes):
    return {host: dict(ansible_host='10.0.0.%d' % index, ansible_facts=dict(processor_vcpus=cpus, memtotal_mb=memory,
                                                                            all_ipv4_addresses=['10.0.0.%d' % index]))
            for index, (host, (cpus, memory)) in enumerate(sizes.items(), start=11)}


HOSTS = ['node1', 'node2', 'node3']
EQUAL = hostvars(node1=(2, 1000), node2=(2, 1000), node3=(2, 1000))


def test_the_filter_is_registered():
    assert FilterModule().filters()['scheduler_choice'] is scheduler_choice


def test_the_requested_host_wins():
    assert scheduler_choice(HOSTS, EQUAL, '10.0.0.2', 'node3')['host'] == 'node3'


def test_the_server_on_the_database_host_is_chosen():
    choice = scheduler_choice(HOSTS, EQUAL, '10.0.0.12')
    assert choice['host'] == 'node2' and 'on the database host 10.0.0.12' in choice['reason']


def test_the_most_productive_wins():
    choice = scheduler_choice(HOSTS, hostvars(node1=(2, 1000), node2=(4, 1000), node3=(2, 3000)), '10.0.0.2')
    assert choice['host'] == 'node3' and '2 CPU x 3000 MB' in choice['reason']


def test_a_tie_keeps_the_current_owner_else_inventory_order():
    assert scheduler_choice(HOSTS, EQUAL, '10.0.0.2', '', ['node2'])['host'] == 'node2'
    first = scheduler_choice(['node3', 'node1', 'node2'], EQUAL, '10.0.0.2')
    assert first['host'] == 'node3' and 'first in inventory order' in first['reason']
    # a more productive Server takes the tasks from the current owner; several owners are no owner
    assert scheduler_choice(HOSTS, hostvars(node1=(2, 1000), node2=(2, 1000), node3=(8, 1000)), '', '', ['node1'])['host'] == 'node3'
    assert scheduler_choice(HOSTS, EQUAL, '', '', ['node2', 'node3'])['host'] == 'node1'


def test_excluded_members_are_never_chosen():
    choice = scheduler_choice(HOSTS, EQUAL, '10.0.0.11', '', ['node1'], ['node1'])
    assert choice['host'] == 'node2' and choice['excluded'] == ['node1']
    assert [row['host'] for row in choice['candidates']] == ['node2', 'node3']


def test_bad_input_is_refused():
    with pytest.raises(AnsibleFilterError):
        scheduler_choice('node1', EQUAL)
    with pytest.raises(AnsibleFilterError):
        scheduler_choice(['node1'], EQUAL, '', '', [], ['node1'])


def test_the_summary_shows_the_choice_the_candidates_and_the_excluded():
    choice = scheduler_choice(HOSTS, EQUAL, '10.0.0.11', '', [], ['node3'])
    assert choice['summary'] == [
        'exclusive tasks on node1: it is on the database host 10.0.0.11 (vendor item 7)',
        'candidates (host, CPUs, memory MB, on the database host): node1 2 1000 True; node2 2 1000 False',
        'excluded: node3']
    assert scheduler_choice(HOSTS, EQUAL, '10.0.0.2')['summary'][2] == 'excluded: none'
