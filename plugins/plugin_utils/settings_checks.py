# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What every role's input check (the ``*_settings_problems`` filters) reads the same way: how a value given in an
inventory, a playbook or an AWX survey reads as text, as a number, as a boolean, and the patterns of an IPv4 address
and a DNS label. One home, so that two roles never accept the same value differently.

Pure Python (no Ansible import), so that each rule has a unit test.
"""

from __future__ import annotations

import json
import re

# One DNS label (RFC 1035 section 2.3.1 with digits first allowed, RFC 1123 section 2.1): letters, digits and inner
# hyphens, at most 63 characters.
DNS_LABEL = r'[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?'

# A dotted-quad IPv4 address, each octet 0-255 without leading zeros.
_OCTET = r'(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])'
IPV4 = re.compile(r'^(' + _OCTET + r'[.]){3}' + _OCTET + r'$')

# The texts a boolean variable may be given as (AWX surveys send text), and those of them that mean true.
BOOLEAN_TEXTS = ('true', 'false', 'yes', 'no', 'on', 'off', '1', '0')
TRUE_TEXTS = ('true', 'yes', 'on', '1')

# Where the cluster's key set comes from (drweb_keys_source) and how restarts roll (drweb_restart_strategy).
KEY_SOURCES = ('generate', 'provided')
RESTART_STRATEGIES = ('serial', 'parallel')

PORT_RANGE = (1, 65535)


def text(value):
    """A value as a message quotes it: a string; None (unset) is empty."""
    return '' if value is None else str(value)


def stripped(value):
    """A value as a check reads it: a string without surrounding blanks; None (unset) is empty."""
    return text(value).strip()


def quoted(value):
    """A value in a message, as JSON text (the way the roles' messages quote what was given)."""
    return json.dumps(value)


def number_in(value, low, high, digits=None):
    """Whether a text is a whole number from low to high, written with at most ``digits`` digits (any when None)."""
    pattern = r'^[0-9]+$' if digits is None else r'^[0-9]{1,%d}$' % digits
    return re.match(pattern, value) is not None and low <= int(value) <= high


def is_port(value, digits=None):
    """Whether a text is a TCP/UDP port number, 1-65535."""
    return number_in(value, PORT_RANGE[0], PORT_RANGE[1], digits)


def boolean(value):
    """A boolean variable's value: True or False; False when unset or empty; None when it is no boolean at all."""
    if isinstance(value, bool):
        return value
    given = stripped(value).lower()
    if not given:
        return False
    return given in TRUE_TEXTS if given in BOOLEAN_TEXTS else None
