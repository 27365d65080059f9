# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``drweb.cluster.repository_settings_problems`` filter: what is wrong with the repository role's settings.

Documentation: DOCUMENTATION below (``ansible-doc -t filter drweb.cluster.repository_settings_problems``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
name: repository_settings_problems
version_added: 0.1.0
short_description: What is wrong with the update source settings of the repository role, one message per problem
description:
  - The rules of the C(drweb.cluster.repository) role that its argument specification cannot express, decided in one
    place before anything changes. Each message names the variable and what is wrong with its value.
  - The update source is C(gus), C(zone) or C(parent); the update zone's URL starts with C(http://), C(https://),
    C(ftp://), C(ftps://) or C(file://) and is required with C(zone); the parent Server is a host name or address,
    optionally with C(:port), and is required with C(parent); an update through the Web API needs the administrator's
    password; the update's timeout and poll interval are positive numbers of seconds.
options:
  _input:
    description:
      - C(source), C(zone_url), C(parent_host) - C(drweb_update_source), C(drweb_update_zone_url) and
        C(drweb_update_parent_host) normalised (an empty source means C(gus), the others trimmed); C(source_given),
        C(zone_url_given), C(parent_host_given) - the values as given, which the messages quote.
      - C(update) - C(drweb_repository_update) (whether the role starts the update); C(admin_password_set) - whether
        C(drweb_admin_password) is set (never the password itself).
      - C(update_timeout), C(poll_interval) - C(drweb_repository_update_timeout) and C(drweb_repository_poll_interval).
    type: dict
    required: true
'''

EXAMPLES = r'''
- name: Check the update source settings
  vars:
    problems: >-
      {{ {'source': 'zone', 'source_given': 'zone', 'zone_url': 'http://zone1/update',
          'zone_url_given': 'http://zone1/update', 'parent_host': '', 'parent_host_given': '',
          'update': true, 'admin_password_set': drweb_admin_password | default('') | length > 0,
          'update_timeout': 600, 'poll_interval': 2} | drweb.cluster.repository_settings_problems }}
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
    - 'drweb_update_source must be gus, zone or parent, got "mirror".'
'''

import json
import re
from collections.abc import Mapping

from ansible.errors import AnsibleFilterError
from ansible_collections.drweb.cluster.plugins.plugin_utils.settings_checks import (
    text,
)

SOURCES = ('gus', 'zone', 'parent')
ZONE_URL = re.compile(r'^(https?|ftps?|file)://[^\s]+$')
PARENT_HOST = re.compile(r'^[A-Za-z0-9_.-]+(:[0-9]{1,5})?$')
TRUE_TEXTS = ('true', 'yes', 'on', '1', 'y', 't')


def _given(settings, key):
    """A value as given, quoted as JSON for a message (unset reads as empty)."""
    return json.dumps(text(settings.get(key)))


def _positive(value):
    """Whether a value is a positive whole number (as Jinja's int filter reads it, with 0 for what is no number)."""
    if isinstance(value, bool):
        return False
    try:
        return int(text(value).strip()) > 0
    except ValueError:
        return False


def _enabled(value):
    if isinstance(value, bool):
        return value
    return text(value).strip().lower() in TRUE_TEXTS


def repository_settings_problems(settings):
    """Every problem of the repository role's settings, one message each naming the variable; [] when usable."""
    if not isinstance(settings, Mapping):
        raise AnsibleFilterError('repository_settings_problems: the input must be a mapping of settings, got %s'
                                 % type(settings).__name__)
    problems = []
    source = text(settings.get('source')).strip()
    if source not in SOURCES:
        problems.append('drweb_update_source must be gus, zone or parent, got %s.' % _given(settings, 'source_given'))
    zone_url = text(settings.get('zone_url')).strip()
    if (source == 'zone' and not zone_url) or (zone_url and not ZONE_URL.match(zone_url)):
        problems.append("drweb_update_zone_url must be the update zone's base URL (http://, https://, ftp://, ftps:// or "
                        "file://)%s; got %s." % (' and is required with drweb_update_source=zone' if source == 'zone' else '',
                                                 _given(settings, 'zone_url_given')))
    parent = text(settings.get('parent_host')).strip()
    if (source == 'parent' and not parent) or (parent and not PARENT_HOST.match(parent)):
        problems.append('drweb_update_parent_host must name the parent Server (an inventory host or a host name or '
                        'address, optionally with :port) and is required with drweb_update_source=parent; got %s.'
                        % _given(settings, 'parent_host_given'))
    if _enabled(settings.get('update')) and not settings.get('admin_password_set'):
        problems.append('drweb_admin_password is required to start the repository update through the Web API (or set '
                        'drweb_repository_update=false).')
    timeout, interval = settings.get('update_timeout'), settings.get('poll_interval')
    if not (_positive(timeout) and _positive(interval)):
        problems.append('drweb_repository_update_timeout (%s) and drweb_repository_poll_interval (%s) must be positive '
                        'numbers of seconds.' % (text(timeout), text(interval)))
    return problems


class FilterModule(object):
    """drweb.cluster repository settings filter."""

    def filters(self):
        return {'repository_settings_problems': repository_settings_problems}
