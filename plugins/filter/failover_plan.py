# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``drweb.cluster.failover_plan`` filter: which Servers a fail-over of the update source leaves out, and whether
it can go on. Documentation: DOCUMENTATION below."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
name: failover_plan
version_added: 0.1.0
short_description: The Servers a fail-over of the update source leaves out, and why it cannot go on
description:
  - C(playbooks/update_parent_failover.yml) repoints the Servers that still serve to a new update source (vendor
    prescription 5). The members that cannot be reached or whose Server does not run are left out and named.
  - It refuses when no Server serves, when the source is C(parent) and C(drweb_update_parent_host) names no Server, and
    when the new parent is one of the Servers left out.
positional: members, source, parent_host
options:
  _input:
    description: The members that still serve, in inventory order.
    type: list
    elements: str
    required: true
  members:
    description: The cluster's members (the plan's C(members)).
    type: list
    elements: str
    required: true
  source:
    description: C(drweb_update_source) (C(parent) when empty).
    type: str
    default: parent
  parent_host:
    description: C(drweb_update_parent_host) as given (C(host) or C(host:port); empty when unset).
    type: str
    default: ''
author:
  - drweb.cluster maintainers !UNKNOWN
'''

EXAMPLES = r'''
- name: Name the Servers left out, and refuse a new parent that is one of them
  vars:
    __failover: >-
      {{ groups['drweb_failover_serving'] | default([]) | drweb.cluster.failover_plan(drweb_cluster_plan.members,
         drweb_update_source | default('parent', true), drweb_update_parent_host | default('', true)) }}
  ansible.builtin.assert:
    that: __failover.problems | length == 0
    fail_msg: "{{ __failover.problems | join(' ') }}"
    success_msg: "{{ __failover.line }}"
'''

RETURN = r'''
_value:
  description: The decision.
  type: dict
  contains:
    serving:
      description: The Servers that take the new source.
      type: list
      elements: str
    left_out:
      description: The members left out (unreachable or not running).
      type: list
      elements: str
    parent:
      description: The new parent's host (without a port); empty when the source is not C(parent) or none is named.
      type: str
    problems:
      description: Why the fail-over cannot go on, as a one-element list naming the Servers left out; empty when it can.
      type: list
      elements: str
    line:
      description: What the fail-over does, for the run's output.
      type: str
'''


from ansible.errors import AnsibleFilterError


def _names(value, what):
    if not isinstance(value, (list, tuple)) or not all(isinstance(host, str) for host in value):
        raise AnsibleFilterError('failover_plan expects %s as a list of inventory names, got %r' % (what, value))
    return list(value)


def failover_plan(serving, members, source='parent', parent_host=''):
    """The fail-over's decision: see RETURN."""
    serving = _names(serving, 'the serving Servers')
    members = _names(members, 'the members')
    source = str(source or '').strip() or 'parent'
    parent = str(parent_host or '').strip().split(':', maxsplit=1)[0] if source == 'parent' else ''
    left_out = [host for host in members if host not in serving]
    left_text = ', '.join(left_out) or 'none'
    problem = None
    if not serving:
        problem = 'no Server is serving'
    elif source == 'parent' and not parent:
        problem = 'drweb_update_parent_host must name the new parent Server'
    elif source == 'parent' and parent in left_out:
        problem = 'the new parent %s (drweb_update_parent_host) is not serving' % parent
    line = 'Updating %s from %s; left out (unreachable or not running): %s.' % (
        ', '.join(serving), ('parent ' + parent) if source == 'parent' else source, left_text)
    return dict(serving=serving, left_out=left_out, parent=parent, line=line,
                problems=['Cannot fail over: %s. Left out: %s.' % (problem, left_text)] if problem else [])


class FilterModule(object):
    """drweb.cluster.failover_plan"""

    def filters(self):
        return {'failover_plan': failover_plan}
