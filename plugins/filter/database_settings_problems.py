# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``drweb.cluster.database_settings_problems`` filter: what is wrong with the database role's settings.

Documentation: DOCUMENTATION below (``ansible-doc -t filter drweb.cluster.database_settings_problems``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
name: database_settings_problems
version_added: 0.1.0
short_description: What is wrong with the settings of the common database, one message per problem
description:
  - The rules of the C(drweb.cluster.database) role that its argument specification cannot express, decided in one
    place before anything is read from or written to a Server or the database host. Each message names the variables
    and what is wrong with their values.
  - The connection (drweb_db_host, drweb_db_name, drweb_db_user, drweb_db_password) is judged as one message that
    quotes all four; the cluster settings (drweb_allow_data_loss, drweb_restart_strategy, drweb_primary_host) as another.
  - PostgreSQL names are a letter or C(_), then letters, digits, C(_ . $ -), at most 63 characters.
options:
  _input:
    description:
      - The role's settings, normalised (empty strings of AWX surveys already replaced by the defaults).
      - C(host), C(name), C(user), C(port) - the common database as the Servers reach it; C(password_set) - whether
        drweb_db_password is set (never the password itself).
      - C(unusable) - the problems of the passwords the product's files cannot hold (the result of the
        P(drweb.cluster.unusable_secrets#filter) filter).
      - C(tls_problems) - what is wrong with drweb_db_sslmode and drweb_db_ssl_ca_file (the C(problems) of the
        P(drweb.cluster.pgsql_attributes#filter) filter's result).
      - C(hba_manage) - drweb_database_hba_manage; C(hba_problems) - the Servers' addresses that make no pg_hba.conf
        rule (the C(problems) of the P(drweb.cluster.hba_rules#filter) filter's result).
      - C(allow_data_loss) - drweb_allow_data_loss as given; C(strategy) - drweb_restart_strategy; C(primary) -
        drweb_primary_host; C(servers) - the inventory group drweb_servers.
    type: dict
    required: true
'''

EXAMPLES = r'''
- name: Check the common database settings
  vars:
    problems: >-
      {{ {'host': drweb_db_host, 'name': 'drwcs', 'user': 'drwcs', 'port': '5432', 'password_set': true,
          'strategy': 'serial', 'primary': groups['drweb_servers'][0], 'servers': groups['drweb_servers']}
         | drweb.cluster.database_settings_problems }}
  ansible.builtin.assert:
    that: problems | length == 0
    fail_msg: "{{ problems | join(' ') }}"
'''

RETURN = r'''
_value:
  description: One message per problem, each naming its variables; empty when the settings are usable.
  type: list
  elements: str
  sample:
    - 'drweb_db_port must be a TCP port 1-65535 (got "99999").'
'''

import re
from collections.abc import Mapping

from ansible.errors import AnsibleFilterError
from ansible_collections.drweb.cluster.plugins.plugin_utils.settings_checks import (
    RESTART_STRATEGIES, is_port, quoted, text,
)

PG_NAME = re.compile(r'^[A-Za-z_][A-Za-z0-9_.$-]{0,62}$')


def _lines(value):
    return [text(line) for line in value or [] if text(line).strip()]


def _connection_problems(settings):
    host, name, user = text(settings.get('host')), text(settings.get('name')), text(settings.get('user'))
    password_set = bool(settings.get('password_set'))
    if host and not re.search(r'[\s/]', host) and PG_NAME.match(name) and PG_NAME.match(user) and password_set:
        return []
    return ['The common database needs drweb_db_host (the PostgreSQL server as the Servers reach it; got %s), '
            'drweb_db_name and drweb_db_user (PostgreSQL names: a letter or _, then letters, digits, _ . $ -, at most '
            '63 characters; got %s and %s) and drweb_db_password (%s; it has no default).'
            % (quoted(host), quoted(name), quoted(user), 'set' if password_set else 'unset or empty')]


def _port_problems(settings):
    port = text(settings.get('port'))
    if is_port(port, digits=5):
        return []
    return ['drweb_db_port must be a TCP port 1-65535 (got %s).' % quoted(port)]


def _cluster_problems(settings):
    raw = settings.get('allow_data_loss')
    allow = raw if raw else []
    allow_usable = isinstance(allow, str) or (isinstance(allow, (list, tuple)) and not isinstance(allow, Mapping))
    strategy = text(settings.get('strategy'))
    primary = text(settings.get('primary'))
    servers = list(settings.get('servers') or [])
    if allow_usable and strategy in RESTART_STRATEGIES and primary in servers:
        return []
    return ['drweb_allow_data_loss must name the nodes whose own data may be dropped (a list, or a comma-separated '
            'text; got %s), drweb_restart_strategy serial or parallel (got %s) and drweb_primary_host a member of '
            'drweb_servers (got %s; drweb_servers = %s)'
            % (quoted(raw), quoted(strategy), quoted(primary), quoted([text(host) for host in servers]))]


def database_settings_problems(settings):
    """Every problem of the database role's settings, one message each naming the variables; [] when usable."""
    if not isinstance(settings, Mapping):
        raise AnsibleFilterError('database_settings_problems: the input must be a mapping of settings, got %s'
                                 % type(settings).__name__)
    problems = _connection_problems(settings)
    problems += _lines(settings.get('unusable'))
    problems += _port_problems(settings)
    tls_problems = _lines(settings.get('tls_problems'))
    if tls_problems:
        problems.append('%s. Nothing was changed.' % '; '.join(tls_problems))
    hba_problems = _lines(settings.get('hba_problems'))
    if settings.get('hba_manage') and hba_problems:
        problems.append('drweb_database_hba_manage is on, but %s. Nothing was changed.' % '; '.join(hba_problems))
    problems += _cluster_problems(settings)
    return problems


class FilterModule(object):
    """drweb.cluster database settings filter."""

    def filters(self):
        return {'database_settings_problems': database_settings_problems}
