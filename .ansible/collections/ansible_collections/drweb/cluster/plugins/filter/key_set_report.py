# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``drweb.cluster.key_set_report`` filter: every member's key_fingerprint result -> the node -> fingerprint table
and what is wrong (vendor prescription 1: one key pair and certificate on every Server). Documentation:
``key_set_report.yml`` next to this file."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import posixpath
from collections.abc import Mapping

from ansible.errors import AnsibleFilterError

FILES = ('private_key', 'public_key', 'certificate')


def _results(members, own, others):
    """Every member's result in member order, its host name as "item": from own (host -> result) or others (loop
    results read by delegation, each with its host as "item")."""
    by_host = dict((result.get('item'), result) for result in others or [] if isinstance(result, Mapping))
    by_host.update(own or {})
    found = []
    for member in members:
        result = by_host.get(member)
        if not isinstance(result, Mapping):
            raise AnsibleFilterError('key_set_report: no key_fingerprint result for %s' % member)
        found.append(dict(result, item=member))
    return found


def key_set_report(members, own=None, others=None, paths=None, private_key_mode='0600', version_before=None,
                   not_installed=None):
    """{problems: [...], table: [...]} - see key_set_report.yml."""
    if not isinstance(members, (list, tuple)) or not isinstance(paths, Mapping):
        raise AnsibleFilterError('key_set_report expects the members (a list) and the product paths (a dictionary)')
    results = _results(members, own, others)
    names = dict((name, posixpath.basename(paths[name])) for name in FILES)
    not_installed = list(not_installed or [])
    width = max([len(result['item']) for result in results] + [len(host) for host in not_installed] + [4])
    row = '%-' + str(width) + 's  %-16s  %-16s  %-22s  %7s  %s'
    problems = []
    for result in results:
        host = result['item']
        for name in FILES:
            info = result.get(name) or {}
            if not info.get('exists'):
                problems.append('%s: %s is missing' % (host, names[name]))
            elif info.get('valid') is False and (name != 'public_key' or info.get('sha256') is None):
                problems.append('%s: %s' % (host, info.get('error')))
        if result.get('public_key_matches_private_key') is False:
            problems.append('%s: %s is not the public key of %s' % (host, names['public_key'], names['private_key']))
        if result.get('certificate_matches_private_key') is False:
            problems.append('%s: %s was not made for %s' % (host, names['certificate'], names['private_key']))
        private = result.get('private_key') or {}
        if private.get('exists') and private.get('mode') != private_key_mode:
            problems.append('%s: %s has mode %s, not %s' % (host, names['private_key'], private.get('mode'), private_key_mode))
        version = (result.get('certificate') or {}).get('version')
        if version_before is not None and (version is None or version <= int(version_before)):
            problems.append("%s: certificate version %s is not higher than version %s, the primary's before the new "
                            'certificate' % (host, version, version_before))
    sets = set(json.dumps(result.get('fingerprint'), sort_keys=True) for result in results)
    if len(sets) > 1:
        problems.append('the members hold %d different key sets (SHA-256 of the files, first 16 hex digits):' % len(sets))
    table = [row % ('node', names['private_key'], names['public_key'], names['certificate'], 'version',
                    names['private_key'] + ' mode')]
    for result in results:
        fingerprint = result.get('fingerprint') or {}
        version = (result.get('certificate') or {}).get('version')
        table.append(row % (result['item'], (fingerprint.get('private_key') or 'missing')[:16],
                            (fingerprint.get('public_key') or 'missing')[:16], (fingerprint.get('certificate') or 'missing')[:16],
                            '-' if version is None else version, (result.get('private_key') or {}).get('mode') or '-'))
    for host in not_installed:
        table.append(('%-' + str(width) + 's  %s') % (host, 'no Server installed (outside this run, not compared)'))
    return dict(problems=problems, table=table)


class FilterModule(object):
    """drweb.cluster.key_set_report"""

    def filters(self):
        return {'key_set_report': key_set_report}
