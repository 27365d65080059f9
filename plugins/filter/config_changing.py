# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``drweb.cluster.config_changing`` filter: the nodes of a run whose configuration changes, in play order.
Documentation: DOCUMENTATION below."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
name: config_changing
version_added: 0.1.0
short_description: The Dr.Web Servers of a run whose drwcsd.conf or download.conf the config role changes
description:
  - The hosts given, in their order, whose prediction (the config role's C(__drweb_config_prediction), made by
    drweb.cluster.config_prediction) lists changes. A host without a prediction does not change.
  - The config role stops, merges and starts these one at a time, in this order.
positional: hostvars
options:
  _input:
    description: The hosts, in play order (C(ansible_play_hosts)).
    type: list
    elements: str
    required: true
  hostvars:
    description: C(hostvars).
    type: dict
    required: true
author:
  - drweb.cluster maintainers !UNKNOWN
'''

EXAMPLES = r'''
- name: The nodes that change
  ansible.builtin.debug:
    msg: "{{ ansible_play_hosts | drweb.cluster.config_changing(hostvars) }}"
'''

RETURN = r'''
_value:
  description: The host names.
  type: list
  elements: str
'''

from collections.abc import Mapping


def config_changing(hosts, hostvars):
    """The hosts (in the order given) whose config prediction has changes."""
    changing = []
    for host in hosts or []:
        try:
            prediction = hostvars[host].get('__drweb_config_prediction') or {}
        except (KeyError, AttributeError):
            prediction = {}
        if isinstance(prediction, Mapping) and prediction.get('changes'):
            changing.append(host)
    return changing


class FilterModule(object):
    """drweb.cluster config role decisions."""

    def filters(self):
        return {'config_changing': config_changing}
