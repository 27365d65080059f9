# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``drweb.cluster.restore_database_problems`` filter: whether a backup set's database may replace the running
cluster's. Documentation: DOCUMENTATION below."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
name: restore_database_problems
version_added: 0.1.0
short_description: Why a backup set's database must not replace the running cluster's common database (empty - it may)
description:
  - restore_database.yml puts a backup set's database back under a running cluster, keeping the cluster's key pair,
    certificate and passwd-salt. That is only sound when the set was taken from this cluster - the same key pair and
    certificate (else the restored data belongs to Agents that trust another Server), the same passwd-salt (else the
    administrators recorded in the restored database cannot log in) and the same database (its C(dbuuid)) - and when
    the user asked for the overwrite (O(overwrite), the variable C(drweb_restore_database_overwrite)).
  - Compares the cluster as the preflight read it (C(drweb_cluster_plan)) with the set's manifest and returns every
    difference, each naming what differs with both values shortened, or what to set.
positional: manifest, overwrite
options:
  _input:
    description: The preflight's plan (C(drweb_cluster_plan)) - C(identity.fingerprint), C(identity.passwd_salt_sha256), C(database.dbuuid).
    type: dict
    required: true
  manifest:
    description: The backup set's manifest (drweb.cluster.backup_set with C(state=verified)).
    type: dict
    required: true
  overwrite:
    description: C(drweb_restore_database_overwrite) - the user asked to replace the running cluster's database.
    type: bool
    default: false
author:
  - drweb.cluster maintainers !UNKNOWN
'''

EXAMPLES = r'''
- name: Refuse a set of another cluster, naming what differs
  vars:
    __problems: "{{ drweb_cluster_plan | drweb.cluster.restore_database_problems(set.manifest, drweb_restore_database_overwrite) }}"
  ansible.builtin.assert:
    that: __problems | length == 0
    fail_msg: "{{ __problems | join('; ') }}. Nothing was changed."
'''

RETURN = r'''
_value:
  description: The reasons not to restore, one sentence each; empty when the set's database may replace the cluster's.
  type: list
  elements: str
'''

from ansible.errors import AnsibleFilterError

OVERWRITE_VARIABLE = 'drweb_restore_database_overwrite'
# what the manifest and the plan both record, and how the messages name it
IDENTITY = (('private_key', 'private key'), ('public_key', 'public key'), ('certificate', 'certificate'))


def _short(value):
    return str(value)[:10] if value else '(none)'


def restore_database_problems(plan, manifest, overwrite=False):
    """The reasons the set's database must not replace the running cluster's (see DOCUMENTATION)."""
    if not isinstance(plan, dict) or not isinstance(plan.get('identity'), dict):
        raise AnsibleFilterError('restore_database_problems expects the preflight plan (drweb_cluster_plan), got %r' % (plan,))
    if not isinstance(manifest, dict) or not isinstance(manifest.get('fingerprint'), dict):
        raise AnsibleFilterError('restore_database_problems expects a backup set manifest with its fingerprints')
    problems = []
    if overwrite is not True:
        problems.append('restoring the database into the running cluster replaces what its common database holds now: '
                        'set %s: true to do it' % OVERWRITE_VARIABLE)
    identity = plan['identity']
    running = identity.get('fingerprint') or {}
    for key, name in IDENTITY:
        if running.get(key) != manifest['fingerprint'].get(key):
            problems.append('the set\'s %s is %s, the running cluster\'s is %s' % (
                name, _short(manifest['fingerprint'].get(key)), _short(running.get(key))))
    if identity.get('passwd_salt_sha256') != manifest.get('passwd_salt_sha256'):
        problems.append('the set\'s passwd-salt (SHA-256) is %s, the running cluster\'s is %s' % (
            _short(manifest.get('passwd_salt_sha256')), _short(identity.get('passwd_salt_sha256'))))
    dbuuid = (plan.get('database') or {}).get('dbuuid')
    if dbuuid != manifest.get('dbuuid'):
        problems.append('the set\'s database has dbuuid %s, the running cluster\'s common database %s' % (
            manifest.get('dbuuid') or '(none)', dbuuid or '(none)'))
    return problems


class FilterModule(object):
    """drweb.cluster.restore_database_problems"""

    def filters(self):
        return {'restore_database_problems': restore_database_problems}
