# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the drweb.cluster.database_settings_problems filter: the database role's input rules."""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.drweb.cluster.plugins.filter.database_settings_problems import (
    FilterModule, database_settings_problems)

# What the role passes on the lab's cluster: every setting usable.
GOOD = {
    'host': '10.213.0.10', 'name': 'drwcs', 'user': 'drwcs', 'password_set': True, 'unusable': [], 'port': '5432',
    'tls_problems': [], 'hba_manage': False, 'hba_problems': [], 'allow_data_loss': '', 'strategy': 'serial',
    'primary': 'node1', 'servers': ['node1', 'node2', 'node3'],
}
CONNECTION = ('The common database needs drweb_db_host (the PostgreSQL server as the Servers reach it; got %s), '
              'drweb_db_name and drweb_db_user (PostgreSQL names: a letter or _, then letters, digits, _ . $ -, at most '
              '63 characters; got %s and %s) and drweb_db_password (%s; it has no default).')
CLUSTER = ('drweb_allow_data_loss must name the nodes whose own data may be dropped (a list, or a comma-separated '
           'text; got %s), drweb_restart_strategy serial or parallel (got %s) and drweb_primary_host a member of '
           'drweb_servers (got %s; drweb_servers = ["node1", "node2", "node3"])')


def problems(**changes):
    settings = dict(GOOD)
    settings.update(changes)
    return database_settings_problems(settings)


def test_usable_settings_have_no_problem():
    assert problems() == []
    assert problems(host='db.drweb.test', name='drweb_cs.1', user='_drw$cs-1', port='65535') == []
    assert problems(allow_data_loss=['node2'], strategy='parallel') == []
    assert problems(allow_data_loss='node2, node3', port='1') == []
    assert problems(allow_data_loss=None) == []
    # the pg_hba.conf addresses only count when the role writes the rules
    assert problems(hba_problems=['node2 has no IPv4 address']) == []


@pytest.mark.parametrize('change, quoted', [
    ({'host': ''}, ('""', '"drwcs"', '"drwcs"', 'set')),
    ({'host': 'db host'}, ('"db host"', '"drwcs"', '"drwcs"', 'set')),
    ({'host': 'postgresql://db'}, ('"postgresql://db"', '"drwcs"', '"drwcs"', 'set')),
    ({'name': '1drwcs'}, ('"10.213.0.10"', '"1drwcs"', '"drwcs"', 'set')),
    ({'user': 'd' * 64}, ('"10.213.0.10"', '"drwcs"', '"%s"' % ('d' * 64), 'set')),
    ({'password_set': False}, ('"10.213.0.10"', '"drwcs"', '"drwcs"', 'unset or empty')),
])
def test_the_connection_is_named_in_one_message_quoting_every_value(change, quoted):
    assert problems(**change) == [CONNECTION % quoted]


def test_unusable_passwords_keep_their_message():
    message = 'drweb_db_password holds a newline: the product cannot keep it in its files (...).'
    assert problems(unusable=[message]) == [message]


@pytest.mark.parametrize('port', ['99999', '0', '', 'abc', '123456', '-1'])
def test_a_port_outside_1_65535_is_named(port):
    assert problems(port=port) == ['drweb_db_port must be a TCP port 1-65535 (got "%s").' % port]


def test_tls_problems_are_joined_and_say_nothing_changed():
    assert problems(tls_problems=['drweb_db_ssl_ca_file is needed', 'it must be a file']) == [
        'drweb_db_ssl_ca_file is needed; it must be a file. Nothing was changed.']


def test_addresses_without_a_pg_hba_rule_are_named_when_the_role_writes_the_rules():
    assert problems(hba_manage=True, hba_problems=['node2 has no address', 'node3 has no address']) == [
        'drweb_database_hba_manage is on, but node2 has no address; node3 has no address. Nothing was changed.']


@pytest.mark.parametrize('change, quoted', [
    ({'allow_data_loss': {'node2': True}}, ('{"node2": true}', '"serial"', '"node1"')),
    ({'allow_data_loss': 3}, ('3', '"serial"', '"node1"')),
    ({'strategy': 'rolling'}, ('""', '"rolling"', '"node1"')),
    ({'primary': 'node9'}, ('""', '"serial"', '"node9"')),
])
def test_the_cluster_settings_are_named_in_one_message(change, quoted):
    assert problems(**change) == [CLUSTER % quoted]


def test_every_independent_problem_is_named_in_one_failure():
    found = problems(host='', port='0', strategy='rolling', tls_problems=['bad mode'],
                     unusable=['drweb_admin_password holds a NUL character.'])
    assert found == [CONNECTION % ('""', '"drwcs"', '"drwcs"', 'set'), 'drweb_admin_password holds a NUL character.',
                     'drweb_db_port must be a TCP port 1-65535 (got "0").', 'bad mode. Nothing was changed.',
                     CLUSTER % ('""', '"rolling"', '"node1"')]


def test_the_input_must_be_a_mapping():
    with pytest.raises(AnsibleFilterError, match='must be a mapping'):
        database_settings_problems('drwcs')


def test_the_filter_is_registered():
    assert FilterModule().filters()['database_settings_problems'] is database_settings_problems
