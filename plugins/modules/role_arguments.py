#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: role_arguments
short_description: Validate the variables of every role entry point a playbook runs, once, before anything changes
description:
- Runs on the controller (an action plugin). For each entry point - C(role) (its C(main)) or C(role:entry) of this
  collection's roles - it validates the variables as ansible-core does when a play enters the role
  (M(ansible.builtin.validate_argument_spec) with the role's C(meta/argument_specs.yml)) - for every option of the
  entry point's spec, the variable when it is defined, else the role's default, templated - and fails once, naming every
  entry point with an error and every error (core's wording, each prefixed with its entry point).
- Run it first in a playbook, on every host (the variables differ per host), and enter the roles it covers with
  C(rolespec_validate=false) - a bad value for a role played late is then refused before the first change, not after
  the earlier roles changed things, and each entry point costs no validation task of its own.
- The values of options marked C(no_log) never appear in its result or messages (they are replaced by C(********)).
- Changes nothing; the same in check mode.
version_added: 0.1.0
options:
  entry_points:
    description:
    - The entry points validated for this host - C(role) or C(role:entry), for example
      C([preflight:lock, preflight, install, keys, config, database:attach, schedule, preflight:unlock]).
    - An entry point that is not one of this collection's roles' is refused, naming the roles or entry points there
      are, before anything is validated.
    type: list
    elements: str
    required: true
  group_entry_points:
    description:
    - Per inventory group, more entry points - for the hosts of that group. A host of the play that is in the group is
      validated with them too; the group's hosts outside the play (for example the database host, when the play runs
      on the Servers) are validated on the first host of the play, with their own variables (as C(hostvars) has them),
      and named in the messages.
    type: dict
    default: {}
  problems:
    description:
    - What the caller's own checks found wrong - the rules no argument spec can express, one message each, naming the
      variable (for example the result of a C(*_settings_problems) filter). Not empty - the task fails with these
      messages joined, then C(Nothing was changed.), after the argument errors when there are any.
    - Lets one task refuse both before anything changes; with no entry points the task checks only these.
    type: list
    elements: str
    default: []
attributes:
  check_mode:
    support: full
    description: Validates only; the same result in check mode.
  diff_mode:
    support: none
    description: Changes nothing, so there is nothing to show as a diff.
  action:
    support: full
    description: Runs on the controller as an action plugin; nothing runs on the hosts.
extends_documentation_fragment:
- drweb.cluster.attributes.controller
seealso:
- module: ansible.builtin.validate_argument_spec
author:
- drweb.cluster maintainers !UNKNOWN
'''

EXAMPLES = r'''
- name: Check every role's variables of this run, before anything changes
  drweb.cluster.role_arguments:
    entry_points: [preflight:lock, preflight, install, keys, config, database:attach, schedule, preflight:unlock]
    group_entry_points:
      drweb_database: [prerequisites]
  tags: [always]

- name: Then enter each role without its own validation task
  ansible.builtin.import_role:
    name: drweb.cluster.schedule
    rolespec_validate: false
'''

RETURN = r'''
entry_points:
  description: What was validated - each entry point, with the host when it is not the task's own.
  returned: always
  type: list
  elements: str
  sample: [preflight:lock, preflight, install, "prerequisites (host db1)"]
argument_errors:
  description:
  - Every error, prefixed with its entry point - core's wording (C(argument 'x' is of type ...), C(value of x must be
    one of ...), C(missing required arguments ...)), no_log values masked.
  returned: failed
  type: list
  elements: str
  sample: ["schedule: argument 'drweb_schedule_manage' is of type str and we were unable to convert to bool: ..."]
problems:
  description: The caller's problems (O(problems)) the task failed with, no_log values masked.
  returned: failed because of O(problems)
  type: list
  elements: str
  sample: ["drweb_db_password holds a newline: the product cannot keep it in its files."]
msg:
  description: What was validated, or every entry point with an error and every error, then the caller's problems.
  returned: always
  type: str
'''
