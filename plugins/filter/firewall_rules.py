# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``drweb.cluster.firewall_rules`` filter: what a host of the cluster must accept inbound, and from whom.

Documentation: DOCUMENTATION below (``ansible-doc -t filter drweb.cluster.firewall_rules``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
name: firewall_rules
version_added: 0.1.0
short_description: The inbound rules a host of the Dr.Web Servers cluster needs, with their sources
description:
  - Takes what the host does in the cluster (its duties) and returns the list of inbound rules the
    C(drweb.cluster.firewall) role opens - everything else is dropped.
  - A C(server) accepts the Agents' and the other Servers' TCP connections and the discovery datagrams on the Server
    port (C(2193), TCP and UDP, the discovery group C(231.0.0.1) included), the Control Center (Web API) on C(9080)
    and C(9081) from O(control_center_sources) (anywhere when empty), and the cluster protocol's UDP O(cluster_port)
    from the Servers' cluster addresses only.
  - A C(database) host accepts PostgreSQL (O(database_port)) from the Servers' addresses only.
  - Every host accepts ssh on O(ssh_port) (from O(ssh_sources), anywhere when empty) and O(extra) rules.
  - The Server port and the Web API ports come from the collection's register of product facts.
positional: cluster_port, database_port, ssh_port, servers
options:
  _input:
    description: The host's duties - C(server) (a member of C(drweb_servers)) and/or C(database) (the PostgreSQL host).
    type: list
    elements: str
    required: true
  cluster_port:
    description: The cluster protocol's UDP port (C(drweb_cluster_multicast_port)).
    type: int
    default: 11111
  database_port:
    description: The common database's port (C(drweb_db_port)).
    type: int
    default: 5432
  ssh_port:
    description: The port Ansible and the administrators reach the host's sshd on (C(ansible_port)).
    type: int
    default: 22
  servers:
    description:
      - One entry per Server - a dictionary with C(address) (the IP address it connects from) and C(cluster_interface)
        (the cluster protocol's datagrams come from it unless it is C(0.0.0.0) or empty); a Server's C(hostvars)
        entry works as well (C(ansible_host), C(drweb_cluster_interface)).
    type: list
    elements: dict
    default: []
  control_center_sources:
    description: Addresses or networks allowed to the Control Center; empty means anywhere.
    type: list
    elements: str
    default: []
  ssh_sources:
    description: Addresses or networks allowed to ssh; empty means anywhere.
    type: list
    elements: str
    default: []
  extra:
    description: More rules, each a dictionary with C(proto) (C(tcp) or C(udp)), C(port) and optional C(sources) and C(comment).
    type: list
    elements: dict
    default: []
author:
  - drweb.cluster maintainers !UNKNOWN
'''

EXAMPLES = r'''
- name: The rules of this host
  ansible.builtin.set_fact:
    rules: >-
      {{ ['server'] | drweb.cluster.firewall_rules(11111, 5432, 22,
                                                   [{'address': '192.0.2.11', 'cluster_interface': '0.0.0.0'}]) }}
'''

RETURN = r'''
_value:
  description:
    - The rules, each a dictionary - C(proto) (C(tcp) or C(udp)), C(port), C(sources_v4) and C(sources_v6) (empty
      both - from anywhere), C(comment). Ordered as listed above, one rule per protocol and port.
  type: list
  elements: dict
'''

import ipaddress

from ansible.errors import AnsibleFilterError

from ansible_collections.drweb.cluster.plugins.module_utils import drwcsd

DUTIES = ('server', 'database')


def _port(value, what):
    try:
        port = int(str(value).strip())
    except (TypeError, ValueError):
        port = 0
    if not 1 <= port <= 65535:
        raise AnsibleFilterError('firewall_rules: %s must be a port 1-65535 (got %r)' % (what, value))
    return port


def _split(sources, what):
    """(IPv4 sources, IPv6 sources) as networks or addresses in nftables notation, each once."""
    v4, v6 = [], []
    for source in sources or []:
        text = str(source).strip()
        if not text:
            continue
        try:
            network = ipaddress.ip_network(text, strict=False)
        except ValueError:
            raise AnsibleFilterError('firewall_rules: %s holds %r, which is not an IP address or network' % (what, source)) from None
        value = str(network.network_address) if network.num_addresses == 1 else str(network)
        target = v4 if network.version == 4 else v6
        if value not in target:
            target.append(value)
    return v4, v6


def _rule(proto, port, sources, comment, what):
    v4, v6 = _split(sources, what)
    return dict(proto=proto, port=port, sources_v4=v4, sources_v6=v6, comment=comment)


def firewall_rules(duties, cluster_port=11111, database_port=5432, ssh_port=22, servers=None,
                   control_center_sources=None, ssh_sources=None, extra=None):
    """The inbound rules of a host with these duties (see DOCUMENTATION)."""
    if isinstance(duties, str) or not all(duty in DUTIES for duty in duties or []):
        raise AnsibleFilterError('firewall_rules: the input must be a list of duties out of %s (got %r)' % (', '.join(DUTIES), duties))
    servers = servers or []
    addresses, cluster_sources = [], []
    for server in servers:
        address = (server.get('address') or server.get('ansible_host')) if hasattr(server, 'get') else None
        if not str(address or '').strip():
            raise AnsibleFilterError('firewall_rules: each server needs an address (got %r)' % (server,))
        addresses.append(str(address).strip())
        interface = str(server.get('cluster_interface') or server.get('drweb_cluster_interface') or '').strip()
        cluster_sources.append(interface if interface not in ('', '0.0.0.0') else addresses[-1])
    rules = [_rule('tcp', _port(ssh_port, 'ssh_port'), ssh_sources, 'ssh', 'ssh_sources')]
    if 'server' in duties:
        if not servers:
            raise AnsibleFilterError('firewall_rules: a server needs the list of Servers (the cluster protocol is open to them only)')
        rules += [
            _rule('tcp', drwcsd.AGENT_PORT, [], 'Dr.Web Server: Agents and Servers', ''),
            _rule('udp', drwcsd.AGENT_PORT, [], 'Dr.Web Server: discovery (multicast group and unicast)', ''),
            _rule('udp', _port(cluster_port, 'cluster_port'), cluster_sources, 'Dr.Web Servers cluster protocol', 'servers'),
            _rule('tcp', drwcsd.WEB_API_HTTP_PORT, control_center_sources, 'Dr.Web Control Center (HTTP)', 'control_center_sources'),
            _rule('tcp', drwcsd.WEB_API_HTTPS_PORT, control_center_sources, 'Dr.Web Control Center (HTTPS)', 'control_center_sources'),
        ]
    if 'database' in duties:
        if not servers:
            raise AnsibleFilterError('firewall_rules: a database host needs the list of Servers (PostgreSQL is open to them only)')
        rules.append(_rule('tcp', _port(database_port, 'database_port'), addresses, 'PostgreSQL from the Dr.Web Servers', 'servers'))
    for index, item in enumerate(extra or []):
        if not isinstance(item, dict) or item.get('proto') not in ('tcp', 'udp'):
            raise AnsibleFilterError('firewall_rules: extra[%d] needs proto tcp or udp (got %r)' % (index, item))
        rules.append(_rule(item['proto'], _port(item.get('port'), 'extra[%d].port' % index), item.get('sources') or [],
                           str(item.get('comment') or 'extra'), 'extra[%d].sources' % index))
    merged = []
    for rule in rules:   # one rule per protocol and port: sources of the same port add up, "anywhere" wins
        same = next((seen for seen in merged if (seen['proto'], seen['port']) == (rule['proto'], rule['port'])), None)
        if same is None:
            merged.append(rule)
        elif not (same['sources_v4'] or same['sources_v6']) or not (rule['sources_v4'] or rule['sources_v6']):
            same['sources_v4'], same['sources_v6'] = [], []
        else:
            same['sources_v4'] += [source for source in rule['sources_v4'] if source not in same['sources_v4']]
            same['sources_v6'] += [source for source in rule['sources_v6'] if source not in same['sources_v6']]
    return merged


class FilterModule(object):
    """drweb.cluster firewall filters."""

    def filters(self):
        return {'firewall_rules': firewall_rules}
