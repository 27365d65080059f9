# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of drweb.cluster.update_source: one call reads the repository and writes the update source files."""

from __future__ import annotations

import os
import stat

import pytest

from ansible_collections.drweb.cluster.plugins.module_utils import drwcsd
from ansible_collections.drweb.cluster.plugins.modules import update_source as module
from ansible_collections.drweb.cluster.tests.unit.plugins.modules.utils import AnsibleFailJson, run_module

ZONE = 'http://update.example.com/drweb/'


def write(path, data, mode=0o644):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'w', encoding='utf-8') as handle:
        handle.write(data)
    os.chmod(path, mode)


def read(path):
    with open(path, encoding='utf-8') as handle:
        return handle.read()


@pytest.fixture
def repo(tmp_path):
    root = str(tmp_path / 'repository')
    write(os.path.join(root, '10-drwbases', '20240201000000', 'drwbase.vdb'), 'bases\n')
    write(os.path.join(root, '10-drwbases', '.current'), '20240201000000\n')
    write(os.path.join(root, drwcsd.REPOSITORY_URL_FILE), ZONE + '\n')
    return root


def run(root, check_mode=False, diff=False, **args):
    args.setdefault('source', 'zone')
    if args['source'] == 'zone':
        args.setdefault('zone_url', ZONE)
    args['path'] = root
    if diff:
        args['_ansible_diff'] = True
    return run_module(module, args, check_mode=check_mode)


def test_a_converged_repository_is_read_and_nothing_changes(repo):
    result = run(repo, diff=True)
    assert result['changed'] is False
    assert 'diff' not in result
    assert result['revisions'] == {'10-drwbases': '20240201000000'}
    assert result['update_source']['url'] == ZONE
    assert result['files'] == [dict(path=os.path.join(repo, drwcsd.REPOSITORY_URL_FILE), content=ZONE, changed=False)]
    assert result['product_facts']['source_files']['url'] == os.path.join(repo, drwcsd.REPOSITORY_URL_FILE)


def test_a_new_zone_is_written_and_the_read_tells_the_source_before(repo):
    url = os.path.join(repo, drwcsd.REPOSITORY_URL_FILE)
    result = run(repo, diff=True, zone_url='http://other.example/')
    assert result['changed'] is True
    assert read(url) == 'http://other.example/\n'
    assert stat.S_IMODE(os.stat(url).st_mode) == 0o644
    assert result['update_source']['url'] == ZONE  # as it was before this call
    assert result['diff'] == [dict(before_header=url, after_header=url, before=ZONE + '\n', after='http://other.example/\n')]
    assert not [name for name in os.listdir(repo) if name.startswith('.%s.' % drwcsd.REPOSITORY_URL_FILE)]


def test_check_mode_reports_the_change_and_its_diff_and_writes_nothing(repo):
    url = os.path.join(repo, drwcsd.REPOSITORY_URL_FILE)
    result = run(repo, check_mode=True, diff=True, source='parent', parent_address='parent.example:2193')
    assert result['changed'] is True
    assert result['diff'][0]['after'] == '%s://parent.example:2193\n' % drwcsd.REPOSITORY_PARENT_SCHEME
    assert read(url) == ZONE + '\n'
    assert run(repo, source='parent', parent_address='parent.example:2193')['changed'] is True
    assert run(repo, source='parent', parent_address='parent.example:2193')['changed'] is False


def test_gus_writes_the_three_files_of_a_fresh_install_then_is_idempotent(repo):
    first = run(repo, source='gus')
    assert first['changed'] is True
    assert [entry['changed'] for entry in first['files']] == [True, True, True]
    assert read(os.path.join(repo, drwcsd.REPOSITORY_SERVERS_FILE)) == '\n'.join(drwcsd.REPOSITORY_GUS_SERVERS) + '\n'
    assert read(os.path.join(repo, drwcsd.REPOSITORY_PROTO_FILE)) == drwcsd.REPOSITORY_GUS_PROTO + '\n'
    again = run(repo, source='gus')
    assert again['changed'] is False
    assert again['update_source']['servers'] == list(drwcsd.REPOSITORY_GUS_SERVERS)


def test_a_wrong_mode_alone_is_a_change_in_check_mode_and_corrected_in_a_run(repo):
    url = os.path.join(repo, drwcsd.REPOSITORY_URL_FILE)
    os.chmod(url, 0o600)
    assert run(repo, check_mode=True)['changed'] is True
    assert stat.S_IMODE(os.stat(url).st_mode) == 0o600
    assert run(repo)['changed'] is True
    assert stat.S_IMODE(os.stat(url).st_mode) == 0o644
    assert run(repo)['changed'] is False


def test_a_missing_repository_folder_fails_naming_it_and_writes_nothing(tmp_path):
    missing = str(tmp_path / 'absent')
    with pytest.raises(AnsibleFailJson, match='the repository folder %s does not exist' % missing):
        run(missing)
    assert not os.path.exists(missing)


@pytest.mark.parametrize('args, message', [
    (dict(source='zone', zone_url=None), 'zone_url'),
    (dict(source='parent'), 'parent_address'),
])
def test_a_source_without_its_address_is_refused(repo, args, message):
    with pytest.raises(AnsibleFailJson, match=message):
        run(repo, **args)
