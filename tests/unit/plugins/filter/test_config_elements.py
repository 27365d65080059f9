# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the filters that decide the config role's elements: drweb.cluster.cluster_protocol_enabled
(drwcsd.conf's <protocols>) and drweb.cluster.download_server_element (download.conf's Server address)."""

from __future__ import annotations

import copy

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.drweb.cluster.plugins.filter.cluster_protocol_enabled import FilterModule as ProtocolFilters
from ansible_collections.drweb.cluster.plugins.filter.cluster_protocol_enabled import cluster_protocol_enabled
from ansible_collections.drweb.cluster.plugins.filter.download_server_element import FilterModule as ServerFilters
from ansible_collections.drweb.cluster.plugins.filter.download_server_element import download_server_element


def protocol(name):
    return dict(tag='protocol', attributes=dict(name=name), text='', children=[])


def protocols(*disabled, **attributes):
    return dict(tag='protocols', attributes=attributes, text='', children=[
        dict(tag='enabled', attributes={}, text='', children=[protocol('AGENT')]),
        dict(tag='disabled', attributes=dict(reason='admin'), text='', children=[protocol(name) for name in disabled]),
    ])


def disabled_names(element):
    disabled = [child for child in element['children'] if child['tag'] == 'disabled'][0]
    return [entry['attributes']['name'] for entry in disabled['children']]


def test_the_cluster_protocol_leaves_the_disabled_list_and_the_other_protocols_stay_in_order():
    result = cluster_protocol_enabled(protocols('NAP', 'CLUSTER', 'MSNAP'))
    assert disabled_names(result) == ['NAP', 'MSNAP']
    assert result['children'][1]['attributes'] == dict(reason='admin')
    assert result['children'][0] == protocols()['children'][0]    # the other children untouched


@pytest.mark.parametrize('spelling', ['cluster', 'Cluster', 'CLUSTER'])
def test_the_cluster_protocol_is_recognised_whatever_its_case(spelling):
    assert disabled_names(cluster_protocol_enabled(protocols(spelling, 'NAP'))) == ['NAP']


def test_every_entry_of_the_cluster_protocol_goes_and_an_emptied_list_stays_an_element():
    result = cluster_protocol_enabled(protocols('CLUSTER', 'cluster'))
    assert [child['tag'] for child in result['children']] == ['enabled', 'disabled']
    assert disabled_names(result) == []


def test_a_protocols_element_with_the_cluster_protocol_on_comes_back_equal_and_the_input_is_not_changed():
    current = protocols('NAP', version='2')
    before = copy.deepcopy(current)
    assert cluster_protocol_enabled(current) == current
    cluster_protocol_enabled(protocols('CLUSTER'))
    assert current == before


def test_a_protocol_element_outside_disabled_is_kept_even_when_it_names_the_cluster_protocol():
    current = dict(tag='protocols', attributes={}, text='', children=[protocol('CLUSTER')])
    assert cluster_protocol_enabled(current) == current


def test_protocols_that_is_not_an_element_is_refused():
    with pytest.raises(AnsibleFilterError, match='<protocols> element'):
        cluster_protocol_enabled({})


SERVER = dict(tag='server', attributes={'port': '2193', 'host': 'node1.example.test', 'ipv6': 'no'}, text='', children=[])


def test_the_common_name_is_written_first_and_the_port_and_other_attributes_are_kept():
    result = download_server_element(SERVER, ' esuite.example.test ', 9999)
    assert list(result['attributes'].items()) == [('host', 'esuite.example.test'), ('port', '2193'), ('ipv6', 'no')]
    assert (result['tag'], result['text'], result['children']) == ('server', '', [])


def test_a_missing_element_gets_the_agent_port():
    wanted = {'host': 'esuite.example.test', 'port': '2193'}
    assert download_server_element({}, 'esuite.example.test', 2193)['attributes'] == wanted
    assert download_server_element(None, 'esuite.example.test', '2193')['attributes']['port'] == '2193'


def test_text_and_children_are_kept():
    child = dict(tag='note', attributes={}, text='kept', children=[])
    result = download_server_element(dict(SERVER, text='t', children=[child]), 'esuite.example.test', 2193)
    assert (result['text'], result['children']) == ('t', [child])


def test_an_empty_common_name_is_refused_naming_the_variable():
    with pytest.raises(AnsibleFilterError, match='drweb_cluster_name'):
        download_server_element(SERVER, '  ', 2193)


def test_the_filters_are_registered_under_their_names():
    assert ProtocolFilters().filters() == {'cluster_protocol_enabled': cluster_protocol_enabled}
    assert ServerFilters().filters() == {'download_server_element': download_server_element}
