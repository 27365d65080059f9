# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``drweb.cluster.secret_variants`` filter: every spelling of some secrets, for a module's no_log option.

Documentation: DOCUMENTATION below (``ansible-doc -t filter drweb.cluster.secret_variants``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
name: secret_variants
version_added: 0.1.0
short_description: Every spelling of some secrets, for a module's no_log option
description:
  - A secret reaches a log line or a job event in several spellings - as given, XML-escaped inside a configuration
    file (C(&amp;), C(&lt;), C(&quot;), C(&#34;) ...), JSON-escaped, with doubled backslashes or as a Python literal
    inside a logged argument list. Ansible masks a C(no_log) value only in the spelling given.
  - This filter returns every spelling of every secret (longest first, empty values left out), to pass to a module
    option that is C(no_log) (for example drweb.cluster.xml_fragments' C(secret_values)), so Ansible masks all of
    them in the module's logged arguments and in its result.
  - The filter C(drweb.cluster.mask_secrets) masks secrets in a text with the same spellings.
positional: ''
options:
  _input:
    description: The secrets (a list of strings; a single string is one secret).
    type: list
    elements: str
    required: true
'''

EXAMPLES = r'''
- name: Merge a section holding a password; no spelling of it in the diff, the result or the node's log
  drweb.cluster.xml_fragments:
    path: /var/opt/drwcs/etc/drwcsd.conf
    fragments: "{{ my_fragments }}"
    secret_values: "{{ [drweb_db_password] | drweb.cluster.secret_variants }}"
'''

RETURN = r'''
_value:
  description: Every spelling of every secret, longest first, without repeats.
  type: list
  elements: str
'''

from ansible.errors import AnsibleFilterError
from ansible_collections.drweb.cluster.plugins.module_utils.secrets import all_variants


def secrets_of(values, what):
    if values is None:
        return []
    if isinstance(values, str):
        values = [values]
    if not isinstance(values, (list, tuple)):
        raise AnsibleFilterError('%s expects a list of secrets, got %s' % (what, type(values).__name__))
    return [str(value) for value in values if value not in (None, '')]


def secret_variants(values):
    """Every spelling of every secret of values."""
    return all_variants(secrets_of(values, 'secret_variants'))


class FilterModule(object):
    """drweb.cluster secret filters."""

    def filters(self):
        return {'secret_variants': secret_variants}
