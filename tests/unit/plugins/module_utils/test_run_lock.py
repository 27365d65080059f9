# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the cluster's run lock (module_utils/run_lock.py): the file operations and the holder's judgement."""

from __future__ import annotations

import datetime
import json
import os
import threading

import pytest

from ansible_collections.drweb.cluster.plugins.module_utils import run_lock

NOW = datetime.datetime(2026, 12, 5, 10, 30, 0, tzinfo=datetime.timezone.utc)


def holder(run_id='a' * 32, **changes):
    base = dict(run_id=run_id, controller='ctl', user='root', pid=4242, pid_start=1000, boot_id='boot-1',
                playbook='site.yml', operation='site', started='2026-12-05T10:00:00Z')
    base.update(changes)
    return base


@pytest.fixture
def path(tmp_path):
    return str(tmp_path / 'drweb-cluster' / 'run.lock')


def test_the_first_run_takes_the_lock_and_a_second_one_reads_the_holder(path):
    assert run_lock.acquire(path, holder()) == (True, holder())
    assert json.load(open(path)) == holder()
    oct_mode = os.stat(path).st_mode & 0o777
    assert oct_mode == 0o644
    acquired, current = run_lock.acquire(path, holder('b' * 32))
    assert (acquired, current) == (False, holder())


def test_of_many_runs_at_once_exactly_one_takes_the_lock(path):
    results = []

    def take(index):
        results.append(run_lock.acquire(path, holder('%032d' % index))[0])
    threads = [threading.Thread(target=take, args=(index,)) for index in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results.count(True) == 1
    assert not [name for name in os.listdir(os.path.dirname(path)) if name.startswith('.run.lock.')], 'temporary files left'


def test_a_run_releases_only_its_own_lock(path):
    run_lock.acquire(path, holder())
    assert run_lock.release(path, 'b' * 32) == (False, holder())
    assert os.path.exists(path)
    assert run_lock.release(path, 'a' * 32) == (True, holder())
    assert not os.path.exists(path)
    assert run_lock.release(path, 'a' * 32) == (False, None)


def test_breaking_replaces_only_the_holder_that_was_read(path):
    run_lock.acquire(path, holder())
    # another run broke and took it meanwhile: this breaker must not take it from that run
    assert run_lock.acquire(path, holder('c' * 32), replace_run_id='z' * 32) == (False, holder())
    assert run_lock.acquire(path, holder('c' * 32), replace_run_id='a' * 32) == (True, holder('c' * 32))
    assert run_lock.read_holder(path) == holder('c' * 32)


def test_a_damaged_lock_file_is_reported_and_can_be_broken(path):
    os.makedirs(os.path.dirname(path))
    with open(path, 'w') as handle:
        handle.write('{not json')
    damaged = run_lock.read_holder(path)
    assert 'is not a lock record' in damaged['unreadable']
    assert run_lock.acquire(path, holder())[0] is False
    assert run_lock.acquire(path, holder(), replace_run_id='') == (True, holder())


def test_an_unusable_folder_is_a_clear_error(tmp_path):
    blocker = tmp_path / 'file'
    blocker.write_text('x')
    with pytest.raises(run_lock.LockFileError, match='cannot create the folder'):
        run_lock.acquire(str(blocker / 'run.lock'), holder())


def fake_proc(tmp_path, pid, start, boot='boot-1',
              argv=('python', 'ansible-playbook', '-i', 'inventory.yml', '-e', '@vars.yml', '--inventory=x.yml', 'playbooks/site.yml')):
    proc = tmp_path / 'proc'
    (proc / str(pid)).mkdir(parents=True)
    fields = ['S'] + ['0'] * 18 + [str(start)] + ['0'] * 5
    (proc / str(pid) / 'stat').write_text('%d (ansible play) %s\n' % (pid, ' '.join(fields)))
    (proc / str(pid) / 'cmdline').write_bytes(b'\0'.join(arg.encode() for arg in argv) + b'\0')
    (proc / 'sys' / 'kernel' / 'random').mkdir(parents=True, exist_ok=True)
    (proc / 'sys' / 'kernel' / 'random' / 'boot_id').write_text(boot + '\n')
    return str(proc)


def test_process_start_playbook_and_boot_id_come_from_proc(tmp_path):
    proc = fake_proc(tmp_path, 4242, 1000)
    assert run_lock.process_start(4242, proc) == 1000
    assert run_lock.process_start(4243, proc) is None
    assert run_lock.playbook_of(4242, proc) == 'site.yml'
    other = fake_proc(tmp_path / 'awx', 17, 5, argv=('ansible-playbook', '-i', 'hosts.yaml', '-e', 'x=1', 'drweb.cluster.upgrade'))
    assert run_lock.playbook_of(17, other) == 'drweb.cluster.upgrade'
    assert run_lock.boot_id(proc) == 'boot-1'


def test_liveness_of_a_holder(tmp_path):
    proc = fake_proc(tmp_path, 4242, 1000)
    here = dict(controller='ctl', boot_id='boot-1')
    assert run_lock.liveness(holder(), here, proc) == 'alive'
    assert run_lock.liveness(holder(pid=4243), here, proc) == 'gone'                       # the process ended
    assert run_lock.liveness(holder(pid_start=999), here, proc) == 'gone'                  # its pid was reused
    assert run_lock.liveness(holder(boot_id='boot-0'), here, proc) == 'gone'               # the controller rebooted
    assert run_lock.liveness(holder(controller='awx-job-17'), here, proc) == 'unknown'     # another controller
    assert run_lock.liveness(dict(unreadable='damaged'), here, proc) == 'unknown'


def test_the_holder_is_described_with_who_where_and_since_when():
    text = run_lock.describe(holder(), NOW)
    assert text == ('site.yml (site) by root@ctl, ansible-playbook pid 4242, since 2026-12-05T10:00:00Z (30 min ago) '
                    '[run %s]' % ('a' * 32))
    assert run_lock.age_text(59) == '59 s' and run_lock.age_text(3 * 3600 + 60) == '3 h 01 min'
    assert run_lock.age_text(3 * 86400) == '3 days'


@pytest.mark.parametrize('state,expected', [
    ('alive', 'It still runs on this controller: wait for it to finish.'),
    ('gone', 'the lock is stale (the run was killed, or the controller restarted)'),
    ('unknown', 'It was taken from another controller, so this run cannot tell whether it still runs.'),
])
def test_the_refusal_names_the_holder_and_what_to_do(state, expected):
    text = run_lock.refusal(holder(), state, 'db1, /var/lib/drweb-cluster/run.lock', now=NOW)
    assert text.startswith("Another changing run holds this cluster's run lock (db1, /var/lib/drweb-cluster/run.lock): "
                           'site.yml (site) by root@ctl')
    assert 'Nothing was changed.' in text and expected in text
    assert ('-e drweb_lock_break=true' in text) == (state != 'alive')


def test_a_running_holder_is_not_broken_even_when_asked():
    text = run_lock.refusal(holder(), 'alive', 'db1', breaking=True, now=NOW)
    assert 'the lock is not broken even with drweb_lock_break=true' in text


def test_the_same_run_takes_its_own_lock_again_and_another_run_does_not(path):
    """A playbook importing another (restore.yml imports site.yml): the run keeps its lock; no other run gets it."""
    assert run_lock.acquire(path, holder()) == (True, holder())
    assert run_lock.reenter(path, 'a' * 32) == (True, holder(depth=2))
    assert json.load(open(path)) == holder(depth=2)    # the same holder, counted twice
    assert run_lock.reenter(path, 'b' * 32) == (False, holder(depth=2))
    assert run_lock.reenter(path, '') == (False, holder(depth=2))
    # the end of the imported playbook counts it down; the importing one's end releases it
    assert run_lock.release(path, 'a' * 32, entirely=False) == (False, holder(depth=1))
    assert run_lock.release(path, 'b' * 32, entirely=False) == (False, holder(depth=1))
    assert run_lock.release(path, 'a' * 32, entirely=False) == (True, holder(depth=1))
    assert run_lock.reenter(path, 'a' * 32) == (False, None)   # released: taken anew, not kept


def test_a_failed_run_releases_its_lock_whatever_its_depth(path):
    run_lock.acquire(path, holder())
    run_lock.reenter(path, 'a' * 32)
    run_lock.reenter(path, 'a' * 32)
    assert run_lock.depth_of(run_lock.read_holder(path)) == 3
    assert run_lock.release(path, 'a' * 32) == (True, holder(depth=3))
    assert run_lock.read_holder(path) is None


@pytest.mark.parametrize('depth, expected', [(None, 1), (1, 1), (4, 4), (0, 1), (-2, 1), ('2', 1), (True, 1)])
def test_a_record_without_a_usable_depth_is_held_once(depth, expected):
    assert run_lock.depth_of(holder() if depth is None else holder(depth=depth)) == expected


def test_the_run_id_is_the_process_s_own():
    here = dict(controller='ctl', boot_id='boot-1', pid=4242, pid_start=1000, user='root', playbook='site.yml')
    run_id = run_lock.run_id_of(here)
    assert len(run_id) == 32 and int(run_id, 16) >= 0
    assert run_lock.run_id_of(dict(here, user='other', playbook='x.yml')) == run_id   # the same process
    for change in (dict(pid=4243), dict(pid_start=1001), dict(boot_id='boot-2'), dict(controller='ctl2')):
        assert run_lock.run_id_of(dict(here, **change)) != run_id, change
