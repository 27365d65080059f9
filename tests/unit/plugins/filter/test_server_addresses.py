# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the drweb.cluster.server_addresses filter."""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.drweb.cluster.plugins.filter.server_addresses import FilterModule, server_addresses

HOSTVARS = {
    'node1': {'ansible_host': '10.0.0.11', 'drweb_dns_server_address6': 'fd00:10:0:0::11'},
    'node2': {'ansible_host': '10.0.0.12'},
    'node3': {'ansible_host': 'fd00:10::13'},
    'node4': {'ansible_host': '192.168.7.4', 'drweb_dns_server_address': '10.0.0.14'},
}


def test_ipv4_only_publishes_a_records_and_names_a_server_without_ipv4():
    result = server_addresses(HOSTVARS, ['node1', 'node2', 'node3', 'node4'])
    assert result['A'] == {'node1': '10.0.0.11', 'node2': '10.0.0.12', 'node4': '10.0.0.14'}
    assert result['AAAA'] == {} and result['types'] == ['A']
    assert result['problems'] == ["node3: no IPv4 address to publish (drweb_dns_server_address, else ansible_host 'fd00:10::13')"]


def test_with_ipv6_a_server_gets_an_aaaa_record_from_its_ipv6_address():
    result = server_addresses(HOSTVARS, ['node1', 'node2', 'node3', 'node4'], True)
    assert result['types'] == ['A', 'AAAA']
    # written in its compressed form, whatever the inventory says
    assert result['AAAA'] == {'node1': 'fd00:10::11', 'node3': 'fd00:10::13'}
    assert result['addresses'] == {'A': ['10.0.0.11', '10.0.0.12', '10.0.0.14'], 'AAAA': ['fd00:10::11', 'fd00:10::13']}
    assert result['problems'] == []


def test_a_value_that_is_not_an_address_is_named():
    hostvars = {'node1': {'ansible_host': '10.0.0.11', 'drweb_dns_server_address6': '10.0.0.99'},
                'node2': {'ansible_host': 'node2.example', 'drweb_dns_server_address': 'node2.example'}}
    problems = server_addresses(hostvars, ['node1', 'node2'], True)['problems']
    assert "node1: drweb_dns_server_address6 '10.0.0.99' is not an IPv6 address" in problems
    assert "node2: drweb_dns_server_address 'node2.example' is not an IP address" in problems


def test_addresses_sort_numerically():
    hostvars = {'a': {'ansible_host': '10.0.0.9'}, 'b': {'ansible_host': '10.0.0.10'}}
    assert server_addresses(hostvars, ['a', 'b'])['addresses']['A'] == ['10.0.0.9', '10.0.0.10']


def test_bad_input_is_refused():
    with pytest.raises(AnsibleFilterError, match='hostvars'):
        server_addresses(['node1'], ['node1'])
    with pytest.raises(AnsibleFilterError, match='servers must be a list'):
        server_addresses(HOSTVARS, 'node1')
    assert 'server_addresses' in FilterModule().filters()


def test_without_a_configured_ipv6_address_the_servers_own_from_its_facts_is_published():
    hostvars = {
        'node1': {'ansible_host': '10.0.0.11', 'ansible_facts': {'all_ipv6_addresses': ['fe80::1', 'fd64:ade::b'], 'default_ipv6': {}}},
        'node2': {'ansible_host': '10.0.0.12', 'ansible_facts': {'all_ipv6_addresses': ['fe80::2']}},
        'node3': {'ansible_host': '10.0.0.13', 'ansible_facts': {'default_ipv6': {'address': '2001:db8::13'},
                                                                 'all_ipv6_addresses': ['fd00::13', '2001:db8::13']}},
    }
    result = server_addresses(hostvars, ['node1', 'node2', 'node3'], True)
    # a link-local address is no address for Agents; the default route's address comes first
    assert result['AAAA'] == {'node1': 'fd64:ade::b', 'node3': '2001:db8::13'}
    assert result['problems'] == []
    assert server_addresses(hostvars, ['node1'], False)['AAAA'] == {}
