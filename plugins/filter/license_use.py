# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``drweb.cluster.license_use`` filter: what the licence role does on one Server after the key was added.
Documentation: DOCUMENTATION below."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
name: license_use
version_added: 0.1.0
short_description: Decide whether a Server is restarted for the licence key, and what the run reports about the key
description:
  - Input is the result of adding the key to the common database (drweb.cluster.license_key C(state=present), run once
    for the cluster), this Server's answer (C(state=query), the Web API's C(keys.ds)) and, after a restart, its answer
    again.
  - A Server that does not list the key is restarted (vendor item 6a - every Server reads the key from the common
    database when it starts). Without C(drweb_admin_password) a Server cannot be asked (C(in_use) is null), so every
    Server is restarted when the key was added in this run and none when it was there already.
  - C(problems) refuses the run before any restart - this host made the call that adds the key and it failed, or this
    Server could not be asked whether it uses the key (each message names C(drweb_license_key)).
  - C(summary) is the run's one line about the key; C(report) is the licence part of the site report
    (C(drweb_license_report)); C(used) there is the answer after the restart when the Server was restarted (not in
    check mode), else the first answer.
author:
  - drweb.cluster maintainers !UNKNOWN
options:
  _input:
    description: The results and the names the messages use.
    type: dict
    required: true
    suboptions:
      added:
        description: The registered result of adding the key (C(present_before), C(key) with C(number), C(user), C(expires)).
        type: dict
        required: true
      use:
        description: This Server's registered answer (C(in_use) true, false, or null when it could not be asked).
        type: dict
      after:
        description: This Server's answer after its restart (C(in_use)); unset or skipped when it was not restarted.
        type: dict
      check_mode:
        description: Whether the run is in check mode.
        type: bool
      initdb_host:
        description: The Server whose C(drwcsd initdb) loaded the key in this run, or empty.
        type: str
      license_host:
        description: The host the key was added through.
        type: str
      database:
        description: How the common database is named in messages (user@host:port/name).
        type: str
      host:
        description: This Server (for the messages).
        type: str
      adder:
        description: Whether this host made the call that added the key (the first host of the play).
        type: bool
      key_path:
        description: C(drweb_license_key) as given (for the messages).
        type: str
'''

EXAMPLES = r'''
- name: Mark the Servers to restart and remember the licence for the site report
  vars:
    use: >-
      {{ {'added': hostvars[ansible_play_batch | first].license_added, 'use': license_use_read,
          'check_mode': ansible_check_mode, 'license_host': 'node1', 'database': 'drweb@db1:5432/drwcs'}
         | drweb.cluster.license_use }}
  ansible.builtin.set_fact:
    license_restart: "{{ use.restart }}"
    drweb_license_report: "{{ use.report }}"
'''

RETURN = r'''
_value:
  description: The decision.
  type: dict
  contains:
    restart:
      description: Whether this Server is restarted so that it reads the key.
      type: bool
    summary:
      description: The one line about the key (added, already there, loaded by initdb, would be added).
      type: str
    report:
      description: C(number), C(expires) (C(never) when it does not), C(host), C(initdb) and C(used) for the site report.
      type: dict
    problems:
      description: Why the run stops here, naming C(drweb_license_key) (nothing was changed); empty when it goes on.
      type: list
      elements: str
'''

from collections.abc import Mapping

from ansible.errors import AnsibleFilterError


def _mapping(value):
    return value if isinstance(value, Mapping) else {}


def _summary(key, present_before, check_mode, initdb_host, license_host, database):
    """The run's one line about the key."""
    if present_before and initdb_host:
        where = ('was loaded into the common database %s by drwcsd initdb on %s in this run (nothing to add)'
                 % (database, initdb_host))
    else:
        verb = 'is already in' if present_before else ('would be added to' if check_mode else 'was added to')
        where = '%s the common database %s, through %s' % (verb, database, license_host)
    return 'licence key %s (%s, expires %s) %s' % (key.get('number'), key.get('user') or 'no user name',
                                                   key.get('expires') or 'never', where)


def _problems(facts, added, use, license_host):
    """The refusal of this host: the key could not be checked or added (on the host that made that call), else this
    Server could not be asked whether it uses the key."""
    path = facts.get('key_path') or ''
    if facts.get('adder') and 'present_before' not in added:
        return ["drweb_license_key '%s' was not added on %s (common database %s): %s"
                % (path, license_host, facts.get('database') or '', added['msg'] if 'msg' in added else 'failed')]
    if 'in_use' not in use or use.get('web_api_error') is not None:
        return ["%s: cannot tell whether the Server uses drweb_license_key '%s': %s"
                % (facts.get('host') or '', path, use['msg'] if 'msg' in use else use.get('web_api_error'))]
    return []


def license_use(facts):
    """{restart, summary, report} of one Server; see DOCUMENTATION."""
    if not isinstance(facts, Mapping) or not isinstance(facts.get('added'), Mapping):
        raise AnsibleFilterError('license_use: the input must be a mapping with the result of adding the key (added), got %r'
                                 % (facts,))
    added = facts['added']
    key = _mapping(added.get('key'))
    present_before = bool(added.get('present_before'))
    check_mode = bool(facts.get('check_mode'))
    initdb_host = (facts.get('initdb_host') or '').strip()
    license_host = (facts.get('license_host') or '').strip()
    in_use = _mapping(facts.get('use')).get('in_use')
    restart = (not in_use) if in_use is not None else not present_before
    after = _mapping(facts.get('after'))
    if restart and not check_mode:
        used = after.get('in_use', False)
    else:
        used = in_use
    return dict(
        problems=_problems(facts, added, _mapping(facts.get('use')), license_host),
        restart=restart,
        summary=_summary(key, present_before, check_mode, initdb_host, license_host, facts.get('database') or ''),
        report=dict(number=key.get('number'), expires=key.get('expires') or 'never', host=initdb_host or license_host,
                    initdb=bool(initdb_host), used=used),
    )


class FilterModule(object):
    """drweb.cluster licence use filter."""

    def filters(self):
        return {'license_use': license_use}
