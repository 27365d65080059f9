# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``drweb.cluster.existing_database_problems`` filter: why the database prepare entry point must not create or
take over the Servers' role and database. Documentation: DOCUMENTATION below."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
name: existing_database_problems
version_added: 0.1.0
short_description: Why the common database's role or an existing database must not be used (an empty list when they can)
description:
  - The database role's C(prepare) entry point reads, before it creates or alters anything, whether the Servers'
    PostgreSQL role is a superuser and who owns the database C(drweb_db_name), with its encoding and its tables.
  - It refuses a role that is C(drweb_database_admin_user) or a PostgreSQL superuser (the Servers' credentials would own
    the whole PostgreSQL server), a database owned by another role (another application's; its owner is never changed),
    an existing database in another encoding (an encoding cannot be changed), and a database with tables but no Dr.Web
    Server schema (no C(dbstruct) table).
  - The first problem found is the one reported; the list holds at most one message.
positional: tables, user, admin_user, name, host, encoding
options:
  _input:
    description:
      - The first row of the read of the role and the database, with the keys C(superuser) (true, false or null when
        the role does not exist), C(owner) and C(encoding) (null when the database does not exist).
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
    description: C(drweb_database_encoding), the encoding the Servers need (C(UTF8) and C(UTF-8) are the same).
    type: str
    required: true
author:
  - drweb.cluster maintainers !UNKNOWN
'''

EXAMPLES = r'''
- name: Refuse a superuser role and a database that is not the Servers' before anything changes
  vars:
    __problems: >-
      {{ __existing.query_result | default([{}]) | first | drweb.cluster.existing_database_problems(
         __tables.query_result | default([{}]) | first, drweb_db_user, drweb_database_admin_user, drweb_db_name,
         inventory_hostname, drweb_database_encoding) }}
  ansible.builtin.fail:
    msg: "{{ __problems | first }} Nothing was changed."
  when: __problems | length > 0
'''

RETURN = r'''
_value:
  description: The reason, as a one-element list; empty when the role and the database can be used.
  type: list
  elements: str
'''


from ansible.errors import AnsibleFilterError


def _encoding_key(encoding):
    """PostgreSQL spells UTF8, the settings may say utf-8: compare without case and dashes."""
    return str(encoding).upper().replace('-', '')


def _count(value):
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        raise AnsibleFilterError('existing_database_problems expects table counts, got %r' % (value,))


def existing_database_problems(found, tables=None, user='', admin_user='', name='', host='', encoding=''):
    """[] when the Servers' role and database can be created or used as they are, else [the reason]."""
    found = found or {}
    tables = tables or {}
    if not isinstance(found, dict) or not isinstance(tables, dict):
        raise AnsibleFilterError('existing_database_problems expects the first rows of the two reads (dicts), got %r and %r'
                                 % (found, tables))
    owner = found.get('owner')
    if user == admin_user or found.get('superuser') is True:
        what = 'drweb_database_admin_user' if user == admin_user else 'a PostgreSQL superuser'
        return ['drweb_db_user %s is %s: the Servers must log in with a role of their own, without superuser rights '
                '(choose another drweb_db_user).' % (user, what)]
    if owner is not None and owner != user:
        return ["The database drweb_db_name=%s on %s exists and belongs to %s, not to drweb_db_user=%s: it is not the "
                "Servers' database. Choose another drweb_db_name (its owner is never changed)." % (name, host, owner, user)]
    current = found.get('encoding')
    if owner is not None and current is not None and _encoding_key(current) != _encoding_key(encoding):
        return ["The database %s on %s is owned by %s with encoding %s; the Servers need owner %s and encoding %s. An "
                "existing database's encoding cannot be changed: drop it (if it holds nothing) or choose another "
                "drweb_db_name." % (name, host, owner, current, user, encoding)]
    count = _count(tables.get('tables'))
    if count != 0 and _count(tables.get('dbstruct')) != 1:
        return ["The database drweb_db_name=%s on %s holds %d table(s) but no Dr.Web Server schema (no dbstruct): another "
                "application's data. Choose another drweb_db_name." % (name, host, count)]
    return []


class FilterModule(object):
    """drweb.cluster.existing_database_problems"""

    def filters(self):
        return {'existing_database_problems': existing_database_problems}
