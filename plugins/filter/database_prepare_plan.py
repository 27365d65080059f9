# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``drweb.cluster.database_prepare_plan`` filter: what the database prepare entry point refuses, and which of its
two changing steps (the Servers' role, the common database) have anything to do. Documentation: DOCUMENTATION below."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
name: database_prepare_plan
version_added: 0.1.0
short_description: What the database prepare entry point refuses, and whether it must create the Servers' role or database
description:
  - The database role's C(prepare) entry point reads, before it creates or alters anything, the Servers' PostgreSQL role
    (whether it exists, may log in, is a superuser) and the database C(drweb_db_name) (its owner and encoding), then the
    existing database's tables.
  - C(problems) is what P(drweb.cluster.existing_database_problems#filter) refuses (a superuser role, another
    application's database, another encoding, foreign tables).
  - C(role) is true unless the read shows the role existing with C(LOGIN) - the only attribute the entry point sets; it
    never changes an existing role's password. C(database) is true unless the read shows the database, owned by
    C(drweb_db_user) (any other owner is refused). On a converged cluster both are false and neither step runs; when the
    administrator's read failed, both are true, so that the role's step reports the failed login naming the variables.
positional: tables, user, admin_user, name, host, encoding
options:
  _input:
    description:
      - The first row of the read of the role and the database, with the keys C(superuser) (true, false or null when
        the role does not exist), C(login) (whether the role may log in; null when it does not exist), C(owner) and
        C(encoding) (null when the database does not exist). Empty when the read failed.
    type: dict
    required: true
  tables:
    description: The first row of the read of the existing database's tables (C(tables), C(dbstruct)); empty when not read.
    type: dict
    default: {}
  user:
    description: C(drweb_db_user), the role the Servers log in with.
    type: str
    required: true
  admin_user:
    description: C(drweb_database_admin_user), the PostgreSQL administrator the role logs in as.
    type: str
    required: true
  name:
    description: C(drweb_db_name), the Servers' database.
    type: str
    required: true
  host:
    description: The inventory name of the database host, for the message.
    type: str
    required: true
  encoding:
    description: C(drweb_database_encoding), the encoding the Servers need.
    type: str
    required: true
seealso:
  - plugin: drweb.cluster.existing_database_problems
    plugin_type: filter
author:
  - drweb.cluster maintainers !UNKNOWN
'''

EXAMPLES = r'''
- name: Create or update the Servers' PostgreSQL role
  community.postgresql.postgresql_user:
    name: "{{ drweb_db_user }}"
    role_attr_flags: LOGIN
  vars:
    __plan: >-
      {{ __existing.query_result | default([{}]) | first | drweb.cluster.database_prepare_plan(
         __tables.query_result | default([{}]) | first, drweb_db_user, drweb_database_admin_user, drweb_db_name,
         inventory_hostname, drweb_database_encoding) }}
  when: __plan.role
'''

RETURN = r'''
_value:
  description: The plan of the prepare entry point.
  type: dict
  contains:
    problems:
      description: Why the role or the database must not be used, as a one-element list; empty when they can.
      type: list
      elements: str
    role:
      description: Whether the role step has anything to do (the role is absent, may not log in, or could not be read).
      type: bool
    database:
      description: Whether the database step has anything to do (the database is absent, or could not be read).
      type: bool
'''

from ansible.errors import AnsibleFilterError
from ansible_collections.drweb.cluster.plugins.filter.existing_database_problems import existing_database_problems


def database_prepare_plan(found, tables=None, user='', admin_user='', name='', host='', encoding=''):
    """{'problems': [...], 'role': bool, 'database': bool} from the prepare entry point's reads."""
    found = found or {}
    if not isinstance(found, dict):
        raise AnsibleFilterError('database_prepare_plan expects the first row of the read (a dict), got %r' % (found,))
    problems = existing_database_problems(found, tables, user, admin_user, name, host, encoding)
    # superuser is null when the role does not exist; login may be missing from an older read: then the step runs
    role_ready = found.get('superuser') is False and found.get('login') is True
    database_ready = found.get('owner') is not None and found.get('owner') == user
    return {'problems': problems, 'role': not role_ready, 'database': not database_ready}


class FilterModule(object):
    """drweb.cluster.database_prepare_plan"""

    def filters(self):
        return {'database_prepare_plan': database_prepare_plan}
