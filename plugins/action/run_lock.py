# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin drweb.cluster.run_lock (documentation: plugins/modules/run_lock.py): records who holds the cluster's
run lock - this controller, its user and the ansible-playbook process, and the run id derived from that process (so a
release needs nothing remembered from the take) - and judges a lock held by another run (does its process still run
here?). The file operations on the lock's home are the module's."""

from __future__ import annotations

import datetime
import getpass
import json
import os
import socket

from ansible.plugins.action import ActionBase

from ansible_collections.drweb.cluster.plugins.module_utils.run_lock import (
    boot_id, describe, liveness, playbook_of, process_start, refusal, run_id_of)

ARGUMENT_SPEC = dict(
    state=dict(type='str', default='present', choices=['present', 'absent', 'query']),
    path=dict(type='path', default='/var/lib/drweb-cluster/run.lock'),
    operation=dict(type='str', default=''),
    home=dict(type='str', default=''),
    break_lock=dict(type='bool', default=False),
    run_id=dict(type='str'),
    inventory_home=dict(type='bool', default=False),
    leave_to_importer=dict(type='bool', default=False),
)

HOME_REFUSAL = ('The run lock\'s home %s is not a host of the inventory: set drweb_lock_host to one (by default the first '
                'host of drweb_database, else drweb_primary_host, else the first of drweb_servers). Nothing was changed.')


def controller_identity():
    """This run's controller: host name, boot id, user, the ansible-playbook process (the worker's parent)."""
    pid = os.getppid()
    return dict(controller=socket.gethostname(), boot_id=boot_id(), user=getpass.getuser(), pid=pid,
                pid_start=process_start(pid), playbook=playbook_of(pid))


class ActionModule(ActionBase):
    """Take, read or release the cluster's run lock; judge and (when asked) break a stale one."""

    TRANSFERS_FILES = False

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        unused_validation, args = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)
        if args['inventory_home'] and not (args['home'] and args['home'] in (task_vars or {}).get('hostvars', {})):
            result.update(failed=True, msg=HOME_REFUSAL % json.dumps(args['home']))
            return result
        home = args['home'] or 'the lock host'
        where = '%s, %s' % (home, args['path'])
        module_args = dict(state=args['state'], path=args['path'], operation=args['operation'], home=home)
        here = controller_identity()
        # every task of this run (this ansible-playbook process) names the same run id: no task has to remember it
        run_id = args['run_id'] or run_id_of(here)

        if args['state'] != 'present' or self._task.check_mode:
            if args['state'] == 'absent':
                module_args.update(run_id=run_id, leave_to_importer=args['leave_to_importer'])
            reply = self._execute_module(module_name='drweb.cluster.run_lock', module_args=module_args, task_vars=task_vars)
            result.update(reply)
            holder = reply.get('holder')
            if holder and args['state'] != 'absent':
                result['liveness'] = liveness(holder, here)
                result['msg'] = 'run lock (%s) held by %s' % (where, describe(holder))
                if args['state'] == 'present':
                    # check mode takes no lock: say that a real run would find this one
                    result['warnings'] = list(result.get('warnings') or []) + [
                        '%s (check mode takes none; this prediction may be overtaken by it)' % result['msg']]
            return result

        holder = dict(here, run_id=run_id, operation=args['operation'],
                      started=datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ'))
        # the same run taking its lock again (a playbook importing another): kept while the file still names it
        module_args['run_id'] = run_id
        reply = self._execute_module(module_name='drweb.cluster.run_lock',
                                     module_args=dict(module_args, holder=holder), task_vars=task_vars)
        if reply.get('failed') or reply.get('acquired'):
            result.update(reply)
            return result
        current = reply.get('holder')
        state = liveness(current, here)
        result.update(reply, liveness=state)
        if not args['break_lock'] or state == 'alive':
            result.update(failed=True, msg=refusal(current, state, where, breaking=args['break_lock']))
            return result
        replace = '' if current is None or 'unreadable' in current else current.get('run_id')
        reply = self._execute_module(module_name='drweb.cluster.run_lock',
                                     module_args=dict(module_args, holder=holder, replace_run_id=replace), task_vars=task_vars)
        result.update(reply, liveness=state)
        if reply.get('acquired'):
            result['broken'] = current
            result['warnings'] = list(result.get('warnings') or []) + [
                'drweb_lock_break: broke the run lock (%s) held by %s' % (where, describe(current))]
        elif not reply.get('failed'):
            result.update(failed=True, msg='drweb_lock_break: the run lock (%s) changed hands while it was being broken; '
                                           'it is now held by %s. Nothing was changed.' % (where, describe(reply.get('holder'))))
        return result
