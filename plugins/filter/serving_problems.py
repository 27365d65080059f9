# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``drweb.cluster.serving_problems`` filter: why a started Server does not serve (yet).
Documentation: DOCUMENTATION below."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
name: serving_problems
version_added: 0.1.0
short_description: Why a started Dr.Web Server does not serve (an empty list when it does)
description:
  - A Server serves when its process runs, its Web API answers the administrator login (when O(login) - asked only of a
    Server on the external database, since one still staged on its embedded database may refuse the cluster's
    password legitimately) and it uses the O(expected) database - the same mode, host, port and name, and the same
    C(dbuuid) when one is expected (so the database it names is the one it reads), at the schema version its release
    needs.
  - Input is the C(server) dictionary of drweb.cluster.server_facts (its
    RV(drweb.cluster.server_facts#module:server.web_api) and RV(drweb.cluster.server_facts#module:server.database)).
positional: expected, login
options:
  _input:
    description: The drweb.cluster.server_facts C(server) dictionary read after the start.
    type: dict
    required: true
  expected:
    description:
      - The database the Server must use - C(mode) (C(embedded) or C(external)), C(host), C(port), C(name) and
        optionally C(dbuuid). Empty or without C(mode) - not checked.
    type: dict
  login:
    description: Whether the read asked the Web API with the administrator's password.
    type: bool
    default: false
author:
  - drweb.cluster maintainers !UNKNOWN
'''

EXAMPLES = r'''
- name: Wait until the Server serves
  drweb.cluster.server_facts:
    admin_password: "{{ drweb_admin_password }}"
  register: read
  until: >-
    read.server | drweb.cluster.serving_problems({'mode': 'external', 'host': 'db1', 'port': 5432, 'name': 'drwcs'}, true)
    | length == 0
  retries: 30
  delay: 2
'''

RETURN = r'''
_value:
  description: What keeps the Server from serving, one sentence each; empty when it serves.
  type: list
  elements: str
'''


from collections.abc import Mapping

from ansible.errors import AnsibleFilterError


def _port(value):
    try:
        return int(value) if value not in (None, '') else 5432
    except (TypeError, ValueError):
        return value


def describe_database(database):
    """A database section as text: 'embedded', 'host:port/name', with its dbuuid when known."""
    database = database if isinstance(database, Mapping) else {}
    mode = database.get('mode')
    if mode == 'external':
        text = 'the database %s:%s/%s' % (database.get('host') or '?', _port(database.get('port')), database.get('name') or '?')
    elif mode == 'embedded':
        text = 'its embedded database'
    else:
        text = 'no readable database section'
    if database.get('dbuuid'):
        text += ' (dbuuid %s)' % database['dbuuid']
    return text


def serving_problems(server, expected=None, login=False):
    """[] when the Server serves, else why not - see serving_problems.yml."""
    if not isinstance(server, Mapping):
        raise AnsibleFilterError('serving_problems expects the server dictionary of drweb.cluster.server_facts, got %r'
                                 % (server,))
    if expected is not None and not isinstance(expected, Mapping):
        raise AnsibleFilterError('serving_problems: expected must be a database dictionary (mode, host, port, name, '
                                 'dbuuid) or empty, got %r' % (expected,))
    if not server.get('installed'):
        return ['no Dr.Web Server is installed']
    if not server.get('running'):
        return ['drwcsd is not running (its init script status is not 0)']
    problems = []
    database = server.get('database') if isinstance(server.get('database'), Mapping) else {}
    web_api = server.get('web_api') if isinstance(server.get('web_api'), Mapping) else {}
    # The administrator login is judged on the common database only: a Server still staged on its embedded database
    # may legitimately refuse the cluster's password (its administrator was made with its own passwd-salt).
    if login and database.get('mode') == 'external' and web_api.get('status') != 'ok':
        problems.append('its Web API does not answer the administrator login (%s)'
                        % (web_api.get('error') or 'status %s' % web_api.get('status')))
    wanted = dict(expected or {})
    if wanted.get('mode'):
        if database.get('mode') != wanted['mode']:
            problems.append('it is configured for %s, expected %s' % (describe_database(database), describe_database(wanted)))
        elif wanted['mode'] == 'external':
            here = (database.get('host') or '', _port(database.get('port')), database.get('name') or '')
            there = (wanted.get('host') or '', _port(wanted.get('port')), wanted.get('name') or '')
            if here != there:
                problems.append('it is configured for %s, expected %s'
                                % (describe_database(dict(database, dbuuid=None)), describe_database(dict(wanted, dbuuid=None))))
            elif wanted.get('dbuuid') and database.get('dbuuid') != wanted['dbuuid']:
                problems.append(
                    ('its database %s:%s/%s cannot be read to confirm it is the expected one (dbuuid %s): %s'
                     % (here + (wanted['dbuuid'], (server.get('own_data') or {}).get('source') or 'no reason given')))
                    if not database.get('dbuuid') else
                    ('it runs on dbuuid %s, not the expected %s' % (database['dbuuid'], wanted['dbuuid'])))
    schema, needed = database.get('schema_version'), database.get('schema_expected')
    if schema is not None and needed is not None and schema != needed:
        problems.append('its database is at schema version %s, its release needs %s' % (schema, needed))
    return problems


class FilterModule(object):
    """drweb.cluster.serving_problems"""

    def filters(self):
        return {'serving_problems': serving_problems}
