# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The cluster's run lock: one changing run at a time (drweb.cluster.run_lock).

The lock is a small JSON file naming its holder - the run id, the controller host, the user, the ansible-playbook
process (pid and start time, with the controller's boot id), the playbook and when the run started. It is created with
an atomic hard link (a complete file appears or nothing does), replaced only when its current holder is the one the
caller names (compare and swap, under an flock), and removed only by its own run.

This file holds the pieces both sides use: the remote file operations (the module) and, on the controller, whether a
holder still runs and how it is described (the action plugin). Plain Python, unit-tested.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import errno
import hashlib
import json
import os
import re
import tempfile

LOCK_PATH = '/var/lib/drweb-cluster/run.lock'
HOLDER_FIELDS = ('run_id', 'controller', 'user', 'pid', 'pid_start', 'boot_id', 'playbook', 'operation', 'started', 'depth')


class LockFileError(Exception):
    """The lock file or its folder cannot be used."""


# --------------------------------------------------------------------------------------- the file (on the lock host)

def read_holder(path):
    """The holder recorded in the lock file, None when there is no lock; {'unreadable': why} for a damaged file."""
    try:
        with open(path, 'r') as handle:
            text = handle.read()
    except (IOError, OSError) as error:
        if error.errno == errno.ENOENT:
            return None
        raise LockFileError('cannot read %s: %s' % (path, error))
    try:
        holder = json.loads(text)
    except ValueError as error:
        return dict(unreadable='%s is not a lock record (%s)' % (path, error))
    if not isinstance(holder, dict) or not holder.get('run_id'):
        return dict(unreadable='%s is not a lock record (no run id)' % path)
    return holder


def _write_temporary(path, holder):
    folder = os.path.dirname(path)
    handle, temporary = tempfile.mkstemp(prefix='.run.lock.', dir=folder)
    try:
        with os.fdopen(handle, 'w') as stream:
            json.dump(holder, stream, sort_keys=True)
            stream.write('\n')
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, 0o644)
    except Exception:
        os.unlink(temporary)
        raise
    return temporary


def ensure_folder(path):
    folder = os.path.dirname(path)
    try:
        os.makedirs(folder, 0o755)
    except OSError as error:
        if error.errno != errno.EEXIST or not os.path.isdir(folder):
            raise LockFileError('cannot create the folder %s: %s' % (folder, error))


def acquire(path, holder, replace_run_id=None):
    """Take the lock for holder. Returns (acquired, holder now in the file).

    Without replace_run_id the lock is taken only when there is none (an atomic hard link of a complete file). With
    replace_run_id, an existing lock is replaced only while its holder's run id is that one ('' for a damaged file):
    breaking a stale lock never breaks one that another run took in the meantime.
    """
    ensure_folder(path)
    temporary = _write_temporary(path, holder)
    try:
        if replace_run_id is None:
            try:
                os.link(temporary, path)
            except OSError as error:
                if error.errno != errno.EEXIST:
                    raise LockFileError('cannot create %s: %s' % (path, error))
                return False, read_holder(path)
            return True, holder
        guard = _guard(path)
        try:
            current = read_holder(path)
            current_id = '' if current is None or 'unreadable' in current else current.get('run_id')
            if current is not None and current_id != replace_run_id:
                return False, current
            os.rename(temporary, path)
            temporary = None
            return True, holder
        finally:
            _release_guard(guard)
    finally:
        if temporary is not None and os.path.exists(temporary):
            os.unlink(temporary)


def reenter(path, run_id):
    """Whether run_id still holds the lock (a playbook of the same run taking it again). Returns (held, holder now).

    The same run takes its own lock again when one playbook imports another that takes it (restore.yml imports
    site.yml): without this, the run would refuse itself as "another run". Only the run id recorded in the file counts -
    a run that no longer holds the lock (released, or broken by another run) takes it anew or is refused. The record
    counts how many playbooks of the run hold it (depth, 1 when absent): the end of the imported one leaves the lock
    to the importing one.
    """
    current = read_holder(path)
    if not run_id or current is None or current.get('run_id') != run_id:
        return False, current
    guard = _guard(path)
    try:
        current = read_holder(path)
        if current is None or current.get('run_id') != run_id:
            return False, current
        held = dict(current, depth=depth_of(current) + 1)
        _replace(path, held)
        return True, held
    finally:
        _release_guard(guard)


def depth_of(holder):
    """How many playbooks of the holder's run hold the lock (a record without the count: one)."""
    depth = (holder or {}).get('depth', 1)
    return depth if isinstance(depth, int) and not isinstance(depth, bool) and depth > 0 else 1


def _replace(path, holder):
    temporary = _write_temporary(path, holder)
    try:
        os.rename(temporary, path)
    except OSError as error:
        os.unlink(temporary)
        raise LockFileError('cannot write %s: %s' % (path, error))


def release(path, run_id, entirely=True):
    """Release the lock when run_id holds it. Returns (released, holder found - or left, when only counted down).

    With entirely false, a lock held by more than one playbook of the run (depth) is only counted down: the end of an
    imported playbook leaves it to the importing one. A run never releases a lock that another run holds.
    """
    guard = _guard(path) if os.path.isdir(os.path.dirname(path)) else None
    try:
        current = read_holder(path)
        if current is None or not run_id or current.get('run_id') != run_id:
            return False, current
        if not entirely and depth_of(current) > 1:
            left = dict(current, depth=depth_of(current) - 1)
            _replace(path, left)
            return False, left
        os.unlink(path)
        return True, current
    finally:
        _release_guard(guard)


def _guard(path):
    import fcntl   # POSIX only; imported here so the controller side loads this file anywhere
    handle = open(path + '.guard', 'a')
    fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
    return handle


def _release_guard(handle):
    if handle is not None:
        handle.close()   # closing drops the flock


# --------------------------------------------------------------------------------------- the holder (controller side)

def process_start(pid, proc='/proc'):
    """The start time of a process in clock ticks since boot (/proc/<pid>/stat field 22), None when unknown."""
    try:
        with open(os.path.join(proc, str(pid), 'stat'), 'r') as handle:
            stat = handle.read()
    except (IOError, OSError):
        return None
    # the command name (field 2) may hold spaces and parentheses: the fields after it follow the last ')'
    fields = stat[stat.rfind(')') + 2:].split()
    try:
        return int(fields[19])
    except (IndexError, ValueError):
        return None


def boot_id(proc='/proc'):
    try:
        with open(os.path.join(proc, 'sys', 'kernel', 'random', 'boot_id'), 'r') as handle:
            return handle.read().strip()
    except (IOError, OSError):
        return ''


def run_id_of(here):
    """This run's id: derived from its ansible-playbook process - the controller, its boot, the pid and the process's
    start time -, so every task of the run names the same id without remembering it (taking, taking again from an
    imported playbook, releasing), and no other run (another process, or the same pid after a restart) does."""
    parts = [here.get(key) for key in ('controller', 'boot_id', 'pid', 'pid_start')]
    text = '\0'.join('' if part is None else str(part) for part in parts)
    return hashlib.sha256(text.encode('utf-8')).hexdigest()[:32]


# ansible-playbook options whose value is the next argument (an inventory or vars file is not the playbook)
VALUE_OPTIONS = frozenset(['-i', '--inventory', '--inventory-file', '-e', '--extra-vars', '-l', '--limit', '-t', '--tags',
                           '--skip-tags', '-u', '--user', '-c', '--connection', '-T', '--timeout', '--private-key',
                           '--key-file', '-M', '--module-path', '--vault-id', '--vault-password-file', '-f', '--forks',
                           '--start-at-task', '--become-user', '--become-method', '--ssh-common-args', '--ssh-extra-args',
                           '--sftp-extra-args', '--scp-extra-args'])


def playbook_of(pid, proc='/proc'):
    """The playbook(s) on an ansible-playbook command line ('' when not readable)."""
    try:
        with open(os.path.join(proc, str(pid), 'cmdline'), 'rb') as handle:
            argv = handle.read().decode('utf-8', 'replace').split('\0')
    except (IOError, OSError):
        return ''
    books = []
    for previous, arg in zip(argv[:-1], argv[1:]):
        # an inventory or a vars file is the value of an option; a playbook is a positional argument
        if previous in VALUE_OPTIONS or arg.startswith(('-', '@')):
            continue
        if arg.endswith(('.yml', '.yaml')) or re.match(r'^[a-z0-9_]+\.[a-z0-9_]+\.[a-z0-9_]+$', arg):
            books.append(os.path.basename(arg))
    return ', '.join(books)


def liveness(holder, here, proc='/proc'):
    """Whether the holder's run still runs, seen from this controller.

    'alive' - the holder is a process of this controller (same host name and boot) that still runs;
    'gone' - it was a process of this controller that runs no more (or the controller rebooted since): a killed run;
    'unknown' - it was taken from another controller (or the record is damaged): this run cannot tell.
    """
    if not holder or 'unreadable' in holder:
        return 'unknown'
    if holder.get('controller') != here.get('controller'):
        return 'unknown'
    if holder.get('boot_id') and here.get('boot_id') and holder['boot_id'] != here['boot_id']:
        return 'gone'
    pid = holder.get('pid')
    if not isinstance(pid, int) or pid <= 0:
        return 'unknown'
    start = process_start(pid, proc)
    if start is None:
        return 'gone'
    if holder.get('pid_start') is not None and start != holder.get('pid_start'):
        return 'gone'   # the pid was reused by another process
    return 'alive'


def parse_time(text):
    try:
        return datetime.datetime.strptime(text, '%Y-%m-%dT%H:%M:%SZ').replace(tzinfo=datetime.timezone.utc)
    except (TypeError, ValueError):
        return None


def age_text(seconds):
    seconds = max(0, int(seconds))
    if seconds < 120:
        return '%d s' % seconds
    if seconds < 7200:
        return '%d min' % (seconds // 60)
    if seconds < 172800:
        return '%d h %02d min' % (seconds // 3600, seconds % 3600 // 60)
    return '%d days' % (seconds // 86400)


def describe(holder, now=None):
    """The holder in one line: who, what, where from, since when."""
    if holder is None:
        return 'nobody'
    if 'unreadable' in holder:
        return 'an unreadable lock record (%s)' % holder['unreadable']
    now = now or datetime.datetime.now(datetime.timezone.utc)
    started = parse_time(holder.get('started'))
    since = holder.get('started') or 'an unknown time'
    if started is not None:
        since = '%s (%s ago)' % (holder['started'], age_text((now - started).total_seconds()))
    return ('%s (%s) by %s@%s, ansible-playbook pid %s, since %s [run %s]'
            % (holder.get('playbook') or 'a playbook', holder.get('operation') or 'operation unknown',
               holder.get('user') or '?', holder.get('controller') or '?', holder.get('pid') or '?', since,
               holder.get('run_id')))


BREAK_VARIABLE = 'drweb_lock_break'


def refusal(holder, state, home, breaking=False, now=None):
    """Why this run does not start, and what to do (one message)."""
    lines = ['Another changing run holds this cluster\'s run lock (%s): %s. Nothing was changed.' % (home, describe(holder, now))]
    if state == 'alive':
        lines.append('It still runs on this controller: wait for it to finish.' if not breaking else
                     'It still runs on this controller, so the lock is not broken even with %s=true: wait for it to '
                     'finish, or stop it first.' % BREAK_VARIABLE)
    elif state == 'gone':
        lines.append('That process no longer runs on this controller: the lock is stale (the run was killed, or the '
                     'controller restarted). Check what that run left behind (docs/operations.md), then run again '
                     'with -e %s=true to break the lock.' % BREAK_VARIABLE)
    else:
        lines.append('It was taken from another controller, so this run cannot tell whether it still runs. Wait for '
                     'it; if you know it has ended without releasing the lock (killed), check what it left behind '
                     '(docs/operations.md) and run again with -e %s=true to break the lock.' % BREAK_VARIABLE)
    return ' '.join(lines)
