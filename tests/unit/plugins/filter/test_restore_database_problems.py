# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the drweb.cluster.restore_database_problems filter."""

from __future__ import annotations

import copy

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.drweb.cluster.plugins.filter.restore_database_problems import (
    FilterModule, restore_database_problems)

FINGERPRINT = dict(private_key='a1' * 32, public_key='b2' * 32, certificate='c3' * 32)
SALT = 'd4' * 32
DBUUID = '6f1c2d3e-0000-4000-8000-000000000001'
PLAN = dict(identity=dict(origin='members', source='node1', fingerprint=dict(FINGERPRINT, certificate_version=1),
                          passwd_salt_sha256=SALT),
            database=dict(dbuuid=DBUUID, attached=['node1', 'node2']))
MANIFEST = dict(cluster_name='drweb.lab', fingerprint=dict(FINGERPRINT), passwd_salt_sha256=SALT, dbuuid=DBUUID)


def test_the_filter_is_registered():
    assert FilterModule().filters()['restore_database_problems'] is restore_database_problems


def test_the_same_cluster_with_the_overwrite_asked_for_may_be_restored():
    assert restore_database_problems(PLAN, MANIFEST, True) == []


@pytest.mark.parametrize('overwrite', [False, None, 'yes', 1])
def test_without_the_overwrite_variable_it_is_refused_naming_it(overwrite):
    [problem] = restore_database_problems(PLAN, MANIFEST, overwrite)
    assert 'set drweb_restore_database_overwrite: true' in problem


@pytest.mark.parametrize('field,path,expected', [
    ('private key', ('fingerprint', 'private_key'), "the set's private key is ffffffffff, the running cluster's is a1a1a1a1a1"),
    ('public key', ('fingerprint', 'public_key'), "the set's public key is ffffffffff, the running cluster's is b2b2b2b2b2"),
    ('certificate', ('fingerprint', 'certificate'), "the set's certificate is ffffffffff, the running cluster's is c3c3c3c3c3"),
    ('salt', ('passwd_salt_sha256',), "the set's passwd-salt (SHA-256) is ffffffffff, the running cluster's is d4d4d4d4d4"),
    ('dbuuid', ('dbuuid',), "the set's database has dbuuid ffffffffffffffff, the running cluster's common database " + DBUUID),
])
def test_a_set_of_another_cluster_is_refused_naming_what_differs(field, path, expected):  # pylint: disable=unused-argument
    manifest = copy.deepcopy(MANIFEST)
    target = manifest
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = 'f' * 16 if path[-1] == 'dbuuid' else 'f' * 64
    assert restore_database_problems(PLAN, manifest, True) == [expected]


def test_every_difference_is_named_at_once():
    manifest = dict(MANIFEST, fingerprint=dict(private_key='e' * 64, public_key='e' * 64, certificate='e' * 64),
                    passwd_salt_sha256='e' * 64, dbuuid='other')
    assert len(restore_database_problems(PLAN, manifest, False)) == 6


def test_a_cluster_without_a_database_identity_is_refused():
    plan = dict(PLAN, database=dict(dbuuid=None, attached=[]))
    assert restore_database_problems(plan, MANIFEST, True) == [
        "the set's database has dbuuid %s, the running cluster's common database (none)" % DBUUID]


@pytest.mark.parametrize('plan,manifest', [(None, MANIFEST), ({}, MANIFEST), (PLAN, None), (PLAN, {'dbuuid': 'x'})])
def test_bad_input_is_named(plan, manifest):
    with pytest.raises(AnsibleFilterError, match='restore_database_problems expects'):
        restore_database_problems(plan, manifest, True)
