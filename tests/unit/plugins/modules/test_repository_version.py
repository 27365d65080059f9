# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of drweb.cluster.repository_version on synthetic repository trees."""

from __future__ import annotations

import hashlib
import os

import pytest

from ansible_collections.drweb.cluster.plugins.module_utils import repository
from ansible_collections.drweb.cluster.plugins.module_utils import web_api as web_api_client
from ansible_collections.drweb.cluster.plugins.modules import repository_version as module
from ansible_collections.drweb.cluster.tests.unit.plugins.modules.utils import AnsibleFailJson, run_module

OLD = '20240101000000'
NEW = '20240201000000'


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'wb') as handle:
        handle.write(data if isinstance(data, bytes) else data.encode('utf-8'))


def product(root, code, revisions, current=None, files=None, description=None):
    """A product folder with revision folders; files: relative path -> bytes, written into every revision."""
    for revision in revisions:
        for relative, data in (files or {'readme.txt': '%s %s\n' % (code, revision)}).items():
            write(os.path.join(root, code, revision, relative), data)
    if current is not None:
        write(os.path.join(root, code, '.current'), current + '\n')
    if description:
        write(os.path.join(root, code, '.description'), description + '\n')


@pytest.fixture
def repo(tmp_path):
    root = str(tmp_path / 'repository')
    product(root, '10-drwbases', [OLD, NEW], current=NEW, description='Dr.Web Virus Databases',
            files={'drwbase.vdb': b'x' * 300000, 'sub/dir/b.bin': b'\0\1\2', 'a.txt': 'a\n'})
    product(root, '80-drwnews', [OLD, NEW])               # no marker: the latest is distributed
    product(root, '20-drwcs', [OLD, NEW], current=OLD)    # marker on the older revision
    write(os.path.join(root, '.url'), 'http://10.0.0.4/\n')
    write(os.path.join(root, '.servers'), 'a.example\nb.example\n')
    os.makedirs(os.path.join(root, 'not-a-product'))      # ignored: not NN-name
    write(os.path.join(root, '.proto'), 'http\n')
    return root


def manifest_digest(top):
    """The documented digest, computed independently: sha256 of sorted '<sha256> <size> <rel>' lines."""
    lines = []
    for base, unused_dirs, names in os.walk(top):
        for name in names:
            path = os.path.join(base, name)
            with open(path, 'rb') as handle:
                data = handle.read()
            relative = os.path.relpath(path, top)
            lines.append((relative.encode(), '%s %d %s\n' % (hashlib.sha256(data).hexdigest(), len(data), relative)))
    return hashlib.sha256(''.join(line for unused, line in sorted(lines)).encode()).hexdigest()


def test_metadata_revisions_and_update_source(repo):
    result = run_module(module, {'path': repo})
    assert result['changed'] is False and result['exists'] is True
    assert result['revisions'] == {'10-drwbases': NEW, '20-drwcs': OLD, '80-drwnews': NEW}
    bases = result['products']['10-drwbases']
    assert bases['name'] == 'Dr.Web Virus Databases'
    assert bases['revisions'] == [OLD, NEW] and bases['revision_source'] == 'marker'
    assert bases['files'] == 3 and bases['size'] == 300000 + 3 + 2
    assert result['products']['80-drwnews']['revision_source'] == 'latest'
    assert result['products']['80-drwnews']['name'] == '80-drwnews'
    assert result['update_source'] == {'url': 'http://10.0.0.4/', 'proto': 'http', 'servers': ['a.example', 'b.example']}
    assert result['digests'] == {} and result['content_stats'] is None and result['web_api'] is None
    facts = result['product_facts']
    assert facts['source_files']['url'] == os.path.join(repo, '.url')
    assert facts['web_api_update'] == '/api/server/tasks.ds?task-id=update_repositories'
    assert facts['web_api_status'] == '/api/server/repository-status.ds' and facts['web_api_ready'] == 'ready'
    assert facts['gus_source']['url'] == '/update' and facts['parent_scheme'] == 'drwcs'


def test_marker_naming_a_missing_revision_falls_back_to_latest(repo):
    write(os.path.join(repo, '20-drwcs', '.current'), '19990101000000\n')
    result = run_module(module, {'path': repo})
    assert result['revisions']['20-drwcs'] == NEW
    assert result['products']['20-drwcs']['revision_source'] == 'latest'


def test_products_filter_and_missing(repo):
    result = run_module(module, {'path': repo, 'products': ['10-drwbases', '99-nothere', '']})
    assert list(result['revisions']) == ['10-drwbases']
    assert result['missing_products'] == ['99-nothere']


def test_missing_repository_reports_empty(tmp_path):
    result = run_module(module, {'path': str(tmp_path / 'none')})
    assert result['exists'] is False and result['revisions'] == {} and result['products'] == {}


def test_path_that_is_a_file_fails_naming_it(tmp_path):
    write(str(tmp_path / 'file'), 'x')
    with pytest.raises(AnsibleFailJson, match='is not a folder'):
        run_module(module, {'path': str(tmp_path / 'file')})


def test_content_digest_is_the_documented_manifest_digest(repo):
    result = run_module(module, {'path': repo, 'content': True, 'workers': 3, 'chunk_size': 4096})
    content = result['products']['10-drwbases']['content'][NEW]
    assert content['digest'] == manifest_digest(os.path.join(repo, '10-drwbases', NEW))
    assert content['files'] == 3 and content['bytes'] == 300005 and content['errors'] == []
    assert result['digests']['10-drwbases'] == content['digest']
    assert list(result['products']['10-drwbases']['content']) == [NEW]          # current revision only
    stats = result['content_stats']
    assert stats['files'] == 5 and stats['bytes'] == 300005 + len('80-drwnews %s\n' % NEW) + len('20-drwcs %s\n' % OLD)
    assert stats['workers'] == 3 and stats['files_per_second'] > 0 and stats['bytes_per_second'] > 0


def test_content_digest_independent_of_workers_and_chunks(repo):
    one = run_module(module, {'path': repo, 'content': True, 'workers': 1, 'chunk_size': 4096})
    many = run_module(module, {'path': repo, 'content': True, 'workers': 8, 'chunk_size': 1 << 20})
    assert one['digests'] == many['digests']


def test_content_all_revisions_and_a_changed_byte(repo):
    result = run_module(module, {'path': repo, 'content': True, 'content_revisions': 'all'})
    content = result['products']['10-drwbases']['content']
    assert set(content) == {OLD, NEW}
    # the same files in both revisions: the same digest (the revision name is not part of it)
    assert content[OLD]['digest'] == content[NEW]['digest']
    write(os.path.join(repo, '10-drwbases', NEW, 'sub', 'dir', 'b.bin'), b'\0\1\3')
    changed = run_module(module, {'path': repo, 'content': True})
    assert changed['digests']['10-drwbases'] != result['digests']['10-drwbases']
    assert changed['revisions'] == result['revisions']


def test_content_renamed_file_changes_digest(repo):
    before = run_module(module, {'path': repo, 'content': True})['digests']['10-drwbases']
    top = os.path.join(repo, '10-drwbases', NEW)
    os.rename(os.path.join(top, 'a.txt'), os.path.join(top, 'c.txt'))
    assert run_module(module, {'path': repo, 'content': True})['digests']['10-drwbases'] != before


def test_symlink_is_skipped_and_named(repo):
    top = os.path.join(repo, '10-drwbases', NEW)
    before = run_module(module, {'path': repo, 'content': True})['digests']['10-drwbases']
    os.symlink('/etc/hostname', os.path.join(top, 'link'))
    result = run_module(module, {'path': repo, 'content': True})
    assert result['products']['10-drwbases']['content'][NEW]['skipped'] == ['link']
    assert result['digests']['10-drwbases'] == before


def test_unreadable_file_error_is_reported(repo, monkeypatch):
    """A file that cannot be read (a read error of hash_file, whatever user runs the test) voids only its digest."""
    real = module.hash_file

    def failing(path, chunk_size):
        if path.endswith('a.txt'):
            raise PermissionError(13, 'Permission denied')
        return real(path, chunk_size)
    monkeypatch.setattr(module, 'hash_file', failing)
    result = run_module(module, {'path': repo, 'content': True})
    content = result['products']['10-drwbases']['content'][NEW]
    assert content['digest'] is None and content['errors'] == ['a.txt: Permission denied']
    assert result['digests']['80-drwnews'] is not None


def test_unreadable_product_folder_fails_naming_it(repo, monkeypatch):
    real = repository.scan_product

    def failing(product_dir, code, count_files=True):
        if code == '20-drwcs':
            raise PermissionError(13, 'Permission denied')
        return real(product_dir, code, count_files)
    monkeypatch.setattr(repository, 'scan_product', failing)
    with pytest.raises(AnsibleFailJson, match=r'cannot read product folder .*/20-drwcs: Permission denied'):
        run_module(module, {'path': repo})


def test_hash_file_streams_in_chunks(tmp_path):
    path = str(tmp_path / 'big')
    data = os.urandom(3 * 4096 + 17)
    write(path, data)
    assert module.hash_file(path, 4096) == (hashlib.sha256(data).hexdigest(), len(data))


def test_check_mode_same_result(repo):
    assert run_module(module, {'path': repo}, check_mode=True)['revisions'] == run_module(module, {'path': repo})['revisions']


@pytest.mark.parametrize('args, message', [
    ({'workers': -1}, 'workers must be 0'),
    ({'chunk_size': 10}, 'chunk_size must be at least 4096'),
    ({'sources': ['web_api']}, 'admin_password is required'),
    ({'sources': ['web_api'], 'admin_password': ''}, 'admin_password is required'),
])
def test_bad_input_names_the_option(repo, args, message):
    with pytest.raises(AnsibleFailJson, match=message):
        run_module(module, dict(path=repo, **args))


SUMMARY = ('<drweb-es-api api_version="4.3.0" status="true"><server-summary><version>13.00.0.202005090</version>'
           '<repository><product code="10-drwbases" name="Dr.Web Virus Databases" revision="%s" files="3" size="5" '
           'state="normal"/><product code="80-drwnews" name="News" revision="%s" state="normal"/></repository>'
           '</server-summary></drweb-es-api>')


class FakeResponse:
    def __init__(self, body):
        self.body = body

    def read(self):
        return self.body.encode('utf-8')


def test_web_api_and_disk_disagreement(repo, monkeypatch):
    calls = []

    def fake_open_url(url, **kwargs):
        calls.append((url, kwargs))
        return FakeResponse(SUMMARY % (OLD, NEW))
    monkeypatch.setattr(web_api_client, 'open_url', fake_open_url)
    result = run_module(module, {'path': repo, 'sources': ['disk', 'web_api'], 'admin_password': 'secret'})
    assert calls[0][0] == 'https://127.0.0.1:9081/api/server/summary.ds'
    assert calls[0][1]['force_basic_auth'] is True and calls[0][1]['url_password'] == 'secret'
    web_api = result['web_api']
    assert web_api['status'] == 'ok' and web_api['revisions'] == {'10-drwbases': OLD, '80-drwnews': NEW}
    assert web_api['products']['10-drwbases']['files'] == 3
    assert '10-drwbases - disk %s, web_api %s' % (NEW, OLD) in web_api['disagrees_with_disk']
    assert '20-drwcs - disk %s, web_api None' % OLD in web_api['disagrees_with_disk']
    assert result['revisions']['10-drwbases'] == NEW          # disk wins in revisions
    assert 'secret' not in repr(result)


def test_web_api_only(monkeypatch, tmp_path):
    monkeypatch.setattr(web_api_client, 'open_url', lambda url, **kwargs: FakeResponse(SUMMARY % (NEW, NEW)))
    result = run_module(module, {'path': str(tmp_path), 'sources': ['web_api'], 'admin_password': 'pw',
                                 'products': ['10-drwbases', '20-drwcs']})
    assert result['revisions'] == {'10-drwbases': NEW}
    assert result['missing_products'] == ['20-drwcs']


def test_web_api_refusal_fails_when_it_is_the_only_source(monkeypatch, tmp_path):
    body = '<drweb-es-api status="false"><error><errno>1</errno><message>Authentication failed</message></error></drweb-es-api>'
    monkeypatch.setattr(web_api_client, 'open_url', lambda url, **kwargs: FakeResponse(body))
    with pytest.raises(AnsibleFailJson, match='Authentication failed'):
        run_module(module, {'path': str(tmp_path), 'sources': ['web_api'], 'admin_password': 'pw'})


def test_web_api_unreachable_is_reported_next_to_disk(repo, monkeypatch):
    def refuse(url, **kwargs):
        raise OSError('Connection refused')
    monkeypatch.setattr(web_api_client, 'open_url', refuse)
    result = run_module(module, {'path': repo, 'sources': ['disk', 'web_api'], 'admin_password': 'pw'})
    assert result['web_api']['status'] == 'error' and 'Connection refused' in result['web_api']['error']
    assert result['revisions']['10-drwbases'] == NEW
