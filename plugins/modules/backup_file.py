#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: backup_file
short_description: Store one file of a cluster backup set on the controller (0600, vault-encrypted when asked)
description:
- Runs on the controller (an action plugin). Writes O(content) (base64, as M(ansible.builtin.slurp) returns it) or
  the controller file O(src) into the backup set folder O(path) as O(dest), mode 0600, through a temporary file in the
  same folder (never readable by others, never half written); missing folders are made 0700.
- With O(encrypt), a file holding a secret (the private key, the passwd-salt, the database dump, a Server's
  C(drwcsd.conf), a licence key) is vault-encrypted in memory with the vault password of O(vault_id) given to
  ansible-playbook (C(--vault-id)); the plain text never reaches the controller's disk. The public key, the
  certificate and C(download.conf) stay plain.
- O(expect_sha256) refuses a file that is not the one the cluster read named (it changed while the backup ran).
- O(passwd_salt_dest) also stores the C(passwd-salt) of the C(drwcsd.conf) given (a secret file of its own, what a
  restore gives every Server); O(expect_passwd_salt_sha256) refuses a salt that is not the cluster's.
- Use C(no_log) on the task that gives O(content) - it holds the secret.
version_added: 0.1.0
options:
  path:
    description: The backup set folder on the controller.
    type: path
    required: true
  dest:
    description: The file's path inside the set (relative, for example C(keys/drwcsd.pri)).
    type: str
    required: true
  content:
    description: The file's bytes, base64. Mutually exclusive with O(src).
    type: str
  src:
    description:
    - A file on the controller to store instead (the database dump as fetched). It is removed once stored when it is
      not O(dest) itself.
    type: path
  encrypt:
    description: Vault-encrypt the file when it holds a secret.
    type: bool
    default: false
  vault_id:
    description: The vault id whose password encrypts; empty for the first one given to ansible-playbook.
    type: str
    default: ''
  expect_sha256:
    description: The SHA-256 of the plain file the cluster read reported; another one is refused.
    type: str
  passwd_salt_dest:
    description: Also store the passwd-salt of this C(drwcsd.conf) here (for example C(keys/passwd-salt)).
    type: str
  expect_passwd_salt_sha256:
    description: The SHA-256 of the cluster's passwd-salt (the plan's identity); another one is refused.
    type: str
attributes:
  check_mode:
    support: full
    description: Reads and checks, writes nothing.
  diff_mode:
    support: none
    description: The files hold secrets; no diff is shown.
extends_documentation_fragment:
- drweb.cluster.attributes.controller
seealso:
- module: drweb.cluster.backup_set
author:
- drweb.cluster maintainers !UNKNOWN
'''

EXAMPLES = r'''
- name: Read the private key on the Server that holds the cluster's identity
  ansible.builtin.slurp:
    src: /var/opt/drwcs/etc/drwcsd.pri
  register: private_key
  no_log: true

- name: Store it in the backup set, vault-encrypted
  drweb.cluster.backup_file:
    path: /srv/backup/drweb/esuite.example.com-20261205T120000Z
    dest: keys/drwcsd.pri
    content: "{{ private_key.content }}"
    encrypt: true
    vault_id: backup
  no_log: true
'''

RETURN = r'''
dest:
  description: The file's path inside the set.
  returned: always
  type: str
plain_sha256:
  description: The SHA-256 of the plain file (before encryption).
  returned: always
  type: str
files:
  description: What was stored - per path inside the set, C(path), C(encrypted) and C(sha256) (of the stored bytes).
  returned: always
  type: dict
'''
