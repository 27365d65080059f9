# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``drweb.cluster.repository_update_plan`` filter: which Servers a repository update would bring anything to.

Documentation: DOCUMENTATION below (``ansible-doc -t filter drweb.cluster.repository_update_plan``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
name: repository_update_plan
version_added: 0.1.0
short_description: Decide which Servers need a repository update, and say why in one line
description:
  - Takes, per Server, what it holds (its C(drweb.cluster.repository_version) result), where it updates from and
    what the update source offers, and returns the Servers to update, the ones that need no update, and one line
    saying so.
  - C(zone) - a Server is updated when it does not hold the newest revision the update zone offers of every product
    (read by C(drweb.cluster.update_zone_revisions) from that Server), or when the zone's revision list could not be
    read. Products whose updates are off (C(.sync-off)) are left out (an update would not bring them).
  - C(gus) - the GUS revision list is not read. The Servers updating from GUS are updated together when any of them
    was pointed at GUS in this run, was installed in this run, holds no product, or when the Servers' revisions
    differ (drift, the odd node out named). Otherwise no update is started and the line says that each Server's
    own Update task (Task Scheduler) brings new revisions from GUS.
  - C(parent) - the Servers updating from a parent Server are decided in a second call, with O(children=true) and
    the parent's revisions after its own step as O(reference) - a child that does not hold them is updated. In the
    first call they are listed in RV(_value.later).
  - Any Server whose update source was changed in this run is updated; O(force=true) updates every Server.
positional: reference
options:
  _input:
    description:
      - Server name -> a dictionary with C(before) (its C(repository_version) result), C(source) (C(gus), C(zone) or
        C(parent) - where this Server updates from), C(zone) (its C(update_zone_revisions) result, for C(zone)),
        C(switched) (its update source files were changed in this run, or would be in check mode) and C(installed)
        (it was installed in this run).
    type: dict
    required: true
  reference:
    description:
      - With O(children=true) - the parent Server's revisions (product code -> revision) after its own step;
        C(null) when they are not known (every child is then updated).
    type: dict
  children:
    description: Decide the Servers that update from a parent Server (against O(reference)) instead of the others.
    type: bool
    default: false
  parent:
    description: The parent Server's name, for the messages.
    type: str
  force:
    description: Update every Server decided in this call, whatever it holds.
    type: bool
    default: false
author:
  - drweb.cluster maintainers !UNKNOWN
'''

EXAMPLES = r'''
- name: Decide which Servers need an update
  vars:
    states: >-
      {{ dict(ansible_play_hosts | zip(ansible_play_hosts | map('extract', hostvars, 'drweb_repository_state'))) }}
  ansible.builtin.set_fact:
    drweb_repository_plan: "{{ states | drweb.cluster.repository_update_plan }}"

# drweb_repository_plan.summary when node3 was forced back to an older revision of 10-drwbases:
#   Repository update on node3 (behind the update zone: 10-drwbases 20250101000000 -> 20250201000000).
#   No update needed on node1, node2 (they hold the newest revisions the update zone offers).
'''

RETURN = r'''
_value:
  description: The decision.
  type: dict
  contains:
    to_update:
      description: The Servers to update, in input order.
      type: list
      elements: str
    no_update:
      description: The Servers that need no update, in input order.
      type: list
      elements: str
    later:
      description: The Servers updating from a parent Server, decided in the second call (O(children=true)).
      type: list
      elements: str
    reasons:
      description: Server -> why it is updated or not.
      type: dict
    summary:
      description: One line - which Servers are updated and why, which are not and why.
      type: str
    act:
      description:
        - Whether an update step follows - a Server to update (RV(_value.to_update)), or, in the first call, Servers
          decided in the second (RV(_value.later)). C(false) on a converged cluster - the role enters no update step.
      type: bool
'''

from collections import Counter
from collections.abc import Mapping

from ansible.errors import AnsibleFilterError
from ansible.module_utils.parsing.convert_bool import boolean

SOURCES = ('gus', 'zone', 'parent')
ZONE_CURRENT = 'they hold the newest revisions the update zone offers'
GUS_AGREE = ('they hold the same revisions and the GUS revision list is not read here: '
             'the Update task of each Server (Task Scheduler) brings new revisions from GUS')
PARENT_CURRENT = 'they hold the revisions of the parent Server'


def _mapping(value):
    return value if isinstance(value, Mapping) else {}


def _held(state):
    """(product -> revision, products whose updates are off) of a Server's repository_version result."""
    before = _mapping(state.get('before'))
    revisions = dict((code, revision) for code, revision in _mapping(before.get('revisions')).items() if revision)
    frozen = set(code for code, info in _mapping(before.get('products')).items() if _mapping(info).get('updates_off'))
    return revisions, frozen


def _differences(held, frozen, wanted):
    """'code have -> want' for every product of wanted the Server does not hold at that revision (not the frozen)."""
    return ['%s %s -> %s' % (code, held.get(code, 'absent'), revision)
            for code, revision in sorted(wanted.items()) if code not in frozen and held.get(code) != revision]


def _own_reason(state, held, force):
    """Why a Server is updated whatever its source offers, or None."""
    if force:
        return 'every Server is updated (drweb_repository_update_always)'
    if boolean(state.get('switched') or False, strict=False):
        return 'its update source is set in this run'
    if not held:
        return 'its repository holds no product'
    return None


def _zone_reason(state, held, frozen):
    """(update?, reason) of a Server updating from a local update zone."""
    zone = _mapping(state.get('zone'))
    if not zone or zone.get('failed') or zone.get('skipped'):
        return True, 'the update zone was not read from it'
    if not zone.get('readable'):
        return True, 'the revision list of the update zone could not be read (%s)' % (zone.get('reason') or 'no reason given')
    behind = _differences(held, frozen, _mapping(zone.get('revisions')))
    if behind:
        return True, 'behind the update zone: %s' % ', '.join(behind)
    return False, ZONE_CURRENT


def _odd_nodes(helds):
    """The Servers whose revisions differ from the ones most Servers hold (every Server on a tie), [] when all agree."""
    keys = dict((node, tuple(sorted(held.items()))) for node, held in helds.items())
    ranked = Counter(keys.values()).most_common()
    if len(ranked) <= 1:
        return []
    if ranked[0][1] == ranked[1][1]:
        return list(helds)
    return [node for node, key in keys.items() if key != ranked[0][0]]


def _summary(update, skip, reasons, later=()):
    """One line: the Servers updated grouped by reason, then those that need none, then those decided later."""
    def grouped(nodes):
        groups = []
        for node in nodes:
            for group in groups:
                if group[1] == reasons[node]:
                    group[0].append(node)
                    break
            else:
                groups.append(([node], reasons[node]))
        return '; '.join('%s (%s)' % (', '.join(names), reason) for names, reason in groups)
    parts = []
    if update:
        parts.append('Repository update on %s.' % grouped(update))
        if skip:
            parts.append('No update needed on %s.' % grouped(skip))
    elif skip:
        parts.append('No repository update needed: %s.' % grouped(skip))
    if later:
        parts.append('The Servers updating from the parent Server (%s) are compared with it after its step.' % ', '.join(later))
    return ' '.join(parts)


def repository_update_plan(states, reference=None, children=False, parent=None, force=False):
    """Which Servers need an update (see DOCUMENTATION)."""
    if not isinstance(states, Mapping):
        raise AnsibleFilterError('repository_update_plan expects a dictionary Server -> state, got %s' % type(states).__name__)
    if reference is not None and not isinstance(reference, Mapping):
        raise AnsibleFilterError('repository_update_plan: reference must be product -> revision, got %s' % type(reference).__name__)
    for node, state in states.items():
        if not isinstance(state, Mapping) or state.get('source') not in SOURCES:
            raise AnsibleFilterError('repository_update_plan: %s has no source of %s' % (node, ', '.join(SOURCES)))
    held = dict((node, _held(state)) for node, state in states.items())
    update, skip, later, reasons = [], [], [], {}

    def decide(node, needed, reason):
        (update if needed else skip).append(node)
        reasons[node] = reason

    if children:
        for node, state in states.items():
            if state['source'] != 'parent':
                continue
            revisions, frozen = held[node]
            own = _own_reason(state, revisions, force)
            if own:
                decide(node, True, own)
            elif reference is None:
                decide(node, True, 'the revisions of the parent Server%s are not known' % (' ' + parent if parent else ''))
            else:
                differs = _differences(revisions, frozen, dict((code, rev) for code, rev in reference.items() if rev))
                named = ' ' + parent if parent else ''
                decide(node, bool(differs),
                       'differs from the parent Server%s: %s' % (named, ', '.join(differs)) if differs else PARENT_CURRENT)
        return dict(to_update=update, no_update=skip, later=later, reasons=reasons, summary=_summary(update, skip, reasons),
                    act=bool(update))

    gus = [node for node, state in states.items() if state['source'] == 'gus']
    gus_reasons = []
    for node in gus:
        own = _own_reason(states[node], held[node][0], force)
        if own is None and boolean(states[node].get('installed') or False, strict=False):
            own = 'it is installed in this run'
        if own:
            reasons[node] = own
            gus_reasons.append('%s: %s' % (node, own))
    odd = _odd_nodes(dict((node, held[node][0]) for node in states)) if gus else []
    if odd:
        gus_reasons.append('the revisions of the Servers differ (odd node out: %s)' % ', '.join(odd))
    for node, state in states.items():
        if state['source'] == 'parent':
            later.append(node)
        elif state['source'] == 'gus':
            if gus_reasons:
                decide(node, True, 'from GUS, every Server at once - ' + '; '.join(gus_reasons))
            else:
                decide(node, False, GUS_AGREE)
        else:
            own = _own_reason(state, held[node][0], force)
            if own:
                decide(node, True, own)
            else:
                decide(node, *_zone_reason(state, *held[node]))
    return dict(to_update=update, no_update=skip, later=later, reasons=reasons, summary=_summary(update, skip, reasons, later),
                act=bool(update or later))


class FilterModule(object):
    """drweb.cluster repository update decision."""

    def filters(self):
        return {'repository_update_plan': repository_update_plan}
