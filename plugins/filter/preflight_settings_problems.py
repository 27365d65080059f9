# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``drweb.cluster.preflight_settings_problems`` filter: what is wrong with the preflight's settings.

Documentation: DOCUMENTATION below (``ansible-doc -t filter drweb.cluster.preflight_settings_problems``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
name: preflight_settings_problems
version_added: 0.1.0
short_description: What is wrong with the settings the preflight reads the cluster with, one message per problem
description:
  - The rules of the C(drweb.cluster.preflight) role that its argument specification cannot express, decided in one
    place before the cluster is read. Each message names the variable and what is wrong with its value.
  - C(drweb_preflight_operation) is one of the operations the preflight knows; C(drweb_keys_source) is C(generate) or
    C(provided); no password or secret holds a newline, carriage return or NUL, which the product's files cannot
    keep (the messages of P(drweb.cluster.unusable_secrets#filter)).
options:
  _input:
    description:
      - C(operation) - C(drweb_preflight_operation); C(operations) - the operations the preflight knows.
      - C(keys_source) - C(drweb_keys_source) normalised (empty means C(generate)), C(keys_source_given) - as given.
      - C(secrets) - variable name -> value of the passwords and secrets the product keeps in its files.
    type: dict
    required: true
'''

EXAMPLES = r'''
- name: Check the preflight's settings
  vars:
    problems: >-
      {{ {'operation': 'site', 'operations': ['site', 'add_node'], 'keys_source': 'generate', 'keys_source_given': '',
          'secrets': {'drweb_admin_password': drweb_admin_password | default('')}}
         | drweb.cluster.preflight_settings_problems }}
  ansible.builtin.assert:
    that: problems | length == 0
    fail_msg: "{{ problems | join(' ') }} Nothing was changed."
'''

RETURN = r'''
_value:
  description: One message per problem, each naming its variable; empty when the settings are usable.
  type: list
  elements: str
  sample:
    - 'drweb_keys_source must be generate or provided (got "vault").'
'''

import json
from collections.abc import Mapping

from ansible.errors import AnsibleFilterError
from ansible_collections.drweb.cluster.plugins.plugin_utils.settings_checks import (
    KEY_SOURCES, text,
)
from ansible_collections.drweb.cluster.plugins.filter.unusable_secrets import unusable_secrets


def preflight_settings_problems(settings):
    """Every problem of the preflight's settings, one message each naming the variable; [] when usable."""
    if not isinstance(settings, Mapping):
        raise AnsibleFilterError('preflight_settings_problems: the input must be a mapping of settings, got %s'
                                 % type(settings).__name__)
    problems = []
    operations = [text(operation) for operation in settings.get('operations') or []]
    if text(settings.get('operation')) not in operations:
        problems.append('drweb_preflight_operation must be one of %s (got %s).'
                        % (', '.join(operations), json.dumps(text(settings.get('operation')))))
    if text(settings.get('keys_source')) not in KEY_SOURCES:
        problems.append('drweb_keys_source must be generate or provided (got %s).'
                        % json.dumps(text(settings.get('keys_source_given'))))
    return problems + unusable_secrets(settings.get('secrets') or {})


class FilterModule(object):
    """drweb.cluster preflight settings filter."""

    def filters(self):
        return {'preflight_settings_problems': preflight_settings_problems}
