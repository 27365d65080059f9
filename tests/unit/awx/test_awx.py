# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The AWX survey specs (awx/surveys/<playbook>.json) ask only for variables the roles that playbook runs take, with a
type their argument specs accept - also the "" AWX sends for an optional question left empty - and choices the spec
allows; the custom credential types inject exactly the secrets the roles document as no_log."""

from __future__ import annotations

import functools
import json
from pathlib import Path

import pytest
import yaml

from ansible_collections.drweb.cluster.plugins.module_utils import drwcsd

ROOT = Path(drwcsd.__file__).resolve().parents[2]
SURVEYS = sorted((ROOT / 'awx' / 'surveys').glob('*.json'))
CREDENTIAL_TYPES = sorted((ROOT / 'awx' / 'credential_types').glob('*.yml'))

# survey question type -> argument spec types that take its answer
ACCEPTS = {
    'text': {'str', 'path', 'raw'},
    'textarea': {'str', 'raw'},
    'password': {'str', 'raw'},
    'integer': {'int', 'raw'},
    'float': {'float', 'raw'},
    'multiplechoice': {'str', 'raw', 'bool'},
    'multiselect': {'list'},
}
# argument spec types that accept "" (AWX's answer to an optional question left empty: "unset" for the roles)
TAKES_EMPTY = {'str', 'path', 'raw', 'list'}
BOOLEAN_WORDS = {'true', 'false', 'yes', 'no'}


@functools.lru_cache(maxsize=None)
def entry_points(playbook):
    """(role, entry point) of every drweb.cluster role the playbook runs (roles: and include_role/import_role)."""
    found = set()

    def walk(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if key == 'roles':
                    for role in value:
                        name = role['role'] if isinstance(role, dict) else role
                        found.add((name, 'main'))
                elif key in ('ansible.builtin.include_role', 'ansible.builtin.import_role', 'include_role', 'import_role'):
                    found.add((value['name'], value.get('tasks_from', 'main')))
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)
    walk(yaml.safe_load((ROOT / 'playbooks' / playbook).read_text()))
    points = sorted((name.split('.')[-1], entry) for name, entry in found if name.startswith('drweb.cluster.'))
    # a playbook's own variables (validated by the playbook with validate_argument_spec), as entry point "playbook"
    if (ROOT / 'playbooks' / 'argument_specs' / playbook).is_file():
        points.append(('playbook:' + playbook, 'main'))
    return tuple(points)


@functools.lru_cache(maxsize=None)
def argspec(role, entry):
    if role.startswith('playbook:'):
        path = ROOT / 'playbooks' / 'argument_specs' / role.split(':', 1)[1]
    else:
        path = ROOT / 'roles' / role / 'meta' / 'argument_specs.yml'
    specs = yaml.safe_load(path.read_text())['argument_specs']
    return specs[entry].get('options') or {}


def test_there_are_surveys_for_the_job_templates():
    assert {path.stem for path in SURVEYS} >= {'site', 'add_node', 'upgrade', 'check'}
    assert ('upgrade', 'package') in entry_points('upgrade.yml') and ('dns', 'main') in entry_points('site.yml')


@pytest.mark.parametrize('survey', SURVEYS, ids=lambda path: path.stem)
def test_survey_variables_are_in_the_argspecs_with_the_same_type(survey):
    data = json.loads(survey.read_text())
    assert data['name'] and data['description'] and data['spec']
    points = entry_points(survey.stem + '.yml')
    assert points, '%s: playbooks/%s.yml runs no role of the collection' % (survey.name, survey.stem)
    problems = []
    seen = set()
    for question in data['spec']:
        variable, kind = question['variable'], question['type']
        assert variable not in seen, '%s asked twice' % variable
        seen.add(variable)
        assert question['question_name'] and kind in ACCEPTS and isinstance(question['required'], bool)
        options = [(role, entry, argspec(role, entry)[variable]) for role, entry in points if variable in argspec(role, entry)]
        if not options:
            problems.append('%s: no role that playbooks/%s.yml runs (%s) takes it' % (variable, survey.stem, points))
            continue
        for role, entry, option in options:
            where = '%s: %s/%s' % (variable, role, entry)
            spec_type = option.get('type', 'str')
            if spec_type not in ACCEPTS[kind]:
                problems.append('%s has type %s, the survey asks %s' % (where, spec_type, kind))
            if not question['required'] and spec_type not in TAKES_EMPTY:
                problems.append('%s has type %s, which does not take the "" of an optional question left empty'
                                % (where, spec_type))
            choices = question.get('choices')
            if kind in ('multiplechoice', 'multiselect'):
                assert isinstance(choices, list) and choices, where
                allowed = option.get('choices') or (option.get('elements') == 'str' and None)
                if spec_type == 'bool':
                    allowed = BOOLEAN_WORDS
                if allowed and not set(choices) <= set(allowed):
                    problems.append('%s: choices %s not all in the argspec\'s %s' % (where, choices, allowed))
                if question.get('default') not in ('', None) and question['default'] not in choices:
                    problems.append('%s: default %r is no choice' % (where, question['default']))
            if kind == 'integer' and question.get('default') not in ('', None):
                assert isinstance(question['default'], int), where
    assert not problems, '\n'.join(problems)


@pytest.mark.parametrize('path', CREDENTIAL_TYPES, ids=lambda path: path.stem)
def test_credential_types_inject_documented_secrets(path):
    data = yaml.safe_load(path.read_text())
    fields = {field['id']: field for field in data['inputs']['fields']}
    assert set(data['inputs']['required']) == set(fields)
    injected = data['injectors']['extra_vars']
    for variable, template in injected.items():
        field = template.strip('{} ')
        assert field in fields, '%s: %s injects unknown input %s' % (path.name, variable, field)
        # the variable is one a role takes; a secret field is a variable the roles never log
        options = [argspec(role, entry)[variable] for role in ('database', 'install', 'config')
                   for entry in yaml.safe_load((ROOT / 'roles' / role / 'meta' / 'argument_specs.yml').read_text())['argument_specs']
                   if variable in argspec(role, entry)]
        assert options, '%s: no role takes %s' % (path.name, variable)
        assert all(option.get('type', 'str') == 'str' for option in options), variable
    secrets = {variable for variable, template in injected.items() if fields[template.strip('{} ')].get('secret')}
    assert secrets & {'drweb_db_password', 'drweb_admin_password'}, path.name


def test_the_credential_types_cover_the_database_and_the_admin():
    injected = set()
    for path in CREDENTIAL_TYPES:
        injected |= set(yaml.safe_load(path.read_text())['injectors']['extra_vars'])
    assert injected == {'drweb_db_user', 'drweb_db_password', 'drweb_admin_password'}


# A survey answer is an extra var: it outranks the inventory, and an optional answer left empty arrives as "" (the
# roles' default, not the inventory's value). So only what a job run decides may be an optional question; cluster
# settings (name, primary, multicast, database, DNS, keys) stay in the inventory.
JOB_LEVEL_OPTIONAL = {'drweb_package_checksum', 'drweb_restart_strategy', 'drweb_allow_data_loss', 'drweb_lock_break'}


@pytest.mark.parametrize('survey', SURVEYS, ids=lambda path: path.stem)
def test_no_optional_question_shadows_an_inventory_setting(survey):
    optional = {question['variable'] for question in json.loads(survey.read_text())['spec'] if not question['required']}
    assert optional <= JOB_LEVEL_OPTIONAL, optional - JOB_LEVEL_OPTIONAL
