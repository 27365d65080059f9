# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the backup action plugins' own parts (the set's rules are tested with plugin_utils/backup_set.py)."""

from __future__ import annotations

import pytest

from ansible.errors import AnsibleActionFail
from ansible.parsing.vault import VaultLib, VaultSecret

from ansible_collections.drweb.cluster.plugins.action.backup_file import vault_encrypt
from ansible_collections.drweb.cluster.plugins.action.backup_set import collection_version, keep_count


def test_secret_files_are_encrypted_with_the_named_vault_id():
    secrets = [('other', VaultSecret(b'not this one')), ('backup', VaultSecret(b'backup password'))]
    encrypted = vault_encrypt(secrets, 'backup', b'PRIVATE KEY')
    assert encrypted.startswith(b'$ANSIBLE_VAULT;1.2;AES256;backup\n')
    assert b'PRIVATE KEY' not in encrypted
    assert VaultLib([('backup', VaultSecret(b'backup password'))]).decrypt(encrypted) == b'PRIVATE KEY'


def test_encryption_without_a_vault_password_is_refused_naming_the_option():
    with pytest.raises(AnsibleActionFail, match='--vault-id backup@'):
        vault_encrypt([], 'backup', b'x')
    with pytest.raises(AnsibleActionFail, match="drweb_backup_vault_id 'nope'"):
        vault_encrypt([('backup', VaultSecret(b'p'))], 'nope', b'x')


def test_keep_accepts_survey_text_and_the_collection_version_is_known():
    assert keep_count('7') == 7 and keep_count(' 3 ') == 3 and keep_count(5) == 5 and keep_count('x') == 'x'
    assert collection_version()
