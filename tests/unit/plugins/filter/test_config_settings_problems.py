# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the drweb.cluster.config_settings_problems filter: the config role's input rules."""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.drweb.cluster.plugins.filter.config_settings_problems import FilterModule, config_settings_problems

SERVERS = ['node1', 'node2', 'node3']
# What the role passes on the lab's converged cluster: every setting usable.
CLUSTER = {'name': 'esuite.drweb.test', 'name_given': 'esuite.drweb.test', 'group': '232.0.0.1', 'port': '11111',
           'ttl': '1', 'probe_port': '11111', 'strategy': 'serial', 'primary': 'node1', 'servers_group': SERVERS}
NODE = {'host': 'node2', 'servers_group': SERVERS, 'interface': '0.0.0.0', 'addresses': []}
DATABASE = {'host': '10.213.0.10', 'name': 'drwcs', 'user': 'drwcs', 'password_set': True, 'port': 5432,
            'tls_problems': []}


def cluster(**changes):
    return config_settings_problems({'cluster': dict(CLUSTER, **changes)})


def node(**changes):
    return config_settings_problems({'node': dict(NODE, **changes)})


def database(**changes):
    return config_settings_problems({'database': dict(DATABASE, **changes)})


def test_usable_settings_have_no_problem():
    assert config_settings_problems({'cluster': CLUSTER, 'node': NODE, 'first_host': True}) == []
    assert database() == []
    assert cluster(name='10.213.50.100') == [] and cluster(name='esuite.drweb.test.') == []
    assert cluster(group='224.0.0.1') == [] and cluster(group='239.255.255.255') == []
    assert cluster(port='65535', ttl='255', probe_port='1') == []
    assert cluster(strategy='parallel') == []
    assert node(interface='10.213.50.12', addresses=['127.0.0.1', '10.213.50.12']) == []
    assert database(port='1') == [] and database(port='65535') == []
    assert config_settings_problems({}) == []


@pytest.mark.parametrize('name, given, shown', [
    ('', '', '""'),
    ('bad name!', 'bad name!', '"bad name!"'),
    ('bad_name!', 'bad_name!', '"bad_name!"'),
    ('-esuite.example.com', '-esuite.example.com', '"-esuite.example.com"'),
    ('a' * 64 + '.example.com', 'a' * 64 + '.example.com', '"' + 'a' * 64 + '.example.com"'),
    ('', None, '"(unset)"'),
])
def test_cluster_name(name, given, shown):
    assert cluster(name=name, name_given=given) == [
        'drweb_cluster_name must be the common DNS name (or IP address) every Server gives Agent installers, for example '
        'esuite.example.com: labels of letters, digits and inner hyphens, at most 253 characters; got %s.' % shown]


def test_cluster_name_longer_than_253_characters():
    name = '.'.join(['a' * 63] * 4)
    assert len(name) > 253
    assert cluster(name=name, name_given=name)[0].startswith('drweb_cluster_name must be the common DNS name')


@pytest.mark.parametrize('group', ['10.0.0.1', '239.300.1.1', '240.0.0.1', '223.255.255.255', 'abc', ''])
def test_multicast_group(group):
    assert cluster(group=group) == [
        'drweb_cluster_multicast_group must be an IPv4 multicast address (224.0.0.0/4, for example 232.0.0.1); '
        'got "%s".' % group]


@pytest.mark.parametrize('changes, shown', [
    ({'port': '70000'}, ('70000', '1', '11111')),
    ({'port': 'abc'}, ('abc', '1', '11111')),
    ({'port': '0'}, ('0', '1', '11111')),
    ({'ttl': '-1'}, ('11111', '-1', '11111')),
    ({'ttl': '0'}, ('11111', '0', '11111')),
    ({'ttl': 256}, ('11111', '256', '11111')),
    ({'probe_port': '65536'}, ('11111', '1', '65536')),
])
def test_multicast_port_ttl_and_probe_port(changes, shown):
    assert cluster(**changes) == [
        'drweb_cluster_multicast_port (and drweb_config_probe_port) must be a UDP port 1-65535 and '
        'drweb_cluster_multicast_ttl a datagram TTL 1-255; got port "%s", ttl "%s", probe port "%s".' % shown]


def test_restart_strategy_and_primary_host():
    assert cluster(strategy='rolling') == ['drweb_restart_strategy must be serial or parallel (got "rolling").']
    assert cluster(primary='node9') == [
        'drweb_primary_host must be a member of drweb_servers (got "node9"; drweb_servers = ["node1", "node2", "node3"]).']
    assert cluster(primary='node1', servers_group=[]) == [
        'drweb_primary_host must be a member of drweb_servers (got "node1"; drweb_servers = []).']


def test_every_independent_problem_is_named_in_one_failure():
    problems = config_settings_problems({
        'cluster': dict(CLUSTER, name='', name_given='', group='10.0.0.1', port='0', strategy='rolling'),
        'node': dict(NODE, interface='10.9.9.9', addresses=['10.213.50.12'])})
    assert [problem.split(' ')[0] for problem in problems] == [
        'drweb_cluster_name', 'drweb_cluster_multicast_group', 'drweb_cluster_multicast_port', 'drweb_restart_strategy',
        'drweb_cluster_interface']


def test_cluster_part_is_checked_on_the_first_host_only():
    settings = {'cluster': dict(CLUSTER, group='10.0.0.1'), 'node': NODE}
    assert len(config_settings_problems(dict(settings, first_host=True))) == 1
    assert config_settings_problems(dict(settings, first_host=False)) == []
    assert config_settings_problems(dict(settings, first_host=False, node=dict(NODE, interface='x'))) == [
        'drweb_cluster_interface of node2 must be 0.0.0.0 (all interfaces) or an IPv4 address of this host (); got "x".']


@pytest.mark.parametrize('interface, addresses, shown', [
    ('10.9.9.9', ['127.0.0.1', '10.213.50.12'], '127.0.0.1, 10.213.50.12'),
    ('10.213.50.300', ['10.213.50.12'], '10.213.50.12'),
    ('eth0', [], ''),
])
def test_interface(interface, addresses, shown):
    assert node(interface=interface, addresses=addresses) == [
        'drweb_cluster_interface of node2 must be 0.0.0.0 (all interfaces) or an IPv4 address of this host (%s); '
        'got "%s".' % (shown, interface)]


def test_a_host_outside_drweb_servers_is_refused_and_its_interface_not_checked():
    assert node(host='client1', interface='10.9.9.9') == [
        'The role runs on members of drweb_servers only (client1; drweb_servers = ["node1", "node2", "node3"]).']


def test_database_settings_unset():
    assert database(host='', password_set=False) == [
        'drweb_db_host, drweb_db_name, drweb_db_user and drweb_db_password must be set '
        '(unset: ["drweb_db_host", "drweb_db_password"]).']
    assert database(name=None, user=' ') == [
        'drweb_db_host, drweb_db_name, drweb_db_user and drweb_db_password must be set '
        '(unset: ["drweb_db_name", "drweb_db_user"]).']


@pytest.mark.parametrize('port', [99999, '0', 'abc', '', None])
def test_database_port(port):
    assert database(port=port) == ['drweb_db_port must be a TCP port 1-65535 (got "%s").' % ('' if port is None else port)]


def test_database_tls_problems():
    assert database(tls_problems=['drweb_db_sslmode must be one of x (got \'always\')', 'drweb_db_ssl_ca_file is y']) == [
        "drweb_db_sslmode must be one of x (got 'always'); drweb_db_ssl_ca_file is y. Nothing was changed."]


def test_every_database_problem_is_named():
    problems = database(user='', port='99999', tls_problems=['drweb_db_ssl_ca_file is y'])
    assert [problem.split(' ')[0] for problem in problems] == ['drweb_db_host,', 'drweb_db_port', 'drweb_db_ssl_ca_file']


def test_input_must_be_a_mapping():
    with pytest.raises(AnsibleFilterError, match='must be a mapping'):
        config_settings_problems(['cluster'])
    with pytest.raises(AnsibleFilterError, match='node must be a mapping'):
        config_settings_problems({'node': 'node1'})


def test_registered():
    assert FilterModule().filters()['config_settings_problems'] is config_settings_problems


def test_a_node_without_a_server_is_named_with_the_other_problems():
    assert node(installed=True) == [] and node() == []
    assert node(installed=False) == ['node2: no Dr.Web Server is installed, so there is no drwcsd.conf to configure (run '
                                     'the install role first). Nothing was changed.']
    assert node(installed=False, compare_only=True) == ['node2: no Dr.Web Server is installed, so there is no drwcsd.conf '
                                                        'to compare']
    both = config_settings_problems({'cluster': dict(CLUSTER, strategy='rolling'),
                                     'node': dict(NODE, interface='10.9.9.9', installed=False)})
    assert [problem.split(' ', 1)[0] for problem in both] == ['drweb_restart_strategy', 'drweb_cluster_interface', 'node2:']
    # a host outside drweb_servers is named for that alone
    assert node(host='db1', installed=False) == ['The role runs on members of drweb_servers only (db1; drweb_servers = '
                                                 '["node1", "node2", "node3"]).']
