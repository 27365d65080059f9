# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``drweb.cluster.config_primary_salt`` filter: the passwd-salt every node of the cluster gets.
Documentation: DOCUMENTATION below."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
name: config_primary_salt
version_added: 0.1.0
short_description: The passwd-salt element the config role gives every Dr.Web Server of the cluster
description:
  - The vendor's cluster chapter has every Server hold the same passwd-salt. The config role gives every node the
    salt of the member whose key set is the cluster's (the primary); a cluster rebuilt from a backup gets its former
    salt instead (C(given)).
  - Returns an empty dict when the salt is not unified (C(unify) false) or the source has none (12.x); the given salt as
    an element whose C(attributes.value) is the salt; else the primary's element as drweb.cluster.xml_fragments read it - from the
    primary's own read when it is in this batch (C(in_batch)), else from the read delegated to it.
options:
  _input:
    description: C(unify) (bool), C(given) (the former salt, empty when none), C(in_batch) (bool), C(batch_read) (the
      primary's own registered read), C(delegated_read) (the registered read delegated to the primary).
    type: dict
    required: true
  xpath:
    description: The passwd-salt's path, the key of the reads' C(elements).
    type: str
    required: true
author:
  - drweb.cluster maintainers !UNKNOWN
'''

EXAMPLES = r'''
- name: The salt every node gets
  ansible.builtin.debug:
    msg: "{{ {'unify': true, 'given': '', 'in_batch': true, 'batch_read': primary_read}
             | drweb.cluster.config_primary_salt('/drwcsd/passwd-salt') }}"
  no_log: true
'''

RETURN = r'''
_value:
  description: The element (C(attributes.value) the salt) or C({}).
  type: dict
'''

from collections.abc import Mapping

from ansible.errors import AnsibleFilterError
from ansible_collections.drweb.cluster.plugins.module_utils import drwcsd


def config_primary_salt(source, xpath):
    """The passwd-salt element every node gets: {} when not unified or when the source has none; the given former salt
    (a cluster rebuilt from a backup); else the primary's, from its own read when it is in this batch, else from the
    read delegated to it."""
    if not isinstance(source, Mapping):
        raise AnsibleFilterError('config_primary_salt expects a dict (unify, given, in_batch, batch_read, delegated_read), got %r'
                                 % (type(source).__name__,))
    if not source.get('unify'):
        return {}
    given = '' if source.get('given') is None else str(source.get('given'))
    if given:
        return {'attributes': {drwcsd.CONFIG_VALUE_ATTRIBUTE: given}}
    read = source.get('batch_read') if source.get('in_batch') else source.get('delegated_read')
    elements = (read or {}).get('elements') if isinstance(read, Mapping) else None
    found = (elements or {}).get(xpath)
    return dict(found) if isinstance(found, Mapping) and found else {}


class FilterModule(object):
    """drweb.cluster config role decisions."""

    def filters(self):
        return {'config_primary_salt': config_primary_salt}
