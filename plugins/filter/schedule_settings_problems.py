# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``drweb.cluster.schedule_settings_problems`` filter: what is wrong with the schedule role's settings.

Documentation: DOCUMENTATION below (``ansible-doc -t filter drweb.cluster.schedule_settings_problems``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
name: schedule_settings_problems
version_added: 0.1.0
short_description: What is wrong with the settings of the exclusive tasks' Server, one message per problem
description:
  - The rules of the C(drweb.cluster.schedule) role that its argument specification cannot express, decided in one
    place before anything changes. Each message names the variable and what is wrong with its value.
  - A check that depends on another one is left out while that one fails (the choice of drweb_scheduler_host while
    drweb_schedule_exclude names a host outside drweb_servers or leaves no Server), so that one mistake gives one message.
options:
  _input:
    description:
      - The role's settings, normalised.
      - C(servers) - the members of drweb_servers; C(exclude) - the hosts of drweb_schedule_exclude (a list);
        C(requested) - drweb_scheduler_host (empty when unset); C(db_host) - the host of the common database
        (drweb_db_host).
    type: dict
    required: true
'''

EXAMPLES = r'''
- name: Check the schedule settings
  vars:
    problems: >-
      {{ {'servers': groups['drweb_servers'], 'exclude': [], 'requested': '', 'db_host': drweb_db_host}
         | drweb.cluster.schedule_settings_problems }}
  ansible.builtin.assert:
    that: problems | length == 0
    fail_msg: "{{ problems | join(' ') }}"
'''

RETURN = r'''
_value:
  description: One message per problem, each naming its variable; empty when the settings are usable.
  type: list
  elements: str
  sample:
    - "drweb_db_host is empty; the Server schedules are in the common database it names."
'''

from collections.abc import Mapping

from ansible.errors import AnsibleFilterError
from ansible_collections.drweb.cluster.plugins.plugin_utils.settings_checks import (
    stripped,
)


def _names(value):
    return [stripped(item) for item in value or [] if stripped(item)]


def _host_problems(servers, exclude, requested):
    unknown = [host for host in exclude if host not in servers]
    if unknown:
        return ['drweb_schedule_exclude names %s, which is not a member of drweb_servers (%s).'
                % (', '.join(unknown), ', '.join(servers))]
    candidates = [host for host in servers if host not in exclude]
    if not candidates:
        return ['drweb_schedule_exclude excludes every Server of drweb_servers: one Server must run the exclusive tasks.']
    if requested and requested not in candidates:
        return ["drweb_scheduler_host '%s' is %s." % (
            requested, 'excluded by drweb_schedule_exclude' if requested in exclude
            else 'not a member of drweb_servers (%s)' % ', '.join(servers))]
    return []


def schedule_settings_problems(settings):
    """Every problem of the schedule role's settings, one message each naming the variable; [] when usable."""
    if not isinstance(settings, Mapping):
        raise AnsibleFilterError('schedule_settings_problems: the input must be a mapping of settings, got %s'
                                 % type(settings).__name__)
    problems = _host_problems(_names(settings.get('servers')), _names(settings.get('exclude')),
                              stripped(settings.get('requested')))
    if not stripped(settings.get('db_host')):
        problems.append('drweb_db_host is empty; the Server schedules are in the common database it names.')
    return problems


class FilterModule(object):
    """drweb.cluster schedule settings filter."""

    def filters(self):
        return {'schedule_settings_problems': schedule_settings_problems}
