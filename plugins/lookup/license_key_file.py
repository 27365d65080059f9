# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
name: license_key_file
author:
  - drweb.cluster maintainers !UNKNOWN
short_description: What a licence key file on the controller holds - its number and expiry, never its content
version_added: 0.1.0
description:
  - Reads each given licence key file (C(agent.key), unpacked from the C(agent.zip) the vendor sends) on the
    controller and returns what the key says. Connects to nothing.
  - A file encrypted with Ansible Vault is decrypted in memory, as the C(ansible.builtin.file) lookup does.
  - The content is never returned; the P(drweb.cluster.license_settings_problems#filter) filter judges the result.
options:
  _terms:
    description: Paths of licence key files on the controller.
    type: list
    elements: str
    required: true
'''

EXAMPLES = r'''
- name: Show the number of the licence key
  ansible.builtin.debug:
    msg: "{{ lookup('drweb.cluster.license_key_file', drweb_license_key).key.number }}"
'''

RETURN = r'''
_raw:
  description:
    - One dict per path - C(path); C(file) (whether it is a file on the controller); C(key) (the key's C(number),
      C(user) and C(expires), C(YYYY-MM-DD) or null; empty when the file is not a key); C(problem) (why the file is not
      a usable key file, empty when it is one).
  type: list
  elements: dict
'''

import os

from ansible.errors import AnsibleError
from ansible.module_utils.common.text.converters import to_native, to_text
from ansible.plugins.lookup import LookupBase

from ansible_collections.drweb.cluster.plugins.module_utils import drwcsd


def read_key_file(path, loader=None):
    """What the licence key file at path holds (number, user, expiry) and why it cannot be used; never its content.
    With Ansible's loader a vault-encrypted file is decrypted (into a private temporary file the loader removes)."""
    path = '' if path is None else str(path).strip()
    result = dict(path=path, file=bool(path) and os.path.isfile(path), key={}, problem='')
    if not result['file']:
        return result
    real = path
    try:
        if loader is not None:
            real = loader.get_real_file(path, decrypt=True)
        with open(real, 'rb') as handle:
            data = handle.read()
    except (IOError, OSError) as error:
        result['problem'] = 'the file cannot be read on the controller: %s' % to_native(error.strerror or error)
        return result
    except AnsibleError as error:
        result['problem'] = 'the file cannot be decrypted on the controller: %s' % to_native(error)
        return result
    finally:
        if loader is not None and real != path:
            loader.cleanup_tmp_file(real)
    try:
        result['key'] = drwcsd.parse_licence_key(to_text(data, errors='surrogate_or_replace'))
    except drwcsd.LicenceKeyError as error:
        result['problem'] = 'the file is not a Dr.Web licence key: %s' % to_native(error)
    return result


class LookupModule(LookupBase):

    def run(self, terms, variables=None, **kwargs):
        self.set_options(var_options=variables, direct=kwargs)
        return [read_key_file(term, self._loader) for term in terms]
