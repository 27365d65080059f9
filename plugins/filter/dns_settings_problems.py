# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``drweb.cluster.dns_settings_problems`` filter: what is wrong with the DNS role's settings, every problem named.

Documentation: DOCUMENTATION below (``ansible-doc -t filter drweb.cluster.dns_settings_problems``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
name: dns_settings_problems
version_added: 0.1.0
short_description: What is wrong with the settings of the cluster name's DNS records, one message per problem
description:
  - The cross-field rules of the C(drweb.cluster.dns) role that its argument specification cannot express, decided in
    one place before anything changes. Each message names the variable and what is wrong with its value.
  - A check that depends on another one is left out while that one fails (the zone while the cluster name is wrong,
    the SRV owner name while the zone is wrong, the form of the DNS server while none is set), so that one mistake
    gives one message.
  - DNS names follow RFC 1035 and RFC 1123 - labels of 1-63 letters, digits or hyphens that neither start nor end with
    a hyphen, at most 253 characters in all. The SRV owner name is C(_service._tcp.<domain>) or C(_service._udp.<domain>)
    (RFC 2782).
options:
  _input:
    description:
      - The role's settings, as given (for the messages) and normalised (empty strings of AWX surveys already replaced
        by the defaults).
      - C(servers_group) - the inventory group C(drweb_servers); C(exclude) - the hosts of C(drweb_dns_exclude);
        C(published) - the Servers the name is published for.
      - C(cluster_name), C(zone), C(ttl), C(port), C(manage), C(ipv6), C(srv), C(srv_name), C(srv_port) - the values as
        given (the messages quote them), and C(name), C(zone_name), C(ttl_text), C(port_text), C(manage_text),
        C(ipv6_text), C(srv_text), C(srv_name_text), C(srv_port_text) - the normalised values the checks read.
      - C(address_problems) - the problems of the Servers' addresses (the C(problems) of the P(drweb.cluster.server_addresses#filter) filter's result).
      - C(server) - the DNS server the update goes to and the Servers ask.
      - C(tsig_key_name_set), C(tsig_key_secret_set) - whether the TSIG key's name and secret are set (never the
        secret itself); C(update_host) - the host the update is sent from, C(update_host_known) - whether it is in the
        inventory.
      - C(secret_problems) - what makes the TSIG secret unusable for the update (a newline, carriage return or NUL
        character), as the messages of the P(drweb.cluster.unusable_secrets#filter) filter, which never quote the
        secret; named when publishing (C(manage_text) true).
    type: dict
    required: true
'''

EXAMPLES = r'''
- name: Check the DNS settings
  vars:
    problems: >-
      {{ {'servers_group': groups['drweb_servers'], 'published': groups['drweb_servers'], 'exclude': [],
          'cluster_name': drweb_cluster_name, 'name': drweb_cluster_name, 'zone_name': 'example.com',
          'server': '10.0.0.53', 'manage_text': 'false'} | drweb.cluster.dns_settings_problems }}
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
    - "drweb_dns_ttl 'soon' is not a TTL: a whole number of seconds from 0 to 2147483647 (empty means 60)."
'''

import json
import re
from collections.abc import Mapping

from ansible.errors import AnsibleFilterError
from ansible_collections.drweb.cluster.plugins.plugin_utils.settings_checks import (
    BOOLEAN_TEXTS, DNS_LABEL, IPV4, TRUE_TEXTS, is_port, stripped, text,
)

NAME_WITH_DOT = re.compile(r'^(' + DNS_LABEL + r'\.)+' + DNS_LABEL + r'$')
DOMAIN = re.compile(r'^(' + DNS_LABEL + r'\.)*' + DNS_LABEL + r'$')
HOST_NAME = re.compile(r'^(' + DNS_LABEL + r'\.)*' + DNS_LABEL + r'\.?$')
SRV_OWNER = re.compile(r'^_' + DNS_LABEL + r'\._(tcp|udp)(\.' + DNS_LABEL + r')+$')
MAX_TTL = 2147483647


def _given(settings, key):
    """A value as the administrator gave it, for a message (None, when unset, reads as empty)."""
    return text(settings.get(key))


def _name_problems(settings):
    """The cluster name, then the zone that must contain it (only while the name is right)."""
    name = stripped(settings.get('name'))
    if not name:
        return ['drweb_cluster_name is empty: set the common DNS name of the cluster (for example esuite.example.com).'], False
    if len(name) > 253 or not NAME_WITH_DOT.match(name):
        return ["drweb_cluster_name '%s' is not a valid DNS name: it needs at least one dot, labels of 1-63 letters, "
                "digits or hyphens (not starting or ending with a hyphen) and at most 253 characters."
                % _given(settings, 'cluster_name')], False
    zone = stripped(settings.get('zone_name'))
    inside = name.lower() == zone.lower() or name.lower().endswith('.' + zone.lower())
    if not zone or len(zone) > 253 or not DOMAIN.match(zone) or not inside:
        return ["drweb_dns_zone '%s' is not a valid zone that contains drweb_cluster_name '%s' (leave drweb_dns_zone "
                "empty for the part of the name after its first dot)." % (zone, name)], False
    return [], True


def _number_problems(settings):
    problems = []
    ttl = stripped(settings.get('ttl_text'))
    if not re.match(r'^[0-9]{1,10}$', ttl) or int(ttl) > MAX_TTL:
        problems.append("drweb_dns_ttl '%s' is not a TTL: a whole number of seconds from 0 to %d (empty means 60)."
                        % (_given(settings, 'ttl'), MAX_TTL))
    port = stripped(settings.get('port_text'))
    if not is_port(port, digits=5):
        problems.append("drweb_dns_port '%s' is not a port from 1 to 65535 (empty means 53)." % _given(settings, 'port'))
    for variable, key, default in (('drweb_dns_manage', 'manage', 'true'), ('drweb_dns_ipv6', 'ipv6', 'false')):
        if stripped(settings.get(key + '_text')).lower() not in BOOLEAN_TEXTS:
            problems.append("%s '%s' is not a boolean (true or false; empty means %s)."
                            % (variable, _given(settings, key), default))
    return problems


def _srv_problems(settings, zone_usable):
    """The SRV record's settings: a boolean, a port, and an owner name in the zone (only while the zone is right)."""
    srv_text = stripped(settings.get('srv_text')).lower()
    if srv_text not in BOOLEAN_TEXTS:
        return ["drweb_dns_srv '%s' is not a boolean (true or false; empty means false)." % _given(settings, 'srv')]
    if not is_port(stripped(settings.get('srv_port_text'))):
        return ["drweb_dns_srv_port '%s' is not a port number (1-65535)." % _given(settings, 'srv_port')]
    if not zone_usable:
        return []
    owner = stripped(settings.get('srv_name_text'))
    zone = stripped(settings.get('zone_name'))
    if not SRV_OWNER.match(owner) or (srv_text in TRUE_TEXTS and not owner.endswith('.' + zone)):
        return ["drweb_dns_srv_name '%s' is not an SRV owner name _service._tcp.<domain> in the zone %s (drweb_dns_zone)."
                % (owner, zone)]
    return []


def _server_problems(settings):
    server = stripped(settings.get('server'))
    zone = stripped(settings.get('zone_name'))
    if not server or re.search(r'\s', server):
        return ['drweb_dns_server is not set (and there is no drweb_dns group to take it from): set the address of the '
                'DNS server that is primary for %s.' % zone]
    address = IPV4.match(server) or (':' in server and re.match(r'^[0-9A-Fa-f:.]+$', server))
    host_name = not re.match(r'^[0-9.]+$', server) and len(server) <= 253 and HOST_NAME.match(server)
    if not (address or host_name):
        return ['drweb_dns_server must be the IPv4/IPv6 address or the host name of the DNS server that is primary for '
                '%s; got %s.' % (zone, json.dumps(server))]
    return []


def _update_problems(settings):
    """What publishing needs (drweb_dns_manage true): the TSIG key and an inventory host to send the update from."""
    if stripped(settings.get('manage_text')).lower() not in TRUE_TEXTS:
        return []
    name_set = bool(settings.get('tsig_key_name_set'))
    secret_set = bool(settings.get('tsig_key_secret_set'))
    known = bool(settings.get('update_host_known'))
    secret_problems = [stripped(line) for line in settings.get('secret_problems') or [] if stripped(line)]
    if name_set and secret_set and known:
        return secret_problems
    return secret_problems + [
        "Publishing the cluster name (drweb_dns_manage is true) needs drweb_dns_tsig_key_name (%s), "
        "drweb_dns_tsig_key_secret (%s) and an inventory host to send the update from: drweb_dns_update_host '%s' "
        "(%s). Set drweb_dns_manage to false when DNS is managed elsewhere."
        % ('set' if name_set else 'NOT SET', 'set' if secret_set else 'NOT SET', _given(settings, 'update_host'),
           'in the inventory' if known else 'NOT in the inventory')]


def dns_settings_problems(settings):
    """Every problem of the DNS role's settings, one message each naming the variable; [] when they are usable."""
    if not isinstance(settings, Mapping):
        raise AnsibleFilterError('dns_settings_problems: the input must be a mapping of settings, got %s'
                                 % type(settings).__name__)
    problems = []
    servers_group = [stripped(host) for host in settings.get('servers_group') or []]
    if not servers_group:
        problems.append('The drweb_servers group is empty or missing; the cluster name needs at least one Server.')
    else:
        unknown = [stripped(host) for host in settings.get('exclude') or [] if stripped(host) not in servers_group]
        if unknown:
            problems.append('drweb_dns_exclude names %s, not a member of drweb_servers (%s).'
                            % (', '.join(unknown), ', '.join(servers_group)))
        elif not list(settings.get('published') or []):
            problems.append('drweb_dns_exclude leaves no Server of drweb_servers under the cluster name; at least one '
                            'must remain.')
    name_problems, zone_usable = _name_problems(settings)
    problems += name_problems
    problems += _number_problems(settings)
    problems += _srv_problems(settings, zone_usable)
    address_problems = [stripped(line) for line in settings.get('address_problems') or [] if stripped(line)]
    if address_problems:
        problems.append('%s. Set drweb_dns_server_address (IPv4) or, with drweb_dns_ipv6, drweb_dns_server_address6 to '
                        'the address the Agents reach that Server at.' % '; '.join(address_problems))
    problems += _server_problems(settings)
    problems += _update_problems(settings)
    return problems


class FilterModule(object):
    """drweb.cluster DNS settings filter."""

    def filters(self):
        return {'dns_settings_problems': dns_settings_problems}
