# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""drweb.cluster.keys: the product facts the role spells itself are the register's, and its variables are documented.

server_facts gives the role its paths and service account; the drwsign command line and the key file modes are not
facts of a node, so the role's vars/main.yml carries them - with the values of plugins/module_utils/drwcsd.py.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from ansible_collections.drweb.cluster.plugins.module_utils import drwcsd

ROLE = Path(drwcsd.__file__).resolve().parents[2] / 'roles' / 'keys'


def load(relative):
    return yaml.safe_load((ROLE / relative).read_text())


def test_drwsign_command_line_is_the_registers():
    drwsign = load('vars/main.yml')['__drweb_keys_drwsign']
    assert drwsign == {
        'genkey': drwcsd.DRWSIGN_VERB_GENKEY,
        'extract': drwcsd.DRWSIGN_VERB_EXTRACT,
        'gencert': drwcsd.DRWSIGN_VERB_GENCERT,
        'private_key_switch': drwcsd.DRWSIGN_SWITCH_PRIVATE_KEY,
        'subject_switch': drwcsd.DRWSIGN_SWITCH_SUBJECT,
    }


def test_key_file_modes_are_the_registers():
    assert load('vars/main.yml')['__drweb_keys_modes'] == drwcsd.KEY_FILE_MODES
    assert drwcsd.KEY_FILE_MODES['private_key'] == '0600'


def test_every_default_is_documented_in_the_argument_specs():
    defaults = set(load('defaults/main.yml'))
    options = set(load('meta/argument_specs.yml')['argument_specs']['main']['options'])
    assert defaults <= options
    assert {'drweb_keys_private', 'drweb_keys_public', 'drweb_keys_certificate'} <= options


def test_secret_paths_have_no_defaults():
    defaults = load('defaults/main.yml')
    for name in ('drweb_keys_private', 'drweb_keys_public', 'drweb_keys_certificate'):
        assert name not in defaults
