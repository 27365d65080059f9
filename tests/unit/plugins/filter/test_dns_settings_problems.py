# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the drweb.cluster.dns_settings_problems filter: the DNS role's cross-field rules."""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.drweb.cluster.plugins.filter.dns_settings_problems import FilterModule, dns_settings_problems

# What the role passes on the lab's converged cluster: every setting usable.
GOOD = {
    'servers_group': ['node1', 'node2', 'node3'], 'exclude': [], 'published': ['node1', 'node2', 'node3'],
    'cluster_name': 'esuite.drweb.test', 'name': 'esuite.drweb.test', 'zone_name': 'drweb.test',
    'ttl': 60, 'ttl_text': '60', 'port': 53, 'port_text': '53',
    'manage': True, 'manage_text': 'true', 'ipv6': False, 'ipv6_text': 'false',
    'srv': False, 'srv_text': 'false', 'srv_name_text': '_drwcs._tcp.drweb.test', 'srv_port': 2193, 'srv_port_text': '2193',
    'address_problems': [], 'server': '10.213.0.53',
    'tsig_key_name_set': True, 'tsig_key_secret_set': True, 'update_host': 'dns1', 'update_host_known': True,
}


def problems(**changes):
    settings = dict(GOOD)
    settings.update(changes)
    return dns_settings_problems(settings)


def test_usable_settings_have_no_problem():
    assert problems() == []
    assert problems(server='dns1.drweb.test.') == []
    assert problems(server='fd00:10::53') == []
    assert problems(srv=True, srv_text='true') == []
    # the zone may be the cluster name itself
    assert problems(zone_name='esuite.drweb.test') == []
    # TTL 0 and the largest TTL are TTLs
    assert problems(ttl_text='0') == [] and problems(ttl_text='2147483647') == []


@pytest.mark.parametrize('changes, message', [
    (dict(name='', cluster_name=''),
     'drweb_cluster_name is empty: set the common DNS name of the cluster (for example esuite.example.com).'),
    (dict(name='esuite', cluster_name='esuite'),
     "drweb_cluster_name 'esuite' is not a valid DNS name: it needs at least one dot, labels of 1-63 letters, digits or "
     "hyphens (not starting or ending with a hyphen) and at most 253 characters."),
    (dict(zone_name='example.com'),
     "drweb_dns_zone 'example.com' is not a valid zone that contains drweb_cluster_name 'esuite.drweb.test' (leave "
     "drweb_dns_zone empty for the part of the name after its first dot)."),
    (dict(ttl=-1, ttl_text='-1'),
     "drweb_dns_ttl '-1' is not a TTL: a whole number of seconds from 0 to 2147483647 (empty means 60)."),
    (dict(port=0, port_text='0'), "drweb_dns_port '0' is not a port from 1 to 65535 (empty means 53)."),
    (dict(manage='perhaps', manage_text='perhaps'),
     "drweb_dns_manage 'perhaps' is not a boolean (true or false; empty means true)."),
    (dict(ipv6='maybe', ipv6_text='maybe'), "drweb_dns_ipv6 'maybe' is not a boolean (true or false; empty means false)."),
    (dict(srv='sometimes', srv_text='sometimes'),
     "drweb_dns_srv 'sometimes' is not a boolean (true or false; empty means false)."),
    (dict(srv_port=70000, srv_port_text='70000'), "drweb_dns_srv_port '70000' is not a port number (1-65535)."),
    (dict(srv=True, srv_text='true', srv_name_text='_drwcs._tcp.example.com'),
     "drweb_dns_srv_name '_drwcs._tcp.example.com' is not an SRV owner name _service._tcp.<domain> in the zone "
     "drweb.test (drweb_dns_zone)."),
    (dict(srv_name_text='drwcs.tcp.drweb.test'),
     "drweb_dns_srv_name 'drwcs.tcp.drweb.test' is not an SRV owner name _service._tcp.<domain> in the zone "
     "drweb.test (drweb_dns_zone)."),
    (dict(server='300.1.1.1'),
     'drweb_dns_server must be the IPv4/IPv6 address or the host name of the DNS server that is primary for '
     'drweb.test; got "300.1.1.1".'),
    (dict(server=''),
     'drweb_dns_server is not set (and there is no drweb_dns group to take it from): set the address of the DNS '
     'server that is primary for drweb.test.'),
    (dict(exclude=['node9']), 'drweb_dns_exclude names node9, not a member of drweb_servers (node1, node2, node3).'),
    (dict(exclude=['node1', 'node2', 'node3'], published=[]),
     'drweb_dns_exclude leaves no Server of drweb_servers under the cluster name; at least one must remain.'),
    (dict(servers_group=[], published=[]),
     'The drweb_servers group is empty or missing; the cluster name needs at least one Server.'),
    (dict(address_problems=["node1: drweb_dns_server_address 'node.example.com' is not an IP address"]),
     "node1: drweb_dns_server_address 'node.example.com' is not an IP address. Set drweb_dns_server_address (IPv4) "
     "or, with drweb_dns_ipv6, drweb_dns_server_address6 to the address the Agents reach that Server at."),
    (dict(tsig_key_secret_set=False),
     "Publishing the cluster name (drweb_dns_manage is true) needs drweb_dns_tsig_key_name (set), "
     "drweb_dns_tsig_key_secret (NOT SET) and an inventory host to send the update from: drweb_dns_update_host 'dns1' "
     "(in the inventory). Set drweb_dns_manage to false when DNS is managed elsewhere."),
    (dict(update_host='ns9', update_host_known=False),
     "Publishing the cluster name (drweb_dns_manage is true) needs drweb_dns_tsig_key_name (set), "
     "drweb_dns_tsig_key_secret (set) and an inventory host to send the update from: drweb_dns_update_host 'ns9' "
     "(NOT in the inventory). Set drweb_dns_manage to false when DNS is managed elsewhere."),
])
def test_each_problem_is_named_with_its_variable(changes, message):
    assert problems(**changes) == [message]


@pytest.mark.parametrize('name', [
    'esuite drweb.test', 'x' * 64 + '.drweb.test', '-esuite.drweb.test', 'esuite-.drweb.test', 'esuite..drweb.test',
    ('a' * 60 + '.') * 5 + 'test',   # 309 characters
])
def test_names_that_are_not_dns_names_are_refused(name):
    assert problems(name=name, cluster_name=name)[0].startswith("drweb_cluster_name '%s' is not a valid DNS name" % name)


@pytest.mark.parametrize('ttl', ['soon', '1.5', '2147483648', '12345678901', ''])
def test_ttls_out_of_range_or_not_whole_numbers_are_refused(ttl):
    assert problems(ttl=ttl, ttl_text=ttl) == [
        "drweb_dns_ttl '%s' is not a TTL: a whole number of seconds from 0 to 2147483647 (empty means 60)." % ttl]


@pytest.mark.parametrize('server', ['10.0.0', '1.2.3.4.5', 'dns server', '-dns.drweb.test', 'fd00::zz'])
def test_dns_servers_that_are_neither_address_nor_host_name_are_refused(server):
    assert len(problems(server=server)) == 1


def test_a_wrong_name_does_not_also_report_the_zone_or_the_srv_owner_it_implies():
    # one mistake, one message: the zone and the SRV owner name derive from the cluster name
    assert problems(name='esuite', cluster_name='esuite', zone_name='', srv_name_text='_drwcs._tcp.') == [
        "drweb_cluster_name 'esuite' is not a valid DNS name: it needs at least one dot, labels of 1-63 letters, digits "
        "or hyphens (not starting or ending with a hyphen) and at most 253 characters."]


def test_independent_problems_are_all_named_at_once():
    found = problems(ttl='soon', ttl_text='soon', port=0, port_text='0', manage='perhaps', manage_text='perhaps')
    assert [line.split(' ')[0] for line in found] == ['drweb_dns_ttl', 'drweb_dns_port', 'drweb_dns_manage']


def test_without_publishing_the_tsig_key_and_update_host_are_not_needed():
    assert problems(manage=False, manage_text='false', tsig_key_name_set=False, tsig_key_secret_set=False,
                    update_host='', update_host_known=False) == []


def test_the_srv_owner_name_outside_the_zone_is_only_a_problem_when_the_record_is_published():
    assert problems(srv_name_text='_drwcs._tcp.example.com') == []


def test_a_value_that_is_not_a_mapping_is_refused_and_the_filter_is_registered():
    with pytest.raises(AnsibleFilterError, match='mapping'):
        dns_settings_problems(['node1'])
    assert FilterModule().filters()['dns_settings_problems'] is dns_settings_problems


def test_a_tsig_secret_the_update_cannot_carry_is_named_only_when_publishing():
    unusable = ['drweb_dns_tsig_key_secret holds a NUL character: the product cannot keep it ...']
    assert problems(secret_problems=unusable) == unusable
    assert problems(secret_problems=unusable, update_host_known=False)[0] == unusable[0]
    assert problems(secret_problems=unusable, manage=False, manage_text='false') == []
