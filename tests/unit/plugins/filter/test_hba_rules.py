# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the drweb.cluster.hba_rules filter (the database role's pg_hba.conf rules, one per Server)."""

from __future__ import annotations

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.drweb.cluster.plugins.filter.hba_rules import FilterModule, hba_rules

HOSTVARS = {
    'node1': {'ansible_host': '10.0.0.11'},
    'node2': {'ansible_host': '10.0.0.12'},
    'node3': {'ansible_host': 'fd00:10::13'},
}


def rule(address, host, contype='host'):
    return dict(contype=contype, databases='drwcs', users='drwcs', address=address, method='scram-sha-256',
                comment='drweb.cluster: Dr.Web Server %s' % host, state='present')


def test_one_rule_per_server_for_the_database_and_the_role_only():
    result = hba_rules(HOSTVARS, ['node1', 'node2', 'node3'], 'drwcs', 'drwcs')
    assert result == dict(rules=[rule('10.0.0.11/32', 'node1'), rule('10.0.0.12/32', 'node2'),
                                 rule('fd00:10::13/128', 'node3')], problems=[])


@pytest.mark.parametrize('sslmode, contype', [('require', 'hostssl'), ('verify-full', 'hostssl'), ('verify-ca', 'hostssl'),
                                              ('prefer', 'host'), ('disable', 'host'), ('', 'host')])
def test_tls_modes_make_hostssl_rules(sslmode, contype):
    rules = hba_rules(HOSTVARS, ['node1'], 'drwcs', 'drwcs', sslmode)['rules']
    assert [item['contype'] for item in rules] == [contype]


def test_the_client_address_wins_and_servers_behind_one_address_share_its_rule():
    hostvars = dict(HOSTVARS, node1={'ansible_host': '192.0.2.1', 'drweb_db_client_address': '10.9.0.0/16'},
                    node2={'ansible_host': '192.0.2.2', 'drweb_db_client_address': ' 10.9.0.0/16 '})
    result = hba_rules(hostvars, ['node1', 'node2'], 'drwcs', 'drwcs')
    assert result == dict(rules=[rule('10.9.0.0/16', 'node1')], problems=[])


def test_a_host_name_or_a_bad_network_is_named_with_its_variable():
    hostvars = {'node1': {'ansible_host': 'node1.example.test'},
                'node2': {'ansible_host': '10.0.0.12', 'drweb_db_client_address': '10.0.0.12/24'},
                'node3': {}}
    result = hba_rules(hostvars, ['node1', 'node2', 'node3'], 'drwcs', 'drwcs')
    assert result['rules'] == []
    assert result['problems'] == [
        "node1: ansible_host 'node1.example.test' is not an IP address or a CIDR network (set drweb_db_client_address to "
        "the address the database host sees its connections come from)",
        "node2: drweb_db_client_address '10.0.0.12/24' is not an IP address or a CIDR network (set drweb_db_client_address "
        "to the address the database host sees its connections come from)",
        "node3: ansible_host 'node3' is not an IP address or a CIDR network (set drweb_db_client_address to the address "
        "the database host sees its connections come from)",
    ]


@pytest.mark.parametrize('arguments, message', [
    ((['node1'], 'drwcs', 'drwcs'), 'the input must be hostvars'),
    (('node1', 'drwcs', 'drwcs'), 'servers must be a list of inventory names'),
    ((['node1'], '', 'drwcs'), 'the database and the user must be named'),
])
def test_bad_arguments(arguments, message):
    hostvars = [] if message.startswith('the input') else HOSTVARS
    with pytest.raises(AnsibleFilterError, match=message):
        hba_rules(hostvars, *arguments)


def test_the_filter_is_registered():
    assert FilterModule().filters()['hba_rules'] is hba_rules
