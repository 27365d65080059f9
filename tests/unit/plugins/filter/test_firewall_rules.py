# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the drweb.cluster.firewall_rules filter: exactly the cluster's ports, each from whom it must be."""

from __future__ import annotations

import pytest
import yaml

from ansible.errors import AnsibleFilterError

from ansible_collections.drweb.cluster.plugins.filter import firewall_rules as plugin
from ansible_collections.drweb.cluster.plugins.filter.firewall_rules import firewall_rules
from ansible_collections.drweb.cluster.plugins.module_utils import drwcsd

SERVERS = [dict(address='10.0.0.11', cluster_interface='0.0.0.0'), dict(address='10.0.0.12', cluster_interface=''),
           dict(address='10.0.0.13', cluster_interface='192.168.1.13')]


def ports(rules):
    return [(rule['proto'], rule['port']) for rule in rules]


def by_port(rules, proto, port):
    return next(rule for rule in rules if (rule['proto'], rule['port']) == (proto, port))


def test_a_server_opens_exactly_the_server_ports():
    rules = firewall_rules(['server'], 11111, 5432, 22, SERVERS)
    assert ports(rules) == [('tcp', 22), ('tcp', drwcsd.AGENT_PORT), ('udp', drwcsd.AGENT_PORT), ('udp', 11111),
                            ('tcp', drwcsd.WEB_API_HTTP_PORT), ('tcp', drwcsd.WEB_API_HTTPS_PORT)]
    assert (drwcsd.AGENT_PORT, drwcsd.WEB_API_HTTP_PORT, drwcsd.WEB_API_HTTPS_PORT) == (2193, 9080, 9081)
    anywhere = [rule for rule in rules if not rule['sources_v4'] and not rule['sources_v6']]
    assert ports(anywhere) == [('tcp', 22), ('tcp', 2193), ('udp', 2193), ('tcp', 9080), ('tcp', 9081)]


def test_the_cluster_protocol_is_open_to_the_servers_cluster_addresses_only():
    rule = by_port(firewall_rules(['server'], '11112', 5432, 22, SERVERS), 'udp', 11112)
    # an interface address replaces the host address; 0.0.0.0 or empty mean the host address
    assert rule['sources_v4'] == ['10.0.0.11', '10.0.0.12', '192.168.1.13'] and rule['sources_v6'] == []


def test_hostvars_entries_work_as_servers():
    hostvars = [dict(ansible_host='10.0.0.21', drweb_cluster_interface='0.0.0.0', other='x'),
                dict(ansible_host='10.0.0.22', drweb_cluster_interface='192.168.1.22')]
    assert by_port(firewall_rules(['server'], 11111, 5432, 22, hostvars), 'udp', 11111)['sources_v4'] == ['10.0.0.21', '192.168.1.22']


def test_the_database_host_opens_postgresql_to_the_servers_only():
    rules = firewall_rules(['database'], 11111, 5433, 2222, SERVERS)
    assert ports(rules) == [('tcp', 2222), ('tcp', 5433)]
    assert by_port(rules, 'tcp', 5433)['sources_v4'] == ['10.0.0.11', '10.0.0.12', '10.0.0.13']


def test_a_server_on_the_database_host_gets_both():
    assert ports(firewall_rules(['server', 'database'], 11111, 5432, 22, SERVERS))[-1] == ('tcp', 5432)


def test_sources_restrict_control_center_and_ssh_and_split_by_family():
    rules = firewall_rules(['server'], 11111, 5432, 22, SERVERS, control_center_sources=['192.0.2.0/24', '2001:db8::1'],
                           ssh_sources=['198.51.100.7/32'])
    assert by_port(rules, 'tcp', 9080)['sources_v4'] == ['192.0.2.0/24']
    assert by_port(rules, 'tcp', 9081)['sources_v6'] == ['2001:db8::1']
    assert by_port(rules, 'tcp', 22)['sources_v4'] == ['198.51.100.7']


def test_extra_rules_and_merging_of_the_same_port():
    rules = firewall_rules(['database'], 11111, 5432, 22, SERVERS,
                           extra=[dict(proto='tcp', port=5432, sources=['10.0.0.50']), dict(proto='udp', port=53)])
    assert by_port(rules, 'tcp', 5432)['sources_v4'] == ['10.0.0.11', '10.0.0.12', '10.0.0.13', '10.0.0.50']
    assert by_port(rules, 'udp', 53)['sources_v4'] == [] and by_port(rules, 'udp', 53)['comment'] == 'extra'
    # an "anywhere" rule for a port wins over a restricted one
    opened = firewall_rules(['database'], 11111, 5432, 22, SERVERS, extra=[dict(proto='tcp', port=5432)])
    assert by_port(opened, 'tcp', 5432)['sources_v4'] == []


@pytest.mark.parametrize('args,message', [
    ((['server'], 11111, 5432, 22, []), 'needs the list of Servers'),
    ((['database'], 11111, 5432, 22, []), 'needs the list of Servers'),
    ((['server'], 0, 5432, 22, SERVERS), 'cluster_port must be a port'),
    ((['database'], 11111, 'x', 22, SERVERS), 'database_port must be a port'),
    ((['dns'], 11111, 5432, 22, SERVERS), 'list of duties'),
    (('server', 11111, 5432, 22, SERVERS), 'list of duties'),
    ((['server'], 11111, 5432, 22, [dict(cluster_interface='0.0.0.0')]), 'needs an address'),
])
def test_bad_input_is_refused_naming_it(args, message):
    with pytest.raises(AnsibleFilterError, match=message):
        firewall_rules(*args)


def test_a_bad_source_is_named():
    with pytest.raises(AnsibleFilterError, match="control_center_sources holds 'nowhere'"):
        firewall_rules(['server'], 11111, 5432, 22, SERVERS, control_center_sources=['nowhere'])


def test_registered_and_documented():
    assert plugin.FilterModule().filters() == {'firewall_rules': firewall_rules}
    doc = yaml.safe_load(plugin.DOCUMENTATION)
    assert doc['name'] == 'firewall_rules'
    assert set(doc['options']) == {'_input', 'cluster_port', 'database_port', 'ssh_port', 'servers',
                                   'control_center_sources', 'ssh_sources', 'extra'}
