# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin drweb.cluster.role_arguments (documentation: plugins/modules/role_arguments.py): validate the
variables of the role entry points a playbook runs, all at once and before anything changes, as ansible-core does when
it enters each role. The decisions are in plugins/plugin_utils/role_arguments.py."""

from __future__ import annotations

from ansible.errors import AnsibleError
from ansible.module_utils.common.text.converters import to_text
from ansible.plugins.action import ActionBase

from ansible_collections.drweb.cluster.plugins.plugin_utils.role_arguments import (
    EntryPointError, failure_message, load_entry_point, problems, provided_arguments, secret_values, mask)

ARGUMENT_SPEC = dict(
    entry_points=dict(type='list', elements='str', required=True),
    group_entry_points=dict(type='dict', default={}),
    problems=dict(type='list', elements='str', default=[]),
)


def unique(names):
    """names without repeats, in their order."""
    seen = []
    for name in names:
        if name not in seen:
            seen.append(name)
    return seen


def checks_per_host(here, entry_points, group_entry_points, groups, play_hosts, first):
    """{host: [entry point, ...]}: this host's own entry points (entry_points, and those of the groups it is in);
    on the first host of the play, also the hosts of those groups that are outside the play, with their groups'."""
    mine = list(entry_points)
    others = {}
    for group, names in group_entry_points.items():
        members = list(groups.get(group) or [])
        if here in members:
            mine.extend(names)
        if here == first:
            for host in members:
                if host not in play_hosts:
                    others.setdefault(host, []).extend(names)
    checks = {here: unique(mine)}
    checks.update((host, unique(names)) for host, names in others.items())
    return checks


class ActionModule(ActionBase):
    """Validate several role entry points' arguments at once; fail once, naming every entry point and every error."""

    TRANSFERS_FILES = False
    _requires_connection = False

    def _load_role_file(self, path):
        """A role's YAML file as the role loader reads it: its templates are templates."""
        return self._loader.load_from_file(path, cache='none', trusted_as_template=True)

    def _arguments(self, entry, variables):
        """What core validates when entering the entry point's role with these variables, templated - the role's
        defaults are available to the templates, as they are to core's validation task inside the role."""
        provided = provided_arguments(entry['options'], entry['defaults'], variables)
        context = dict(entry['defaults'])
        context.update(variables)
        return self._templar.copy_with_new_env(available_variables=context).template(provided)

    def run(self, tmp=None, task_vars=None):
        task_vars = task_vars or {}
        result = super().run(tmp, task_vars)
        del tmp
        unused_validation, args = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)
        group_entry_points = args['group_entry_points'] or {}
        if not all(isinstance(names, list) for names in group_entry_points.values()):
            result.update(failed=True, msg='group_entry_points must map each inventory group to a list of entry points')
            return result

        here = task_vars.get('inventory_hostname')
        play_hosts = task_vars.get('ansible_play_hosts_all') or [here]
        first = (task_vars.get('ansible_play_hosts') or [here])[0]
        checks = checks_per_host(here, args['entry_points'], group_entry_points, task_vars.get('groups') or {},
                                 play_hosts, first)

        entries = {}
        unknown = []
        for name in unique(name for names in checks.values() for name in names):
            try:
                entries[name] = load_entry_point(name, self._load_role_file)
            except EntryPointError as exc:
                unknown.append(to_text(exc))
        if unknown:
            result.update(failed=True, msg='Unknown role entry points - nothing was validated: %s' % '; '.join(unknown))
            return result

        hostvars = task_vars.get('hostvars')
        found, names, secrets = [], [], set()
        for host, host_names in checks.items():
            variables = task_vars if host == here else hostvars.raw_get(host)
            for name in host_names:
                entry = entries[name]
                shown = entry['name'] if host == here else '%s (host %s)' % (entry['name'], host)
                names.append(shown)
                # the values as written too: a secret that cannot be templated is not shown either
                secrets |= secret_values(entry['options'], provided_arguments(entry['options'], entry['defaults'], variables))
                try:
                    arguments = self._arguments(entry, variables)
                except AnsibleError as exc:
                    found.append((shown, 'its variables cannot be templated: %s' % to_text(exc)))
                    continue
                secrets |= secret_values(entry['options'], arguments)
                found.extend(problems([(shown, entry['options'], arguments)]))

        result['entry_points'] = names
        result['changed'] = False
        # the caller's own checks (the rules no argument spec can express), refused in the same failure
        given = [to_text(problem) for problem in args['problems'] or []]
        if found or given:
            messages = [mask(failure_message(found), secrets)] if found else []
            if given:
                messages.append(mask('%s Nothing was changed.' % ' '.join(given), secrets))
                result['problems'] = [mask(problem, secrets) for problem in given]
            result.update(failed=True, msg='\n'.join(messages),
                          argument_errors=[mask('%s: %s' % pair, secrets) for pair in found])
            return result
        result['msg'] = 'The arguments of %d role entry points are valid: %s' % (len(names), ', '.join(names))
        return result
