# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin drweb.cluster.backup_file: store one file of a backup set on the controller, 0600, vault-encrypted
in memory when asked (documentation: plugins/modules/backup_file.py; the set's rules: plugin_utils/backup_set.py)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import os

from ansible.errors import AnsibleActionFail
from ansible.module_utils.common.text.converters import to_bytes
from ansible.parsing.vault import VaultLib, match_encrypt_secret
from ansible.plugins.action import ActionBase

from ansible_collections.drweb.cluster.plugins.module_utils import drwcsd
from ansible_collections.drweb.cluster.plugins.plugin_utils import backup_set

ARGUMENT_SPEC = dict(
    path=dict(type='path', required=True),
    dest=dict(type='str', required=True),
    content=dict(type='str', no_log=True),
    src=dict(type='path'),
    encrypt=dict(type='bool', default=False),
    vault_id=dict(type='str', default=''),
    expect_sha256=dict(type='str'),
    passwd_salt_dest=dict(type='str'),
    expect_passwd_salt_sha256=dict(type='str'),
)


def vault_encrypt(secrets, vault_id, data):
    """``data`` vault-encrypted with the secret of ``vault_id`` ('' = the first one given to ansible-playbook)."""
    if not secrets:
        raise AnsibleActionFail('drweb_backup_encrypt is on, but ansible-playbook was given no vault password: add '
                                '--vault-id %s@<password file or prompt>' % (vault_id or '<id>'))
    try:
        used_id, secret = match_encrypt_secret(secrets, encrypt_vault_id=vault_id or None)
    except Exception as error:  # AnsibleVaultError: no secret of that id
        raise AnsibleActionFail('drweb_backup_vault_id %r names no vault password given to ansible-playbook (%s)' % (
            vault_id, error)) from error
    return VaultLib(secrets).encrypt(data, secret=secret, vault_id=used_id)


class ActionModule(ActionBase):
    """Write one file into a backup set folder on the controller."""

    TRANSFERS_FILES = False
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        unused_validation, args = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC,
                                                              mutually_exclusive=[('content', 'src')],
                                                              required_one_of=[('content', 'src')])
        try:
            dest = backup_set.safe_relpath(args['dest'])
            if args['content'] is not None:
                try:
                    data = base64.b64decode(args['content'], validate=True)
                except (binascii.Error, ValueError) as error:
                    raise AnsibleActionFail('%s: content is not base64 (as slurp returns it)' % dest) from error
            else:
                with open(args['src'], 'rb') as handle:
                    data = handle.read()
            plain_sha256 = hashlib.sha256(data).hexdigest()
            if args['expect_sha256'] and plain_sha256 != args['expect_sha256']:
                raise AnsibleActionFail('%s: SHA-256 %s, but the cluster read before the backup says %s: it changed '
                                        'while the backup ran - run the backup again' % (dest, plain_sha256, args['expect_sha256']))
            stored = {dest: data}
            if args['passwd_salt_dest']:
                salt = backup_set.passwd_salt(data, drwcsd.CONFIG_PASSWD_SALT_XPATH, drwcsd.CONFIG_VALUE_ATTRIBUTE)
                if salt is None:
                    raise AnsibleActionFail('%s has no passwd-salt: the cluster\'s salt cannot be saved' % dest)
                salt_sha256 = hashlib.sha256(salt.encode('utf-8')).hexdigest()
                if args['expect_passwd_salt_sha256'] and salt_sha256 != args['expect_passwd_salt_sha256']:
                    raise AnsibleActionFail('the passwd-salt of %s is not the cluster\'s (SHA-256 %s, the cluster read '
                                            'says %s): run the backup again' % (dest, salt_sha256[:10],
                                                                                args['expect_passwd_salt_sha256'][:10]))
                stored[backup_set.safe_relpath(args['passwd_salt_dest'])] = salt.encode('utf-8')
            written = {}
            for relpath, content in stored.items():
                encrypted = bool(args['encrypt']) and backup_set.is_secret(relpath)
                if encrypted:
                    content = vault_encrypt(self._loader._vault.secrets, args['vault_id'], content)  # pylint: disable=protected-access
                target = os.path.join(args['path'], relpath)
                if not self._task.check_mode:
                    backup_set.write_private(target, to_bytes(content))
                written[relpath] = dict(path=target, encrypted=encrypted, sha256=hashlib.sha256(to_bytes(content)).hexdigest())
            if args['src'] and not self._task.check_mode and os.path.realpath(args['src']) != os.path.realpath(
                    os.path.join(args['path'], dest)):
                os.unlink(args['src'])   # a staging copy (the database dump as fetched): only the stored one stays
        except backup_set.BackupError as error:
            raise AnsibleActionFail(str(error)) from error
        except (IOError, OSError) as error:
            raise AnsibleActionFail('%s: %s' % (args['dest'], error)) from error
        result.update(changed=True, dest=dest, plain_sha256=plain_sha256, files=written)
        return result
