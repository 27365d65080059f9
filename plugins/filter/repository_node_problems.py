# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``drweb.cluster.repository_node_problems`` filter: what refuses the repository role on a node before anything
is written. Documentation: DOCUMENTATION below."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
name: repository_node_problems
version_added: 0.1.0
short_description: Refuse a node the repository role cannot work on, before any update source is written
description:
  - Input is this node's Server facts (C(drweb.cluster.server_facts)) and, when it updates from an update zone, its
    read of the zone (the registered C(drweb.cluster.update_zone_revisions) result).
  - A node without an installed Server is refused; so is one whose Server does not run, when the role updates the
    repository (C(drweb_repository_update)) in a real run.
  - A node that updates from the zone and could not read it is refused - before any Server is pointed at a source it
    cannot update from.
author:
  - drweb.cluster maintainers !UNKNOWN
options:
  _input:
    description: What was read on the node.
    type: dict
    required: true
    suboptions:
      host:
        description: The node's inventory name, for the messages.
        type: str
        required: true
      server:
        description: Its C(ansible_facts.drweb_server) (C(installed), C(running)).
        type: dict
      update:
        description: Whether the role updates the repository (C(drweb_repository_update)).
        type: bool
      check_mode:
        description: Whether the run is in check mode (a Server to be started in the run need not run yet).
        type: bool
      zone_url:
        description: C(drweb_update_zone_url), for the messages.
        type: str
      zone:
        description: The registered read of the update zone (skipped when the node does not update from a zone).
        type: dict
'''

EXAMPLES = r'''
- name: Refuse a node without a running Server, or whose update zone does not answer
  ansible.builtin.assert:
    that: problems | length == 0
    fail_msg: "{{ problems | join(' ') }}"
  vars:
    problems: >-
      {{ {'host': inventory_hostname, 'server': ansible_facts.drweb_server, 'update': true,
          'check_mode': ansible_check_mode, 'zone_url': 'http://10.0.0.4/update', 'zone': zone_read}
         | drweb.cluster.repository_node_problems }}
'''

RETURN = r'''
_value:
  description: Why the role refuses this node, one sentence each; empty when it may go on.
  type: list
  elements: str
'''

from collections.abc import Mapping

from ansible.errors import AnsibleFilterError
from ansible.module_utils.parsing.convert_bool import boolean


def _mapping(value):
    return value if isinstance(value, Mapping) else {}


def _true(value):
    return boolean(value or False, strict=False)


def repository_node_problems(data):
    """The refusals of one node (RETURN above)."""
    if not isinstance(data, Mapping) or not data.get('host'):
        raise AnsibleFilterError('repository_node_problems expects a dictionary with the host, got %r' % (data,))
    host, server, zone = data['host'], _mapping(data.get('server')), _mapping(data.get('zone'))
    problems = []
    installed = _true(server.get('installed'))
    running = _true(server.get('running'))
    if not installed or not (running or _true(data.get('check_mode')) or not _true(data.get('update'))):
        problems.append('%s: the Dr.Web Server is %s; the repository role needs it installed and running '
                        '(drweb.cluster.install first).' % (host, 'not running' if installed else 'not installed'))
    if zone and not zone.get('skipped') and (zone.get('failed') or zone.get('unreachable')):
        problems.append('%s cannot reach the update zone drweb_update_zone_url=%s: %s. No Server was switched or updated; '
                        'start the zone\'s web server (or fix drweb_update_zone_url) and run again.'
                        % (host, data.get('zone_url') or '', zone.get('msg') or 'no answer'))
    return problems


class FilterModule(object):
    """drweb.cluster.repository_node_problems"""

    def filters(self):
        return {'repository_node_problems': repository_node_problems}
