# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The action plugin drweb.cluster.role_arguments with Ansible's own loader and templating: templated variables and
role defaults, the hosts it validates, one failure naming every entry point, secrets never in its result."""

from __future__ import annotations

import pathlib
from unittest.mock import MagicMock

import pytest

from ansible.parsing.dataloader import DataLoader
from ansible.template import Templar, trust_as_template

from ansible_collections.drweb.cluster.plugins.action.role_arguments import ActionModule, checks_per_host
from ansible_collections.drweb.cluster.plugins.plugin_utils import role_arguments as ra

REPO = pathlib.Path(__file__).resolve().parents[4]
SERVER = dict(drweb_db_host='db1', drweb_db_name='drwcs', drweb_db_user='drwcs', drweb_db_password='Db-Secret-1',
              drweb_admin_password='Admin-Secret-2', drweb_cluster_name='esuite.example', drweb_version='13.00.0',
              drweb_package='/srv/drweb-13.00.0-esuite-server-linux-x86_64.run')


class FakeHostVars(dict):
    """hostvars as the action reads it: raw_get(host) -> that host's variables."""

    def raw_get(self, host):
        return self[host]


def task_vars(here='node1', **variables):
    """A Server's task variables inside the preflight role: its inventory, the preflight's defaults and role vars as
    Ansible loads them (templates trusted), the play's hosts and groups."""
    loader = DataLoader()
    found = dict(loader.load_from_file(str(REPO / 'roles' / 'preflight' / 'defaults' / 'main.yml'), cache='none', trusted_as_template=True))
    found.update(loader.load_from_file(str(REPO / 'roles' / 'preflight' / 'vars' / 'main.yml'), cache='none', trusted_as_template=True))
    found.update(SERVER, drweb_preflight_operation='site', inventory_hostname=here,
                 ansible_play_hosts_all=['node1', 'node2'], ansible_play_hosts=['node1', 'node2'],
                 groups=dict(all=['node1', 'node2', 'db1'], drweb_servers=['node1', 'node2'], drweb_database=['db1']))
    found['hostvars'] = FakeHostVars(db1=dict(SERVER, inventory_hostname='db1'))
    found.update(variables)
    return found


def run(args, variables, check_mode=False):
    task = MagicMock(args=args, async_val=0, check_mode=check_mode, diff=False)
    loader = DataLoader()
    action = ActionModule(task, MagicMock(), MagicMock(), loader, Templar(loader=loader, variables=variables), None)
    return action.run(task_vars=variables)


def site_args():
    return dict(entry_points=trust_as_template('{{ drweb_preflight_entry_points }}'),
                group_entry_points=trust_as_template('{{ drweb_preflight_group_entry_points }}'))


def templated_args(variables):
    """The task's arguments as Ansible gives them to the action: templated."""
    templar = Templar(loader=DataLoader(), variables=variables)
    return {name: templar.template(value) for name, value in site_args().items()}


def test_site_entry_points_pass_with_good_values_and_name_the_other_hosts():
    variables = task_vars()
    result = run(templated_args(variables), variables)
    assert not result.get('failed'), result
    assert result['changed'] is False
    assert result['entry_points'][:3] == ['preflight:lock', 'preflight', 'prerequisites']
    assert 'schedule' in result['entry_points']
    assert 'prerequisites (host db1)' in result['entry_points'] and 'database:prepare (host db1)' in result['entry_points']


def test_only_the_first_host_validates_the_hosts_outside_the_play():
    variables = task_vars(here='node2')
    result = run(templated_args(variables), variables)
    assert not result.get('failed'), result
    assert not [name for name in result['entry_points'] if 'host db1' in name]


def test_checks_per_host():
    groups = dict(drweb_servers=['a', 'b'], drweb_database=['db', 'a'], drweb_dns=['dns1'])
    per = dict(drweb_database=['prerequisites', 'database:prepare'], drweb_dns=['prerequisites'])
    assert checks_per_host('a', ['install'], per, groups, ['a', 'b'], 'a') == {
        'a': ['install', 'prerequisites', 'database:prepare'], 'db': ['prerequisites', 'database:prepare'], 'dns1': ['prerequisites']}
    assert checks_per_host('b', ['install'], per, groups, ['a', 'b'], 'a') == {'b': ['install']}


def test_a_late_roles_wrong_type_fails_once_naming_every_entry_point_and_error():
    variables = task_vars(drweb_repository_update_timeout='soon', drweb_db_sslmode='always')
    result = run(templated_args(variables), variables)
    assert result['failed'] is True
    first, *errors = result['msg'].split('\n')
    # db1's own variables are good: only this host's entry points are named
    assert first == 'Validation of arguments failed for database:attach, repository (before anything changed):'
    assert "repository: argument 'drweb_repository_update_timeout' is of type str and we were unable to convert to int" in result['msg']
    assert any(error.startswith('database:attach: value of drweb_db_sslmode must be one of: ') for error in errors), errors
    assert result['argument_errors'] == errors


def test_a_templated_variable_and_a_templated_role_default_are_validated_as_their_values():
    # a variable that is a template: its value is validated (here a bad one)
    variables = task_vars(drweb_repository_update_timeout=trust_as_template('{{ "soon" }}'))
    result = run(templated_args(variables), variables)
    assert "argument 'drweb_repository_update_timeout' is of type str" in result['msg']
    # the preflight's defaults are templates over its role vars: validated as the list and dict they give
    variables = task_vars()
    result = run(dict(entry_points=['preflight']), variables)
    assert not result.get('failed'), result


def test_a_templated_default_of_another_role(tmp_path):
    role = tmp_path / 'demo'
    (role / 'meta').mkdir(parents=True)
    (role / 'defaults').mkdir()
    (role / 'meta' / 'argument_specs.yml').write_text(
        'argument_specs:\n  main:\n    options:\n      demo_port: {type: int}\n      demo_base: {type: int}\n')
    (role / 'defaults' / 'main.yml').write_text('demo_base: 1000\ndemo_port: "{{ demo_base + demo_offset }}"\n')
    loader = DataLoader()
    action = ActionModule(MagicMock(), MagicMock(), MagicMock(), loader, Templar(loader=loader, variables={}), None)
    entry = ra.load_entry_point('demo', action._load_role_file, roles_dir=str(tmp_path))
    assert action._arguments(entry, dict(demo_offset=22)) == dict(demo_base=1000, demo_port=1022)
    # the role's default templated with this host's variables: a wrong type is found in the value it gives
    arguments = action._arguments(entry, dict(demo_offset='22', demo_base='abc'))
    assert arguments['demo_port'] == 'abc22'
    messages = [message for dummy, message in ra.problems([('demo', entry['options'], arguments)])]
    assert any(message.startswith("argument 'demo_port' is of type str") and 'abc22' in message for message in messages), messages


@pytest.mark.parametrize('names, message', [
    (['schedule', 'nosuchrole'], "Unknown role entry points - nothing was validated: nosuchrole: drweb.cluster has no role 'nosuchrole'"),
    (['license:apply'], "license:apply: the role license has no entry point 'apply' (its entry points: main, validate)"),
])
def test_an_unknown_entry_point_is_refused(names, message):
    result = run(dict(entry_points=names), task_vars())
    assert result['failed'] is True
    assert message in result['msg']


def test_another_hosts_error_is_named_with_its_host():
    variables = task_vars()
    variables['hostvars']['db1']['drweb_prerequisites_install'] = 'perhaps'
    result = run(templated_args(variables), variables)
    assert result['msg'].startswith('Validation of arguments failed for prerequisites (host db1) (before anything changed):\n'
                                    "prerequisites (host db1): argument 'drweb_prerequisites_install' is of type str and we were "
                                    'unable to convert to bool')


def test_a_variable_that_cannot_be_templated_is_named_not_raised():
    variables = task_vars(drweb_repository_update_timeout=trust_as_template('{{ undefined_thing }}'))
    result = run(templated_args(variables), variables)
    assert result['failed'] is True
    assert 'repository: its variables cannot be templated: ' in result['msg']
    assert 'undefined_thing' in result['msg']


def test_secrets_never_in_the_result():
    secret = 'Db-Secret-1'
    variables = task_vars(drweb_db_sslmode=secret, drweb_repository_update_timeout='later-' + secret)
    result = run(templated_args(variables), variables)
    assert result['failed'] is True
    assert secret not in repr(result)
    assert ra.MASK in result['msg']


def test_the_same_in_check_mode():
    variables = task_vars(drweb_repository_update_timeout='soon')
    assert run(templated_args(variables), variables, check_mode=True)['msg'] == run(templated_args(variables), variables)['msg']


def test_the_callers_problems_fail_the_same_task_after_the_argument_errors():
    variables = task_vars()
    problems = ['drweb_db_password holds a newline: the product cannot keep it in its files.', 'Second problem.']
    result = run(dict(templated_args(variables), problems=problems), variables)
    assert result['failed'] is True and result['changed'] is False
    assert result['msg'] == ' '.join(problems) + ' Nothing was changed.'
    assert result['problems'] == problems and result['argument_errors'] == []
    # with argument errors too: those first, then the caller's problems, in one failure
    variables = task_vars(drweb_repository_update_timeout='soon')
    result = run(dict(templated_args(variables), problems=problems), variables)
    first, *rest = result['msg'].split('\n')
    assert first.startswith('Validation of arguments failed for repository')
    assert rest[-1] == ' '.join(problems) + ' Nothing was changed.'


def test_without_entry_points_only_the_callers_problems_are_checked():
    variables = task_vars()
    assert not run(dict(entry_points=[], problems=[]), variables).get('failed')
    result = run(dict(entry_points=[], problems=['drweb_x is wrong.']), variables)
    assert result['failed'] is True and result['msg'] == 'drweb_x is wrong. Nothing was changed.'


def test_a_secret_in_the_callers_problems_is_masked():
    variables = task_vars()
    result = run(dict(templated_args(variables), problems=['leaked %s here.' % SERVER['drweb_db_password']]), variables)
    assert SERVER['drweb_db_password'] not in result['msg'] and SERVER['drweb_db_password'] not in str(result['problems'])
