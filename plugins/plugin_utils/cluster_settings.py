# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The cluster-wide settings every role and playbook reads the same way: the common database's connection, the
primary host and the restart strategy, normalised once.

An empty value (AWX surveys send empty strings), null, or a variable that is not defined means "unset" and takes the
default. ``setting(term, values, servers)`` is pure Python so that each rule has a unit test; the lookup plugin
``drweb.cluster.cluster_settings`` gives it the task's variables (inventory, play and role variables and extra vars
alike). The database password is never part of a setting: it goes to the modules as an option of its own.
"""

from __future__ import annotations

from ansible_collections.drweb.cluster.plugins.module_utils import drwcsd

DEFAULT_PORT = str(drwcsd.PGSQL_DEFAULT_PORT)
DEFAULT_SSL_MODE = 'prefer'
DEFAULT_RESTART_STRATEGY = 'serial'

_DATABASE = ('drweb_db_host', 'drweb_db_port', 'drweb_db_name', 'drweb_db_user', 'drweb_db_sslmode',
             'drweb_db_ssl_ca_file')

# Each setting and the public variables it is made of (only those are read, so that a setting never depends on an
# unrelated variable).
TERMS = {
    'common_database': _DATABASE,
    'postgresql_connection': _DATABASE,
    'db_describe': _DATABASE,
    'db_port': ('drweb_db_port',),
    'db_sslmode': ('drweb_db_sslmode',),
    'primary_host': ('drweb_primary_host',),
    'primary_host_given': ('drweb_primary_host',),
    'restart_strategy': ('drweb_restart_strategy',),
}


class SettingError(ValueError):
    """A term that names no setting."""


def text(value):
    """A value as trimmed text; unset (not given, null, empty or another false value) is ''."""
    return str(value).strip() if value else ''


def common_database(values):
    """The common database as server_facts and module_utils/common_database describe it (without the password)."""
    return {
        'host': text(values.get('drweb_db_host')),
        'port': text(values.get('drweb_db_port')) or DEFAULT_PORT,
        'name': text(values.get('drweb_db_name')),
        'user': text(values.get('drweb_db_user')),
        'ssl_mode': text(values.get('drweb_db_sslmode')) or DEFAULT_SSL_MODE,
        'ca_cert': text(values.get('drweb_db_ssl_ca_file')),
    }


def postgresql_connection(values):
    """The same connection with the option names of the collection's database modules and community.postgresql."""
    database = common_database(values)
    return {
        'login_host': database['host'],
        'port': database['port'],
        'db': database['name'],
        'login_user': database['user'],
        'ssl_mode': database['ssl_mode'],
        'ca_cert': database['ca_cert'],
    }


def db_describe(values):
    """What messages call the common database: user@host:port/name (never the password)."""
    database = common_database(values)
    return '%(user)s@%(host)s:%(port)s/%(name)s' % database


def primary_host(values, servers):
    """drweb_primary_host, else the first host of drweb_servers, else ''."""
    return text(values.get('drweb_primary_host')) or (list(servers or [])[:1] or [''])[0]


def restart_strategy(values):
    """drweb_restart_strategy as given (the roles refuse what is not serial or parallel, naming it), else serial."""
    return values.get('drweb_restart_strategy') or DEFAULT_RESTART_STRATEGY


def setting(term, values, servers=None):
    """One setting. values: the public variables of TERMS[term] that are defined (templated); servers: drweb_servers."""
    if term == 'common_database':
        return common_database(values)
    if term == 'postgresql_connection':
        return postgresql_connection(values)
    if term == 'db_describe':
        return db_describe(values)
    if term == 'db_port':
        return common_database(values)['port']
    if term == 'db_sslmode':
        return common_database(values)['ssl_mode']
    if term == 'primary_host':
        return primary_host(values, servers)
    if term == 'primary_host_given':
        return text(values.get('drweb_primary_host'))
    if term == 'restart_strategy':
        return restart_strategy(values)
    raise SettingError('drweb.cluster.cluster_settings has no setting %r (known: %s)' % (term, ', '.join(sorted(TERMS))))
