# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``drweb.cluster.dns_resolution`` filter: whether the cluster name, as one Server resolves it, is exactly the
Servers' addresses (and the SRV record the cluster name on the Agent port). Documentation: DOCUMENTATION below."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
name: dns_resolution
version_added: 0.1.0
short_description: Judge the cluster name as one Server resolves it - a table of the missing and extra addresses
description:
  - Input is the registered result of the C(dig) loop a Server runs over the record types (C(A); C(AAAA) with
    C(drweb_dns_ipv6); C(SRV) with C(drweb_dns_srv)), each result naming its type in C(__drweb_dns_type); a skipped
    type (a pending update in check mode) is not judged.
  - A and AAAA must resolve to exactly the Servers' addresses of the type, with the answer C(NOERROR) or C(NXDOMAIN);
    otherwise the problem is a table - address, Server, in DNS - naming the missing and the extra addresses (and, when
    the role does not publish, what to publish where DNS is managed). C(dig) failing is named with its output.
  - The SRV record must be exactly the one wanted.
author:
  - drweb.cluster maintainers !UNKNOWN
options:
  _input:
    description: The answers and the record sets wanted.
    type: dict
    required: true
    suboptions:
      resolved:
        description: The registered result of the loop (C(results), each with C(__drweb_dns_type), C(rc), C(stdout)).
        type: dict
        required: true
      records:
        description: The P(drweb.cluster.server_addresses#filter) result - per type Server -> address, and C(addresses) per type.
        type: dict
        required: true
      host:
        description: The Server that asked.
        type: str
      name:
        description: The cluster name.
        type: str
      server:
        description: The DNS server.
        type: str
      port:
        description: Its port.
        type: int
      manage:
        description: Whether the role publishes the records (C(drweb_dns_manage)).
        type: bool
      srv_name:
        description: The SRV owner name.
        type: str
      srv_value:
        description: The one SRV record wanted.
        type: str
'''

EXAMPLES = r'''
- name: Fail with a table when the name does not resolve to exactly the Servers' addresses
  vars:
    resolution: >-
      {{ {'resolved': dns_resolved, 'records': dns_records, 'host': inventory_hostname, 'name': 'esuite.example.com',
          'server': '10.0.0.2', 'port': 53, 'manage': true} | drweb.cluster.dns_resolution }}
  ansible.builtin.assert:
    that: resolution.problems | length == 0
    fail_msg: "{{ resolution.problems | join('\n') }}"
    success_msg: "{{ resolution.lines }}"
'''

RETURN = r'''
_value:
  description: The judgement.
  type: dict
  contains:
    problems:
      description: One text per record type that is not as it must be (a table for A and AAAA); empty when all are.
      type: list
      elements: str
    lines:
      description: One line per record type checked, saying what it resolves to.
      type: list
      elements: str
'''

import re
from collections.abc import Mapping

from ansible.errors import AnsibleFilterError

TYPE_KEY = '__drweb_dns_type'
STATUS = re.compile(r'status: ([A-Z]+)')
SRV_VALUES = re.compile(r'(?m)^\S+\s+[0-9]+\s+IN\s+SRV\s+(.+?)\s*$')


def _table(kind, answer, stdout, data):
    """The failure text of one A or AAAA record set (None when it resolves to exactly the Servers' addresses)."""
    records = data['records']
    wanted = [str(address) for address in (_mapping(records.get('addresses')).get(kind) or [])]
    servers = _mapping(records.get(kind))
    host, name, where = data.get('host'), data.get('name'), '%s:%s' % (data.get('server'), data.get('port'))
    if answer.get('rc') != 0:
        return ('%s cannot ask %s for %s: dig failed (rc %s): %s %s %s (dig is in bind9-dnsutils / bind-utils)\n' % (
            host, where, name, '-' if answer.get('rc') is None else answer.get('rc'), answer.get('msg') or '',
            stdout.strip(), str(answer.get('stderr') or '').strip()))
    found = STATUS.search(stdout)
    status = found.group(1) if found else 'NONE'
    resolved = sorted(set(re.findall(r'(?m)^\S+\s+[0-9]+\s+IN\s+%s\s+(\S+)\s*$' % kind, stdout)))
    missing = sorted(set(wanted) - set(resolved))
    extra = sorted(set(resolved) - set(wanted))
    if status in ('NOERROR', 'NXDOMAIN') and not missing and not extra:
        return None
    lines = ["%s (%s) at %s, asked from %s (status %s), does not resolve to exactly the Servers' addresses:"
             % (name, kind, where, host, status),
             '%-39s %-20s %s' % ('address', 'Server', 'in DNS')]
    for address in sorted(set(wanted) | set(resolved)):
        holders = [server for server, value in servers.items() if value == address]
        mark = '   <- missing' if address in missing else ('   <- extra: not a Server' if address in extra else '')
        lines.append('%-39s %-20s %s' % (address, ','.join(holders) if holders else '-', 'yes' if address in resolved else 'NO') + mark)
    lines.append('missing: %s' % (', '.join(missing) if missing else '-'))
    lines.append('extra: %s' % (', '.join(extra) if extra else '-'))
    if not data.get('manage'):
        lines.append('DNS is managed elsewhere (drweb_dns_manage is false): publish exactly one %s record per Server for '
                     '%s there (%s), or set drweb_dns_manage to true.' % (kind, name, ', '.join(wanted)))
    return '\n'.join(lines) + '\n'


def _mapping(value):
    return value if isinstance(value, Mapping) else {}


def dns_resolution(data):
    """{problems, lines} (RETURN above)."""
    if not isinstance(data, Mapping) or not isinstance(data.get('resolved'), Mapping) \
            or not isinstance(data.get('records'), Mapping):
        raise AnsibleFilterError('dns_resolution expects a dictionary with the registered answers and the records, got %r'
                                 % (data,))
    judged = dict(problems=[], lines=[])
    for answer in data['resolved'].get('results') or []:
        if not isinstance(answer, Mapping) or answer.get('skipped'):
            continue
        kind = str(answer.get(TYPE_KEY) or answer.get('item') or '')
        stdout = str(answer.get('stdout') or '')
        if kind == 'SRV':
            values = SRV_VALUES.findall(stdout)
            value = str(data.get('srv_value') or '')
            if answer.get('rc') != 0 or values != [value]:
                judged['problems'].append(
                    '%s: the SRV record %s at %s is %s, expected exactly %s (drweb_dns_srv, drweb_dns_srv_name, '
                    'drweb_dns_srv_port).' % (data.get('host'), data.get('srv_name'), data.get('server'),
                                              ', '.join(values) or 'absent', value))
            else:
                judged['lines'].append('%s SRV %s' % (data.get('srv_name'), value))
            continue
        if kind not in ('A', 'AAAA'):
            raise AnsibleFilterError('dns_resolution: an answer of record type %r' % (kind,))
        problem = _table(kind, answer, stdout, data)
        if problem:
            judged['problems'].append(problem)
        else:
            resolved = sorted(set(re.findall(r'(?m)^\S+\s+[0-9]+\s+IN\s+%s\s+(\S+)\s*$' % kind, stdout)))
            judged['lines'].append("%s resolves at %s to exactly the Servers' addresses: %s"
                                   % (data.get('name'), data.get('server'), ', '.join(resolved)))
    return judged


class FilterModule(object):
    """drweb.cluster.dns_resolution"""

    def filters(self):
        return {'dns_resolution': dns_resolution}
