# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``drweb.cluster.download_server_element`` filter: download.conf's Server address for Agent installers.
Documentation: DOCUMENTATION below."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
name: download_server_element
version_added: 0.1.0
short_description: The Server address element of download.conf, naming the cluster's common name
description:
  - Vendor prescription 2 gives every Server the cluster's common name as the Server address Agent installers use
    (download.conf). This filter returns that element - C(host) set to the common name and written first - keeping
    the port and every other attribute, the text and the children the file has; an element without a port gets the
    Server's Agent port.
  - The element and attribute names are not public; docs/compatibility.md lists them as GUESS.
positional: name, agent_port
options:
  _input:
    description: The element as drweb.cluster.xml_fragments reads it (C(tag), C(attributes), C(text), C(children)); an
      empty dict when download.conf has none.
    type: dict
    required: true
  name:
    description: The cluster's common name (C(drweb_cluster_name)).
    type: str
    required: true
  agent_port:
    description: The Server's Agent port, for an element that has no port.
    type: str
    required: true
author:
  - drweb.cluster maintainers !UNKNOWN
'''

EXAMPLES = r'''
- name: The Server address element to write
  ansible.builtin.debug:
    msg: "{{ current_server | drweb.cluster.download_server_element('esuite.example.com', '2193') }}"
'''

RETURN = r'''
_value:
  description: The element (C(tag), C(attributes), C(text), C(children)).
  type: dict
'''

from ansible.errors import AnsibleFilterError
from ansible_collections.drweb.cluster.plugins.module_utils import config_elements


def download_server_element(current, name, agent_port):
    """The <server> element naming the common name; current's other attributes, text and children kept."""
    try:
        return config_elements.download_server_element(current, name, agent_port)
    except ValueError as error:
        raise AnsibleFilterError(str(error)) from error


class FilterModule(object):
    """drweb.cluster download.conf filters."""

    def filters(self):
        return {'download_server_element': download_server_element}
