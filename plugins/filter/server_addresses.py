# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``drweb.cluster.server_addresses`` filter: the addresses each Server is published under, per address family.

Documentation: ``server_addresses.yml`` next to this file (``ansible-doc -t filter drweb.cluster.server_addresses``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

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
        if isinstance(address, ipaddress.IPv6Address) and not (address.is_link_local or address.is_loopback
                                                               or address.is_multicast or address.is_unspecified):
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
