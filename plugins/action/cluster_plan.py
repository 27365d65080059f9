# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin drweb.cluster.cluster_plan: decide the cluster's plan on the controller (documentation:
plugins/modules/cluster_plan.py). The decisions are plugin_utils/cluster_plan.py's; this file only gathers the inputs
(the member reads and the inventory's marks) and hands back the plan."""

from __future__ import annotations

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase

from ansible_collections.drweb.cluster.plugins.plugin_utils.cluster_plan import PlanInputError, decide, inventory_mark

ARGUMENT_SPEC = dict(
    results=dict(type='list', elements='raw', required=True),
    operation=dict(type='str', required=True),
    primary=dict(type='str', default=''),
    version=dict(type='str'),
    keys_source=dict(type='str', default='generate'),
    provided_keys=dict(type='dict'),
    provided_salt_sha256=dict(type='str'),
    database=dict(type='dict', default={}),
    allow_data_loss=dict(type='raw'),
    install_dir=dict(type='str'),
    group=dict(type='str', default='drweb_servers'),
)


def mark(hostvars, host, name):
    """A host's true/false mark (drweb_removed, drweb_new_node), as the task's failure when it is not one."""
    try:
        return inventory_mark(hostvars, host, name)
    except PlanInputError as error:
        raise AnsibleActionFail(str(error)) from error


def member_reads(results):
    """host -> server_facts dictionary (or {'unreadable': why}) from the registered loop results of the reads."""
    reads = {}
    for result in results:
        if not isinstance(result, dict) or 'item' not in result or result.get('skipped'):
            continue
        host = str(result['item'])
        if result.get('unreachable'):
            reads[host] = dict(unreadable='unreachable: %s' % (result.get('msg') or '').strip())
        elif result.get('failed') or not isinstance(result.get('server'), dict):
            reads[host] = dict(unreadable=(result.get('msg') or 'the read failed').strip())
        else:
            reads[host] = result['server']
    return reads


class ActionModule(ActionBase):
    """Decide the plan from the members' reads; fail, naming every reason, when the run must not change anything."""

    TRANSFERS_FILES = False
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        task_vars = task_vars or {}
        unused_validation, args = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)
        servers = list(task_vars.get('groups', {}).get(args['group'], []))
        hostvars = task_vars.get('hostvars', {})
        inventory = dict(
            servers=servers,
            play_hosts=list(task_vars.get('ansible_play_hosts_all') or []),
            removed=[host for host in servers if mark(hostvars, host, 'drweb_removed')],
            new_nodes=[host for host in servers if mark(hostvars, host, 'drweb_new_node')],
            operation=args['operation'], primary=args['primary'], version=args['version'] or None,
            keys_source=args['keys_source'], provided_keys=args['provided_keys'],
            provided_salt_sha256=args['provided_salt_sha256'] or None, database=args['database'],
            allow_data_loss=args['allow_data_loss'], install_dir=args['install_dir'],
        )
        try:
            plan = decide(member_reads(args['results']), inventory)
        except PlanInputError as error:
            raise AnsibleActionFail(str(error)) from error
        # the plan's keys at the top level too: the registered result is the plan itself (drweb_cluster_plan)
        result.update(plan)
        result.update(changed=False, plan=plan)
        if plan['refusals']:
            result['failed'] = True
            reasons = '\n'.join('- ' + refusal for refusal in plan['refusals'])
            result['msg'] = 'Refusing to change the cluster; nothing was changed on any host:\n%s' % reasons
        return result
