# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    """Connection options of the modules that reach the cluster's common PostgreSQL database."""

    DOCUMENTATION = r'''
options:
  login_host:
    description:
    - Host name or address of the PostgreSQL server, as the Servers reach it.
    type: str
    required: true
    aliases: [host]
  port:
    description: TCP port of the PostgreSQL server.
    type: int
    default: 5432
    aliases: [login_port]
  db:
    description: Name of the common database.
    type: str
    required: true
    aliases: [name]
  login_user:
    description: PostgreSQL role the Servers connect as.
    type: str
    required: true
    aliases: [user]
  login_password:
    description: Password of O(login_user). Never logged.
    type: str
    aliases: [password]
  ssl_mode:
    description: libpq C(sslmode) of the connection.
    type: str
    default: prefer
    choices: [disable, allow, prefer, require, verify-ca, verify-full]
  ca_cert:
    description:
    - Path, on the target, of the PEM file of the CA (or CAs) that signed the PostgreSQL server's certificate (libpq
      C(sslrootcert)).
    - Required when O(ssl_mode) is V(verify-ca) or V(verify-full), so that the check never falls back to a
      C(~/.postgresql/root.crt) the run did not mean.
    type: path
    aliases: [ssl_rootcert]
  connect_timeout:
    description: Seconds to wait for the connection.
    type: int
    default: 10
requirements:
- psycopg (3) or psycopg2 on the target (Debian C(python3-psycopg) or C(python3-psycopg2)).
'''
