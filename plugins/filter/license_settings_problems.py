# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``drweb.cluster.license_settings_problems`` filter: what is wrong with the licence role's input.

Documentation: DOCUMENTATION below (``ansible-doc -t filter drweb.cluster.license_settings_problems``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
name: license_settings_problems
version_added: 0.1.0
short_description: What is wrong with the licence host and the licence key file, one message per problem
description:
  - The checks of the C(drweb.cluster.license) role before anything changes - the licence host a member of
    drweb_servers, drweb_license_key a readable file on the controller that holds a licence key that has not expired.
    Each message names the variable. Connects to nothing.
  - Whether the key is usable is judged only when drweb_license_key is a file (one mistake, one message).
options:
  _input:
    description:
      - C(host) - the licence host (drweb_license_host, else the primary); C(servers) - the inventory group
        drweb_servers.
      - C(key_file) - what the P(drweb.cluster.license_key_file#lookup) lookup read of drweb_license_key (C(path),
        C(file), C(key), C(problem)); never the key's content.
      - C(today) - the date the expiry is compared with, C(YYYY-MM-DD); today (UTC) when unset.
    type: dict
    required: true
'''

EXAMPLES = r'''
- name: Check the licence host and the key file
  vars:
    problems: >-
      {{ {'host': drweb_license_host, 'servers': groups['drweb_servers'],
          'key_file': lookup('drweb.cluster.license_key_file', drweb_license_key)}
         | drweb.cluster.license_settings_problems }}
  ansible.builtin.assert:
    that: problems | length == 0
    fail_msg: "{{ problems | join(' ') }}"
'''

RETURN = r'''
_value:
  description: One message per problem, each naming its variable; empty when the input is usable.
  type: list
  elements: str
  sample:
    - "drweb_license_key '/srv/agent.key' cannot be used: the licence key 0110000002 expired on 2020-01-01 (today is
      2026-12-06): get a valid key"
'''

import time
from collections.abc import Mapping

from ansible.errors import AnsibleFilterError
from ansible_collections.drweb.cluster.plugins.plugin_utils.settings_checks import (
    stripped,
)


def _key_problems(key_file, today):
    path = stripped(key_file.get('path'))
    if not key_file.get('file'):
        return ["drweb_license_key '%s' is not a file on the controller: give the path of the licence key file "
                "(agent.key, unpacked from the agent.zip the vendor sends)." % path]
    problem = stripped(key_file.get('problem'))
    key = key_file.get('key') or {}
    if not problem and key.get('expires') and str(key['expires']) < today:
        problem = ('the licence key %s expired on %s (today is %s): get a valid key'
                   % (key.get('number'), key['expires'], today))
    if not problem and not key.get('number'):
        problem = 'the file is not a Dr.Web licence key'
    if problem:
        return ["drweb_license_key '%s' cannot be used: %s" % (path, problem)]
    return []


def license_settings_problems(settings):
    """Every problem of the licence role's input, one message each naming the variable; [] when usable."""
    if not isinstance(settings, Mapping):
        raise AnsibleFilterError('license_settings_problems: the input must be a mapping of settings, got %s'
                                 % type(settings).__name__)
    problems = []
    host = stripped(settings.get('host'))
    servers = [stripped(server) for server in settings.get('servers') or []]
    if host not in servers:
        problems.append("drweb_license_host '%s' is not a member of drweb_servers (%s): the key is added on one of the "
                        "cluster's Servers." % (host, ', '.join(servers)))
    key_file = settings.get('key_file')
    if not isinstance(key_file, Mapping):
        raise AnsibleFilterError('license_settings_problems: key_file must be what drweb.cluster.license_key_file read')
    today = stripped(settings.get('today')) or time.strftime('%Y-%m-%d', time.gmtime())
    problems += _key_problems(key_file, today)
    return problems


class FilterModule(object):
    """drweb.cluster licence settings filter."""

    def filters(self):
        return {'license_settings_problems': license_settings_problems}
