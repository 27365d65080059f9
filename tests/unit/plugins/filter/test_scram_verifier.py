# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the drweb.cluster.scram_verifier filter against verifiers a real PostgreSQL computed.

The expected values were read from pg_authid.rolpassword of PostgreSQL 15.18 (Debian 15.18-0+deb12u1) after
``SET password_encryption = 'scram-sha-256'; CREATE ROLE rN PASSWORD '...'``: the filter, given the same salt and
iteration count, must produce the same verifier byte for byte - then PostgreSQL accepts the password it was made from.
"""

from __future__ import annotations

import re

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.drweb.cluster.plugins.filter.scram_verifier import FilterModule, saslprep, scram_verifier

POSTGRESQL = [
    # plain ASCII
    ('drweb-lab-db-password',
     'SCRAM-SHA-256$4096:k3fRWDoCNgKy2VSeWHWxwg==$oIJSA5aIUwPNQVdYielEXLGll5oyLNGnojNfFNQpFi4=:'
     '52TDqlADNrkSr8tYqnIZoRCH0FceX+FFabds+3lApbc='),
    # quotes, <, >, &, backslash
    ('q"u\'o<t>e&\\back',
     'SCRAM-SHA-256$4096:MtNyf3Kl6dAsNu8nxo4Xeg==$/Lzos6EPwK56QvDvbMtQ4dcokhWAH4axqMgYZCikeuk=:'
     'nqbkJv1psWrdEfKjxYJd6Dh94BUXk2+qMhLm1eps/Wo='),
    # non-ASCII letters (SASLprep leaves them as they are)
    ('p\u00e4ss-\u0416\u5bc6-\\n-&amp;',
     'SCRAM-SHA-256$4096:jwS/134VxtyNpaflGrpHLQ==$LxGy0Vm5rrCSk185SIOkTq8PozD6NXUREzTwKndUVwY=:'
     '7OP8R98LHlDNW4cCpyiNmpIVbo7XR1RrHa4IQPX8zcU='),
    # a soft hyphen (mapped to nothing), a no-break space (mapped to a space), a ligature (NFKC: "fi")
    ('I\u00adX\u00a0y\ufb01',
     'SCRAM-SHA-256$4096:6FiHiDjxkyxdUGJoIZJQoA==$a/e7fYdZevK4uZYhk9U2RVn7c1VoJ4a/G9MFdLiXQ4U=:'
     'vNdGdXq64L3M2Wf4v0FPx7NGGK8zA5ieYp4QWC9dqZc='),
    # an ASCII control character: PostgreSQL uses an ASCII password unchanged
    ('tab\there',
     'SCRAM-SHA-256$4096:n+fStio14hsCQmADCyvzPQ==$e1qz+LW0nzHK3JfQNrHuQyCjEqgZ48dLVjeL7u7IL/k=:'
     'ojKI+ENSF7UaNLqEQmN6nikaZycvOsGFHLMbpXcLDUQ='),
    # right-to-left text ending left-to-right: SASLprep prohibits it, PostgreSQL then uses the password as it is
    ('\u0627\u0031',
     'SCRAM-SHA-256$4096:751NJIZzFlzB5Wo/Elorfw==$uE4SOcJD6QOSBgcU3L7fUqJf7DNRYShLAFfzfzx7cNQ=:'
     's3reJ14gHKxkIB3mD9V9oXkIYZBP6QhAmxCzvEsAoyw='),
]


@pytest.mark.parametrize('password, expected', POSTGRESQL, ids=['ascii', 'awkward-ascii', 'non-ascii', 'saslprep-mapped',
                                                                'ascii-control', 'bidi-prohibited'])
def test_the_verifier_is_the_one_postgresql_computes(password, expected):
    salt = expected.split('$')[1].split(':', 1)[1]
    assert scram_verifier(password, iterations=4096, salt=salt) == expected


def test_saslprep_maps_as_postgresql_does():
    assert saslprep('I\u00adX\u00a0y\ufb01') == 'IX yfi'
    assert saslprep('tab\there') == 'tab\there'            # ASCII: unchanged
    assert saslprep('\u0627\u0031') is None                 # prohibited: used as it is
    assert saslprep('\u00ad') is None                       # nothing left after mapping
    assert saslprep('a\u0007\u00e4') is None                # a control character in a non-ASCII password


def test_a_random_salt_each_time_and_the_form_postgresql_expects():
    first, second = scram_verifier('s3cret'), scram_verifier('s3cret')
    pattern = re.compile(r'^SCRAM-SHA-256\$4096:[A-Za-z0-9+/=]{24}\$[A-Za-z0-9+/=]{44}:[A-Za-z0-9+/=]{44}$')
    assert pattern.match(first) and pattern.match(second)
    assert first != second
    assert 's3cret' not in first
    assert scram_verifier('s3cret', iterations=10000).startswith('SCRAM-SHA-256$10000:')


@pytest.mark.parametrize('arguments, message', [
    (dict(password=''), 'needs the password as a non-empty string, got an empty string'),
    (dict(password=None), 'needs the password as a non-empty string, got NoneType'),
    (dict(password='pw', iterations='many'), "iterations must be a whole number, got 'many'"),
    (dict(password='pw', iterations=0), 'iterations must be at least 1, got 0'),
    (dict(password='pw', salt='not base64!'), "salt must be base64, got 'not base64!'"),
])
def test_bad_arguments_are_named(arguments, message):
    with pytest.raises(AnsibleFilterError, match=re.escape(message)):
        scram_verifier(**arguments)


def test_the_filter_is_registered():
    assert FilterModule().filters()['scram_verifier'] is scram_verifier
