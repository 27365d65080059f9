# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the drweb.cluster.attach_plan filter (the database role's per-node attach decision)."""

from __future__ import annotations

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.drweb.cluster.plugins.filter.attach_plan import FilterModule, attach_plan

DATABASE = 'drwcs@db1:5432/drwcs'
STATUS_EMPTY = dict(tables=0, empty=True, initialised=False, schema_expected=522, stations={})
STATUS_READY = dict(tables=8, empty=False, initialised=True, schema_version=522, schema_expected=522, schema_matches=True,
                    stations={'id-2': 1})


def server(stations=0, server_id='id-2', salt='s1', version='13.00.0', installed=True):
    return dict(installed=installed, version=version, server_id=server_id, passwd_salt_sha256=salt,
                own_data=dict(stations=stations, source='embedded database /var/opt/drwcs/database.sqlite'))


def node(host='node2', **overrides):
    values = dict(host=host, server=server(), status=STATUS_READY, primary='node1', primary_server=server(server_id='id-1'),
                  database=DATABASE, allow_data_loss=False, pending=True, versions={'node1': '13.00.0', 'node2': '13.00.0'},
                  unreadable=[], play_hosts=['node1', 'node2'], check_mode=False)
    values.update(overrides)
    return values


def test_the_filter_is_registered():
    assert FilterModule().filters()['attach_plan'] is attach_plan


def test_a_node_with_a_pending_section_switches():
    plan = attach_plan(node())
    assert plan == dict(action='switch', switch=True, stations=0, lost=0, problems=[])


def test_a_node_already_on_the_database_does_nothing():
    assert attach_plan(node(pending=False))['action'] == 'none'


@pytest.mark.parametrize('stations, action', [(0, 'initdb'), (4, 'import')])
def test_the_primary_initialises_an_empty_database(stations, action):
    plan = attach_plan(node(host='node1', server=server(stations=stations, server_id='id-1'), status=STATUS_EMPTY))
    assert plan['action'] == action and plan['switch'] and plan['problems'] == []


def test_an_empty_database_waits_for_the_primary():
    plan = attach_plan(node(status=STATUS_EMPTY, play_hosts=['node2']))
    assert 'the primary node1 initialises it and must be attached first' in plan['problems'][0]


def test_stations_the_common_database_lacks_are_refused_unless_allowed():
    plan = attach_plan(node(server=server(stations=3)))
    assert plan['lost'] == 2 and 'would lose 2 station(s) on node2' in plan['problems'][0]
    assert 'Add node2 to drweb_allow_data_loss' in plan['problems'][0]
    assert attach_plan(node(server=server(stations=3), allow_data_loss=True))['problems'] == []


def test_uncountable_stations_are_refused_unless_allowed():
    plan = attach_plan(node(server=server(stations=None)))
    assert 'cannot tell whether its own database holds stations' in plan['problems'][0]


def test_databases_that_cannot_be_used_are_named():
    foreign = dict(tables=3, empty=False, initialised=False)
    assert 'no Dr.Web Server schema' in attach_plan(node(status=foreign))['problems'][0]
    older = dict(STATUS_READY, schema_version=473, schema_matches=False, schema_release='12.00.0')
    assert 'has schema version 473 (Dr.Web Server 12.00.0)' in attach_plan(node(status=older))['problems'][0]
    failed = dict(msg='cannot connect to the common database')
    assert attach_plan(node(status=failed))['problems'] == ['node2: cannot connect to the common database']


def test_versions_salts_and_unreadable_members_are_problems():
    plan = attach_plan(node(versions={'node1': '13.00.0', 'node2': '13.00.1'},
                            primary_server=server(salt='other'), unreadable=[dict(item='node3', msg='unreachable')]))
    text = ' | '.join(plan['problems'])
    assert 'node3: its Server facts cannot be read (unreachable)' in text
    assert 'the Servers run different versions (node1 13.00.0, node2 13.00.1)' in text
    assert "its passwd-salt is not the primary node1's" in text


def test_a_node_not_installed_is_predicted_in_check_mode_and_refused_otherwise():
    absent = server(installed=False)
    assert attach_plan(node(server=absent, check_mode=True))['action'] == 'install'
    assert 'no Dr.Web Server is installed' in attach_plan(node(server=absent))['problems'][0]


def test_the_input_must_be_a_dictionary():
    with pytest.raises(AnsibleFilterError):
        attach_plan(['node2'])
