# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the drweb.cluster.preflight_settings_problems filter: the preflight's input rules."""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.drweb.cluster.plugins.filter.preflight_settings_problems import (
    FilterModule, preflight_settings_problems)

OPERATIONS = ['site', 'add_node', 'remove_node']
GOOD = {
    'operation': 'site', 'operations': OPERATIONS, 'keys_source': 'generate', 'keys_source_given': '',
    'secrets': {'drweb_db_password': 'db"Pa\'ss\\n<&>', 'drweb_admin_password': '', 'drweb_dns_tsig_key_secret': None},
}
CANNOT_KEEP = ('the product cannot keep it in its files (a line break in drwcsd.conf becomes a space, a NUL ends it), '
               'so it would use another secret than the one given; choose one without newline, carriage return or NUL.')


def problems(**changes):
    settings = dict(GOOD)
    settings.update(changes)
    return preflight_settings_problems(settings)


def test_usable_settings_have_no_problem():
    assert problems() == []
    assert problems(keys_source='provided', secrets={}) == []


@pytest.mark.parametrize('changes, message', [
    (dict(operation='deploy'), 'drweb_preflight_operation must be one of site, add_node, remove_node (got "deploy").'),
    (dict(keys_source='vault', keys_source_given='Vault'), 'drweb_keys_source must be generate or provided (got "Vault").'),
    (dict(secrets={'drweb_db_password': 'drweb-lab-db\npassword'}), 'drweb_db_password holds a newline: ' + CANNOT_KEEP),
    (dict(secrets={'drweb_admin_password': 'drweb-lab-admin\r'}), 'drweb_admin_password holds a carriage return: ' + CANNOT_KEEP),
    (dict(secrets={'drweb_dns_tsig_key_secret': 'd3Jvbmct\x00c2VjcmV0'}),
     'drweb_dns_tsig_key_secret holds a NUL character: ' + CANNOT_KEEP),
])
def test_each_problem_is_named_with_its_variable(changes, message):
    assert problems(**changes) == [message]


def test_independent_problems_are_all_named_at_once():
    found = problems(operation='', keys_source='vault', secrets={'drweb_admin_password': 'a\nb', 'drweb_db_password': 'c\x00'})
    assert [line.split(' ')[0] for line in found] == [
        'drweb_preflight_operation', 'drweb_keys_source', 'drweb_admin_password', 'drweb_db_password']


def test_a_value_that_is_not_a_mapping_is_refused_and_the_filter_is_registered():
    with pytest.raises(AnsibleFilterError, match='mapping'):
        preflight_settings_problems('site')
    assert FilterModule().filters()['preflight_settings_problems'] is preflight_settings_problems
