# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the controller imports to use the collection's filters and lookups.

ansible-core resolves a collection filter (drweb.cluster.<name>) by loading every filter file of the collection, and it
does so again in every forked worker that renders such a filter for the first time, so whatever any filter file imports
is imported once per task and host. A database driver among those imports cost about a fifth of the controller's CPU in
an idle re-run of site.yml; the drivers belong to the modules that connect, on the managed hosts.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import yaml

from ansible_collections.drweb.cluster.plugins.module_utils import drwcsd

# the folder holding ansible_collections/ (not resolved: the collection may be a link to a checkout)
COLLECTIONS = Path(drwcsd.__file__).parents[5]
DRIVERS = ('psycopg', 'psycopg2')

PROGRAM = r'''
import importlib, json, pkgutil, sys
loaded = []
for kind in ('filter', 'lookup'):
    package = importlib.import_module('ansible_collections.drweb.cluster.plugins.%s' % kind)
    for module in pkgutil.iter_modules(package.__path__):
        importlib.import_module('%s.%s' % (package.__name__, module.name))
        loaded.append('%s/%s' % (kind, module.name))
print(json.dumps({'loaded': loaded, 'modules': sorted(sys.modules)}))
'''


def test_no_filter_or_lookup_imports_a_database_driver():
    proc = subprocess.run([sys.executable, '-c', PROGRAM], capture_output=True, text=True, timeout=120, check=False,
                          env={'PYTHONPATH': str(COLLECTIONS), 'PATH': '/usr/bin:/bin'})
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert 'filter/restart_batches' in result['loaded'] and 'lookup/cluster_settings' in result['loaded']
    drivers = [name for name in result['modules'] if name.split('.')[0] in DRIVERS]
    assert drivers == [], 'a filter or lookup file imports a database driver: %s' % ', '.join(drivers)


# The playbooks load the filters once in ansible-playbook's main process (a meta task's condition is evaluated there),
# so that the worker forked for each task and host finds them loaded. Checked by running a small playbook on the
# controller: a Python audit hook (sitecustomize) notes every import of the collection's code and whether it happened in
# the process that started (ansible-playbook's main process) or in a forked worker.
PRELOAD_TASK = "Load the collection's filters once in the controller's main process (ends no host)"
HOOK = r'''
import os, sys
_MAIN = os.getpid()
def _note(event, args):
    if event == 'import' and str(args[0]).startswith('ansible_collections.drweb.cluster.'):
        with open(os.environ['DRWEB_TEST_IMPORTS'], 'a') as log:
            log.write('%s %s\n' % ('main' if os.getpid() == _MAIN else 'worker', args[0]))
sys.addaudithook(_note)
'''
FILTER_TASKS = [{'name': 'Render a filter of the collection (%d)' % number,
                 'ansible.builtin.debug': {'msg': "{{ {'password': 'secret-%d'} | drweb.cluster.mask_secrets(['secret-%d']) }}"
                                                  % (number, number)}} for number in range(3)]


def preload_task(tasks):
    """The preload task of a task list (the first task, by design)."""
    assert tasks[0]['name'] == PRELOAD_TASK, 'the first task is not the filters\' preload: %s' % tasks[0]['name']
    return tasks[0]


def imports_while_running(tmp_path, tasks):
    """{'main': [...], 'worker': [...]}: the collection's modules imported in each kind of process running the tasks."""
    (tmp_path / 'hook').mkdir(exist_ok=True)
    (tmp_path / 'hook' / 'sitecustomize.py').write_text(HOOK)
    playbook = tmp_path / 'playbook.yml'
    playbook.write_text(yaml.safe_dump([{'name': 'Filters', 'hosts': 'localhost', 'connection': 'local',
                                         'gather_facts': False, 'tasks': tasks}]))
    log = tmp_path / 'imports.log'
    log.unlink(missing_ok=True)
    env = {'PATH': '/usr/bin:/bin', 'HOME': str(tmp_path), 'PYTHONPATH': str(tmp_path / 'hook'),
           'DRWEB_TEST_IMPORTS': str(log), 'ANSIBLE_COLLECTIONS_PATH': str(COLLECTIONS),
           'ANSIBLE_LOCAL_TEMP': str(tmp_path / 'tmp'), 'ANSIBLE_NOCOLOR': '1'}
    proc = subprocess.run([str(Path(sys.executable).parent / 'ansible-playbook'), '-i', 'localhost,', str(playbook)],
                          capture_output=True, text=True, timeout=300, check=False, env=env)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert proc.stdout.count("password: '********'") == len(FILTER_TASKS), proc.stdout[-3000:]   # each filter rendered
    found = {'main': [], 'worker': []}
    for line in log.read_text().splitlines() if log.exists() else []:
        kind, name = line.split(' ', 1)
        found[kind].append(name)
    return found


def test_the_playbooks_load_the_filters_once_in_the_main_process_not_in_each_worker(tmp_path):
    preflight = yaml.safe_load((COLLECTIONS / 'ansible_collections/drweb/cluster/roles/preflight/tasks/main.yml').read_text())
    check = yaml.safe_load((COLLECTIONS / 'ansible_collections/drweb/cluster/playbooks/check.yml').read_text())
    task = preload_task(preflight)
    assert preload_task(check[0]['tasks']) == task   # the same task in the drift check
    assert task['ansible.builtin.meta'] == 'end_host'
    # without it, each worker rendering a filter imports the collection's code again
    without = imports_while_running(tmp_path, FILTER_TASKS)
    assert without['worker'], 'no import in a worker without the preload: this test could not see one'
    # with it, the main process imported it, and no worker did
    preloaded = imports_while_running(tmp_path, [task] + FILTER_TASKS)
    assert preloaded['main'] and preloaded['worker'] == [], preloaded
