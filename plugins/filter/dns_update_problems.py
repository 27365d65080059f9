# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``drweb.cluster.dns_update_problems`` filter: which DNS updates of the cluster name the DNS server refused, and
why, in words. Documentation: DOCUMENTATION below."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
name: dns_update_problems
version_added: 0.1.0
short_description: Name the DNS updates of the cluster name that failed, with what to check
description:
  - Input is the registered result of the C(community.general.nsupdate) loop over the updates
    P(drweb.cluster.dns_record_changes#filter) decided (each result holding its update as C(item)), registered with
    C(no_log) - the TSIG secret is never an input and never in a message.
  - One message per failed update, with the module's message and the DNS return code; a refused signature (TSIG,
    BADSIG, BADKEY, NOTAUTH) adds what to check. A failed SRV update reminds that C(drweb_dns_srv_name) must lie in the
    zone.
author:
  - drweb.cluster maintainers !UNKNOWN
options:
  _input:
    description: The results and the names the messages use.
    type: dict
    required: true
    suboptions:
      results:
        description: The registered result of the update loop (C(results); a skipped loop has none).
        type: dict
        required: true
      name:
        description: The cluster name.
        type: str
      zone:
        description: The zone.
        type: str
      server:
        description: The DNS server.
        type: str
      port:
        description: Its port.
        type: int
      key_name:
        description: The TSIG key's name (C(drweb_dns_tsig_key_name); never the secret).
        type: str
      algorithm:
        description: The TSIG algorithm.
        type: str
      update_host:
        description: The host the updates were sent from.
        type: str
'''

EXAMPLES = r'''
- name: Check that the DNS server accepted the update
  vars:
    problems: >-
      {{ {'results': dns_update, 'name': 'esuite.example.com', 'zone': 'example.com', 'server': '10.0.0.2', 'port': 53,
          'key_name': 'drweb-update', 'algorithm': 'hmac-sha256', 'update_host': 'dns1'}
         | drweb.cluster.dns_update_problems }}
  ansible.builtin.assert:
    that: problems | length == 0
    fail_msg: "{{ problems | join(' ') }}"
'''

RETURN = r'''
_value:
  description: One message per failed update; empty when the DNS server accepted them all.
  type: list
  elements: str
'''

import re
from collections.abc import Mapping

from ansible.errors import AnsibleFilterError

REFUSED_SIGNATURE = re.compile(r'(?i)tsig|badsig|badkey|signature|NOTAUTH')
SIGNATURE_HINT = ('The DNS server refused the TSIG signature: check drweb_dns_tsig_key_secret (and drweb_dns_tsig_key_name, '
                  'drweb_dns_tsig_key_algorithm) against the key the DNS server has for %s.')


def _failure(result, data):
    update = result.get('item') if isinstance(result.get('item'), Mapping) else {}
    message = str(result.get('msg') or '')
    code = str(result['dns_rc_str']) if 'dns_rc_str' in result else ''
    code_text = '(%s)' % code if 'dns_rc_str' in result else ''
    where = '%s:%s' % (data.get('server'), data.get('port'))
    if update.get('type') == 'SRV':
        return ('The update of the SRV record %s at %s (zone %s) failed: %s %s (drweb_dns_srv_name must lie in '
                'drweb_dns_zone)' % (str(update.get('record') or '').rstrip('.'), where, data.get('zone'), message,
                                     code_text))
    hint = ''
    if REFUSED_SIGNATURE.search(message + code):
        hint = SIGNATURE_HINT % data.get('zone')
    return ('The update of %s at %s (zone %s, TSIG key %s, %s) sent from %s failed: %s %s %s' % (
        data.get('name'), where, data.get('zone'), data.get('key_name'), data.get('algorithm'), data.get('update_host'),
        message, code_text, hint))


def dns_update_problems(data):
    """One message per failed update (RETURN above)."""
    if not isinstance(data, Mapping) or not isinstance(data.get('results'), Mapping):
        raise AnsibleFilterError('dns_update_problems expects a dictionary with the registered updates, got %r' % (data,))
    return [_failure(result, data) for result in data['results'].get('results') or []
            if isinstance(result, Mapping) and not result.get('skipped') and 'msg' in result]


class FilterModule(object):
    """drweb.cluster.dns_update_problems"""

    def filters(self):
        return {'dns_update_problems': dns_update_problems}
