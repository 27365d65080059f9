# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The decisions of the action plugin drweb.cluster.role_arguments: validate the variables of several role entry
points of this collection at once, before anything changes, the way ansible-core validates a role's arguments when
it enters the role (ansible.builtin.validate_argument_spec with the role's meta/argument_specs.yml) - one failure
naming every entry point and every error, no_log values masked."""

from __future__ import annotations

import os

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

# this collection's root: plugins/plugin_utils/role_arguments.py -> the collection
COLLECTION_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ROLES_DIR = os.path.join(COLLECTION_ROOT, 'roles')
MASK = '********'


class EntryPointError(ValueError):
    """An entry point that is not one of this collection's roles' entry points."""


def roles(roles_dir=ROLES_DIR):
    """The roles of this collection that declare entry points (meta/argument_specs.yml), sorted."""
    if not os.path.isdir(roles_dir):
        return []
    return sorted(name for name in os.listdir(roles_dir)
                  if os.path.isfile(os.path.join(roles_dir, name, 'meta', 'argument_specs.yml')))


def split_entry_point(text):
    """'role' or 'role:entry' -> (role, entry); 'main' when no entry is named. A role may be written with the
    collection's prefix (drweb.cluster.role)."""
    if not isinstance(text, str) or not text.strip():
        raise EntryPointError('an entry point must be "role" or "role:entry" (got %r)' % (text,))
    role, sep, entry = text.strip().partition(':')
    role = role.strip()
    if role.startswith('drweb.cluster.'):
        role = role[len('drweb.cluster.'):]
    entry = entry.strip() if sep else 'main'
    if not role or not entry:
        raise EntryPointError('an entry point must be "role" or "role:entry" (got %r)' % (text,))
    return role, entry


def label(role, entry):
    """How messages name an entry point: 'role' for main, else 'role:entry'."""
    return role if entry == 'main' else '%s:%s' % (role, entry)


def load_entry_point(text, load_yaml, roles_dir=ROLES_DIR):
    """The entry point's argument spec options and its role's defaults.

    load_yaml(path) -> the file's data (the action plugin passes Ansible's loader, so that templates in the defaults
    stay templates). Raises EntryPointError naming the roles or entry points there are."""
    role, entry = split_entry_point(text)
    known = roles(roles_dir)
    if role not in known:
        raise EntryPointError('%s: drweb.cluster has no role %r with an argument spec (its roles: %s)'
                              % (text, role, ', '.join(known)))
    role_dir = os.path.join(roles_dir, role)
    specs = (load_yaml(os.path.join(role_dir, 'meta', 'argument_specs.yml')) or {}).get('argument_specs') or {}
    if entry not in specs:
        raise EntryPointError('%s: the role %s has no entry point %r (its entry points: %s)'
                              % (text, role, entry, ', '.join(sorted(specs))))
    defaults_file = os.path.join(role_dir, 'defaults', 'main.yml')
    defaults = (load_yaml(defaults_file) or {}) if os.path.isfile(defaults_file) else {}
    return dict(name=label(role, entry), role=role, entry=entry,
                options=dict(specs[entry].get('options') or {}), defaults=dict(defaults))


def provided_arguments(options, defaults, variables):
    """What ansible-core validates when the role is entered: for every option of the spec, the variable's value when
    it is defined, else the role's default (core's validation task sees the role's defaults among its variables).
    Options with neither are left out (a required one is then reported missing). Not templated here."""
    return {name: variables[name] if name in variables else defaults[name]
            for name in options if name in variables or name in defaults}


def _leaves(value):
    """Every scalar inside value, as text."""
    if isinstance(value, dict):
        return [leaf for item in value.values() for leaf in _leaves(item)]
    if isinstance(value, (list, tuple, set)):
        return [leaf for item in value for leaf in _leaves(item)]
    if value is None or isinstance(value, bool):
        return []
    return [str(value)]


def secret_values(options, arguments):
    """The values of the options marked no_log (suboptions too), as text: never shown."""
    found = set()
    for name, option in (options or {}).items():
        if name not in (arguments or {}):
            continue
        value = arguments[name]
        if (option or {}).get('no_log'):
            found.update(leaf for leaf in _leaves(value) if leaf)
        suboptions = (option or {}).get('options')
        if suboptions:
            items = value if isinstance(value, list) else [value]
            for item in items:
                if isinstance(item, dict):
                    found.update(secret_values(suboptions, item))
    return found


def mask(text, secrets):
    """text with every secret replaced by the mask (longest first, so a secret inside another goes too)."""
    for secret in sorted(secrets, key=len, reverse=True):
        text = text.replace(secret, MASK)
    return text


def validate(options, arguments):
    """ansible-core's role argument validation of these arguments: the error messages, no_log values masked."""
    result = ArgumentSpecValidator(options).validate(dict(arguments), validate_role_argument_spec=True)
    secrets = secret_values(options, arguments) | {str(value) for value in result._no_log_values if str(value)}
    return [mask(str(message), secrets) for message in result.error_messages]


def problems(checked):
    """[(name, options, arguments)] -> [(name, error), ...], in the given order. name says what was checked: the
    entry point, and the host when it is not the one the task runs for."""
    return [(name, message) for name, options, arguments in checked for message in validate(options, arguments)]


def failure_message(found):
    """One message naming every entry point with an error, then every error prefixed with its entry point."""
    failing = []
    for name, dummy in found:
        if name not in failing:
            failing.append(name)
    return ('Validation of arguments failed for %s (before anything changed):\n%s'
            % (', '.join(failing), '\n'.join('%s: %s' % pair for pair in found)))
