#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: run_lock
short_description: One changing run at a time per Dr.Web Servers cluster - take, read or release the cluster's run lock
description:
- The lock is a small file on one host of the cluster (the lock's home, chosen by the drweb.cluster.preflight role) that
  names its holder - a run id, the controller host, the user, the ansible-playbook process (pid and start time, with the
  controller's boot id), the playbook and operation, and when the run started (UTC).
- O(state=present) takes it (an atomic hard link of a complete file, so of two runs exactly one gets it). When another
  run holds it, the task fails naming the holder and since when, and says whether that run still runs - only
  recognisable from the same controller (its process is there or not); a lock taken from another controller cannot be
  judged. O(break_lock=true) replaces a lock whose holder no longer runs or cannot be judged (never one whose process
  still runs on this controller), and only the holder it read (compare and swap).
- O(state=absent) releases it, only when O(run_id) holds it (a run never releases another run's lock).
- The run id is derived from the ansible-playbook process (the controller, its boot, the process id and its start
  time), so every task of one run names the same id - taking, taking again from an imported playbook, releasing -
  without registering or remembering anything, and no other run names it.
- O(state=query) reads it.
- Runs on the controller (an action plugin, which knows the ansible-playbook process) and on the lock's home (this
  module, which touches the file).
version_added: 0.1.0
options:
  state:
    description: C(present) takes the lock, C(absent) releases it, C(query) reads it.
    type: str
    choices: [present, absent, query]
    default: present
  path:
    description: The lock file on the lock's home (its folder is created, mode 0755).
    type: path
    default: /var/lib/drweb-cluster/run.lock
  operation:
    description: What the run does (site, add_node, ...), recorded with the holder.
    type: str
    default: ''
  home:
    description: How the messages name the lock's home (for example its inventory name).
    type: str
    default: ''
  break_lock:
    description:
    - Replace a lock whose holder is gone or cannot be judged (C(drweb_lock_break)). A holder still running on this
      controller is never replaced.
    type: bool
    default: false
  run_id:
    description:
    - The run id this run holds (or takes) the lock with. Defaults to the id derived from this ansible-playbook process.
    - With O(state=absent), the lock is released only while this run id holds it.
    - With O(state=present), when the lock file already names this run id (a playbook importing another one that
      takes the lock), the lock is kept, counted once more in its holder's C(depth), and RV(reentered) is true;
      otherwise the lock is taken anew (or refused).
    type: str
  inventory_home:
    description:
    - Refuse, before anything is read or written, unless O(home) names a host of the inventory (the lock's home the
      drweb.cluster.preflight role chose from C(drweb_lock_host), C(drweb_database), C(drweb_primary_host) and
      C(drweb_servers)).
    type: bool
    default: false
  leave_to_importer:
    description:
    - With O(state=absent), when more than one playbook of this run holds the lock (one imported the other, which took
      it again), only count it down - the importing playbook releases it at its end. Without it the lock is released
      whatever its depth (a run that failed).
    type: bool
    default: false
  holder:
    description: Internal (set by the action plugin) - the holder to record.
    type: dict
  replace_run_id:
    description: Internal (set by the action plugin) - replace the lock only while this run id holds it.
    type: str
attributes:
  check_mode:
    support: partial
    details: In check mode the lock is only read - O(state=present) reports who holds it (also as a warning) and takes nothing; nothing is written.
    description: Can run in check mode.
  diff_mode:
    support: none
    description: The lock record is not a managed setting; nothing to show.
  platform:
    support: full
    platforms: posix
    description: The lock's home is a POSIX host reached by Ansible.
notes:
- A run that fails releases its lock (the collection's playbooks do it when a play fails); a run that is killed leaves
  it, recognisable by its holder.
author:
- drweb.cluster maintainers !UNKNOWN
'''

EXAMPLES = r'''
- name: Take the cluster's run lock on the database host
  drweb.cluster.run_lock:
    operation: site
    home: db1
  delegate_to: db1
  run_once: true
  register: lock

- name: Release it at the end of the run (the same run id, derived from the ansible-playbook process)
  drweb.cluster.run_lock:
    state: absent
    home: db1
    leave_to_importer: true
  delegate_to: db1
  run_once: true
'''

RETURN = r'''
acquired:
  description: Whether this run holds the lock now (O(state=present)).
  returned: always
  type: bool
released:
  description: Whether the lock was released (O(state=absent)); false when it was only counted down (O(leave_to_importer)).
  returned: always
  type: bool
holder:
  description:
  - The lock's holder after the task (this run's when it took the lock); C(null) when there is no lock.
  - C(depth), when present, counts the playbooks of the run that hold the lock (one imported the other); absent means 1.
  returned: always
  type: dict
  sample: {run_id: 3f2c..., controller: ctl, user: root, pid: 4242, pid_start: 1234567, boot_id: 6b1f...,
           playbook: site.yml, operation: site, started: '2026-12-05T10:00:00Z'}
reentered:
  description: Whether this run already held the lock (O(state=present)); the lock is kept and its C(depth) counted up.
  returned: always
  type: bool
broken:
  description: The holder whose stale lock this run broke (O(break_lock)), else C(null).
  returned: always
  type: dict
liveness:
  description: For a lock held by another run - C(alive), C(gone) (its process no longer runs on this controller) or C(unknown).
  returned: when another run holds the lock
  type: str
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.drweb.cluster.plugins.module_utils.run_lock import LockFileError, acquire, read_holder, reenter, release


def main():
    module = AnsibleModule(
        argument_spec=dict(
            state=dict(type='str', default='present', choices=['present', 'absent', 'query']),
            path=dict(type='path', default='/var/lib/drweb-cluster/run.lock'),
            operation=dict(type='str', default=''),
            home=dict(type='str', default=''),
            break_lock=dict(type='bool', default=False),
            run_id=dict(type='str'),
            holder=dict(type='dict'),
            replace_run_id=dict(type='str'),
            inventory_home=dict(type='bool', default=False),
            leave_to_importer=dict(type='bool', default=False),
        ),
        supports_check_mode=True,
    )
    params = module.params
    result = dict(changed=False, acquired=False, released=False, reentered=False, holder=None, broken=None)
    try:
        if params['state'] == 'query' or (params['state'] == 'present' and module.check_mode):
            result['holder'] = read_holder(params['path'])
        elif params['state'] == 'present':
            if not params['holder'] or not params['holder'].get('run_id'):
                module.fail_json(msg='run_lock: state=present needs the holder (run through the drweb.cluster.run_lock '
                                     'action, which records the controller)', **result)
            if params['run_id'] and params['replace_run_id'] is None:
                result['reentered'], result['holder'] = reenter(params['path'], params['run_id'])
                if result['reentered']:
                    result['acquired'] = result['changed'] = True
                    module.exit_json(**result)
            result['acquired'], result['holder'] = acquire(params['path'], params['holder'], params['replace_run_id'])
            result['changed'] = result['acquired']
        else:
            if not params['run_id']:
                module.fail_json(msg='run_lock: state=absent needs run_id (the run that holds the lock)', **result)
            result['released'], result['holder'] = release(params['path'], params['run_id'],
                                                           entirely=not params['leave_to_importer'])
            left = result['holder'] is not None and result['holder'].get('run_id') == params['run_id']
            result['changed'] = result['released'] or left
            if result['released']:
                result['holder'] = None
    except LockFileError as error:
        module.fail_json(msg='run_lock on %s: %s' % (params['home'] or 'the lock host', error), **result)
    module.exit_json(**result)


if __name__ == '__main__':
    main()
