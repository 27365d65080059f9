# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``drweb.cluster.update_source_files`` filter: the repository's update source files of one Server.
Documentation: DOCUMENTATION below."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
name: update_source_files
version_added: 0.1.0
short_description: The update source files a Server's repository folder must hold for its update source
description:
  - Input is the C(product_facts) of drweb.cluster.repository_version (where the files are, what the vendor's Global
    Update System (GUS) is, the scheme a parent Server is reached with) and the Server's update source.
  - C(gus) - the three files of the vendor's GUS (URL path, protocol, servers); C(zone) - the URL file naming the
    update zone; C(parent) - the URL file naming the parent Server, with the product's scheme.
positional: source, zone_url, parent_address
options:
  _input:
    description: The C(product_facts) of drweb.cluster.repository_version.
    type: dict
    required: true
  source:
    description: The Server's update source.
    type: str
    choices: [gus, zone, parent]
    required: true
  zone_url:
    description: The update zone's URL (C(drweb_update_zone_url)), for C(zone).
    type: str
  parent_address:
    description: The parent Server's address, with its port when one is given, for C(parent).
    type: str
author:
  - drweb.cluster maintainers !UNKNOWN
'''

EXAMPLES = r'''
- name: Work out this Server's update source files
  ansible.builtin.set_fact:
    update_files: "{{ repository_read.product_facts | drweb.cluster.update_source_files('zone', 'http://zone.example/update') }}"
'''

RETURN = r'''
_value:
  description: The files to write, each C(path) and C(content) (without the final newline).
  type: list
  elements: dict
'''

from collections.abc import Mapping

from ansible.errors import AnsibleFilterError


def update_source_files(facts, source, zone_url=None, parent_address=None):
    """[{path, content}] of the update source files."""
    if not isinstance(facts, Mapping) or not isinstance(facts.get('source_files'), Mapping):
        raise AnsibleFilterError('update_source_files expects the product_facts of repository_version, got %r' % (facts,))
    files = facts['source_files']
    if source == 'gus':
        gus = facts.get('gus_source') or {}
        return [dict(path=files['url'], content=gus.get('url')), dict(path=files['proto'], content=gus.get('proto')),
                dict(path=files['servers'], content='\n'.join(gus.get('servers') or []))]
    if source == 'zone':
        if not zone_url:
            raise AnsibleFilterError('update_source_files: the zone source needs the zone URL (drweb_update_zone_url)')
        return [dict(path=files['url'], content=zone_url)]
    if source == 'parent':
        if not parent_address:
            raise AnsibleFilterError('update_source_files: the parent source needs the parent address (drweb_update_parent_host)')
        return [dict(path=files['url'], content='%s://%s' % (facts.get('parent_scheme'), parent_address))]
    raise AnsibleFilterError('update_source_files: source must be gus, zone or parent, got %r' % (source,))


class FilterModule(object):
    """drweb.cluster.update_source_files"""

    def filters(self):
        return {'update_source_files': update_source_files}
