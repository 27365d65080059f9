# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the backup set rules (plugins/plugin_utils/backup_set.py): layout, manifest, verification, retention."""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import stat

import pytest

from ansible_collections.drweb.cluster.plugins.plugin_utils import backup_set as bs

NOW = datetime.datetime(2026, 12, 5, 14, 0, 0)
CONF = b'<?xml version="1.0"?><drwcsd><id value="x"/><passwd-salt value="s3cr3t-salt"/></drwcsd>'


def make_set(tmp_path, name='esuite.lab-20261205T140000Z', extra=None):
    folder = tmp_path / name
    files = {bs.DATABASE: b'PGDMP custom', bs.PASSWD_SALT: b's3cr3t-salt', 'keys/drwcsd.pri': b'PRIVATE',
             'keys/drwcsd.pub': b'PUBLIC', 'keys/drwcsd-certificate.pem': b'CERT',
             'servers/node1/drwcsd.conf': CONF, 'servers/node1/download.conf': b'<download/>'}
    files.update(extra or {})
    for relpath, data in files.items():
        bs.write_private(str(folder / relpath), data)
    return str(folder)


def test_secret_files_are_the_ones_holding_secrets():
    assert [bs.is_secret(path) for path in ('keys/drwcsd.pri', 'keys/passwd-salt', 'database.pgc',
                                            'servers/node1/drwcsd.conf', 'licence/agent.key')] == [True] * 5
    assert [bs.is_secret(path) for path in ('keys/drwcsd.pub', 'keys/drwcsd-certificate.pem',
                                            'servers/node1/download.conf', 'manifest.json')] == [False] * 4


@pytest.mark.parametrize('relpath', ['', '/etc/passwd', '../x', 'keys/../../x', 'keys//x', 'a\\b', './x'])
def test_paths_outside_a_set_are_refused(relpath):
    with pytest.raises(bs.BackupError, match='not a relative path'):
        bs.safe_relpath(relpath)


def test_server_file_refuses_a_host_name_that_is_not_a_folder_name():
    assert bs.server_file('node1', 'drwcsd.conf') == 'servers/node1/drwcsd.conf'
    with pytest.raises(bs.BackupError, match="inventory host name '../x'"):
        bs.server_file('../x', 'drwcsd.conf')


def test_set_names_carry_the_cluster_and_utc_time():
    name = bs.set_name('esuite.lab.', datetime.datetime(2026, 12, 5, 15, 4, 5, tzinfo=datetime.timezone(datetime.timedelta(hours=1))))
    assert name == 'esuite.lab-20261205T140405Z'
    assert bs.parse_set_name(name, 'esuite.lab') == datetime.datetime(2026, 12, 5, 14, 4, 5)
    assert bs.parse_set_name(name, 'other.lab') is None
    assert bs.parse_set_name('esuite.lab-20261399T000000Z', 'esuite.lab') is None
    with pytest.raises(bs.BackupError, match='drweb_cluster_name'):
        bs.set_name('a/b', NOW)


def test_files_are_private(tmp_path):
    folder = make_set(tmp_path)
    assert stat.S_IMODE(os.stat(folder).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(os.path.join(folder, 'keys')).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(os.path.join(folder, 'keys/drwcsd.pri')).st_mode) == 0o600
    assert not [name for name in os.listdir(os.path.join(folder, 'keys')) if name.startswith('.tmp-')]


def test_manifest_records_metadata_and_the_sha256_of_every_file(tmp_path):
    folder = make_set(tmp_path)
    manifest = bs.build_manifest(folder, dict(dbuuid='u-1', passwd_salt_sha256='ab'), NOW)
    assert manifest['format'] == bs.FORMAT and manifest['created'] == '2026-12-05T14:00:00Z'
    assert manifest['dbuuid'] == 'u-1'
    assert manifest['files']['keys/drwcsd.pri'] == dict(sha256=hashlib.sha256(b'PRIVATE').hexdigest(), size=7,
                                                        secret=True, encrypted=False)
    assert manifest['files']['keys/drwcsd.pub']['secret'] is False
    assert sorted(manifest['files']) == sorted(bs.list_files(folder))
    bs.write_manifest(folder, manifest)
    assert stat.S_IMODE(os.stat(os.path.join(folder, bs.MANIFEST)).st_mode) == 0o600
    assert bs.verify(folder) == (json.loads(open(os.path.join(folder, bs.MANIFEST), encoding='utf-8').read()), [])


def test_manifest_refuses_a_set_a_restore_could_not_use(tmp_path):
    folder = make_set(tmp_path)
    os.unlink(os.path.join(folder, bs.DATABASE))
    with pytest.raises(bs.BackupError, match='lacks database.pgc'):
        bs.build_manifest(folder, {}, NOW)


def test_manifest_refuses_a_plain_secret_in_an_encrypted_set(tmp_path):
    folder = make_set(tmp_path)
    for relpath in bs.list_files(folder):
        if bs.is_secret(relpath) and relpath != 'keys/drwcsd.pri':
            bs.write_private(os.path.join(folder, relpath), b'$ANSIBLE_VAULT;1.1;AES256\n3031')
    with pytest.raises(bs.BackupError, match='keys/drwcsd.pri is not'):
        bs.build_manifest(folder, dict(encrypted=True), NOW)
    bs.write_private(os.path.join(folder, 'keys/drwcsd.pri'), b'$ANSIBLE_VAULT;1.1;AES256\n3031')
    manifest = bs.build_manifest(folder, dict(encrypted=True), NOW)
    assert manifest['files']['keys/drwcsd.pri']['encrypted'] is True
    assert manifest['files']['keys/drwcsd.pub']['encrypted'] is False


def test_verify_names_a_changed_file(tmp_path):
    folder = make_set(tmp_path)
    bs.write_manifest(folder, bs.build_manifest(folder, {}, NOW))
    with open(os.path.join(folder, 'keys/drwcsd-certificate.pem'), 'ab') as handle:
        handle.write(b'x')
    unused_manifest, problems = bs.verify(folder)
    assert len(problems) == 1 and problems[0].startswith('keys/drwcsd-certificate.pem: SHA-256 ')
    assert 'the file was changed or damaged' in problems[0]


def test_verify_names_missing_and_unlisted_files(tmp_path):
    folder = make_set(tmp_path)
    bs.write_manifest(folder, bs.build_manifest(folder, {}, NOW))
    os.unlink(os.path.join(folder, 'servers/node1/download.conf'))
    bs.write_private(os.path.join(folder, 'servers/node9/drwcsd.conf'), b'x')
    unused_manifest, problems = bs.verify(folder)
    assert problems == ['servers/node1/download.conf: missing from the backup set',
                        'servers/node9/drwcsd.conf: in the backup set folder but not in its manifest']


def test_verify_refuses_a_manifest_listing_a_path_outside_the_set(tmp_path):
    folder = make_set(tmp_path)
    manifest = bs.build_manifest(folder, {}, NOW)
    manifest['files']['../outside'] = dict(sha256='0')
    bs.write_manifest(folder, manifest)
    unused_manifest, problems = bs.verify(folder)
    assert problems == ["not a relative path inside a backup set: '../outside'"]


def test_verify_refuses_what_is_not_a_set(tmp_path):
    with pytest.raises(bs.BackupError, match='is not a folder'):
        bs.verify(str(tmp_path / 'nothing'))
    with pytest.raises(bs.BackupError, match='has no manifest.json'):
        bs.verify(str(tmp_path))
    (tmp_path / bs.MANIFEST).write_text('{"format": 99, "files": {}}')
    with pytest.raises(bs.BackupError, match='format 99'):
        bs.verify(str(tmp_path))
    (tmp_path / bs.MANIFEST).write_text('not json')
    with pytest.raises(bs.BackupError, match='cannot be read as JSON'):
        bs.verify(str(tmp_path))


def test_verify_refuses_a_link_in_the_set(tmp_path):
    folder = make_set(tmp_path)
    bs.write_manifest(folder, bs.build_manifest(folder, {}, NOW))
    os.symlink('/etc/hostname', os.path.join(folder, 'keys/link'))
    unused_manifest, problems = bs.verify(folder)
    assert problems == ['keys/link: not a regular file or folder (a backup set holds plain files only)']


def test_retention_keeps_the_newest_sets_of_the_cluster_only(tmp_path):
    for hour in (9, 10, 11, 12):
        folder = make_set(tmp_path, 'esuite.lab-20261205T%02d0000Z' % hour)
        bs.write_manifest(folder, bs.build_manifest(folder, {}, NOW))
    make_set(tmp_path, 'esuite.lab-20261205T080000Z')        # no manifest: not a set, never removed
    other = make_set(tmp_path, 'other.lab-20261201T000000Z')
    bs.write_manifest(other, bs.build_manifest(other, {}, NOW))
    (tmp_path / 'notes.txt').write_text('mine')
    sets = bs.sets_of(str(tmp_path), 'esuite.lab')
    assert [name for unused, name in sets] == ['esuite.lab-20261205T%02d0000Z' % hour for hour in (9, 10, 11, 12)]
    assert bs.expired(sets, 2) == ['esuite.lab-20261205T090000Z', 'esuite.lab-20261205T100000Z']
    assert bs.expired(sets, 4) == [] and bs.expired(sets, 10) == []
    assert bs.expired(list(reversed(sets)), 3) == ['esuite.lab-20261205T090000Z']


@pytest.mark.parametrize('keep', [0, -1, True, '3', None, 1.5])
def test_retention_refuses_a_bad_count(keep):
    with pytest.raises(bs.BackupError, match='drweb_backup_keep must be a whole number'):
        bs.expired([], keep)


def test_latest_set_and_its_age(tmp_path):
    assert bs.latest(str(tmp_path / 'none'), 'esuite.lab', NOW) is None
    for name in ('esuite.lab-20261204T140000Z', 'esuite.lab-20261205T130000Z'):
        folder = make_set(tmp_path, name)
        bs.write_manifest(folder, bs.build_manifest(folder, {}, NOW))
    newest = bs.latest(str(tmp_path), 'esuite.lab', NOW.replace(tzinfo=datetime.timezone.utc))
    assert newest == dict(name='esuite.lab-20261205T130000Z', path=str(tmp_path / 'esuite.lab-20261205T130000Z'),
                          created='2026-12-05T13:00:00Z', age_seconds=3600)


def test_passwd_salt_is_read_from_drwcsd_conf():
    assert bs.passwd_salt(CONF, 'passwd-salt', 'value') == 's3cr3t-salt'
    assert bs.passwd_salt(b'<drwcsd/>', 'passwd-salt', 'value') is None
    assert bs.passwd_salt(b'<drwcsd><passwd-salt value=""/></drwcsd>', 'passwd-salt', 'value') is None
    with pytest.raises(bs.BackupError, match='cannot be parsed as XML'):
        bs.passwd_salt(b'<drwcsd', 'passwd-salt', 'value')


def test_folders_made_at_the_same_time_by_another_host_are_accepted(tmp_path, monkeypatch):
    folder = tmp_path / 'set' / 'servers'
    real_mkdir = os.mkdir

    def racing_mkdir(path, mode=0o777):
        real_mkdir(path, mode)       # another host's task made it just before this one
        raise FileExistsError(path)
    monkeypatch.setattr(os, 'mkdir', racing_mkdir)
    bs.make_dirs(str(folder))
    assert folder.is_dir()
    (tmp_path / 'file').write_text('x')
    monkeypatch.setattr(os, 'mkdir', real_mkdir)
    with pytest.raises(FileExistsError):
        bs.make_dirs(str(tmp_path / 'file'))   # a file where the folder should be is still an error
