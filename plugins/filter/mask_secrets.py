# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``drweb.cluster.mask_secrets`` filter: secrets masked by value in a text, in every spelling.

Documentation: DOCUMENTATION below (``ansible-doc -t filter drweb.cluster.mask_secrets``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
name: mask_secrets
version_added: 0.1.0
short_description: A text with some secrets masked by value, in every spelling
description:
  - Replaces every spelling of every secret (as given, XML-escaped, JSON-escaped, with doubled backslashes, as a
    Python literal) with C(********), for a message built from a command's output or a file's content.
  - The spellings are those of the C(drweb.cluster.secret_variants) filter.
positional: secrets
options:
  _input:
    description: The text (a string, or a list or dict of strings).
    type: raw
    required: true
  secrets:
    description: The secrets (empty values are left out).
    type: list
    elements: str
    required: true
'''

EXAMPLES = r'''
- name: A command's output in a message, without the passwords
  ansible.builtin.debug:
    msg: "{{ command_result.stdout | drweb.cluster.mask_secrets([drweb_db_password, drweb_admin_password]) }}"
'''

RETURN = r'''
_value:
  description: The text with every spelling of every secret replaced by C(********).
  type: raw
'''

from ansible_collections.drweb.cluster.plugins.filter.secret_variants import secrets_of
from ansible_collections.drweb.cluster.plugins.module_utils.secrets import Masker


def mask_secrets(text, secrets):
    """text (a string, or a list/dict of strings) with every spelling of every secret replaced by ********."""
    return Masker(secrets_of(secrets, 'mask_secrets')).mask_data(text)


class FilterModule(object):
    """drweb.cluster secret masking filter."""

    def filters(self):
        return {'mask_secrets': mask_secrets}
