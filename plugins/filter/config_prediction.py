# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``drweb.cluster.config_prediction`` filter: what the config role changes on a node, from its one
read-and-predict call. Documentation: DOCUMENTATION below."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
name: config_prediction
version_added: 0.1.0
short_description: What the config role changes on a Dr.Web Server, from its one read-and-predict call
description:
  - Takes the result of drweb.cluster.xml_fragments run in check mode on drwcsd.conf and download.conf (option
    C(files)) with every managed fragment but the passwd-salt, and the passwd-salt element every node gets
    (drweb.cluster.config_primary_salt). The passwd-salt is compared here, because it comes from another node's read
    of the same task; an element that differs in anything (another value, other attributes, text or children) or is
    missing changes, as drweb.cluster.xml_fragments would replace or insert it.
  - Returns C(changes) (the paths of the managed elements that change, drwcsd.conf's first), C(drift) (the same as
    C(<file name>:<path>)), C(server_address) (the Server address download.conf holds now, C(null) when it has
    none) and C(expected_server_address).
  - The passwd-salt's value is never returned. A failed read (its message, which names the file and what is wrong
    but no element's value) fails the filter with that message, so that a read run with C(no_log) still names it.
positional: primary_salt, xpaths, expected_server_address
options:
  _input:
    description: The registered result of drweb.cluster.xml_fragments (C(files), C(elements)); drwcsd.conf's read
      must include the passwd-salt path, download.conf's the Server address path.
    type: dict
    required: true
  primary_salt:
    description: The passwd-salt element every node gets (an empty dict - no passwd-salt is unified).
    type: dict
    required: true
  xpaths:
    description: The managed paths, C(drwcsd.passwd_salt) and C(download.server) (drweb.cluster.config_element_paths).
    type: dict
    required: true
  expected_server_address:
    description: The cluster's common name (returned as C(expected_server_address)).
    type: str
    required: true
author:
  - drweb.cluster maintainers !UNKNOWN
'''

EXAMPLES = r'''
- name: What changes on this node
  ansible.builtin.set_fact:
    prediction: "{{ read_result | drweb.cluster.config_prediction(primary_salt, xpaths, 'esuite.example.com') }}"
'''

RETURN = r'''
_value:
  description: C(changes), C(drift), C(server_address), C(expected_server_address).
  type: dict
'''

import os
from collections.abc import Mapping

from ansible.errors import AnsibleFilterError
from ansible_collections.drweb.cluster.plugins.module_utils import drwcsd


def _element(value):
    """An element as xml_fragments reads it, in a comparable form (None: missing)."""
    if not isinstance(value, Mapping) or not value.get('tag'):
        return None
    return (value['tag'], tuple(sorted((str(k), str(v)) for k, v in (value.get('attributes') or {}).items())),
            str(value.get('text') or '').strip(), tuple(_element(child) for child in value.get('children') or []))


def _last_step(path):
    return str(path).rstrip('/').rsplit('/', 1)[-1].split('[', 1)[0]


def config_prediction(result, primary_salt, xpaths, expected_server_address):
    """changes, drift, server_address and expected_server_address of a node."""
    if isinstance(result, Mapping) and (result.get('failed') or result.get('msg')):
        # the read runs with no_log (it returns the passwd-salt): its refusal is named here
        raise AnsibleFilterError(str(result.get('msg') or 'drweb.cluster.xml_fragments failed'))
    if not isinstance(result, Mapping) or not isinstance(result.get('files'), list) or not result['files']:
        raise AnsibleFilterError('config_prediction expects the result of drweb.cluster.xml_fragments with files, got %r'
                                 % (sorted(result) if isinstance(result, Mapping) else type(result).__name__,))
    try:
        salt_xpath, server_xpath = xpaths['drwcsd']['passwd_salt'], xpaths['download']['server']
    except (KeyError, TypeError) as error:
        raise AnsibleFilterError('config_prediction: xpaths needs drwcsd.passwd_salt and download.server') from error
    elements = result.get('elements') or {}
    changes, drift = [], []
    for entry in result['files']:
        label = os.path.basename(str(entry.get('path') or ''))
        changed = list(entry.get('changed_elements') or [])
        if salt_xpath in (entry.get('elements') or {}) and primary_salt:
            value = (primary_salt.get('attributes') or {}).get(drwcsd.CONFIG_VALUE_ATTRIBUTE) or ''
            wanted = (_last_step(salt_xpath), ((drwcsd.CONFIG_VALUE_ATTRIBUTE, str(value)),), '', ())
            if _element(entry['elements'][salt_xpath]) != wanted and salt_xpath not in changed:
                changed.append(salt_xpath)
        changes.extend(changed)
        drift.extend('%s:%s' % (label, path) for path in changed)
    server = elements.get(server_xpath)
    address = (server.get('attributes') or {}).get(drwcsd.DOWNLOAD_SERVER_HOST_ATTRIBUTE) if isinstance(server, Mapping) else None
    return dict(changes=changes, drift=drift, server_address=address, expected_server_address=expected_server_address)


class FilterModule(object):
    """drweb.cluster config role decisions."""

    def filters(self):
        return {'config_prediction': config_prediction}
