# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``drweb.cluster.server_addresses`` filter: the addresses each Server is published under, per address family.

Documentation: DOCUMENTATION below (``ansible-doc -t filter drweb.cluster.server_addresses``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
name: server_addresses
version_added: 0.1.0
short_description: The addresses each Dr.Web Server of a cluster is published under, IPv4 (A) and IPv6 (AAAA)
description:
  - A Server accepts Agents on every IPv4 and every IPv6 interface (C(tcp/0.0.0.0:2193) and C(tcp/[::]:2193), the
    vendor's appendix "Server addresses"), so the common cluster name may carry an A record and an AAAA record per
    Server.
  - IPv4 address of a Server - C(drweb_dns_server_address) when it is an IPv4 address, else C(ansible_host) when it
    is one. IPv6 address (only when O(ipv6)) - C(drweb_dns_server_address6), else C(drweb_dns_server_address) or
    C(ansible_host) when it is an IPv6 address, else the Server's own global IPv6 address from its gathered
    network facts (C(default_ipv6), else the first of C(all_ipv6_addresses) that is not link-local).
  - A Server with no address of a published family is named in RV(_value.problems), as is a value that is not an
    address.
positional: servers, ipv6
options:
  _input:
    description: C(hostvars).
    type: dict
    required: true
  servers:
    description: The inventory names of the Servers published under the cluster name.
    type: list
    elements: str
    required: true
  ipv6:
    description: Whether AAAA records are published too (C(drweb_dns_ipv6)).
    type: bool
    default: false
'''

EXAMPLES = r'''
- name: Publish the cluster name's records
  ansible.builtin.debug:
    msg: "{{ hostvars | drweb.cluster.server_addresses(groups['drweb_servers'], true) }}"
'''

RETURN = r'''
_value:
  description: The addresses.
  type: dict
  contains:
    A:
      description: Server -> its IPv4 address.
      type: dict
      sample: {node1: 10.0.0.11, node2: 10.0.0.12}
    AAAA:
      description: Server -> its IPv6 address (empty unless O(ipv6)).
      type: dict
      sample: {node1: 'fd00:10::11'}
    addresses:
      description: Record type -> the sorted, distinct addresses of that type (the record set to publish).
      type: dict
      sample: {A: [10.0.0.11, 10.0.0.12], AAAA: ['fd00:10::11']}
    types:
      description: The record types published - C([A]), or C([A, AAAA]) with O(ipv6).
      type: list
      elements: str
    problems:
      description: One line per Server without an address of a published family, or with a value that is not one.
      type: list
      elements: str
'''

import ipaddress
from collections.abc import Mapping

from ansible.errors import AnsibleFilterError


def _text(value):
    return value.strip() if isinstance(value, str) else ('' if value is None else str(value).strip())


def _address(text):
    """The ipaddress object of a text, or None when it is not an IP address (a host name, empty)."""
    try:
        return ipaddress.ip_address(text.strip('[]'))
    except ValueError:
        return None


def _fact_ipv6(variables):
    """The host's IPv6 address from its gathered facts: the default route's, else the first global one."""
    facts = variables.get('ansible_facts') or {}
    default = _text((facts.get('default_ipv6') or {}).get('address'))
    candidates = ([default] if default else []) + [_text(text) for text in facts.get('all_ipv6_addresses') or []]
    for text in candidates:
        address = _address(text)
        special = isinstance(address, ipaddress.IPv6Address) and any(
            (address.is_link_local, address.is_loopback, address.is_multicast, address.is_unspecified))
        if isinstance(address, ipaddress.IPv6Address) and not special:
            return str(address)
    return None


def server_addresses(hostvars, servers, ipv6=False):
    """Per Server its IPv4 address (A record) and, when ipv6, its IPv6 address (AAAA record).

    IPv4 - drweb_dns_server_address when it is an IPv4 address, else ansible_host when it is one. IPv6 -
    drweb_dns_server_address6, else drweb_dns_server_address or ansible_host when it is an IPv6 address, else the
    host's own global IPv6 address from its gathered facts (default_ipv6, all_ipv6_addresses).
    """
    if not isinstance(hostvars, Mapping):
        raise AnsibleFilterError('server_addresses: the input must be hostvars (a mapping), got %s' % type(hostvars).__name__)
    if isinstance(servers, str) or not hasattr(servers, '__iter__'):
        raise AnsibleFilterError('server_addresses: servers must be a list of inventory names')
    result = dict(A={}, AAAA={}, problems=[], types=['A'] + (['AAAA'] if ipv6 else []))
    for host in servers:
        variables = hostvars.get(host) or {}
        given = _text(variables.get('drweb_dns_server_address'))
        given6 = _text(variables.get('drweb_dns_server_address6'))
        ansible_host = _text(variables.get('ansible_host')) or host
        candidates = [text for text in (given, ansible_host) if text]
        four = [text for text in candidates if isinstance(_address(text), ipaddress.IPv4Address)]
        six = [str(_address(text)) for text in candidates if isinstance(_address(text), ipaddress.IPv6Address)]
        if given and _address(given) is None:
            result['problems'].append('%s: drweb_dns_server_address %r is not an IP address' % (host, given))
        if given6:
            address = _address(given6)
            if not isinstance(address, ipaddress.IPv6Address):
                result['problems'].append('%s: drweb_dns_server_address6 %r is not an IPv6 address' % (host, given6))
            else:
                six.insert(0, str(address))
        if ipv6 and not six and _fact_ipv6(variables):
            six.append(_fact_ipv6(variables))
        if four:
            result['A'][host] = four[0]
        if ipv6 and six:
            result['AAAA'][host] = six[0]
        if host not in result['A'] and host not in result['AAAA']:
            result['problems'].append(
                '%s: no %s address to publish (drweb_dns_server_address%s, else ansible_host %r)'
                % (host, 'IPv4 or IPv6' if ipv6 else 'IPv4', ' / drweb_dns_server_address6' if ipv6 else '', ansible_host))
    result['addresses'] = dict((kind, sorted(set(result[kind].values()), key=ipaddress.ip_address))
                               for kind in ('A', 'AAAA'))
    return result


class FilterModule(object):
    """drweb.cluster address filters."""

    def filters(self):
        return {'server_addresses': server_addresses}
