# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``drweb.cluster.repository_compare_reads`` filter: which Servers the repository comparison reads again, and
which it takes from this run's read. Documentation: DOCUMENTATION below."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
name: repository_compare_reads
version_added: 0.1.0
short_description: Which Servers the repository comparison must read, and the reads of this run it can take as they are
description:
  - The comparison of the revisions (C(drweb.cluster.repository_drift)) needs every compared Server's repository as it
    is now. A play host whose repository this run read (the C(drweb.cluster.update_source) result in its state, from
    C(drweb.cluster.repository_states)) and that no update of this run touched still holds what that read found - the
    comparison takes that read instead of reading the Server again.
  - Read again - a Server updated in this run (O(updated)), a compared Server outside the play (C(--limit), or left out
    of the play) and, with O(content=true), every Server (the update source read carries no content digests).
positional: hosts, updated, content
options:
  _input:
    description: The play hosts' states, as C(drweb.cluster.repository_states) returns them (Server -> C(before), ...).
    type: dict
    required: true
  hosts:
    description: The Servers compared, in order.
    type: list
    elements: str
    required: true
  updated:
    description: The Servers whose repository an update of this run changed (none in check mode).
    type: list
    elements: str
    default: []
  content:
    description: Whether the comparison also compares the files' content (C(drweb_repository_compare_content)).
    type: bool
    default: false
author:
  - drweb.cluster maintainers !UNKNOWN
'''

EXAMPLES = r'''
- name: Read the Servers this run has not read since their last change
  drweb.cluster.repository_version:
    path: /var/opt/drwcs/repository
  delegate_to: "{{ item }}"
  loop: "{{ (states | drweb.cluster.repository_compare_reads(['node1', 'node2', 'node3'], ['node3'])).read }}"
'''

RETURN = r'''
_value:
  description: What to read, and what is taken as read.
  type: dict
  contains:
    read:
      description: The Servers to read again, in the order of O(hosts).
      type: list
      elements: str
    reads:
      description: Server -> its read of this run (the C(update_source) result), for the Servers not read again.
      type: dict
'''

from collections.abc import Mapping

from ansible.errors import AnsibleFilterError
from ansible.module_utils.parsing.convert_bool import boolean


def repository_compare_reads(states, hosts, updated=None, content=False):
    """{'read': [Server], 'reads': {Server: result}} (see RETURN)."""
    if not isinstance(states, Mapping):
        raise AnsibleFilterError('repository_compare_reads expects the states of repository_states, got %s' % type(states).__name__)
    if isinstance(hosts, str) or not isinstance(hosts, (list, tuple)):
        raise AnsibleFilterError('repository_compare_reads: hosts must be a list of Server names, got %r' % (hosts,))
    updated = [str(host) for host in (updated or [])]
    content = boolean(content or False, strict=False)
    read, reads = [], {}
    for host in (str(host) for host in hosts):
        state = states.get(host)
        before = state.get('before') if isinstance(state, Mapping) else None
        fresh = isinstance(before, Mapping) and isinstance(before.get('revisions'), Mapping) and not before.get('failed')
        if fresh and not content and host not in updated:
            reads[host] = before
        else:
            read.append(host)
    return dict(read=read, reads=reads)


class FilterModule(object):
    """drweb.cluster.repository_compare_reads"""

    def filters(self):
        return {'repository_compare_reads': repository_compare_reads}
