# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``drweb.cluster.config_settings_problems`` filter: what is wrong with the config role's settings, every problem named.

Documentation: DOCUMENTATION below (``ansible-doc -t filter drweb.cluster.config_settings_problems``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
name: config_settings_problems
version_added: 0.1.0
short_description: What is wrong with the settings of the cluster protocol or the common database, one message per problem
description:
  - The rules of the C(drweb.cluster.config) role that its argument specification cannot express, decided in one place
    before anything is read from or written to a Server. Each message names the variable and quotes its value.
  - The input holds one or more of three parts, and only the parts given are checked.
  - C(cluster) - the cluster-wide settings, checked only where C(first_host) is true or not given (the same result on
    every host, so the role checks them once, on the first host of the play) - the common Server name, the multicast
    group, port, TTL and probe port, the restart strategy and the primary host.
  - C(node) - what depends on the node - that it is a member of C(drweb_servers), that C(drweb_cluster_interface)
    is C(0.0.0.0) or one of its IPv4 addresses and, when C(node.installed) is given, that a Dr.Web Server is installed
    (there is a C(drwcsd.conf) to configure or compare).
  - C(database) - the common database's settings (the entry point C(database)) - host, name, user and password set,
    the port, and the TLS problems.
options:
  _input:
    description:
      - C(cluster.name) - the common Server name as the checks read it (trimmed); C(cluster.name_given) - as given, for
        the message; C(cluster.group), C(cluster.port), C(cluster.ttl), C(cluster.probe_port) - the multicast group,
        port, TTL and the probe's port (defaults applied); C(cluster.strategy) - the restart strategy;
        C(cluster.primary) - the primary (identity source) host; C(cluster.servers_group) - the C(drweb_servers) group.
      - C(first_host) - whether this host checks the C(cluster) part (default true).
      - C(node.host) - this host's inventory name; C(node.servers_group) - the C(drweb_servers) group;
        C(node.interface) - C(drweb_cluster_interface) (C(0.0.0.0) when unset); C(node.addresses) - the node's IPv4
        addresses (read only when the interface is an address); C(node.installed) - whether the node's Server is
        installed (its drweb.cluster.server_facts read; not checked when missing); C(node.compare_only) - the role
        only compares (the entry point C(predict)), and the message of a node without a Server says so.
      - C(database.host), C(database.name), C(database.user) - the values (empty is unset);
        C(database.password_set) - whether C(drweb_db_password) is set (never the password itself);
        C(database.port) - the port as given; C(database.tls_problems) - the C(problems) of the
        P(drweb.cluster.pgsql_attributes#filter) filter's result.
    type: dict
    required: true
'''

EXAMPLES = r'''
- name: Check the cluster protocol settings
  vars:
    problems: >-
      {{ {'cluster': {'name': 'esuite.example.com', 'name_given': 'esuite.example.com', 'group': '232.0.0.1',
                      'port': '11111', 'ttl': '1', 'probe_port': '11111', 'strategy': 'serial',
                      'primary': 'node1', 'servers_group': groups['drweb_servers']},
          'node': {'host': inventory_hostname, 'servers_group': groups['drweb_servers'], 'interface': '0.0.0.0'}}
         | drweb.cluster.config_settings_problems }}
  ansible.builtin.assert:
    that: problems | length == 0
    fail_msg: "{{ problems | join(' ') }}"
'''

RETURN = r'''
_value:
  description: One message per problem, each naming its variable; empty when the settings are usable.
  type: list
  elements: str
  sample:
    - 'drweb_cluster_multicast_group must be an IPv4 multicast address (224.0.0.0/4, for example 232.0.0.1); got "10.0.0.1".'
'''

import json
import re
from collections.abc import Mapping

from ansible.errors import AnsibleFilterError
from ansible_collections.drweb.cluster.plugins.plugin_utils.settings_checks import (
    DNS_LABEL, IPV4, RESTART_STRATEGIES, is_port, number_in, quoted, stripped,
)

CLUSTER_NAME = re.compile(r'^' + DNS_LABEL + r'([.]' + DNS_LABEL + r')*[.]?$')


def _quoted(value):
    """A value in a message: as JSON text, the way the role's messages always quoted it."""
    return quoted(stripped(value))


def _hosts(value):
    return [stripped(host) for host in value or []]


def _cluster_problems(cluster):
    problems = []
    name = stripped(cluster.get('name'))
    if not name or len(name) > 253 or not CLUSTER_NAME.match(name):
        given = cluster.get('name_given')
        problems.append('drweb_cluster_name must be the common DNS name (or IP address) every Server gives Agent '
                        'installers, for example esuite.example.com: labels of letters, digits and inner hyphens, at '
                        'most 253 characters; got %s.' % json.dumps('(unset)' if given is None else str(given)))
    group = stripped(cluster.get('group'))
    if not IPV4.match(group) or not 224 <= int(group.split('.', 1)[0]) <= 239:
        problems.append('drweb_cluster_multicast_group must be an IPv4 multicast address (224.0.0.0/4, for example '
                        '232.0.0.1); got %s.' % _quoted(group))
    port, ttl, probe_port = stripped(cluster.get('port')), stripped(cluster.get('ttl')), stripped(cluster.get('probe_port'))
    if not (is_port(port, digits=5) and number_in(ttl, 1, 255, digits=3) and is_port(probe_port, digits=5)):
        problems.append('drweb_cluster_multicast_port (and drweb_config_probe_port) must be a UDP port 1-65535 and '
                        'drweb_cluster_multicast_ttl a datagram TTL 1-255; got port %s, ttl %s, probe port %s.'
                        % (_quoted(port), _quoted(ttl), _quoted(probe_port)))
    strategy = stripped(cluster.get('strategy'))
    if strategy not in RESTART_STRATEGIES:
        problems.append('drweb_restart_strategy must be serial or parallel (got %s).' % _quoted(strategy))
    servers_group = _hosts(cluster.get('servers_group'))
    primary = stripped(cluster.get('primary'))
    if primary not in servers_group:
        problems.append('drweb_primary_host must be a member of drweb_servers (got %s; drweb_servers = %s).'
                        % (_quoted(primary), json.dumps(servers_group)))
    return problems


def _node_problems(node):
    host = stripped(node.get('host'))
    servers_group = _hosts(node.get('servers_group'))
    if host not in servers_group:
        # the interface of a host the role does not configure is no concern
        return ['The role runs on members of drweb_servers only (%s; drweb_servers = %s).'
                % (host, json.dumps(servers_group))]
    problems = []
    interface = stripped(node.get('interface'))
    addresses = _hosts(node.get('addresses'))
    if not IPV4.match(interface) or (interface != '0.0.0.0' and interface not in addresses):
        problems.append('drweb_cluster_interface of %s must be 0.0.0.0 (all interfaces) or an IPv4 address of this host '
                        '(%s); got %s.' % (host, ', '.join(addresses), _quoted(interface)))
    if 'installed' in node and not node['installed']:
        problems.append('%s: no Dr.Web Server is installed, so there is no drwcsd.conf to compare' % host
                        if node.get('compare_only') else
                        '%s: no Dr.Web Server is installed, so there is no drwcsd.conf to configure (run the install '
                        'role first). Nothing was changed.' % host)
    return problems


def _database_problems(database):
    problems = []
    unset = [variable for variable, value in (('drweb_db_host', stripped(database.get('host'))),
                                              ('drweb_db_name', stripped(database.get('name'))),
                                              ('drweb_db_user', stripped(database.get('user'))),
                                              ('drweb_db_password', bool(database.get('password_set'))))
             if not value]
    if unset:
        problems.append('drweb_db_host, drweb_db_name, drweb_db_user and drweb_db_password must be set (unset: %s).'
                        % json.dumps(unset))
    port = stripped(database.get('port'))
    if not is_port(port, digits=5):
        problems.append('drweb_db_port must be a TCP port 1-65535 (got %s).' % _quoted(port))
    tls_problems = [stripped(line) for line in database.get('tls_problems') or [] if stripped(line)]
    if tls_problems:
        problems.append('%s. Nothing was changed.' % '; '.join(tls_problems))
    return problems


def config_settings_problems(settings):
    """Every problem of the parts of the config role's settings given, one message each naming the variable."""
    if not isinstance(settings, Mapping):
        raise AnsibleFilterError('config_settings_problems: the input must be a mapping of settings, got %s'
                                 % type(settings).__name__)
    problems = []
    for part, check in (('cluster', _cluster_problems), ('node', _node_problems), ('database', _database_problems)):
        value = settings.get(part)
        if value is None or (part == 'cluster' and not settings.get('first_host', True)):
            continue
        if not isinstance(value, Mapping):
            raise AnsibleFilterError('config_settings_problems: %s must be a mapping, got %s' % (part, type(value).__name__))
        problems += check(value)
    return problems


class FilterModule(object):
    """drweb.cluster config settings filter."""

    def filters(self):
        return {'config_settings_problems': config_settings_problems}
