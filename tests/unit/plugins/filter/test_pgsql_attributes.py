# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the drweb.cluster.pgsql_attributes filter (drwcsd.conf's <pgsql> element and the TLS settings)."""

from __future__ import annotations

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.drweb.cluster.plugins.filter.pgsql_attributes import FilterModule, pgsql_attributes

SPEC = dict(host=' db.example.test ', port='5432', name='drwcs', user='drwcs', password=' p"<&> ', sslmode='', ca_file='')


def spec(**changes):
    return dict(SPEC, **changes)


def test_the_connection_attributes_in_order_and_tls_not_required_by_default():
    result = pgsql_attributes(spec())
    assert list(result['attributes'].items()) == [
        ('dbname', 'drwcs'), ('host', 'db.example.test'), ('port', '5432'), ('user', 'drwcs'),
        ('password', ' p"<&> '),   # as given: a password's spaces are part of it (the template escapes it)
        ('requiressl', 'no')]
    assert result['problems'] == []


@pytest.mark.parametrize('sslmode', ['disable', 'allow', 'prefer'])
def test_modes_that_do_not_insist_on_tls(sslmode):
    assert pgsql_attributes(spec(sslmode=sslmode))['attributes']['requiressl'] == 'no'


def test_require_insists_on_tls_without_checking_the_certificate():
    attributes = pgsql_attributes(spec(sslmode='require', ca_file='/etc/ssl/db-ca.pem'))['attributes']
    assert attributes['requiressl'] == 'yes'
    assert 'sslmode' not in attributes and 'sslrootcert' not in attributes


@pytest.mark.parametrize('sslmode', ['verify-ca', 'verify-full'])
def test_verifying_modes_pass_the_mode_and_the_ca_file(sslmode):
    result = pgsql_attributes(spec(sslmode=sslmode, ca_file='/etc/ssl/db-ca.pem'))
    assert result['problems'] == []
    attributes = result['attributes']
    assert (attributes['requiressl'], attributes['sslmode'], attributes['sslrootcert']) == ('yes', sslmode, '/etc/ssl/db-ca.pem')


def test_unmanaged_attributes_of_the_current_element_are_kept_and_stale_tls_ones_dropped():
    old = dict(host='old', options='-c work_mem=8MB', temp_tablespaces='fast', sslmode='verify-full', sslrootcert='/old/ca.pem',
               requiressl='yes')
    current = dict(tag='pgsql', attributes=old)
    attributes = pgsql_attributes(spec(sslmode='prefer'), current)['attributes']
    assert attributes['host'] == 'db.example.test' and attributes['requiressl'] == 'no'
    assert attributes['options'] == '-c work_mem=8MB' and attributes['temp_tablespaces'] == 'fast'
    assert 'sslmode' not in attributes and 'sslrootcert' not in attributes


def test_the_embedded_database_element_keeps_nothing():
    current = dict(tag='sqlite', attributes=dict(dbfile='database.sqlite', cachesize='2048'))
    attributes = pgsql_attributes(spec(), current)['attributes']
    assert 'dbfile' not in attributes and 'cachesize' not in attributes


@pytest.mark.parametrize('changes, expected', [
    (dict(sslmode='always'), "drweb_db_sslmode must be one of disable, allow, prefer, require, verify-ca, verify-full (got 'always')"),
    (dict(sslmode='verify-full'), 'drweb_db_sslmode verify-full checks the PostgreSQL server\'s certificate: set drweb_db_ssl_ca_file'),
    (dict(sslmode='verify-ca', ca_file='  '), 'drweb_db_sslmode verify-ca checks the PostgreSQL server\'s certificate: set drweb_db_ssl_ca_file'),
    (dict(sslmode='verify-full', ca_file='certs/ca.pem'), "drweb_db_ssl_ca_file must be an absolute path on the nodes (got 'certs/ca.pem')"),
    (dict(ca_file='/etc/ssl/a"b.pem'), 'drweb_db_ssl_ca_file must not hold a newline, NUL, a quote'),
])
def test_settings_that_cannot_work_are_named(changes, expected):
    problems = pgsql_attributes(spec(**changes))['problems']
    assert len(problems) == 1 and problems[0].startswith(expected), problems


def test_input_that_is_not_a_mapping_is_an_error():
    with pytest.raises(AnsibleFilterError, match='the input must be a mapping'):
        pgsql_attributes(['verify-full'])


def test_the_filter_is_registered():
    assert FilterModule().filters()['pgsql_attributes'] is pgsql_attributes
