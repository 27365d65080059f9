# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the secret filters: secret_variants, mask_secrets, unusable_secrets (module_utils/secrets.py)."""

from __future__ import annotations

from ansible_collections.drweb.cluster.plugins.filter.mask_secrets import mask_secrets
from ansible_collections.drweb.cluster.plugins.filter.secret_variants import secret_variants
from ansible_collections.drweb.cluster.plugins.filter.unusable_secrets import unusable_secrets
from ansible_collections.drweb.cluster.plugins.module_utils.secrets import MASK, variants


def test_filters():
    assert set(secret_variants(['a<b', '', None])) == set(variants('a<b'))
    assert secret_variants('a<b') == variants('a<b')
    assert mask_secrets('x a&lt;b y', ['a<b']) == 'x ******** y'
    assert mask_secrets(['a<b', {'k': 'a<b'}], ['a<b']) == [MASK, {'k': MASK}]


def test_unusable_secrets_names_the_variable_never_the_value():
    problems = unusable_secrets({'drweb_db_password': 'ok-"<&>\\ü', 'drweb_admin_password': 'sec\nret',
                                 'drweb_dns_tsig_key_secret': 'a\x00b\r', 'unset': None})
    assert len(problems) == 2
    assert problems[0].startswith('drweb_admin_password holds a newline: ')
    assert problems[1].startswith('drweb_dns_tsig_key_secret holds a carriage return and a NUL character: ')
    assert 'sec' not in ' '.join(problems).replace('secret', '')
    assert unusable_secrets({}) == []
