# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``drweb.cluster.unusable_secrets`` filter: the secrets the product's files cannot hold, named.

Documentation: DOCUMENTATION below (``ansible-doc -t filter drweb.cluster.unusable_secrets``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
name: unusable_secrets
version_added: 0.1.0
short_description: The secrets (passwords, TSIG secret) a product file cannot hold, one message per variable
description:
  - A password goes into a configuration file (C(drwcsd.conf) is XML, whose parser turns a line break in an attribute
    value into a space), onto a command line or into a C string (which ends at NUL). A secret with a newline, a
    carriage return or a NUL character would leave the product with another secret than the one given, silently.
  - This filter returns one message per variable whose value holds such a character, naming the variable and the
    characters (never the value), for a refusal before anything changes. Unset and empty values are not judged here.
positional: ''
options:
  _input:
    description: Variable name -> its value.
    type: dict
    required: true
'''

EXAMPLES = r'''
- name: Refuse passwords the product's files cannot hold
  vars:
    problems: "{{ {'drweb_db_password': drweb_db_password | default('')} | drweb.cluster.unusable_secrets }}"
  ansible.builtin.assert:
    that: problems | length == 0
    fail_msg: "{{ problems | join(' ') }} Nothing was changed."
'''

RETURN = r'''
_value:
  description: One message per unusable secret, in the order given; empty when all can be used.
  type: list
  elements: str
'''

from collections.abc import Mapping

from ansible.errors import AnsibleFilterError
from ansible_collections.drweb.cluster.plugins.module_utils.secrets import forbidden_characters


def unusable_secrets(secrets):
    """'<variable> holds <characters> ...' for each secret a product file cannot hold."""
    if not isinstance(secrets, Mapping):
        raise AnsibleFilterError('unusable_secrets expects a dict variable name -> value, got %s' % type(secrets).__name__)
    problems = []
    for name, value in secrets.items():
        found = forbidden_characters(value if isinstance(value, str) else ('' if value is None else str(value)))
        if found:
            problems.append('%s holds %s: the product cannot keep it in its files (a line break in drwcsd.conf becomes a '
                            'space, a NUL ends it), so it would use another secret than the one given; choose one '
                            'without newline, carriage return or NUL.' % (name, ' and '.join(found)))
    return problems


class FilterModule(object):
    """drweb.cluster secret checks."""

    def filters(self):
        return {'unusable_secrets': unusable_secrets}
