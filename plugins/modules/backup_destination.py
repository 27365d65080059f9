#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: backup_destination
short_description: Check, before anything stops, that a backup folder can be made and has room for the backup
description:
- Reads only. Tells whether the folder O(path) exists or can be created (its nearest existing parent is a folder), is
  writable, is not on a read-only file system, and whether its file system has room for the backup - the size of
  O(sources) (files and folders, summed) plus O(reserve_mb).
- Used by the upgrade before any Server stops (playbooks/upgrade.yml), so that a backup that cannot be written is a
  refusal, not a cluster left stopped.
version_added: 0.1.0
options:
  path:
    description: The backup folder (it may not exist yet).
    type: path
    required: true
  sources:
    description: The files and folders the backup holds (their sizes are summed; a missing one counts 0).
    type: list
    elements: path
    default: []
  reserve_mb:
    description:
    - Room needed besides O(sources), in MiB - for example for a database export, whose size is only known once it is
      made.
    type: int
    default: 0
attributes:
  check_mode:
    support: full
    description: The module only reads.
  diff_mode:
    support: none
    description: The module changes nothing.
  platform:
    support: full
    platforms: posix
    description: Linux and other POSIX hosts (C(statvfs)).
author:
- drweb.cluster maintainers !UNKNOWN
'''

EXAMPLES = r'''
- name: Check the upgrade's backup folder before the Servers stop
  drweb.cluster.backup_destination:
    path: /var/opt/drwcs/backup/upgrade-13.00.0-to-13.00.1
    sources: [/var/opt/drwcs/etc]
    reserve_mb: 256
  register: destination
  failed_when: not destination.usable
'''

RETURN = r'''
usable:
  description: Whether the backup can be written there.
  returned: always
  type: bool
problems:
  description: Why not, one sentence each (empty when usable).
  returned: always
  type: list
  elements: str
  sample: ['/var/opt/drwcs/backup has 12 MiB free, the backup needs about 300 MiB']
parent:
  description: The nearest existing folder (O(path) itself when it exists).
  returned: always
  type: str
free_mb:
  description: MiB free for root on its file system (C(null) when it cannot be read).
  returned: always
  type: int
needed_mb:
  description: MiB the backup needs (the sources plus O(reserve_mb)).
  returned: always
  type: int
'''

import os

from ansible.module_utils.basic import AnsibleModule

MIB = 1024 * 1024


def size_of(path):
    """Bytes held by a file or a folder tree (0 when absent); symbolic links are not followed."""
    if os.path.islink(path) or os.path.isfile(path):
        return os.lstat(path).st_size
    total = 0
    for root, unused_dirs, files in os.walk(path):
        for name in files:
            try:
                total += os.lstat(os.path.join(root, name)).st_size
            except OSError:
                pass
    return total


def check(path, sources, reserve_mb):
    """The module's answer as a dictionary (see RETURN)."""
    problems = []
    parent = path
    while not os.path.lexists(parent) and parent not in ('', '/'):
        parent = os.path.dirname(parent)
    needed = int(sum(size_of(source) for source in sources) * 1.1 / MIB) + int(reserve_mb) + 1
    result = dict(usable=False, problems=problems, parent=parent, free_mb=None, needed_mb=needed)
    if os.path.lexists(path) and not os.path.isdir(path):
        problems.append('%s exists and is not a folder' % path)
        return result
    if not os.path.isdir(parent):
        problems.append('%s cannot be created: %s is not a folder' % (path, parent))
        return result
    try:
        stats = os.statvfs(parent)
    except OSError as error:
        problems.append('cannot read the file system of %s: %s' % (parent, error))
        return result
    if stats.f_flag & getattr(os, 'ST_RDONLY', 1):
        problems.append('%s is on a read-only file system' % parent)
    if not os.access(parent, os.W_OK | os.X_OK):
        problems.append('%s is not writable' % parent)
    free = int(stats.f_bavail * stats.f_frsize / MIB)
    result['free_mb'] = free
    if free < needed:
        problems.append('%s has %d MiB free, the backup needs about %d MiB' % (parent, free, needed))
    result['usable'] = not problems
    return result


def main():
    module = AnsibleModule(
        argument_spec=dict(
            path=dict(type='path', required=True),
            sources=dict(type='list', elements='path', default=[]),
            reserve_mb=dict(type='int', default=0),
        ),
        supports_check_mode=True,
    )
    if module.params['reserve_mb'] < 0:
        module.fail_json(msg='reserve_mb must not be negative, got %d' % module.params['reserve_mb'])
    result = check(module.params['path'], module.params['sources'], module.params['reserve_mb'])
    module.exit_json(changed=False, **result)


if __name__ == '__main__':
    main()
