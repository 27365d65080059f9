# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``drweb.cluster.key_set_problems`` filter: why the keys role must not go on with this Server, the primary's key
set or the cluster's key set, before anything is written. Documentation: DOCUMENTATION below."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
name: key_set_problems
version_added: 0.1.0
short_description: Why the keys role refuses a Server, the primary's key set or the cluster's key set
description:
  - The refusals of the C(drweb.cluster.keys) role once its settings are usable, decided in one place before any key
    file is written. Checked in this order, and only the first check that fails is reported (each one assumes the
    ones before it passed).
  - The Server itself (C(installed)) and, with C(source=generate), the primary (C(primary_installed)) must have a
    Dr.Web Server installed.
  - With C(source=generate), on the host that acts for the play, the primary's own files (C(primary_state)) must not
    be broken - no public key or certificate left without its private key, nothing corrupt, the public key and the
    certificate of the private key; and a primary whose set is incomplete (made there in this run) must be in the
    play (C(primary_in_play)).
  - The cluster's key set, once read into memory (C(set), the C(drweb.cluster.key_fingerprint) result of its text),
    must be intact and belong together; each problem names where the part comes from.
  - Only hashes and metadata are looked at; no key material is given to the filter or returned.
options:
  _input:
    description:
      - C(host) - the Server checked (C(inventory_hostname)); C(installed) - whether it has a Server installed.
      - C(primary) - the primary (the cluster's identity source); C(primary_installed) - whether it has a Server
        installed; C(source) - C(generate) or C(provided).
      - C(primary_state) - the C(drweb.cluster.key_fingerprint) result of the primary's files (only where the host
        acting for the play checks them, else left out or C(null)); C(primary_in_play) - whether the primary is a
        host of the play; C(limit) - C(ansible_limit), for the message.
      - C(set) - the C(drweb.cluster.key_fingerprint) result of the cluster's key set checked from its text
        (C(*_content) options), or C(null) when it was not read; for the messages, where each part comes from - with
        C(source=provided) C(provided) (file name C(private_key), C(public_key), C(certificate) -> the file given on
        the controller), else C(primary_paths) (the primary's product paths); C(public_key_pem) - whether
        the public key's text holds a PEM block (one that does not parse is corrupt, while text without any may be
        the product's own format, which cannot be compared).
    type: dict
    required: true
author:
  - drweb.cluster maintainers !UNKNOWN
'''

EXAMPLES = r'''
- name: Refuse this Server, or the primary's key set, before anything is written
  vars:
    problems: >-
      {{ {'host': inventory_hostname, 'installed': ansible_facts.drweb_server.installed, 'primary': 'node1',
          'primary_installed': hostvars['node1'].ansible_facts.drweb_server.installed, 'source': 'generate',
          'primary_state': hostvars['node1'].drweb_keys_fingerprint, 'primary_in_play': true}
         | drweb.cluster.key_set_problems }}
  ansible.builtin.assert:
    that: problems | length == 0
    fail_msg: "{{ problems | join(' ') }}"
'''

RETURN = r'''
_value:
  description: The refusal, as one message (a list with one line); empty when nothing is refused.
  type: list
  elements: str
  sample:
    - "drweb_primary_host node1: /var/opt/drwcs/etc/drwcsd.pub is not the public key of /var/opt/drwcs/etc/drwcsd.pri"
'''

from collections.abc import Mapping

from ansible.errors import AnsibleFilterError

FILES = ('private_key', 'public_key', 'certificate')


def _part(state, name):
    part = state.get(name)
    return part if isinstance(part, Mapping) else {}


def _complete(state):
    return all(_part(state, name).get('exists') for name in FILES)


def _install_problems(given):
    if not given.get('installed'):
        return ['%s: the Dr.Web Server is not installed; run drweb.cluster.install first.' % given.get('host')]
    if given.get('source') == 'generate' and not given.get('primary_installed'):
        return ['drweb_primary_host %s: the Dr.Web Server is not installed there, so it has no key set to give the '
                'cluster; run drweb.cluster.install first.' % given.get('primary')]
    return []


def _primary_problems(given, state):
    private, public, certificate = (_part(state, name) for name in FILES)
    problems = []
    if not private.get('exists') and (public.get('exists') or certificate.get('exists')):
        problems.append('%s is missing while %s or %s exists: the private key they belong to is lost; restore it, or '
                        'remove them so that a new set is made' % (private.get('path'), public.get('path'), certificate.get('path')))
    if private.get('valid') is False:
        problems.append(private.get('error'))
    if certificate.get('valid') is False:
        problems.append(certificate.get('error'))
    # a public key that cannot be parsed but was read may be the product's own format: not a problem
    if public.get('valid') is False and public.get('sha256') is None:
        problems.append(public.get('error'))
    if state.get('public_key_matches_private_key') is False:
        problems.append('%s is not the public key of %s' % (public.get('path'), private.get('path')))
    if state.get('certificate_matches_private_key') is False:
        problems.append('%s was not made for %s' % (certificate.get('path'), private.get('path')))
    if problems:
        return ['drweb_primary_host %s: %s' % (given.get('primary'), '; '.join('%s' % problem for problem in problems))]
    if not _complete(state) and not given.get('primary_in_play'):
        return ['drweb_primary_host %s has no complete key set, so it must be made there and that Server restarted, '
                'but it is not in this play (--limit %s): include it.' % (given.get('primary'), given.get('limit') or '')]
    return []


def _error(part, name):
    error = '%s' % part.get('error')
    prefix = name + '_content '
    return error[len(prefix):] if error.startswith(prefix) else error


VARIABLES = {'private_key': 'drweb_keys_private', 'public_key': 'drweb_keys_public', 'certificate': 'drweb_keys_certificate'}


def _origins(given):
    """Where each part of the set comes from: the variable and its file, or the primary's file."""
    if given.get('source') == 'provided':
        provided = given.get('provided') or {}
        return dict((name, '%s (%s)' % (VARIABLES[name], provided.get(name))) for name in FILES)
    paths = given.get('primary_paths') or {}
    return dict((name, '%s:%s' % (given.get('primary'), paths.get(name))) for name in FILES)


def _set_problems(given, state):
    origin = _origins(given)
    private, public, certificate = (_part(state, name) for name in FILES)
    problems = []
    if private.get('valid') is False:
        problems.append('%s: %s' % (origin['private_key'], _error(private, 'private_key')))
    if certificate.get('valid') is False:
        problems.append('%s: %s' % (origin['certificate'], _error(certificate, 'certificate')))
    if public.get('valid') is False and given.get('public_key_pem'):
        problems.append('%s: %s' % (origin['public_key'], _error(public, 'public_key')))
    if state.get('public_key_matches_private_key') is False:
        problems.append('%s is not the public key of %s' % (origin['public_key'], origin['private_key']))
    if state.get('certificate_matches_private_key') is False:
        problems.append('%s was not made for %s (it certifies another key)' % (origin['certificate'], origin['private_key']))
    if problems:
        return ["The cluster's key set is refused, nothing was changed: %s" % '; '.join(problems)]
    return []


def key_set_problems(given):
    """[message] or [] - see DOCUMENTATION."""
    if not isinstance(given, Mapping):
        raise AnsibleFilterError('key_set_problems expects a dictionary, got %s' % type(given).__name__)
    if 'installed' in given:
        problems = _install_problems(given)
        if problems:
            return problems
    state = given.get('primary_state')
    if given.get('source') == 'generate' and isinstance(state, Mapping):
        problems = _primary_problems(given, state)
        if problems:
            return problems
    state = given.get('set')
    if isinstance(state, Mapping):
        return _set_problems(given, state)
    return []


class FilterModule(object):
    """drweb.cluster.key_set_problems"""

    def filters(self):
        return {'key_set_problems': key_set_problems}
