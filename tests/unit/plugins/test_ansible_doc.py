# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""`ansible-doc drweb.cluster.<module>` renders for every module, and `ansible-doc -t filter` for every filter: what a
user types to read the documentation must work (DOCUMENTATION parses, the options and return values are there).

One ansible-doc run per plugin type, when the file is collected, renders every plugin of that type (as
`ansible-doc -t filter a b c` does for a user), and each plugin's test reads its own section of that output: one run
costs about as much as one plugin's (the start of ansible-core dominates), and a plugin that does not render is still
named by its own test (when that run fails, or has no section of a plugin, or warns naming it, the plugin's test
renders it alone)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from ansible_collections.drweb.cluster.plugins.module_utils import drwcsd

ROOT = Path(os.path.abspath(drwcsd.__file__)).parents[2]
COLLECTIONS = ROOT.parents[2]        # the folder that holds ansible_collections/drweb/cluster (symlinks not resolved)
MODULES = sorted(path.stem for path in (ROOT / 'plugins' / 'modules').glob('*.py') if not path.stem.startswith('_'))
FILTERS = sorted(path.stem for path in (ROOT / 'plugins' / 'filter').glob('*.py') if 'DOCUMENTATION = ' in path.read_text())
LOOKUPS = sorted(path.stem for path in (ROOT / 'plugins' / 'lookup').glob('*.py') if 'DOCUMENTATION = ' in path.read_text())
PLUGINS = {'module': MODULES, 'filter': FILTERS, 'lookup': LOOKUPS}


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


def render_all(plugin_type):
    """ansible-doc of every plugin of plugin_type at once: (its sections by plugin name, stderr, exit code)."""
    proc = ansible_doc('-t', plugin_type, *['drweb.cluster.%s' % name for name in PLUGINS[plugin_type]])
    # each plugin's text starts with a line "> MODULE drweb.cluster.<name> (<path>)" (FILTER, LOOKUP for the others)
    parts = re.split(r'^(?=> %s drweb\.cluster\.)' % plugin_type.upper(), proc.stdout, flags=re.MULTILINE)
    sections = {}
    for part in parts:
        match = re.match(r'> %s drweb\.cluster\.(\w+)' % plugin_type.upper(), part)
        if match:
            sections[match.group(1)] = part
    return sections, proc.stderr, proc.returncode


# Rendered when this file is collected, not by the first test that needs it: ansible-test units runs every test in a
# process forked for it (pytest-forked), so what one test cached would be lost to the next, while what the collecting
# process holds every forked test inherits.
RENDERED = dict((plugin_type, render_all(plugin_type)) for plugin_type in PLUGINS)


def assert_rendered(plugin_type, name, headings):
    sections, stderr, returncode = RENDERED[plugin_type]
    named = [line for line in stderr.splitlines() if 'drweb.cluster.%s' % name in line]
    if returncode != 0 or named or name not in sections:
        # the run of every plugin failed, or not for this one alone: this plugin rendered alone says whether it is this one
        proc = ansible_doc('-t', plugin_type, 'drweb.cluster.%s' % name)
        assert proc.returncode == 0, proc.stderr
        assert 'ERROR' not in proc.stderr and '[WARNING]' not in proc.stderr, proc.stderr
        sections = {name: proc.stdout} if proc.stdout.startswith('> %s drweb.cluster.%s ' % (plugin_type.upper(), name)) else {}
    assert name in sections, 'ansible-doc -t %s rendered no section for drweb.cluster.%s' % (plugin_type, name)
    for heading in headings:
        assert heading in sections[name], '%s: no %s in ansible-doc output:\n%s' % (name, heading, sections[name][:500])


@pytest.mark.parametrize('plugin_type', sorted(PLUGINS))
def test_ansible_doc_renders_each_plugin_type_without_a_warning(plugin_type):
    sections, stderr, returncode = RENDERED[plugin_type]
    assert returncode == 0, stderr
    assert 'ERROR' not in stderr and '[WARNING]' not in stderr, stderr
    assert sorted(sections) == PLUGINS[plugin_type], sorted(sections)


@pytest.mark.parametrize('module', MODULES)
def test_ansible_doc_renders_every_module(module):
    assert_rendered('module', module, ('OPTIONS', 'EXAMPLES:', 'RETURN VALUES:'))


def test_the_collection_has_the_settings_lookup():
    assert 'cluster_settings' in LOOKUPS


@pytest.mark.parametrize('plugin_type, name', [('filter', name) for name in FILTERS] + [('lookup', name) for name in LOOKUPS])
def test_ansible_doc_renders_every_filter_and_lookup(plugin_type, name):
    assert_rendered(plugin_type, name, ('EXAMPLES:', 'RETURN VALUES:'))
