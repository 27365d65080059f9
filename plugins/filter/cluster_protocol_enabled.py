# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``drweb.cluster.cluster_protocol_enabled`` filter: drwcsd.conf's <protocols> with the cluster protocol on.
Documentation: DOCUMENTATION below."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
name: cluster_protocol_enabled
version_added: 0.1.0
short_description: The <protocols> element of drwcsd.conf with the Dr.Web Servers cluster protocol switched on
description:
  - Vendor prescription 3 switches the "Dr.Web Servers cluster protocol" on (Modules tab). In drwcsd.conf a protocol is
    off while C(<protocols><disabled>) lists it; this filter returns the element with every entry of the cluster
    protocol taken out of C(<disabled>) (its name compared without regard to case) and everything else as it is - the
    other disabled protocols, attributes, order.
  - The element and attribute names and the protocol's name are not public; docs/compatibility.md lists them as GUESS.
options:
  _input:
    description: The C(<protocols>) element as drweb.cluster.xml_fragments reads it (C(tag), C(attributes), C(text),
      C(children)).
    type: dict
    required: true
author:
  - drweb.cluster maintainers !UNKNOWN
'''

EXAMPLES = r'''
- name: The <protocols> element to write
  ansible.builtin.debug:
    msg: "{{ current_protocols | drweb.cluster.cluster_protocol_enabled }}"
'''

RETURN = r'''
_value:
  description: The element in the same form, without the cluster protocol among the disabled ones.
  type: dict
'''

from ansible.errors import AnsibleFilterError
from ansible_collections.drweb.cluster.plugins.module_utils import config_elements


def cluster_protocol_enabled(protocols):
    """protocols with the cluster protocol taken out of every <disabled> child."""
    try:
        return config_elements.cluster_protocol_enabled(protocols)
    except ValueError as error:
        raise AnsibleFilterError(str(error)) from error


class FilterModule(object):
    """drweb.cluster drwcsd.conf filters."""

    def filters(self):
        return {'cluster_protocol_enabled': cluster_protocol_enabled}
