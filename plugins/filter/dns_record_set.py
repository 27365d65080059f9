# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``drweb.cluster.dns_record_set`` filter: the cluster name's records as the DNS server holds them, against the
Servers. Documentation: DOCUMENTATION below."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
name: dns_record_set
version_added: 0.1.0
short_description: Compare the cluster name's A or AAAA records at the DNS server with the Servers' addresses
description:
  - Input is the answer of C(dig) to a query of the cluster name at the DNS server (the registered result of the
    command) and the record set the Servers need - one record per Server address, with one TTL.
  - Returns what the server holds (its status, the addresses and TTLs of the records of the type, whether the name is a
    CNAME), whether the record set must be updated (another set of addresses, or another TTL), and the problems that
    forbid the update - C(dig) could not ask the server; the server is not authoritative for the name (it answered
    neither C(NOERROR) nor C(NXDOMAIN)); the name is a CNAME. The two last are named together; neither is judged when
    C(dig) failed.
author:
  - drweb.cluster maintainers !UNKNOWN
options:
  _input:
    description: The answer and the record set wanted.
    type: dict
    required: true
    suboptions:
      answer:
        description: The registered result of the C(dig) command (C(rc), C(stdout), C(stderr), C(msg)).
        type: dict
        required: true
      type:
        description: The record type compared.
        type: str
        choices: [A, AAAA]
        required: true
      addresses:
        description: The addresses the name must resolve to, one per Server.
        type: list
        elements: str
        required: true
      ttl:
        description: The TTL of the records (C(drweb_dns_ttl)).
        type: int
        required: true
      name:
        description: The cluster name, for the messages.
        type: str
      zone:
        description: The zone, for the messages.
        type: str
      server:
        description: The DNS server, for the messages.
        type: str
      port:
        description: Its port, for the messages.
        type: int
      update_host:
        description: The host that asked, for the messages.
        type: str
'''

EXAMPLES = r'''
- name: Compare the records with the Servers
  ansible.builtin.set_fact:
    dns_state: >-
      {{ {'answer': dig_answer, 'type': 'A', 'addresses': ['10.0.0.11', '10.0.0.12'], 'ttl': 60,
          'name': 'esuite.example.com', 'zone': 'example.com', 'server': '10.0.0.2', 'port': 53,
          'update_host': 'node1'} | drweb.cluster.dns_record_set }}
'''

RETURN = r'''
_value:
  description: What the DNS server holds and what to do.
  type: dict
  contains:
    status:
      description: The status of the answer (C(NOERROR), C(NXDOMAIN), ...), C(NONE) when there was none.
      type: str
    addresses:
      description: The addresses of the records of the type, sorted, each once.
      type: list
      elements: str
    ttls:
      description: Their TTLs, sorted, each once.
      type: list
      elements: int
    cname:
      description: Whether the name is a CNAME.
      type: bool
    pending:
      description: Whether the record set must be updated (other addresses, or another TTL while Servers are published).
      type: bool
    problems:
      description: Why the record set cannot be updated, each naming what to check; empty when it can.
      type: list
      elements: str
'''

import re
from collections.abc import Mapping

from ansible.errors import AnsibleFilterError

STATUS = re.compile(r'status: ([A-Z]+)')
CNAME = re.compile(r'\sIN\s+CNAME\s')
AUTHORITATIVE = ('NOERROR', 'NXDOMAIN')


def dns_record_set(data):
    """What the DNS server holds for the cluster name and what to do (RETURN above)."""
    if not isinstance(data, Mapping) or not isinstance(data.get('answer'), Mapping):
        raise AnsibleFilterError('dns_record_set expects a dictionary with the dig answer, got %r' % (data,))
    answer, kind = data['answer'], str(data.get('type') or 'A')
    if kind not in ('A', 'AAAA'):
        raise AnsibleFilterError('dns_record_set: type must be A or AAAA, got %r' % (kind,))
    stdout = str(answer.get('stdout') or '')
    found = STATUS.search(stdout)
    status = found.group(1) if found else 'NONE'
    records = re.findall(r'(?m)^\S+\s+([0-9]+)\s+IN\s+%s\s+(\S+)\s*$' % kind, stdout)
    addresses = sorted(set(address for unused_ttl, address in records))
    ttls = sorted(set(int(ttl) for ttl, unused_address in records))
    cname = CNAME.search(stdout) is not None
    wanted = sorted(set(str(address) for address in data.get('addresses') or []))
    ttl = int(data.get('ttl'))
    pending = addresses != wanted or (bool(wanted) and ttls != [ttl])

    where = '%s:%s' % (data.get('server'), data.get('port'))
    problems = []
    rc = answer.get('rc')
    if rc != 0:
        problems.append('Cannot ask %s from %s for %s: dig failed (rc %s) %s %s %s (dig is in bind9-dnsutils / bind-utils).'
                        % (where, data.get('update_host'), data.get('name'), '-' if rc is None else rc,
                           answer.get('msg') or '', stdout, answer.get('stderr') or ''))
    else:
        if status not in AUTHORITATIVE:
            problems.append('The DNS server %s answered %s for %s: is it the primary of zone %s? (drweb_dns_server, '
                            'drweb_dns_zone)' % (where, status, data.get('name'), data.get('zone')))
        if cname:
            problems.append('%s is a CNAME at %s: remove the CNAME, the cluster name needs its own A records (one per '
                            'Server).' % (data.get('name'), data.get('server')))
    return dict(status=status, addresses=addresses, ttls=ttls, cname=cname, pending=pending, problems=problems)


class FilterModule(object):
    """drweb.cluster.dns_record_set"""

    def filters(self):
        return {'dns_record_set': dns_record_set}
