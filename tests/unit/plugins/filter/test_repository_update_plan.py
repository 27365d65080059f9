# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the drweb.cluster.repository_update_plan filter: which Servers need a repository update."""

from __future__ import annotations

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.drweb.cluster.plugins.filter.repository_update_plan import repository_update_plan

R1, R2 = '20250101000000', '20250201000000'
PRODUCTS = ('05-drwmeta', '10-drwbases')


def before(revision=R2, frozen=(), **overrides):
    """A repository_version result: every product at revision, overrides product -> revision."""
    revisions = dict.fromkeys(PRODUCTS, revision)
    revisions.update(overrides)
    products = dict((code, dict(revision=rev, updates_off=code in frozen)) for code, rev in revisions.items())
    return dict(changed=False, revisions=revisions, products=products)


def zone(revision=R2, readable=True, reason=None):
    """An update_zone_revisions result offering revision of every product."""
    return dict(changed=False, answered=True, readable=readable, reason=reason, products=list(PRODUCTS),
                revisions=dict.fromkeys(PRODUCTS, revision) if readable else {})


def state(source='zone', held=None, offered=None, switched=False, installed=False):
    return dict(before=held or before(), source=source, zone=offered if offered is not None else (zone() if source == 'zone' else None),
                switched=switched, installed=installed)


def cluster(source='zone', **nodes):
    """node1..node3 with the same state, overridden per node."""
    states = dict((node, state(source)) for node in ('node1', 'node2', 'node3'))
    states.update(nodes)
    return states


# --- zone ---------------------------------------------------------------------------------------------------------

def test_zone_no_update_when_every_server_holds_the_newest_revisions():
    plan = repository_update_plan(cluster())
    assert plan['to_update'] == [] and plan['no_update'] == ['node1', 'node2', 'node3']
    assert plan['summary'] == ('No repository update needed: node1, node2, node3 (they hold the newest revisions the '
                               'update zone offers).')


def test_zone_only_the_server_behind_is_updated_and_named_with_the_product():
    plan = repository_update_plan(cluster(node3=state(held=before(**{'10-drwbases': R1}))))
    assert plan['to_update'] == ['node3'] and plan['no_update'] == ['node1', 'node2']
    assert plan['reasons']['node3'] == 'behind the update zone: 10-drwbases %s -> %s' % (R1, R2)
    assert plan['summary'].startswith('Repository update on node3 (behind the update zone: 10-drwbases')
    assert 'No update needed on node1, node2' in plan['summary']


def test_zone_a_new_revision_updates_every_server():
    plan = repository_update_plan(dict((node, state(held=before(R1))) for node in ('node1', 'node2')))
    assert plan['to_update'] == ['node1', 'node2'] and plan['no_update'] == []


def test_zone_a_product_the_server_lacks_is_behind():
    held = before()
    del held['revisions']['10-drwbases']
    plan = repository_update_plan({'node1': state(held=held)})
    assert plan['to_update'] == ['node1'] and '10-drwbases absent -> %s' % R2 in plan['reasons']['node1']


def test_zone_a_server_ahead_of_the_zone_is_not_current_either():
    # the zone went back (a mirror restored): an update brings the Server to what the zone distributes
    plan = repository_update_plan({'node1': state(offered=zone(R1))})
    assert plan['to_update'] == ['node1']


def test_zone_products_the_zone_does_not_offer_and_frozen_products_are_left_out():
    held = before(frozen=('10-drwbases',), **{'10-drwbases': R1, '80-drwnews': R1})
    plan = repository_update_plan({'node1': state(held=held)})
    assert plan['to_update'] == [] and plan['no_update'] == ['node1']


def test_zone_unreadable_revision_list_updates_as_before_and_says_why():
    plan = repository_update_plan(cluster(node2=state(offered=zone(readable=False, reason='products.txt: HTTP 404'))))
    assert plan['to_update'] == ['node2']
    assert 'could not be read (products.txt: HTTP 404)' in plan['reasons']['node2']


def test_zone_not_read_from_a_server_updates_it():
    plan = repository_update_plan({'node1': state(offered={'skipped': True})})
    assert plan['to_update'] == ['node1'] and plan['reasons']['node1'] == 'the update zone was not read from it'


def test_a_switched_source_or_an_empty_repository_is_updated_even_when_current():
    plan = repository_update_plan(cluster(node1=state(switched=True), node2=state(held=dict(revisions={}, products={}))))
    assert plan['to_update'] == ['node1', 'node2']
    assert plan['reasons']['node1'] == 'its update source is set in this run'
    assert plan['reasons']['node2'] == 'its repository holds no product'


def test_force_updates_every_server():
    plan = repository_update_plan(cluster(), force=True)
    assert plan['to_update'] == ['node1', 'node2', 'node3']


# --- gus ----------------------------------------------------------------------------------------------------------

def test_gus_rerun_where_the_servers_agree_relies_on_the_product_schedule_and_says_so():
    plan = repository_update_plan(cluster('gus'))
    assert plan['to_update'] == [] and plan['no_update'] == ['node1', 'node2', 'node3']
    assert 'GUS revision list is not read here' in plan['summary']
    assert 'the Update task of each Server (Task Scheduler) brings new revisions from GUS' in plan['summary']
    # one line, and no apostrophe: YAML output would double it
    assert plan['summary'].count('.') <= 2 and '\n' not in plan['summary'] and "'" not in plan['summary']


def test_gus_drift_updates_every_server_together_naming_the_odd_node():
    plan = repository_update_plan(cluster('gus', node3=state('gus', held=before(**{'10-drwbases': R1}))))
    assert plan['to_update'] == ['node1', 'node2', 'node3']
    assert 'odd node out: node3' in plan['reasons']['node1'] and 'every Server at once' in plan['summary']


def test_gus_drift_without_a_majority_names_every_server():
    plan = repository_update_plan({'node1': state('gus', held=before(R1)), 'node2': state('gus')})
    assert plan['to_update'] == ['node1', 'node2'] and 'odd node out: node1, node2' in plan['summary']


@pytest.mark.parametrize('flag, why', [('installed', 'node2: it is installed in this run'),
                                       ('switched', 'node2: its update source is set in this run')])
def test_gus_first_converge_updates_every_server(flag, why):
    # a fresh install holds the package's revisions and already points at GUS: the plan's install flag tells
    plan = repository_update_plan(cluster('gus', node2=state('gus', **{flag: True})))
    assert plan['to_update'] == ['node1', 'node2', 'node3'] and why in plan['summary']


# --- parent -------------------------------------------------------------------------------------------------------

def parent_cluster(**children):
    states = {'node1': state('zone'), 'node2': state('parent'), 'node3': state('parent')}
    states.update(children)
    return states


def test_parent_first_call_decides_the_parent_and_leaves_the_children_for_later():
    plan = repository_update_plan(parent_cluster(node1=state('zone', held=before(R1))))
    assert plan['to_update'] == ['node1'] and plan['later'] == ['node2', 'node3'] and plan['no_update'] == []


def test_parent_on_gus_is_updated_when_the_children_differ_from_it():
    plan = repository_update_plan({'node1': state('gus'), 'node2': state('parent', held=before(R1)), 'node3': state('parent', held=before(R1))})
    assert plan['to_update'] == ['node1'] and 'odd node out: node1' in plan['summary']


def test_parent_children_are_compared_with_the_parent_after_its_step():
    plan = repository_update_plan(parent_cluster(node3=state('parent', held=before(R1))), dict.fromkeys(PRODUCTS, R2),
                                  children=True, parent='node1')
    assert plan['to_update'] == ['node3'] and plan['no_update'] == ['node2'] and plan['later'] == []
    assert plan['reasons']['node3'] == 'differs from the parent Server node1: 05-drwmeta %s -> %s, 10-drwbases %s -> %s' % (R1, R2, R1, R2)
    assert 'No update needed on node2 (they hold the revisions of the parent Server)' in plan['summary']


def test_parent_unknown_reference_updates_every_child():
    plan = repository_update_plan(parent_cluster(), None, children=True, parent='parent.example.com')
    assert plan['to_update'] == ['node2', 'node3'] and 'not known' in plan['reasons']['node2']


def test_parent_children_all_current_need_no_update():
    plan = repository_update_plan(parent_cluster(), dict.fromkeys(PRODUCTS, R2), children=True)
    assert plan['to_update'] == [] and plan['summary'].startswith('No repository update needed: node2, node3')


# --- whether an update step follows (the role enters none on a converged cluster) -----------------------------------

def test_act_is_false_on_a_converged_cluster_and_true_when_a_server_needs_an_update():
    assert repository_update_plan(cluster())['act'] is False
    assert repository_update_plan(cluster(node3=state(held=before(**{'10-drwbases': R1}))))['act'] is True
    assert repository_update_plan(cluster('gus'))['act'] is False


def test_act_is_true_while_children_wait_for_the_parent_even_when_the_parent_is_current():
    plan = repository_update_plan(parent_cluster())
    assert plan['to_update'] == [] and plan['later'] == ['node2', 'node3'] and plan['act'] is True
    assert repository_update_plan(parent_cluster(), dict.fromkeys(PRODUCTS, R2), children=True)['act'] is False
    assert repository_update_plan(parent_cluster(), None, children=True)['act'] is True


# --- input --------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize('states, reference', [([], None), ({'node1': {'source': 'mirror'}}, None),
                                               ({'node1': state()}, ['x'])])
def test_bad_input_is_refused_clearly(states, reference):
    with pytest.raises(AnsibleFilterError, match='repository_update_plan'):
        repository_update_plan(states, reference)


def test_flags_given_as_text_are_read_as_booleans():
    plan = repository_update_plan(cluster('gus', node1=state('gus', switched='false', installed='no')))
    assert plan['to_update'] == []
    assert repository_update_plan(cluster(node1=state(switched='true')))['to_update'] == ['node1']


def test_parent_first_call_says_the_children_follow():
    assert 'updating from the parent Server (node2, node3) are compared with it after its step' in \
        repository_update_plan(parent_cluster())['summary']
