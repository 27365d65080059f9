# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``drweb.cluster.removal_peers`` filter: whether a remaining Server has forgotten the removed one and hears every
other. Documentation: DOCUMENTATION below."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
name: removal_peers
version_added: 0.1.0
short_description: Whether a Server left in the cluster no longer hears the removed Server and hears every other one
description:
  - After C(playbooks/remove_node.yml) has stopped and uninstalled a Server, each remaining Server is read (Web API,
    the cluster peers it hears) until the removed Server's id is gone from its peers and every other remaining Server's
    id is there. A stopped peer is forgotten after a few seconds, so the read is repeated for a bounded time.
  - Peers that cannot be read (no Web API answer, or no administrator password) cannot be waited for, so the read
    stops and the problem says why, naming C(drweb_admin_password).
positional: hostvars, others, removed
options:
  _input:
    description: The C(server) dictionary C(drweb.cluster.server_facts) returned for this Server.
    type: dict
    required: true
  hostvars:
    description:
      - C(hostvars). Each Server's id is its C(ansible_facts.drweb_server.server_id), as read before the removal.
    type: dict
    required: true
  others:
    description: The other remaining Servers (inventory names).
    type: list
    elements: str
    required: true
  removed:
    description: The inventory name of the removed Server.
    type: str
    required: true
author:
  - drweb.cluster maintainers !UNKNOWN
'''

EXAMPLES = r'''
- name: Read each remaining Server's peers until the removed one is gone and every other is heard (bounded)
  drweb.cluster.server_facts:
  register: __peers
  until: >-
    (__peers.server | drweb.cluster.removal_peers(hostvars, ansible_play_hosts_all | difference([inventory_hostname]),
     groups['drweb_removed_node'] | first)).settled
  retries: 30
  delay: 1
'''

RETURN = r'''
_value:
  description: The verdict for this Server.
  type: dict
  contains:
    settled:
      description: True when reading again cannot change the verdict (the peers are as expected, or cannot be read).
      type: bool
    heard:
      description: The ids of the peers this Server hears.
      type: list
      elements: str
    problems:
      description: What is wrong, in words (empty when the Server hears every other and not the removed one).
      type: list
      elements: str
'''


from collections.abc import Mapping

from ansible.errors import AnsibleFilterError


def _server_id(hostvars, host):
    """The Server id read before the removal (server_facts' ansible_facts.drweb_server.server_id), None when unknown."""
    try:
        facts = hostvars[host].get('ansible_facts') or {}
    except (KeyError, AttributeError):
        return None
    value = (facts.get('drweb_server') or {}).get('server_id') if isinstance(facts, Mapping) else None
    return None if value is None else str(value)


def removal_peers(server, hostvars, others, removed):
    """The verdict: see RETURN."""
    if not isinstance(server, Mapping):
        raise AnsibleFilterError('removal_peers expects the server dictionary of server_facts, got %r' % (server,))
    if not isinstance(others, (list, tuple)) or not all(isinstance(host, str) for host in others):
        raise AnsibleFilterError('removal_peers expects the other Servers as a list of inventory names, got %r' % (others,))
    web_api = server.get('web_api') or {}
    peers = web_api.get('peers')
    if peers is None:
        return dict(settled=True, heard=[], problems=[
            'the cluster peers cannot be read (%s; set drweb_admin_password): not verified that %s left the cluster' % (
                web_api.get('error') or 'the Web API reply has no peer list', removed)])
    heard = [str(peer.get('id')) for peer in peers if isinstance(peer, Mapping) and peer.get('id') is not None]
    problems = []
    removed_id = _server_id(hostvars, removed)
    if removed_id in heard:
        problems.append('still hears %s (%s)' % (removed, removed_id))
    missing = [host for host in others if _server_id(hostvars, host) not in heard]
    if missing:
        problems.append('does not hear %s' % ', '.join(missing))
    return dict(settled=not problems, heard=heard, problems=problems)


class FilterModule(object):
    """drweb.cluster.removal_peers"""

    def filters(self):
        return {'removal_peers': removal_peers}
