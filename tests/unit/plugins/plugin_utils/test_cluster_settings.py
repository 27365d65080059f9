# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the cluster-wide settings (plugins/plugin_utils/cluster_settings.py): what an unset, empty or padded
public variable becomes, as every role and playbook reads it."""

from __future__ import annotations

import pytest

from ansible_collections.drweb.cluster.plugins.plugin_utils import cluster_settings as cs

GIVEN = {'drweb_db_host': ' 10.0.0.5 ', 'drweb_db_port': 6432, 'drweb_db_name': 'drwcs', 'drweb_db_user': 'drweb',
         'drweb_db_sslmode': 'verify-full', 'drweb_db_ssl_ca_file': ' /etc/ssl/pg-ca.pem'}


@pytest.mark.parametrize('unset', [None, '', 0, False])
def test_unset_database_variables_take_the_defaults(unset):
    values = dict((name, unset) for name in GIVEN)
    assert cs.setting('common_database', values) == {
        'host': '', 'port': '5432', 'name': '', 'user': '', 'ssl_mode': 'prefer', 'ca_cert': ''}
    assert cs.setting('common_database', {}) == cs.setting('common_database', values)


def test_blank_port_and_sslmode_take_the_defaults():
    assert cs.setting('db_port', {'drweb_db_port': '  '}) == '5432'
    assert cs.setting('db_sslmode', {'drweb_db_sslmode': ' '}) == 'prefer'
    assert cs.setting('db_sslmode', {'drweb_db_sslmode': ' require '}) == 'require'


def test_common_database_is_trimmed_text_without_the_password():
    values = dict(GIVEN, drweb_db_password='s3cr3t')
    assert cs.setting('common_database', values) == {
        'host': '10.0.0.5', 'port': '6432', 'name': 'drwcs', 'user': 'drweb', 'ssl_mode': 'verify-full',
        'ca_cert': '/etc/ssl/pg-ca.pem'}
    assert 's3cr3t' not in repr([cs.setting(term, values, ['node1']) for term in cs.TERMS])


def test_postgresql_connection_has_the_module_option_names():
    assert cs.setting('postgresql_connection', GIVEN) == {
        'login_host': '10.0.0.5', 'port': '6432', 'db': 'drwcs', 'login_user': 'drweb', 'ssl_mode': 'verify-full',
        'ca_cert': '/etc/ssl/pg-ca.pem'}


def test_db_describe():
    assert cs.setting('db_describe', GIVEN) == 'drweb@10.0.0.5:6432/drwcs'
    assert cs.setting('db_describe', {}) == '@:5432/'


@pytest.mark.parametrize('given, servers, expected', [
    (None, ['node1', 'node2'], 'node1'),
    ('', ['node1', 'node2'], 'node1'),
    (' node2 ', ['node1', 'node2'], 'node2'),
    ('node9', ['node1'], 'node9'),       # refused by the roles, naming drweb_primary_host
    ('', [], ''),
    ('', None, ''),
])
def test_primary_host(given, servers, expected):
    assert cs.setting('primary_host', {'drweb_primary_host': given}, servers) == expected


def test_primary_host_given_has_no_fallback():
    assert cs.setting('primary_host_given', {'drweb_primary_host': ''}, ['node1']) == ''
    assert cs.setting('primary_host_given', {}, ['node1']) == ''
    assert cs.setting('primary_host_given', {'drweb_primary_host': ' node2'}) == 'node2'


@pytest.mark.parametrize('given, expected', [
    (None, 'serial'), ('', 'serial'), ('parallel', 'parallel'), ('serial', 'serial'),
    ('sideways', 'sideways'),             # kept as given: the roles refuse it, naming drweb_restart_strategy
])
def test_restart_strategy(given, expected):
    assert cs.setting('restart_strategy', {'drweb_restart_strategy': given}) == expected


def test_every_term_has_a_rule_and_an_unknown_one_is_refused():
    for term in cs.TERMS:
        cs.setting(term, {}, [])
    with pytest.raises(cs.SettingError, match="no setting 'primary'"):
        cs.setting('primary', {})
