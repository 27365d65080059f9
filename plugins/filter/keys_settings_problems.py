# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``drweb.cluster.keys_settings_problems`` filter: what is wrong with the keys role's settings, every problem named.

Documentation: DOCUMENTATION below (``ansible-doc -t filter drweb.cluster.keys_settings_problems``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
name: keys_settings_problems
version_added: 0.1.0
short_description: What is wrong with the settings of the keys role on one Server, one message per problem
description:
  - The rules of the C(drweb.cluster.keys) role that its argument specification cannot express, decided in one place
    before anything is read from or changed on any node. Each message names the variable and what is wrong with it.
  - The role runs on the members of the inventory group C(drweb_servers), and C(drweb_primary_host) is one of them;
    C(drweb_keys_source) is C(generate) or C(provided); C(drweb_certificate_regenerate) is a boolean; a new certificate
    version is made only with C(drweb_keys_source=generate) and the primary in the play; C(drweb_keys_source=provided)
    names the three files.
  - A check that depends on another one is left out while that one fails (the new certificate version while the
    source, the flag or the primary is wrong), so that one mistake gives one message.
options:
  _input:
    description:
      - C(servers) - the members of C(drweb_servers); C(host) - the Server the check runs for (C(inventory_hostname));
        C(primary) - the primary (C(drweb_primary_host), normalised); C(play_hosts) - every host of the play
        (C(ansible_play_hosts_all)); C(limit) - C(ansible_limit), for the message.
      - C(source) - C(drweb_keys_source) normalised (empty means C(generate)), C(source_given) - as given.
      - C(regenerate) - C(drweb_certificate_regenerate) as given (a boolean or its text; empty means C(false)).
      - C(provided) - the variables naming the provided files, each with its value (C(drweb_keys_private),
        C(drweb_keys_public), C(drweb_keys_certificate); an empty value means unset).
      - Optional - C(readable) - the same variables, each with whether its file could be read on the controller and
        holds something (only looked at with C(source=provided), for a variable that is set; missing means readable).
    type: dict
    required: true
'''

EXAMPLES = r'''
- name: Check the keys role's settings
  vars:
    problems: >-
      {{ {'servers': groups['drweb_servers'], 'host': inventory_hostname, 'primary': groups['drweb_servers'] | first,
          'play_hosts': ansible_play_hosts_all, 'source': 'generate', 'source_given': '', 'regenerate': false,
          'provided': {}} | drweb.cluster.keys_settings_problems }}
  ansible.builtin.assert:
    that: problems | length == 0
    fail_msg: "{{ problems | join(' ') }}"
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
    KEY_SOURCES, boolean, text,
)

FILES = (('drweb_keys_private', 'drwcsd.pri'), ('drweb_keys_public', 'drwcsd.pub'),
         ('drweb_keys_certificate', 'drwcsd-certificate.pem'))


def _members_problems(settings):
    servers = [text(host) for host in settings.get('servers') or []]
    host, primary = text(settings.get('host')), text(settings.get('primary'))
    if servers and host in servers and primary in servers:
        return []
    return ['drweb.cluster.keys runs on the members of the inventory group drweb_servers, and drweb_primary_host must be '
            'one of them (got drweb_primary_host=%s, %s in the play, drweb_servers = %s).'
            % (json.dumps(primary), host, json.dumps(servers))]


def _rotation_problems(settings, source):
    """A new certificate version: made on the primary (generate), which must be in the play."""
    if source != 'generate':
        return ["drweb_certificate_regenerate=true makes the new certificate on the primary, but drweb_keys_source=provided "
                "makes the provided drweb_keys_certificate the cluster's certificate: give a new drweb_keys_certificate "
                "instead (from drwsign gencert with the same private key), or use drweb_keys_source=generate."]
    primary = text(settings.get('primary'))
    if primary in [text(host) for host in settings.get('play_hosts') or []]:
        return []
    return ['drweb_certificate_regenerate=true makes the new certificate on drweb_primary_host %s and restarts it, but it '
            'is not in this play (--limit %s): include it.' % (primary, text(settings.get('limit')))]


def keys_settings_problems(settings):
    """Every problem of the keys role's settings on one Server, one message each naming the variable; [] when usable."""
    if not isinstance(settings, Mapping):
        raise AnsibleFilterError('keys_settings_problems: the input must be a mapping of settings, got %s'
                                 % type(settings).__name__)
    problems = _members_problems(settings)
    members_usable = not problems
    source = text(settings.get('source')).strip().lower()
    if source not in KEY_SOURCES:
        problems.append('drweb_keys_source must be generate or provided (got %s).' % json.dumps(text(settings.get('source_given'))))
    regenerate = boolean(settings.get('regenerate'))
    if regenerate is None:
        problems.append('drweb_certificate_regenerate must be true or false (got %s).' % json.dumps(text(settings.get('regenerate'))))
    if regenerate and members_usable and source in KEY_SOURCES:
        problems += _rotation_problems(settings, source)
    if source == 'provided':
        provided = settings.get('provided') or {}
        unset = [variable for variable, dummy in FILES if not text(provided.get(variable))]
        if unset:
            problems.append('drweb_keys_source=provided needs the three files on the controller: %s not set (%s).'
                            % (', '.join(unset), ', '.join('%s = %s' % pair for pair in FILES)))
        readable = settings.get('readable') if isinstance(settings.get('readable'), Mapping) else {}
        for variable, dummy in FILES:
            if variable not in unset and boolean(readable.get(variable, True)) is False:
                problems.append('%s (%s) cannot be read on the controller, or is empty: see the warning above (a missing '
                                'file, no permission, or a vault-encrypted file without its password)'
                                % (variable, text(provided.get(variable))))
    return problems


class FilterModule(object):
    """drweb.cluster keys settings filter."""

    def filters(self):
        return {'keys_settings_problems': keys_settings_problems}
