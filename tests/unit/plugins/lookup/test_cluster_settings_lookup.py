# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The lookup drweb.cluster.cluster_settings in a playbook: variables from the inventory, the play, a task and extra
vars all count, templated values are templated, and the result is the same on the oldest supported ansible-core."""

from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys

import pytest

from ansible_collections.drweb.cluster.plugins.module_utils import drwcsd

ROOT = pathlib.Path(os.path.abspath(drwcsd.__file__)).parents[2]
COLLECTIONS = ROOT.parents[2]        # the folder that holds ansible_collections/drweb/cluster (symlinks not resolved)
CHECKOUT = pathlib.Path(__file__).resolve().parents[4]
# The oldest ansible-core meta/runtime.yml admits: the venv tests/run_tests.py sanity makes, or one named explicitly.
OLDEST_PYTHON = os.environ.get('DRWEB_OLDEST_ANSIBLE_PYTHON') or str(CHECKOUT / '.build' / 'ansible-core-2.19' / 'bin' / 'python')

INVENTORY = """
all:
  children:
    drweb_servers:
      hosts:
        node1: {ansible_connection: local}
        node2: {ansible_connection: local, drweb_primary_host: " node2 "}
      vars:
        drweb_db_port: 6432
        drweb_db_sslmode: ""
        drweb_db_user: "  {{ base_user }}_srv "
        base_user: drweb
"""

PLAYBOOK = """
- hosts: drweb_servers
  gather_facts: false
  vars:
    drweb_db_host: "{{ '10.0.0.' ~ 5 }}"
    drweb_db_name: drwcs
    drweb_db_password: s3cr3t
    drweb_db_ssl_ca_file: null
  tasks:
    - name: settings
      ansible.builtin.debug:
        msg:
          database: "{{ lookup('drweb.cluster.cluster_settings', 'common_database') }}"
          connection: "{{ lookup('drweb.cluster.cluster_settings', 'postgresql_connection') }}"
          text: "{{ query('drweb.cluster.cluster_settings', 'db_describe', 'primary_host', 'primary_host_given',
                          'restart_strategy') }}"
    - name: task variables
      vars:
        drweb_db_port: "  "
        drweb_restart_strategy: ""
      ansible.builtin.debug:
        msg: "{{ query('drweb.cluster.cluster_settings', 'db_port', 'restart_strategy') }}"
"""


def run(tmp_path, python, extra):
    (tmp_path / 'inventory.yml').write_text(INVENTORY)
    (tmp_path / 'playbook.yml').write_text(PLAYBOOK)
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(COLLECTIONS), ANSIBLE_STDOUT_CALLBACK='ansible.builtin.default',
               ANSIBLE_CALLBACK_RESULT_FORMAT='json', ANSIBLE_NOCOLOR='1', ANSIBLE_LOCAL_TEMP=str(tmp_path / 'tmp'))
    env.pop('ANSIBLE_CONFIG', None)
    proc = subprocess.run([python, '-m', 'ansible.cli.playbook', '-i', 'inventory.yml', 'playbook.yml'] + extra, cwd=str(tmp_path),
                          env=env, capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout


def messages(output):
    """{(task, host): msg} from the default callback's JSON results."""
    found, task, decoder = {}, None, json.JSONDecoder()
    lines = output.splitlines()
    for index, line in enumerate(lines):
        if line.startswith('TASK ['):
            task = line[len('TASK ['):line.index(']')]
        elif line.startswith('ok: [') and line.endswith('{'):
            host = line[len('ok: ['):line.index(']')]
            found[(task, host)] = decoder.raw_decode('{' + '\n'.join(lines[index + 1:]))[0]['msg']
    return found


def test_lookup_reads_every_variable_source(tmp_path):
    output = run(tmp_path, sys.executable, ['-e', 'drweb_restart_strategy=parallel'])
    found = messages(output)
    assert found[('settings', 'node1')]['database'] == {
        'host': '10.0.0.5', 'port': '6432', 'name': 'drwcs', 'user': 'drweb_srv', 'ssl_mode': 'prefer', 'ca_cert': ''}
    assert found[('settings', 'node1')]['connection'] == {
        'login_host': '10.0.0.5', 'port': '6432', 'db': 'drwcs', 'login_user': 'drweb_srv', 'ssl_mode': 'prefer',
        'ca_cert': ''}
    assert found[('settings', 'node1')]['text'] == ['drweb_srv@10.0.0.5:6432/drwcs', 'node1', '', 'parallel']
    assert found[('settings', 'node2')]['text'] == ['drweb_srv@10.0.0.5:6432/drwcs', 'node2', 'node2', 'parallel']
    # a task's blank port is unset; extra vars win over the task's empty strategy
    assert found[('task variables', 'node1')] == ['5432', 'parallel']
    assert 's3cr3t' not in output


@pytest.mark.skipif(not os.path.exists(OLDEST_PYTHON),
                    reason='no ansible-core 2.19 venv (tests/run_tests.py sanity makes it; or DRWEB_OLDEST_ANSIBLE_PYTHON)')
def test_oldest_supported_ansible_core_gives_the_same_settings(tmp_path):
    newest = messages(run(tmp_path, sys.executable, []))
    oldest = messages(run(tmp_path, OLDEST_PYTHON, []))
    assert oldest == newest
    assert oldest[('task variables', 'node1')] == ['5432', 'serial']
