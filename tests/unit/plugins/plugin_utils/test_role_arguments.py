# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The up-front validation of role entry points (drweb.cluster.role_arguments): the same arguments and messages as
ansible-core's validation when a play enters each role, all entry points at once, secrets masked."""

from __future__ import annotations

import pathlib

import pytest
import yaml

from ansible_collections.drweb.cluster.plugins.plugin_utils import role_arguments as ra

REPO = pathlib.Path(__file__).resolve().parents[4]
# The variables an inventory gives every Server (the lab's, in short).
INVENTORY = dict(drweb_db_host='db1', drweb_db_name='drwcs', drweb_db_user='drwcs', drweb_db_password='Db-Secret-1',
                 drweb_admin_password='Admin-Secret-2', drweb_cluster_name='esuite.example', drweb_version='13.00.0',
                 drweb_package='/srv/drweb-13.00.0-esuite-server-linux-x86_64.run', drweb_license_key='/srv/agent.key',
                 # the preflight's own defaults are templates (the action templates them; see its tests): as templated
                 drweb_preflight_entry_points=['schedule'], drweb_preflight_group_entry_points={})


def load(name):
    return ra.load_entry_point(name, lambda path: yaml.safe_load(pathlib.Path(path).read_text()))


def check(names, variables):
    """What the action does for one host, without templating (these values hold no template)."""
    checked = []
    for name in names:
        entry = load(name)
        checked.append((entry['name'], entry['options'], ra.provided_arguments(entry['options'], entry['defaults'], variables)))
    return ra.problems(checked)


def operation_table():
    table = yaml.safe_load((REPO / 'roles' / 'preflight' / 'vars' / 'main.yml').read_text())
    return table['__drweb_preflight_operation_entry_points']


def validated_names(operation):
    """Every entry point the preflight validates for the operation (the play's and the groups')."""
    entry = operation_table()[operation]
    return entry['entry_points'] + [name for names in (entry.get('group_entry_points') or {}).values() for name in names]


# The playbook of each operation is playbooks/<operation>.yml; operations with no entry in the table (backup,
# restore_database) enter no role whose variables are the user's but the preflight, which validates itself there.
OPERATIONS_WITH_A_TABLE = ['site', 'add_node', 'remove_node', 'rotate_certificate', 'update_parent_failover', 'upgrade']


def test_every_entry_point_of_every_role_loads():
    for role in ra.roles():
        specs = yaml.safe_load((REPO / 'roles' / role / 'meta' / 'argument_specs.yml').read_text())['argument_specs']
        for entry in specs:
            loaded = load('%s:%s' % (role, entry))
            assert loaded['role'] == role and loaded['entry'] == entry
            assert loaded['name'] == (role if entry == 'main' else '%s:%s' % (role, entry))


def test_the_table_names_every_operation_with_role_entry_points_of_its_own():
    assert sorted(operation_table()) == sorted(OPERATIONS_WITH_A_TABLE)


@pytest.mark.parametrize('operation', OPERATIONS_WITH_A_TABLE)
def test_good_values_pass_every_entry_point_of_the_operation(operation):
    assert check(validated_names(operation), dict(INVENTORY)) == []


def test_entry_point_spelling():
    assert ra.split_entry_point('schedule') == ('schedule', 'main')
    assert ra.split_entry_point('database:attach') == ('database', 'attach')
    assert ra.split_entry_point('drweb.cluster.preflight:lock') == ('preflight', 'lock')
    assert ra.label('preflight', 'main') == 'preflight'


@pytest.mark.parametrize('name, message', [
    ('nosuchrole', "nosuchrole: drweb.cluster has no role 'nosuchrole' with an argument spec (its roles: "),
    ('schedule:apply', "schedule:apply: the role schedule has no entry point 'apply' (its entry points: main)"),
    ('database:', 'an entry point must be "role" or "role:entry" (got \'database:\')'),
    ('', 'an entry point must be "role" or "role:entry"'),
    (None, 'an entry point must be "role" or "role:entry"'),
])
def test_unknown_entry_point_is_refused_naming_what_there_is(name, message):
    with pytest.raises(ra.EntryPointError) as caught:
        load(name)
    assert message in str(caught.value)


def test_wrong_type_keeps_cores_wording_and_names_the_entry_point():
    found = check(['repository'], dict(INVENTORY, drweb_repository_update_timeout='soon'))
    assert len(found) == 1
    assert found[0][0] == 'repository'
    assert found[0][1].startswith("argument 'drweb_repository_update_timeout' is of type str and we were unable to convert to int")


def test_bad_choice_and_missing_required_every_entry_point_in_one_result():
    variables = dict(INVENTORY, drweb_db_sslmode='always')
    del variables['drweb_cluster_name']
    found = check(['preflight', 'config', 'dns', 'database:attach'], variables)
    messages = ['%s: %s' % pair for pair in found]
    assert 'config: missing required arguments: drweb_cluster_name' in messages
    assert 'dns: missing required arguments: drweb_cluster_name' in messages
    assert any(message.startswith('database:attach: value of drweb_db_sslmode must be one of: ') and message.endswith('got: always')
               for message in messages), messages
    text = ra.failure_message(found)
    assert text.startswith('Validation of arguments failed for ')
    assert 'before anything changed' in text
    for name in ('config', 'dns', 'database:attach'):
        assert name in text.split('\n', 1)[0]


def test_the_roles_defaults_are_used_when_a_variable_is_not_defined():
    entry = load('repository')
    provided = ra.provided_arguments(entry['options'], entry['defaults'], dict(INVENTORY))
    for name, value in entry['defaults'].items():
        if name in entry['options']:
            assert provided[name] == value, name
    # a defined variable wins over the default, even an empty one (AWX surveys send empty values)
    name = next(name for name in entry['defaults'] if name in entry['options'])
    assert ra.provided_arguments(entry['options'], entry['defaults'], {name: ''})[name] == ''
    # neither: left out (core then reports a required one missing)
    assert 'drweb_db_host' not in ra.provided_arguments(entry['options'], entry['defaults'], {})


def test_defaults_of_one_role_are_not_another_roles():
    """Each entry point is validated with its own role's defaults, as core does inside each role."""
    options = dict(x=dict(type='int'))
    assert ra.provided_arguments(options, dict(x=1), {}) == dict(x=1)
    assert ra.provided_arguments(options, {}, {}) == {}


def test_no_log_values_never_in_the_messages():
    secret = 'hunter2-Very-Secret'
    options = dict(password=dict(type='bool', no_log=True), nested=dict(type='dict', options=dict(
        token=dict(type='int', no_log=True))))
    found = ra.problems([('role', options, dict(password=secret, nested=dict(token=secret + '-2')))])
    assert found, 'a wrong-typed secret is reported'
    text = ra.failure_message(found)
    assert secret not in text and secret not in repr(found)
    assert ra.MASK in text
    assert "argument 'password' is of type str and we were unable to convert to bool" in text


def test_real_secrets_never_in_the_result():
    variables = dict(INVENTORY, drweb_db_port='not-a-port-%s' % INVENTORY['drweb_db_password'], drweb_db_sslmode='always')
    found = check(['preflight', 'database:attach', 'config', 'license', 'schedule'], variables)
    text = ra.failure_message(found)
    assert found
    assert INVENTORY['drweb_db_password'] not in text and INVENTORY['drweb_admin_password'] not in text


def test_secret_values_reads_nested_and_list_options():
    options = dict(a=dict(no_log=True), b=dict(type='list', elements='dict', options=dict(c=dict(no_log=True))), d=dict())
    assert ra.secret_values(options, dict(a=['x1', 'y1'], b=[dict(c='z1')], d='plain')) == {'x1', 'y1', 'z1'}
    assert ra.mask('x1 and x12', {'x1', 'x12'}) == '%s and %s' % (ra.MASK, ra.MASK)


# The roles a playbook enters with their own validation: the firewall (played only with drweb_firewall_manage) and
# _server (private: its options are its callers' task variables)
VALIDATED_BY_THE_ROLE = {'firewall', '_server'}


def playbook_role_calls(playbook='site'):
    calls = []

    def walk(tasks):
        for task in tasks or []:
            for key in ('block', 'rescue', 'always'):
                walk(task.get(key))
            for action in ('ansible.builtin.import_role', 'ansible.builtin.include_role'):
                if action in task:
                    args = task[action]
                    calls.append((args['name'].rsplit('.', 1)[-1], args.get('tasks_from', 'main'), args.get('rolespec_validate', True)))
    for play in yaml.safe_load((REPO / 'playbooks' / ('%s.yml' % playbook)).read_text()):
        for role in play.get('roles') or []:   # a play's roles: always validated by Ansible when the play enters them
            calls.append((role['role'].rsplit('.', 1)[-1], 'main', True))
        for key in ('pre_tasks', 'tasks', 'post_tasks'):
            walk(play.get(key))
    return calls


def covered(role, entry, names):
    """The entry point is validated up front: itself, or an entry point of the same role with every one of its options
    (the same type and choices; only required may differ: site.yml enters license:validate only when the key is set)."""
    if ra.label(role, entry) in names:
        return True

    def kind(option):
        return {key: value for key, value in option.items() if key not in ('description', 'required')}
    mine = load('%s:%s' % (role, entry))['options']
    for name in names:
        other = load(name)['options'] if load(name)['role'] == role else {}
        if other and all(option_name in other and kind(option) == kind(other[option_name]) for option_name, option in mine.items()):
            return True
    return False


@pytest.mark.parametrize('operation', OPERATIONS_WITH_A_TABLE)
def test_each_playbook_enters_without_validation_only_what_its_preflight_validated(operation):
    names = validated_names(operation)
    calls = playbook_role_calls(operation)
    assert len(calls) >= 5
    assert ('preflight', 'main', False) in calls   # the entry point that validates the others
    for role, entry, validate in calls:
        if validate is False:
            assert covered(role, entry, names), '%s:%s is entered with rolespec_validate: false but not validated up front' % (role, entry)
        else:
            assert role in VALIDATED_BY_THE_ROLE, '%s:%s validates its own variables: add it to the preflight' % (role, entry)


@pytest.mark.parametrize('playbook', ['backup', 'restore_database', 'restore', 'check'])
def test_playbooks_without_a_table_entry_let_every_role_validate_itself(playbook):
    calls = playbook_role_calls(playbook)
    assert calls and [call for call in calls if call[2] is False] == []


def test_the_database_role_enters_license_validate_covered_by_its_own_specs():
    """database (prepare and attach) enters license:validate with rolespec_validate: false: every option of it is in
    both entry points' specs, validated when the play entered the database role."""
    tasks = yaml.safe_load((REPO / 'roles' / 'database' / 'tasks' / 'validate.yml').read_text())
    found = []

    def walk(items):
        for task in items or []:
            walk(task.get('block'))
            if 'ansible.builtin.include_role' in task:
                found.append(task['ansible.builtin.include_role'])
    walk(tasks)
    assert [(item['name'], item['tasks_from'], item.get('rolespec_validate')) for item in found] == [
        ('drweb.cluster.license', 'validate', False)]
    for entry in ('database:prepare', 'database:attach'):
        database = load(entry)['options']
        for name, option in load('license:validate')['options'].items():
            assert name in database and database[name]['type'] == option['type'], (entry, name)
