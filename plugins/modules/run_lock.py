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
    - With O(state=absent), the run id this run holds the lock with.
    - With O(state=present), the run id this run already holds the lock with (a playbook importing another one that
      takes the lock). While the lock file still names it, the lock is kept as it is and RV(reentered) is true;
      otherwise the lock is taken anew (or refused) as without it.
    type: str
  holder:
    description: Internal (set by the action plugin) - the holder to record.
    type: dict
  replace_run_id:
    description: Internal (set by the action plugin) - replace the lock only while this run id holds it.
    type: str
attributes:
  check_mode:
    support: partial
    details: In check mode the lock is only read - O(state=present) reports who holds it and takes nothing; nothing is written.
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

- name: Release it at the end of the run
  drweb.cluster.run_lock:
    state: absent
    run_id: "{{ lock.holder.run_id }}"
  delegate_to: db1
  run_once: true
'''

RETURN = r'''
acquired:
  description: Whether this run holds the lock now (O(state=present)).
  returned: always
  type: bool
released:
  description: Whether the lock was released (O(state=absent)).
  returned: always
  type: bool
holder:
  description: The lock's holder after the task (this run's when it took the lock); C(null) when there is no lock.
  returned: always
  type: dict
  sample: {run_id: 3f2c..., controller: ctl, user: root, pid: 4242, pid_start: 1234567, boot_id: 6b1f...,
           playbook: site.yml, operation: site, started: '2026-12-05T10:00:00Z'}
reentered:
  description: Whether this run already held the lock (O(run_id) with O(state=present)); the lock file is unchanged.
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
                    result['acquired'] = True
                    module.exit_json(**result)
            result['acquired'], result['holder'] = acquire(params['path'], params['holder'], params['replace_run_id'])
            result['changed'] = result['acquired']
        else:
            if not params['run_id']:
                module.fail_json(msg='run_lock: state=absent needs run_id (the run that holds the lock)', **result)
            result['released'], result['holder'] = release(params['path'], params['run_id'])
            result['changed'] = result['released']
            if result['released']:
                result['holder'] = None
    except LockFileError as error:
        module.fail_json(msg='run_lock on %s: %s' % (params['home'] or 'the lock host', error), **result)
    module.exit_json(**result)


if __name__ == '__main__':
    main()
