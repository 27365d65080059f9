# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``drweb.cluster.key_set_plan`` filter: what the keys role does on this run, from the fingerprints it read -
make files on the primary, read the cluster's set into memory, which files of this Server to write. Documentation:
DOCUMENTATION below."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
name: key_set_plan
version_added: 0.1.0
short_description: What the keys role makes, reads and writes on this run, from the key fingerprints it read
description:
  - The decisions of the C(drweb.cluster.keys) role, from the C(drweb.cluster.key_fingerprint) results it read (SHA-256
    and metadata only, never key material). Each is acted on only when it asks for something, so a converged run
    skips every acting task.
  - C(make) - with C(source=generate), drwsign runs on the primary when its set is incomplete or a new certificate
    version is asked for (C(regenerate)); C(made) - and drwsign made a file there in this run (C(made)).
  - C(pending) - in check mode, the files the primary would get new in this run but does not have (nothing was run) -
    every file when it has no private key, else a missing public key, and the certificate when it is missing or a
    new version is asked for.
  - C(read) - with C(source=generate), the primary's set is read into memory only when a Server needs it - drwsign
    made a file, or the play has hosts outside this batch (not fingerprinted yet), or a host of the batch holds a
    file that differs from the primary's - and never while files are pending.
  - C(wanted) - the SHA-256 of the cluster's files, those of the set read into memory, else the primary's.
  - C(to_write) - this Server's files that differ from C(wanted), plus the pending ones (on a Server other than the
    primary). With C(source=generate) the primary's files are the cluster's, so nothing is written there.
  - C(to_fix) - this Server's files that exist, are not written, and whose owner, group or mode is not the Server
    account's and C(modes)' (given C(files), C(owner), C(group) and C(modes); else none).
  - C(restart) - this Server restarts to load key files it has not loaded yet - a restart marker left by an earlier,
    interrupted run (C(restart_marker)), or drwsign made a file on this primary in this run.
  - C(act) - whether anything is written, fixed or restarted on this Server in this run (the role's acting tasks are
    skipped together when it is false).
  - C(reread) - whether this Server's files are to be fingerprinted again before the cluster is compared - files were
    written or fixed here, or drwsign made a file on this primary in this run.
  - C(enter) - whether this Server takes part in the acting steps at all - drwsign runs on the primary, the cluster's
    set is read into memory (C(source=provided) always), or C(act). A converged run skips them as one step.
options:
  _input:
    description:
      - C(host) - this Server; C(primary) - the primary (the cluster's identity source); C(source) - C(generate) or
        C(provided); C(regenerate) - whether a new certificate version is asked for; C(check_mode) - whether the run
        is in check mode.
      - C(primary_state) - the C(drweb.cluster.key_fingerprint) result of the primary's files, as read before drwsign
        ran (C(source=generate)); C(made) - whether the drwsign steps of this run reported a change.
      - C(whole_play_in_batch) - whether every host of the play is in this batch; C(batch) - the C(fingerprint) of
        every host of the batch.
      - C(current) - this Server's C(fingerprint) (file name -> SHA-256 or C(null)); C(desired) - the C(fingerprint)
        of the cluster's set read into memory, or C(null) when it was not read.
      - Optional - C(files) - this Server's C(drweb.cluster.key_fingerprint) result (each file's C(exists), C(owner),
        C(group), C(mode)); C(owner), C(group) - the Server account; C(modes) - file name -> the mode it must have;
        C(restart_marker) - whether the restart marker of an interrupted run is on this Server.
    type: dict
    required: true
author:
  - drweb.cluster maintainers !UNKNOWN
'''

EXAMPLES = r'''
- name: Write the files that differ
  ansible.builtin.debug:
    msg: "{{ item }} differs"
  loop: >-
    {{ ({'host': inventory_hostname, 'primary': 'node1', 'source': 'generate', 'regenerate': false, 'check_mode': false,
         'primary_state': hostvars['node1'].drweb_keys_fingerprint, 'made': false, 'whole_play_in_batch': true,
         'batch': ansible_play_batch | map('extract', hostvars, ['drweb_keys_fingerprint', 'fingerprint']) | list,
         'current': drweb_keys_fingerprint.fingerprint, 'desired': none} | drweb.cluster.key_set_plan).to_write }}
'''

RETURN = r'''
_value:
  description: C(make), C(made), C(read), C(restart), C(act), C(reread), C(enter) (booleans), C(pending), C(to_write),
    C(to_fix) (file names), C(wanted) (file name -> SHA-256).
  type: dict
  sample:
    make: false
    made: false
    pending: []
    read: false
    wanted: {private_key: 3f0a9c4e, public_key: 51e4a0c1, certificate: 0b6f6f3c}
    to_write: []
    to_fix: []
    restart: false
    act: false
    reread: false
    enter: false
'''

from collections.abc import Mapping

from ansible.errors import AnsibleFilterError

FILES = ('private_key', 'public_key', 'certificate')


def _exists(state, name):
    part = state.get(name) if isinstance(state, Mapping) else None
    return bool(isinstance(part, Mapping) and part.get('exists'))


def _fingerprint(value):
    return dict((name, value.get(name)) for name in FILES) if isinstance(value, Mapping) else dict.fromkeys(FILES)


def key_set_plan(given):
    """{make, made, pending, read, wanted, to_write, to_fix, restart, act, reread, enter} - see DOCUMENTATION."""
    if not isinstance(given, Mapping):
        raise AnsibleFilterError('key_set_plan expects a dictionary, got %s' % type(given).__name__)
    generate = given.get('source') == 'generate'
    state = given.get('primary_state') if isinstance(given.get('primary_state'), Mapping) else {}
    regenerate = bool(given.get('regenerate'))
    complete = all(_exists(state, name) for name in FILES)
    make = generate and (regenerate or not complete)
    made = make and bool(given.get('made'))
    pending = []
    if generate and given.get('check_mode'):
        if not _exists(state, 'private_key'):
            pending = list(FILES)
        else:
            pending = ([] if _exists(state, 'public_key') else ['public_key']) + \
                ([] if _exists(state, 'certificate') and not regenerate else ['certificate'])
    primary_fingerprint = _fingerprint(state.get('fingerprint'))
    differs = any(_fingerprint(found) != primary_fingerprint for found in given.get('batch') or [])
    read = generate and not pending and (made or not given.get('whole_play_in_batch') or differs)
    desired = given.get('desired')
    wanted = _fingerprint(desired) if isinstance(desired, Mapping) else primary_fingerprint
    if generate and given.get('host') == given.get('primary'):
        to_write = []
    else:
        current = _fingerprint(given.get('current'))
        to_write = [name for name in FILES if current[name] != wanted[name] or name in pending]
    to_fix = _to_fix(given, to_write)
    made_here = given.get('host') == given.get('primary') and made
    restart = bool(given.get('restart_marker')) or made_here
    act = bool(to_write or to_fix or restart)
    return dict(make=make, made=made, pending=pending, read=read, wanted=wanted, to_write=to_write, to_fix=to_fix,
                restart=restart, act=act, reread=bool(to_write or to_fix or made_here),
                enter=bool(make or read or act or given.get('source') == 'provided'))


def _to_fix(given, to_write):
    """The files that exist and are not written whose owner, group or mode is off (a written file gets them from the
    write; in check mode the primary's parts that drwsign would make do not exist yet)."""
    files = given.get('files') if isinstance(given.get('files'), Mapping) else {}
    modes = given.get('modes') if isinstance(given.get('modes'), Mapping) else {}
    wanted = (given.get('owner'), given.get('group'))
    found = []
    for name in FILES:
        part = files.get(name)
        if name in to_write or not isinstance(part, Mapping) or not part.get('exists'):
            continue
        if (part.get('owner'), part.get('group'), part.get('mode')) != wanted + (modes.get(name),):
            found.append(name)
    return found


class FilterModule(object):
    """drweb.cluster.key_set_plan"""

    def filters(self):
        return {'key_set_plan': key_set_plan}
