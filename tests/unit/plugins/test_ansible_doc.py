# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""`ansible-doc drweb.cluster.<module>` renders for every module, and `ansible-doc -t filter` for every filter: what a
user types to read the documentation must work (DOCUMENTATION parses, the options and return values are there)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from ansible_collections.drweb.cluster.plugins.module_utils import drwcsd

ROOT = Path(os.path.abspath(drwcsd.__file__)).parents[2]
COLLECTIONS = ROOT.parents[2]        # the folder that holds ansible_collections/drweb/cluster (symlinks not resolved)
MODULES = sorted(path.stem for path in (ROOT / 'plugins' / 'modules').glob('*.py') if not path.stem.startswith('_'))
FILTERS = sorted(path.stem for path in (ROOT / 'plugins' / 'filter').glob('*.py') if 'DOCUMENTATION = ' in path.read_text())


def ansible_doc(*args):
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(COLLECTIONS), ANSIBLE_NOCOLOR='1', ANSIBLE_FORCE_COLOR='0',
               PAGER='cat', ANSIBLE_PAGER='cat')
    env.pop('ANSIBLE_CONFIG', None)
    return subprocess.run([sys.executable, '-m', 'ansible.cli.doc'] + list(args), env=env, capture_output=True,
                          text=True, timeout=120, check=False, cwd=str(COLLECTIONS))


def test_the_collection_has_modules_and_filters():
    assert COLLECTIONS.name != 'ansible_collections' and (COLLECTIONS / 'ansible_collections' / 'drweb' / 'cluster').exists()
    assert 'server_facts' in MODULES and 'server_probe' in MODULES
    assert 'multicast_matrix' in FILTERS and 'repository_drift' in FILTERS


@pytest.mark.parametrize('module', MODULES)
def test_ansible_doc_renders_every_module(module):
    proc = ansible_doc('drweb.cluster.%s' % module)
    assert proc.returncode == 0, proc.stderr
    text = proc.stdout
    assert 'drweb.cluster.%s' % module in text.splitlines()[0], text[:300]
    for section in ('OPTIONS', 'EXAMPLES:', 'RETURN VALUES:'):
        assert section in text, '%s: no %s in ansible-doc output' % (module, section)
    assert 'ERROR' not in proc.stderr and '[WARNING]' not in proc.stderr, proc.stderr


LOOKUPS = sorted(path.stem for path in (ROOT / 'plugins' / 'lookup').glob('*.py') if 'DOCUMENTATION = ' in path.read_text())


def test_the_collection_has_the_settings_lookup():
    assert 'cluster_settings' in LOOKUPS


@pytest.mark.parametrize('plugin_type, name', [('filter', name) for name in FILTERS] + [('lookup', name) for name in LOOKUPS])
def test_ansible_doc_renders_every_filter_and_lookup(plugin_type, name):
    proc = ansible_doc('-t', plugin_type, 'drweb.cluster.%s' % name)
    assert proc.returncode == 0, proc.stderr
    assert 'drweb.cluster.%s' % name in proc.stdout.splitlines()[0], proc.stdout[:300]
    assert 'EXAMPLES:' in proc.stdout and 'RETURN VALUES:' in proc.stdout, proc.stdout[:500]
    assert 'ERROR' not in proc.stderr and '[WARNING]' not in proc.stderr, proc.stderr
