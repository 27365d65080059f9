# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``drweb.cluster.scram_verifier`` filter: a PostgreSQL SCRAM-SHA-256 verifier computed on the controller.

Documentation: DOCUMENTATION below (``ansible-doc -t filter drweb.cluster.scram_verifier``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
name: scram_verifier
version_added: 0.1.0
short_description: The SCRAM-SHA-256 verifier PostgreSQL stores for a password, computed on the controller
description:
  - Returns C(SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>), the form PostgreSQL keeps in
    C(pg_authid.rolpassword) (RFC 5802 and RFC 7677; PostgreSQL documentation, "Password Authentication" and
    "pg_authid"). Given to C(CREATE ROLE ... PASSWORD), PostgreSQL stores it as it is, so the password itself never
    travels in an SQL statement, never reaches a statement log (C(log_statement)) and never sits in the database
    host's memory in clear.
  - The password is prepared as PostgreSQL prepares it (SASLprep, RFC 4013, in PostgreSQL's way - C(src/common/saslprep.c)).
    A password of ASCII characters only is used as it is; otherwise non-ASCII spaces become spaces, characters
    "commonly mapped to nothing" are dropped and the result is NFKC-normalised. A password SASLprep prohibits
    (control characters, bidirectional text that breaks its rules, unassigned code points, empty after mapping) is
    used as it is, as PostgreSQL does. So the verifier is the one PostgreSQL would compute itself.
  - community.postgresql.postgresql_user passes a value of this form to PostgreSQL unchanged.
positional: ''
options:
  _input:
    description: The password.
    type: str
    required: true
  iterations:
    description: The PBKDF2 iteration count (PostgreSQL's C(scram_iterations) default is 4096).
    type: int
    default: 4096
  salt:
    description:
      - The salt, base64-encoded. By default 16 random bytes, as PostgreSQL uses (each call gives another verifier
        for the same password; every one of them accepts the password).
    type: str
'''

EXAMPLES = r'''
- name: Create the role; only a verifier travels to PostgreSQL, never the password
  community.postgresql.postgresql_user:
    name: drwcs
    password: "{{ drweb_db_password | drweb.cluster.scram_verifier }}"
    no_password_changes: true
'''

RETURN = r'''
_value:
  description: C(SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>), the three values base64-encoded.
  type: str
'''

import base64
import binascii
import hashlib
import hmac
import os
import stringprep
import unicodedata

from ansible.errors import AnsibleFilterError

PREFIX = 'SCRAM-SHA-256'
SALT_BYTES = 16            # PostgreSQL's SCRAM_DEFAULT_SALT_LEN
DEFAULT_ITERATIONS = 4096  # PostgreSQL's scram_iterations default

# RFC 4013 section 2.3: what SASLprep prohibits in its output (RFC 3454 tables; C.1.1, the ASCII space, is allowed)
_PROHIBITED = (stringprep.in_table_c12, stringprep.in_table_c21, stringprep.in_table_c22, stringprep.in_table_c3,
               stringprep.in_table_c4, stringprep.in_table_c5, stringprep.in_table_c6, stringprep.in_table_c7,
               stringprep.in_table_c8, stringprep.in_table_c9, stringprep.in_table_a1)


def saslprep(password):
    """password prepared as PostgreSQL's pg_saslprep() does, or None where PostgreSQL would use it as it is."""
    if all(ord(char) < 128 for char in password):
        return password   # PostgreSQL's shortcut: an ASCII password is used unchanged (control characters too)
    mapped = ''.join(' ' if stringprep.in_table_c12(char) else char
                     for char in password if not stringprep.in_table_b1(char))
    if not mapped:
        return None
    normalized = unicodedata.normalize('NFKC', mapped)
    if any(prohibited(char) for char in normalized for prohibited in _PROHIBITED):
        return None
    # RFC 3454 section 6: right-to-left text must not mix with left-to-right and must start and end right-to-left
    if any(stringprep.in_table_d1(char) for char in normalized):
        if any(stringprep.in_table_d2(char) for char in normalized):
            return None
        if not (stringprep.in_table_d1(normalized[0]) and stringprep.in_table_d1(normalized[-1])):
            return None
    return normalized


def verifier(password, salt, iterations):
    """The verifier for password (str), salt (bytes) and iterations (int)."""
    prepared = saslprep(password)
    secret = (password if prepared is None else prepared).encode('utf-8')
    salted = hashlib.pbkdf2_hmac('sha256', secret, salt, iterations)
    client_key = hmac.new(salted, b'Client Key', hashlib.sha256).digest()
    stored_key = hashlib.sha256(client_key).digest()
    server_key = hmac.new(salted, b'Server Key', hashlib.sha256).digest()

    def encode(data):
        return base64.b64encode(data).decode('ascii')
    return '%s$%d:%s$%s:%s' % (PREFIX, iterations, encode(salt), encode(stored_key), encode(server_key))


def scram_verifier(password, iterations=DEFAULT_ITERATIONS, salt=None):
    """The SCRAM-SHA-256 verifier of password, as PostgreSQL stores it."""
    if not isinstance(password, str) or not password:
        raise AnsibleFilterError('scram_verifier needs the password as a non-empty string, got %s'
                                 % ('an empty string' if password == '' else type(password).__name__))
    try:
        iterations = int(iterations)
    except (TypeError, ValueError):
        raise AnsibleFilterError('scram_verifier: iterations must be a whole number, got %r' % (iterations,))
    if iterations < 1:
        raise AnsibleFilterError('scram_verifier: iterations must be at least 1, got %d' % iterations)
    if salt in (None, ''):
        salt_bytes = os.urandom(SALT_BYTES)
    else:
        try:
            salt_bytes = base64.b64decode(str(salt), validate=True)
        except (binascii.Error, ValueError):
            raise AnsibleFilterError('scram_verifier: salt must be base64, got %r' % (salt,))
        if not salt_bytes:
            raise AnsibleFilterError('scram_verifier: salt must not be empty')
    return verifier(password, salt_bytes, iterations)


class FilterModule(object):
    """drweb.cluster PostgreSQL filters."""

    def filters(self):
        return {'scram_verifier': scram_verifier}
