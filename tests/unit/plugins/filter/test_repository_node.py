# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of drweb.cluster.repository_node_problems (a node refused before any update source is written),
drweb.cluster.repository_node_source (what a Server updates from) and drweb.cluster.repository_states (every play
host's input of the update decision, from the registered reads)."""

from __future__ import annotations

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.drweb.cluster.plugins.filter import repository_node_problems as problems_module
from ansible_collections.drweb.cluster.plugins.filter import repository_node_source as source_module
from ansible_collections.drweb.cluster.plugins.filter import repository_states as states_module
from ansible_collections.drweb.cluster.plugins.filter.repository_node_problems import repository_node_problems
from ansible_collections.drweb.cluster.plugins.filter.repository_node_source import repository_node_source
from ansible_collections.drweb.cluster.plugins.filter.repository_states import repository_states
from ansible_collections.drweb.cluster.plugins.filter.repository_update_plan import repository_update_plan

ZONE = 'http://10.213.0.4/update'
RUNNING = dict(installed=True, running=True)


def problems(server=None, zone=None, update=True, check_mode=False):
    return repository_node_problems(dict(host='node2', server=RUNNING if server is None else server, update=update,
                                         check_mode=check_mode, zone_url=ZONE, zone=zone or {'skipped': True}))


def test_the_filters_are_registered():
    assert problems_module.FilterModule().filters() == {'repository_node_problems': repository_node_problems}
    assert source_module.FilterModule().filters() == {'repository_node_source': repository_node_source}
    assert states_module.FilterModule().filters() == {'repository_states': repository_states}


def test_a_running_server_with_an_answering_zone_may_go_on():
    assert problems() == []
    assert problems(zone={'changed': False, 'answered': True, 'readable': True}) == []


def test_a_server_not_installed_or_not_running_is_refused():
    assert problems(dict(installed=False, running=False)) == [
        'node2: the Dr.Web Server is not installed; the repository role needs it installed and running '
        '(drweb.cluster.install first).']
    assert 'is not running;' in problems(dict(installed=True, running=False))[0]
    # a Server to be started in the run (check mode), or a role that does not update: it need not run
    assert problems(dict(installed=True, running=False), check_mode=True) == []
    assert problems(dict(installed=True, running=False), update=False) == []


def test_a_zone_that_does_not_answer_is_refused_with_the_others():
    found = problems(dict(installed=True, running=False), zone={'failed': True, 'msg': 'Connection refused'})
    assert found[1] == ("node2 cannot reach the update zone drweb_update_zone_url=%s: Connection refused. No Server was "
                        "switched or updated; start the zone's web server (or fix drweb_update_zone_url) and run again." % ZONE)
    assert problems(zone={'unreachable': True})[0].endswith(': no answer. No Server was switched or updated; start the '
                                                            "zone's web server (or fix drweb_update_zone_url) and run again.")
    with pytest.raises(AnsibleFilterError):
        repository_node_problems({'server': RUNNING})


def test_the_update_source_of_each_server():
    assert repository_node_source('node2', 'gus') == 'gus'
    assert repository_node_source('node2', 'zone', '', ZONE) == 'zone'
    assert repository_node_source('node2', 'parent', 'node1', ZONE) == 'parent'
    assert repository_node_source('node1', 'parent', 'node1', ZONE) == 'zone'
    assert repository_node_source('node1', 'parent', 'node1', '') == 'gus'


def before(changed=False, revision='20250201000000'):
    return dict(changed=changed, revisions={'10-drwbases': revision}, products={'10-drwbases': dict(revision=revision)})


def test_the_states_come_from_each_play_hosts_registered_reads():
    zone = dict(changed=False, answered=True, readable=True, revisions={'10-drwbases': '20250201000000'})
    hostvars = {
        'node1': {'__drweb_repository_before': before(), '__drweb_repository_zone_probe': zone},
        'node2': {'__drweb_repository_before': before(changed=True), '__drweb_repository_zone_probe': zone},
        'node3': {'__drweb_repository_before': before(revision='20250101000000'), '__drweb_repository_zone_probe': zone},
        'node4': {'__drweb_repository_before': {'skipped': True}},
    }
    states = repository_states(hostvars, ['node1', 'node2', 'node3', 'node4', 'node5'], 'zone', '', ZONE,
                               {'node3': {'install': True}})
    assert sorted(states) == ['node1', 'node2', 'node3']
    assert states['node1'] == dict(before=before(), source='zone', zone=zone, switched=False, installed=False)
    assert states['node2']['switched'] is True and states['node3']['installed'] is True
    plan = repository_update_plan(states)
    assert plan['to_update'] == ['node2', 'node3'] and plan['no_update'] == ['node1']


def test_a_parent_topology_gives_the_children_no_zone_read():
    hostvars = dict((node, {'__drweb_repository_before': before(), '__drweb_repository_zone_probe': {'skipped': True}})
                    for node in ('node1', 'node2'))
    states = repository_states(hostvars, ['node1', 'node2'], 'parent', 'node1', '')
    assert [states['node1']['source'], states['node2']['source']] == ['gus', 'parent']
    assert states['node2']['zone'] == {}
    with pytest.raises(AnsibleFilterError):
        repository_states(hostvars, 'node1', 'gus')
