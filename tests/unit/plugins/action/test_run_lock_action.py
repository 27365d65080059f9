# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the action plugin drweb.cluster.run_lock with the module run in-process on a temporary lock file:
one task takes the lock and one releases it, with nothing remembered in between (the run id is the process's), a
playbook imported by another keeps the run's lock, and a lock's home outside the inventory is refused first."""

from __future__ import annotations

import json
import os
from unittest import mock

import pytest

from ansible_collections.drweb.cluster.plugins.action import run_lock as action_module
from ansible_collections.drweb.cluster.plugins.module_utils import run_lock
from ansible_collections.drweb.cluster.plugins.modules import run_lock as lock_module
from ansible_collections.drweb.cluster.tests.unit.plugins.modules.utils import AnsibleFailJson, run_module

HERE = dict(controller='ctl', boot_id='boot-1', user='root', pid=4242, pid_start=1000, playbook='site.yml')
TASK_VARS = dict(hostvars={'db1': {}, 'node1': {}})


def run(path, here=None, check_mode=False, **args):
    """The action's result for args (state, home, ...) as this controller process (here, default HERE) runs it."""
    here = HERE if here is None else here
    task = mock.MagicMock()
    task.args = dict(args, path=path)
    task.check_mode = check_mode
    task.async_val = 0
    task.action = 'drweb.cluster.run_lock'
    action = action_module.ActionModule(task, mock.MagicMock(), mock.MagicMock(), mock.MagicMock(), mock.MagicMock(),
                                        mock.MagicMock())

    def execute(module_name, module_args, task_vars):  # pylint: disable=unused-argument
        assert module_name == 'drweb.cluster.run_lock'
        try:
            return run_module(lock_module, module_args, check_mode=check_mode)
        except AnsibleFailJson as failed:
            return failed.result

    with mock.patch.object(action_module, 'controller_identity', return_value=dict(here)), \
            mock.patch.object(action, '_execute_module', side_effect=execute), \
            mock.patch.object(action_module, 'liveness', return_value='alive'):
        return action.run(task_vars=TASK_VARS)


@pytest.fixture
def path(tmp_path):
    return str(tmp_path / 'drweb-cluster' / 'run.lock')


def record(path):
    with open(path) as handle:
        return json.load(handle)


def test_one_task_takes_the_lock_and_one_releases_it_with_nothing_remembered(path):
    taken = run(path, state='present', home='db1', operation='site', inventory_home=True)
    assert taken['acquired'] and not taken.get('failed'), taken
    assert record(path)['run_id'] == run_lock.run_id_of(HERE) and record(path)['pid'] == 4242
    released = run(path, state='absent', home='db1', leave_to_importer=True)
    assert released['released'] and released['holder'] is None, released
    assert not os.path.exists(path)


def test_another_process_is_refused_and_cannot_release_the_lock(path):
    run(path, state='present', home='db1', operation='site')
    other = dict(HERE, pid=5151, pid_start=2000)
    refused = run(path, here=other, state='present', home='db1', operation='site')
    assert refused['failed'] and "Another changing run holds this cluster's run lock (db1, %s)" % path in refused['msg']
    assert 'ansible-playbook pid 4242' in refused['msg']
    kept = run(path, here=other, state='absent', home='db1')
    assert not kept['released'] and record(path)['pid'] == 4242
    # the same pid after a reboot (another boot id) is another run too
    assert run(path, here=dict(HERE, boot_id='boot-2'), state='present', home='db1')['failed']


def test_a_playbook_imported_by_another_keeps_the_run_s_lock_until_the_importing_one_ends(path):
    run(path, state='present', home='db1', operation='restore')
    again = run(path, state='present', home='db1', operation='site')
    assert again['acquired'] and again['reentered'] and not again.get('failed'), again
    assert record(path)['depth'] == 2 and record(path)['operation'] == 'restore'
    # the end of the imported playbook (site.yml) leaves the lock to the importing one (restore.yml)
    left = run(path, state='absent', home='db1', leave_to_importer=True)
    assert not left['released'] and left['holder']['depth'] == 1 and os.path.exists(path)
    done = run(path, state='absent', home='db1', leave_to_importer=True)
    assert done['released'] and not os.path.exists(path)


def test_a_failed_play_releases_the_lock_whatever_its_depth(path):
    run(path, state='present', home='db1')
    run(path, state='present', home='db1')
    assert record(path)['depth'] == 2
    assert run(path, state='absent', home='db1')['released']
    assert not os.path.exists(path)


@pytest.mark.parametrize('home', ['', 'db9'])
def test_a_home_outside_the_inventory_is_refused_before_the_lock_is_touched(path, home):
    refused = run(path, state='present', home=home, operation='site', inventory_home=True)
    assert refused['failed']
    assert refused['msg'] == ('The run lock\'s home "%s" is not a host of the inventory: set drweb_lock_host to one (by '
                              'default the first host of drweb_database, else drweb_primary_host, else the first of '
                              'drweb_servers). Nothing was changed.' % home)
    assert not os.path.exists(os.path.dirname(path))


def test_check_mode_takes_nothing_and_says_who_holds_the_lock(path):
    assert not run(path, check_mode=True, state='present', home='db1')['acquired']
    assert not os.path.exists(path)
    run(path, state='present', home='db1', operation='site')
    seen = run(path, here=dict(HERE, pid=5151), check_mode=True, state='present', home='db1')
    assert not seen['acquired'] and seen['msg'].startswith('run lock (db1, %s) held by site.yml (site)' % path)
    assert seen['warnings'] == ['%s (check mode takes none; this prediction may be overtaken by it)' % seen['msg']]
