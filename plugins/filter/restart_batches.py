# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``drweb.cluster.restart_batches`` filter: in which order, and how many at a time, a change stops and starts the
Servers. Documentation: DOCUMENTATION below."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
name: restart_batches
version_added: 0.1.0
short_description: The batches in which a change stops and starts Servers - running members one at a time
description:
  - A change that stops and starts Servers (a restart, a configuration merge, the switch to the common database) goes
    over the batches this filter returns, one batch after the other; every Server of a batch is changed at the same
    time, then checked, and the first Server that does not serve again ends the run before the next batch.
  - With C(drweb_restart_strategy) C(serial) (the default), a Server that ran before this run is a batch of its own,
    so the cluster keeps serving its agents while the members are changed one by one (the vendor procedure stops and
    restarts cluster members one by one).
  - A Server this run installs (the cluster plan's node has C(install) true - it had no Server when the run read the
    cluster) serves no agent and holds no data yet. Those Servers are changed together, in one batch before the members
    that ran before - a configuration that does not work is then found on a Server without agents, before a running
    member is touched, and a cluster built from nothing needs one stop and start per step, not one per node.
  - With C(parallel) (an explicit opt-in), every Server is in one batch.
  - O(first) (the database switch's primary, which must be on the common database before any other Server joins it)
    is always a batch of its own, before the others.
  - Without a cluster plan (a role run on its own, without the preflight role), no Server counts as installed by this
    run - the members go one at a time.
positional: strategy, plan, first
options:
  _input:
    description: The Servers to change, in the order to change them.
    type: list
    elements: str
    required: true
  strategy:
    description: C(drweb_restart_strategy) - C(serial) or C(parallel); empty means C(serial).
    type: str
    default: serial
  plan:
    description: The cluster plan (C(drweb_cluster_plan)), or none. Only its C(nodes) and their C(install) are read.
    type: dict
  first:
    description: A Server that is changed alone, before every other one, when it is in the list (none - no such Server).
    type: str
author:
  - drweb.cluster maintainers !UNKNOWN
'''

EXAMPLES = r'''
- name: Restart the listed Servers batch by batch (each Server acts in its own batch's include only)
  ansible.builtin.include_tasks: restart.yml
  loop: "{{ ['node1', 'node2', 'node3'] | drweb.cluster.restart_batches('serial', drweb_cluster_plan | default(none)) }}"
  loop_control:
    loop_var: batch
'''

RETURN = r'''
_value:
  description: The batches, in order; each a non-empty list of Servers changed at the same time. Every Server of the
    input is in exactly one batch.
  type: list
  elements: list
'''

from ansible.errors import AnsibleFilterError
from ansible_collections.drweb.cluster.plugins.plugin_utils.settings_checks import RESTART_STRATEGIES


def _installed_by_this_run(plan, host):
    """Whether the cluster plan installs a Server on host in this run (it had none when the run read the cluster)."""
    nodes = (plan or {}).get('nodes') if isinstance(plan, dict) else None
    node = (nodes or {}).get(host) if isinstance(nodes, dict) else None
    return bool(isinstance(node, dict) and node.get('install'))


def restart_batches(hosts, strategy='serial', plan=None, first=None):
    """The batches of a change over hosts: see DOCUMENTATION."""
    if not isinstance(hosts, (list, tuple)) or not all(isinstance(host, str) for host in hosts):
        raise AnsibleFilterError('restart_batches expects the list of Servers to change, got %r' % (hosts,))
    strategy = strategy or 'serial'
    if strategy not in RESTART_STRATEGIES:
        raise AnsibleFilterError('drweb_restart_strategy must be serial or parallel (got %r)' % (strategy,))
    if plan is not None and not isinstance(plan, dict):
        raise AnsibleFilterError('restart_batches expects the cluster plan (a dict) or none, got %r' % (plan,))
    order = []
    for host in hosts:
        if host not in order:
            order.append(host)
    batches = []
    if first and first in order:
        batches.append([first])
        order.remove(first)
    if strategy == 'parallel':
        return batches + ([order] if order else [])
    installed_now = [host for host in order if _installed_by_this_run(plan, host)]
    if installed_now:
        batches.append(installed_now)
    return batches + [[host] for host in order if host not in installed_now]


class FilterModule(object):
    """drweb.cluster.restart_batches"""

    def filters(self):
        return {'restart_batches': restart_batches}
