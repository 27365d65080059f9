# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``drweb.cluster.hba_rules`` filter: one pg_hba.conf rule per Server address for the common database.

Documentation: DOCUMENTATION below (``ansible-doc -t filter drweb.cluster.hba_rules``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
name: hba_rules
version_added: 0.1.0
short_description: One pg_hba.conf rule per Dr.Web Server address, for the common database, with scram-sha-256
description:
  - The Servers of a cluster log in to the common database as one PostgreSQL role. A database host that admits them
    by a rule per Server address (C(/32) or C(/128)), for that database and that role only, with C(scram-sha-256),
    admits nobody else with the role's password and no Server to another database.
  - The address of a Server is C(drweb_db_client_address) when set (the address the database host sees the Server's
    connections come from, behind NAT for example), else C(ansible_host). It must be an IP address, or a network in
    CIDR form; a host name is named in RV(_value.problems) (pg_hba.conf resolves names on every connection, and a
    name that does not resolve admits nobody).
  - The rule's type is C(hostssl) when the Servers must use TLS (C(drweb_db_sslmode) C(require), C(verify-ca) or
    C(verify-full)), else C(host).
  - Returns the rules in the form O(community.postgresql.postgresql_pg_hba#module:rules) takes.
positional: servers, database, user, sslmode
options:
  _input:
    description: C(hostvars).
    type: dict
    required: true
  servers:
    description: The inventory names of the Servers.
    type: list
    elements: str
    required: true
  database:
    description: The common database (C(drweb_db_name)).
    type: str
    required: true
  user:
    description: The Servers' PostgreSQL role (C(drweb_db_user)).
    type: str
    required: true
  sslmode:
    description: C(drweb_db_sslmode).
    type: str
    default: prefer
'''

EXAMPLES = r'''
- name: Admit each Server to the common database, and nobody else with its role
  community.postgresql.postgresql_pg_hba:
    dest: /etc/postgresql/15/main/pg_hba.conf
    rules: "{{ (hostvars | drweb.cluster.hba_rules(groups['drweb_servers'], 'drwcs', 'drwcs')).rules }}"
'''

RETURN = r'''
_value:
  description: The rules and what prevents a Server from having one.
  type: dict
  contains:
    rules:
      description: One rule per distinct Server address, in the order of the Servers.
      type: list
      elements: dict
      sample:
        - {contype: host, databases: drwcs, users: drwcs, address: 10.0.0.11/32, method: scram-sha-256,
           comment: 'drweb.cluster: Dr.Web Server node1', state: present}
    problems:
      description: One line per Server whose address cannot make a rule, naming the variable.
      type: list
      elements: str
'''

import ipaddress
from collections.abc import Mapping

from ansible.errors import AnsibleFilterError

TLS_MODES = ('require', 'verify-ca', 'verify-full')
# pg_hba.conf names: a keyword-free PostgreSQL identifier (the database role validates drweb_db_name/drweb_db_user)
METHOD = 'scram-sha-256'


def _text(value):
    return value.strip() if isinstance(value, str) else ('' if value is None else str(value).strip())


def _network(text):
    """The ip_network of an address or a CIDR network, or None when text is neither (a host name, empty)."""
    try:
        return ipaddress.ip_network(text.strip('[]'), strict=True)
    except ValueError:
        return None


def hba_rules(hostvars, servers, database, user, sslmode='prefer'):
    """The pg_hba rules admitting each Server (by address) to database as user with scram-sha-256."""
    if not isinstance(hostvars, Mapping):
        raise AnsibleFilterError('hba_rules: the input must be hostvars (a mapping), got %s' % type(hostvars).__name__)
    if isinstance(servers, str) or not hasattr(servers, '__iter__'):
        raise AnsibleFilterError('hba_rules: servers must be a list of inventory names')
    database, user = _text(database), _text(user)
    if not database or not user:
        raise AnsibleFilterError('hba_rules: the database and the user must be named (drweb_db_name, drweb_db_user)')
    contype = 'hostssl' if _text(sslmode) in TLS_MODES else 'host'
    rules, problems, seen = [], [], {}
    for host in servers:
        variables = hostvars.get(host) or {}
        given = _text(variables.get('drweb_db_client_address'))
        text = given or _text(variables.get('ansible_host')) or host
        network = _network(text)
        if network is None:
            problems.append('%s: %s %r is not an IP address or a CIDR network (set drweb_db_client_address to the '
                            'address the database host sees its connections come from)'
                            % (host, 'drweb_db_client_address' if given else 'ansible_host', text))
            continue
        address = str(network)
        if address in seen:
            continue   # Servers behind one address (NAT) share its rule
        seen[address] = host
        rules.append(dict(contype=contype, databases=database, users=user, address=address, method=METHOD,
                          comment='drweb.cluster: Dr.Web Server %s' % host, state='present'))
    return dict(rules=rules, problems=problems)


class FilterModule(object):
    """drweb.cluster PostgreSQL filters."""

    def filters(self):
        return {'hba_rules': hba_rules}
