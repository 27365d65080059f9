# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``drweb.cluster.dns_record_changes`` filter: from one read of every record type of the cluster name, what the
dns role refuses, what it updates and what --diff shows. Documentation: DOCUMENTATION below."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
name: dns_record_changes
version_added: 0.1.0
short_description: Decide the DNS updates of the cluster name (A, AAAA, SRV) from one read of each record type
description:
  - Input is the registered result of the C(dig) loop over the record types (C(A); C(AAAA) with C(drweb_dns_ipv6);
    C(SRV) with C(drweb_dns_srv)), each result naming its type in C(__drweb_dns_type), and the record sets the Servers
    need.
  - A and AAAA are compared by P(drweb.cluster.dns_record_set#filter) - other addresses or another TTL is an update,
    C(dig) failing, a server not authoritative for the name or a CNAME refuse the run. The SRV record must be exactly
    one record, the cluster name on the Agent port, with the TTL; a C(dig) that fails refuses the run.
  - A skipped read (the role does not publish, or the host is not the one that does) is no update and no problem.
  - The reads are signed with the TSIG key the update uses - a server that refuses the signature (C(NOTAUTH), a
    signature that cannot be verified) refuses the run before any update, saying what to check; a converged name
    thus still proves the key.
  - Returns the problems, the types that change (C(pending)), the updates to send (one C(community.general.nsupdate)
    call each) and the lines C(--diff) shows - never a secret (the TSIG key is not an input).
author:
  - drweb.cluster maintainers !UNKNOWN
options:
  _input:
    description: The reads and the record sets wanted.
    type: dict
    required: true
    suboptions:
      reads:
        description: The registered result of the read loop (C(results), each with C(__drweb_dns_type), C(rc), C(stdout)).
        type: dict
        required: true
      addresses:
        description: Record type (C(A), C(AAAA)) -> the addresses the name must resolve to.
        type: dict
        required: true
      ttl:
        description: The TTL of the records (C(drweb_dns_ttl)).
        type: int
        required: true
      name:
        description: The cluster name (without the final dot).
        type: str
        required: true
      srv_name:
        description: The SRV owner name (without the final dot).
        type: str
      srv_value:
        description: The one SRV record wanted (C(0 0 <port> <cluster name>.)).
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
      key_name:
        description: The TSIG key's name the reads were signed with, for the messages (never the secret).
        type: str
      algorithm:
        description: The TSIG algorithm, for the messages.
        type: str
'''

EXAMPLES = r'''
- name: Refuse when the DNS server cannot be asked, is not authoritative for the cluster name, or holds it as a CNAME
  ansible.builtin.assert:
    that: changes.problems | length == 0
    fail_msg: "{{ changes.problems | join(' ') }}"
  vars:
    changes: >-
      {{ {'reads': dns_reads, 'addresses': {'A': ['10.0.0.11', '10.0.0.12']}, 'ttl': 60, 'name': 'esuite.example.com',
          'zone': 'example.com', 'server': '10.0.0.2', 'port': 53, 'update_host': 'node1'}
         | drweb.cluster.dns_record_changes }}
'''

RETURN = r'''
_value:
  description: The decision.
  type: dict
  contains:
    problems:
      description: Why nothing may be updated, each naming what to check; empty when the updates may go.
      type: list
      elements: str
    pending:
      description: The record types that change, in the order read.
      type: list
      elements: str
    states:
      description: >-
        Record type -> what the server holds (the P(drweb.cluster.dns_record_set#filter) result; for SRV C(found), the
        records as TTL and value).
      type: dict
    updates:
      description: >-
        One per type that changes - C(type), C(record) (with the final dot), C(value) (a list), C(state) (C(present),
        or C(absent) when no Server has an address of the type).
      type: list
      elements: dict
    diff:
      description: The lines C(--diff) shows for the types that change (C(-) held, C(+) wanted, C( ) kept).
      type: list
      elements: str
'''

import re
from collections.abc import Mapping

from ansible.errors import AnsibleFilterError

from ansible_collections.drweb.cluster.plugins.filter.dns_record_set import dns_record_set
from ansible_collections.drweb.cluster.plugins.filter.dns_update_problems import SIGNATURE_HINT

TYPE_KEY = '__drweb_dns_type'
SRV_RECORDS = re.compile(r'(?m)^\S+\s+([0-9]+)\s+IN\s+SRV\s+(.+?)\s*$')
REFUSED_SIGNATURE = re.compile(r"(?i)couldn't verify signature|status: NOTAUTH|BADSIG|BADKEY|BADTIME")


def _signature_refused(read, data):
    """The message when the DNS server refused the TSIG signature of a read, else None."""
    text = '%s\n%s' % (read.get('stdout') or '', read.get('stderr') or '')
    found = REFUSED_SIGNATURE.search(text)
    if read.get('rc') != 0 or not found:
        return None
    return ('The update of %s at %s:%s (zone %s, TSIG key %s, %s) sent from %s failed: the DNS server did not accept the '
            'signed read of the records (%s) %s' % (
                data.get('name'), data.get('server'), data.get('port'), data.get('zone'), data.get('key_name'),
                data.get('algorithm'), data.get('update_host'), found.group(0), SIGNATURE_HINT % data.get('zone')))


def _address_diff(kind, state, wanted, data):
    """The --diff lines of one A or AAAA record set."""
    where = '%s. %s at %s:%s' % (data.get('name'), kind, data.get('server'), data.get('port'))
    lines = ['--- %s, TTL %s%s' % (where, ', '.join(str(ttl) for ttl in state['ttls']) if state['ttls'] else '-',
                                   '' if state['addresses'] else ' (no record)'),
             '+++ %s, TTL %s' % (where, data.get('ttl'))]
    for address in sorted(set(state['addresses']) | set(wanted)):
        if address not in wanted:
            lines.append('-' + address)
        elif address not in state['addresses']:
            lines.append('+' + address)
        else:
            lines.append(' ' + address)
    return lines


def _srv(read, data, decided):
    """The SRV record: what is held, whether it changes."""
    ttl, value, owner = str(data.get('ttl')), str(data.get('srv_value') or ''), str(data.get('srv_name') or '')
    if read.get('rc') != 0:
        decided['problems'].append('Cannot read the SRV record %s at %s:%s from %s: dig failed (rc %s) %s %s %s (dig is in '
                                   'bind9-dnsutils / bind-utils).' % (
                                       owner, data.get('server'), data.get('port'), data.get('update_host'),
                                       '-' if read.get('rc') is None else read.get('rc'), read.get('msg') or '',
                                       read.get('stdout') or '', read.get('stderr') or ''))
        return
    found = [list(record) for record in SRV_RECORDS.findall(str(read.get('stdout') or ''))]
    decided['states']['SRV'] = dict(found=found)
    if found != [[ttl, value]]:
        decided['pending'].append('SRV')
        decided['updates'].append(dict(type='SRV', record=owner + '.', value=[value], state='present'))
        held = ['-' + ' IN SRV '.join(record) for record in found]
        decided['diff'].extend(['SRV %s:' % owner] + held + ['+%s IN SRV %s' % (ttl, value)])


def dns_record_changes(data):
    """The dns role's updates (RETURN above)."""
    if not isinstance(data, Mapping) or not isinstance(data.get('reads'), Mapping):
        raise AnsibleFilterError('dns_record_changes expects a dictionary with the registered reads, got %r' % (data,))
    addresses = data.get('addresses') if isinstance(data.get('addresses'), Mapping) else {}
    decided = dict(problems=[], pending=[], states={}, updates=[], diff=[])
    for read in data['reads'].get('results') or []:
        if not isinstance(read, Mapping) or read.get('skipped'):
            continue
        kind = str(read.get(TYPE_KEY) or read.get('item') or '')
        refused = _signature_refused(read, data)
        if refused:
            if refused not in decided['problems']:
                decided['problems'].append(refused)
            continue
        if kind == 'SRV':
            _srv(read, data, decided)
            continue
        if kind not in ('A', 'AAAA'):
            raise AnsibleFilterError('dns_record_changes: a read of record type %r' % (kind,))
        wanted = sorted(set(str(address) for address in addresses.get(kind) or []))
        state = dns_record_set(dict(answer=read, type=kind, addresses=wanted, ttl=data.get('ttl'), name=data.get('name'),
                                    zone=data.get('zone'), server=data.get('server'), port=data.get('port'),
                                    update_host=data.get('update_host')))
        decided['states'][kind] = state
        decided['problems'].extend(state['problems'])
        if state['pending']:
            decided['pending'].append(kind)
            decided['diff'].extend(_address_diff(kind, state, wanted, data))
            if wanted or state['addresses']:
                # no Server with an address of this type: that record set goes
                decided['updates'].append(dict(type=kind, record='%s.' % data.get('name'),
                                               value=list(addresses.get(kind) or []),
                                               state='present' if wanted else 'absent'))
    return decided


class FilterModule(object):
    """drweb.cluster.dns_record_changes"""

    def filters(self):
        return {'dns_record_changes': dns_record_changes}
