# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``drweb.cluster.repository_node_source`` filter: what one Server updates from.
Documentation: DOCUMENTATION below."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
name: repository_node_source
version_added: 0.1.0
short_description: What one Server updates from (gus, zone or parent) in the cluster's update topology
description:
  - C(drweb_update_source=parent) - every Server but the parent updates from the parent Server; the parent itself
    updates from the update zone when C(drweb_update_zone_url) is given, else from GUS.
  - C(drweb_update_source=zone) - every Server updates from the zone; C(gus) - from GUS.
  - The same rule C(drweb.cluster.repository_states) applies to every play host.
positional: source, parent, zone_url
options:
  _input:
    description: The Server's inventory name.
    type: str
    required: true
  source:
    description: C(drweb_update_source) (C(gus), C(zone) or C(parent)).
    type: str
    required: true
  parent:
    description: The parent Server's inventory name (C(drweb_update_parent_host) without a port).
    type: str
  zone_url:
    description: C(drweb_update_zone_url).
    type: str
author:
  - drweb.cluster maintainers !UNKNOWN
'''

EXAMPLES = r'''
- name: Where this Server updates from
  ansible.builtin.debug:
    msg: "{{ inventory_hostname | drweb.cluster.repository_node_source('parent', 'node1', 'http://10.0.0.4/update') }}"
'''

RETURN = r'''
_value:
  description: C(gus), C(zone) or C(parent).
  type: str
'''

from ansible_collections.drweb.cluster.plugins.module_utils.repository import node_source


def repository_node_source(host, source, parent='', zone_url=''):
    """gus, zone or parent (see DOCUMENTATION)."""
    return node_source(str(host), str(source or ''), str(parent or ''), str(zone_url or ''))


class FilterModule(object):
    """drweb.cluster.repository_node_source"""

    def filters(self):
        return {'repository_node_source': repository_node_source}
