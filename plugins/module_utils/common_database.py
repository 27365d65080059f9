# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Connection to the common PostgreSQL database of a Dr.Web Servers cluster, shared by the modules that use it.

The options are those of ``drweb.cluster.database_status`` (documented once in the ``common_database`` doc
fragment); the connection is made the same way, with psycopg 3 or psycopg2, and errors never hold the password.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import socket

from ansible.module_utils.common.text.converters import to_native

from ansible_collections.drweb.cluster.plugins.module_utils import drwcsd

PSYCOPG_IMPORT_ERROR = None
try:
    import psycopg  # pylint: disable=unused-import  # psycopg 3 (Debian python3-psycopg), used as common_database.psycopg
    DRIVER = 'psycopg'
except ImportError:
    try:
        import psycopg2 as psycopg  # pylint: disable=unused-import  # same DB-API surface for what is used here
        DRIVER = 'psycopg2'
    except ImportError as error:
        psycopg = None
        DRIVER = None
        PSYCOPG_IMPORT_ERROR = error

READ_ONLY_OPTIONS = '-c default_transaction_read_only=on'


# libpq's sslmode values; the last two check the PostgreSQL server's certificate against a CA (ca_cert)
SSL_MODES = drwcsd.PGSQL_SSL_MODES
VERIFYING_SSL_MODES = drwcsd.PGSQL_VERIFYING_SSL_MODES


class DatabaseError(Exception):
    """The database could not be reached or read; the message says why, without any secret."""


def argument_spec():
    """The connection options (a new dict each call)."""
    return dict(
        login_host=dict(type='str', required=True, aliases=['host']),
        port=dict(type='int', default=drwcsd.PGSQL_DEFAULT_PORT, aliases=['login_port']),
        db=dict(type='str', required=True, aliases=['name']),
        login_user=dict(type='str', required=True, aliases=['user']),
        login_password=dict(type='str', no_log=True, aliases=['password']),
        ssl_mode=dict(type='str', default='prefer', choices=list(SSL_MODES)),
        ca_cert=dict(type='path', aliases=['ssl_rootcert']),
        connect_timeout=dict(type='int', default=10),
    )


def check_params(params):
    """A message for connection options that cannot work, or None."""
    for name in ('login_host', 'db', 'login_user'):
        if not (params[name] or '').strip():
            return '%s must not be empty' % name
    if not 1 <= params['port'] <= 65535:
        return 'port must be 1..65535, got %d' % params['port']
    if params['connect_timeout'] < 1:
        return 'connect_timeout must be at least 1 second, got %d' % params['connect_timeout']
    return ssl_problem(params)


def ssl_problem(params):
    """A message when the sslmode checks the server's certificate but no CA file is named, or None."""
    if params.get('ssl_mode') in VERIFYING_SSL_MODES and not (params.get('ca_cert') or '').strip():
        # libpq would fall back to ~/.postgresql/root.crt of whoever runs the module: never what the run meant
        return ('ssl_mode %s checks the PostgreSQL server\'s certificate: ca_cert (drweb_db_ssl_ca_file) must name the CA '
                'file' % params['ssl_mode'])
    return None


def describe(params):
    """user@host:port/db, for messages."""
    return '%s@%s:%s/%s' % (params['login_user'], params['login_host'], params['port'], params['db'])


def first_line(error):
    """The first meaningful line of a driver error (psycopg messages never hold the password)."""
    lines = [line.strip() for line in to_native(error).strip().splitlines() if line.strip()]
    return lines[0] if lines else error.__class__.__name__


def connection_hint(message):
    """What an administrator should look at for a connection error (named by the collection's variables)."""
    text = message.lower()
    if 'password authentication failed' in text or 'no password supplied' in text:
        return 'check drweb_db_user / drweb_db_password (and that the role exists: database role, entry point prepare)'
    if 'does not exist' in text and 'database' in text:
        return ('check drweb_db_name; if it is right, the database does not exist yet: run the database role\'s prepare '
                'entry point on the database host first')
    if 'connection refused' in text or 'could not connect' in text or 'timeout' in text or 'timed out' in text:
        return ('check drweb_db_host / drweb_db_port: is PostgreSQL running and listening on that address and port, and '
                'reachable from this node?')
    if 'certificate verify failed' in text or 'root certificate' in text or 'does not match host name' in text \
            or 'certificate' in text and 'ssl' in text:
        return ('check drweb_db_ssl_ca_file (the CA that signed the PostgreSQL server\'s certificate, a file on this node) '
                'and, with verify-full, that drweb_db_host is a name or address the certificate holds')
    if 'no pg_hba.conf entry' in text:
        return 'pg_hba.conf on the database host does not let this node in'
    return 'see the PostgreSQL server log'


def sql(statement):
    """A statement of the register in the driver's paramstyle (psycopg and psycopg2 use %s)."""
    return statement.replace('?', '%s')


def connect(driver, params, application_name, read_only=False):
    """A DB-API connection to the common database; DatabaseError with a clear message when it fails."""
    arguments = dict(host=params['login_host'], port=params['port'], dbname=params['db'], user=params['login_user'],
                     sslmode=params['ssl_mode'], connect_timeout=params['connect_timeout'],
                     application_name=application_name)
    if read_only:
        arguments['options'] = READ_ONLY_OPTIONS
    if params['login_password']:
        arguments['password'] = params['login_password']
    if params.get('ca_cert'):
        arguments['sslrootcert'] = params['ca_cert']
    try:
        return driver.connect(**arguments)
    except Exception as error:  # pylint: disable=broad-exception-caught
        message = first_line(error)
        raise DatabaseError('cannot connect to the common database %s from %s: %s (%s)'
                            % (describe(params), socket.gethostname(), message, connection_hint(message)))


def query(connection, statement, arguments=()):
    """Rows of one statement of the register."""
    cursor = connection.cursor()
    try:
        cursor.execute(sql(statement), arguments)
        return cursor.fetchall() if cursor.description is not None else []
    finally:
        cursor.close()
