# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``drweb.cluster.package_problems`` filter: why drweb_version, drweb_package and drweb_package_checksum (and the
inspected package) cannot be used. Documentation: DOCUMENTATION below."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
name: package_problems
version_added: 0.1.0
short_description: Why the release to install or upgrade to and its installation package cannot be used
description:
  - Checks the variables that name a release and its installation package, each message naming the variable -
    C(drweb_version) written C(MM.mm.p), C(drweb_package) given (a URL only with a C(sha256:) C(drweb_package_checksum)),
    and, when given, C(drweb_restart_strategy) and C(drweb_primary_host).
  - With C(package_info) (the RV(drweb.cluster.server_facts#module:package) inspection of the package on the
    controller) also that the package can be read, is the release C(drweb_version) names, and matches
    C(drweb_package_checksum).
options:
  _input:
    description:
      - C(version), C(package) and C(checksum) - the values of C(drweb_version), C(drweb_package) and
        C(drweb_package_checksum) (empty or missing means unset).
      - Optionally C(restart_strategy) (C(drweb_restart_strategy)); C(primary_host) (C(drweb_primary_host)) together with
        C(servers), the members of C(drweb_servers); C(package_info), the package's inspection.
    type: dict
    required: true
author:
  - drweb.cluster maintainers !UNKNOWN
'''

EXAMPLES = r'''
- name: Check drweb_version, drweb_package and drweb_package_checksum
  vars:
    problems: >-
      {{ {'version': drweb_version | default(''), 'package': drweb_package | default(''),
          'checksum': drweb_package_checksum | default('')} | drweb.cluster.package_problems }}
  ansible.builtin.assert:
    that: problems | length == 0
    fail_msg: "{{ problems | join(' ') }}"
'''

RETURN = r'''
_value:
  description: One message per problem, naming the variable; empty when everything can be used.
  type: list
  elements: str
'''

import json
import re
from collections.abc import Mapping

from ansible.errors import AnsibleFilterError
from ansible_collections.drweb.cluster.plugins.plugin_utils.settings_checks import RESTART_STRATEGIES

VERSION = re.compile(r'^[0-9]{1,2}[.][0-9]{2}[.][0-9]+$')
CHECKSUM = re.compile(r'^sha256:[0-9a-fA-F]{64}$')
URL = re.compile(r'^(https?|ftp)://')


def _text(value):
    return '' if value is None else str(value)


def _input_problems(inputs):
    problems = []
    version = inputs.get('version')
    if not isinstance(version, str) or not VERSION.match(version):
        problems.append('drweb_version must be the Dr.Web Server release every node runs, written MM.mm.p (for example'
                        ' 13.00.1); got %s' % json.dumps('(unset)' if version is None else _text(version)))
    package, checksum = _text(inputs.get('package')), _text(inputs.get('checksum'))
    if not package or (checksum and not CHECKSUM.match(checksum)) or (URL.match(package) and not checksum):
        problems.append('drweb_package must name the installation package (a path on the controller, or an http(s)/ftp URL'
                        ' together with drweb_package_checksum); drweb_package_checksum, when set, must be'
                        ' sha256:<64 hex digits>. Got drweb_package=%s, drweb_package_checksum=%s'
                        % (json.dumps(package), json.dumps(checksum)))
    # One sentence for the two, as an administrator reads them together: the strategy and the primary of the rollout.
    checks = []
    if 'restart_strategy' in inputs:
        strategy = _text(inputs['restart_strategy']) or 'serial'
        checks.append((strategy in RESTART_STRATEGIES, 'drweb_restart_strategy must be serial or parallel (got %s)' % json.dumps(strategy)))
    if 'primary_host' in inputs:
        servers = list(inputs.get('servers') or [])
        primary = _text(inputs['primary_host']) or (servers[0] if servers else '')
        checks.append((primary in servers, '%sdrweb_primary_host a member of drweb_servers (got %s; drweb_servers = %s)'
                       % ('' if checks else 'expected ', json.dumps(primary), json.dumps(servers))))
    wrong = [' and '.join(text for dummy, text in checks)] if not all(ok for ok, dummy in checks) else []
    return problems + wrong


def _package_problems(info, version, checksum, package):
    if not isinstance(info, Mapping):
        raise AnsibleFilterError('package_problems: package_info must be the package inspection of server_facts')
    name = info.get('name') or package
    if not (info.get('url') or info.get('readable')):
        return ['drweb_package cannot be used: %s' % (info.get('error') or 'it cannot be read')]
    if info.get('release') is None:
        return ['drweb_package %s names no Dr.Web Server release: neither its header nor its name'
                ' (drweb-<MM.mm.p>[.<build>]-esuite-server-linux-<arch>.run) does, so it cannot be checked against'
                ' drweb_version. Give the vendor\'s package under its own name.' % name]
    if info.get('release') != version:
        return ['drweb_version is %s but drweb_package %s is release %s: make them name the same release.'
                % (version, name, info.get('release'))]
    if checksum and not info.get('url'):
        expected = re.sub('^sha256:', '', checksum).lower()
        if info.get('sha256') != expected:
            return ['drweb_package %s does not match drweb_package_checksum: the file\'s SHA-256 is %s,'
                    ' drweb_package_checksum says %s' % (package, info.get('sha256'), checksum)]
    return []


def package_problems(inputs):
    """Messages naming the variable, one per problem; empty when the inputs (and the package) can be used."""
    if not isinstance(inputs, Mapping):
        raise AnsibleFilterError('package_problems expects a dictionary of the inputs, got %s' % type(inputs).__name__)
    problems = _input_problems(inputs)
    if problems or inputs.get('package_info') is None:
        return problems
    return _package_problems(inputs['package_info'], inputs.get('version'), _text(inputs.get('checksum')),
                             _text(inputs.get('package')))


class FilterModule(object):
    """drweb.cluster.package_problems"""

    def filters(self):
        return {'package_problems': package_problems}
