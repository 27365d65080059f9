# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the config role's decisions on its one read-and-predict call: drweb.cluster.config_primary_salt,
drweb.cluster.config_prediction and drweb.cluster.config_changing; and of the XML text module_utils.config_elements
renders decided elements as."""

from __future__ import annotations

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.drweb.cluster.plugins.filter.config_changing import FilterModule as ChangingFilters
from ansible_collections.drweb.cluster.plugins.filter.config_changing import config_changing
from ansible_collections.drweb.cluster.plugins.filter.config_prediction import FilterModule as PredictionFilters
from ansible_collections.drweb.cluster.plugins.filter.config_prediction import config_prediction
from ansible_collections.drweb.cluster.plugins.filter.config_primary_salt import FilterModule as SaltFilters
from ansible_collections.drweb.cluster.plugins.filter.config_primary_salt import config_primary_salt
from ansible_collections.drweb.cluster.plugins.module_utils import config_elements

XPATHS = {'drwcsd': {'cluster': '/drwcsd/cluster', 'protocols': '/drwcsd/protocols', 'passwd_salt': '/drwcsd/passwd-salt'},
          'download': {'server': '/download-config/server'}}
SALT_XPATH = XPATHS['drwcsd']['passwd_salt']
NAME = 'esuite.drweb.test'


def salt(value, **extra):
    return dict(tag='passwd-salt', attributes=dict(value=value, **extra), text='', children=[])


def read(own_salt='s1', conf_changed=(), download_changed=(), host=NAME):
    server = None if host is None else dict(tag='server', attributes={'host': host, 'port': '2193'}, text='', children=[])
    conf = dict(path='/var/opt/drwcs/etc/drwcsd.conf', changed_elements=list(conf_changed), elements={SALT_XPATH: own_salt and salt(own_salt)})
    download = dict(path='/var/opt/drwcs/etc/download.conf', changed_elements=list(download_changed),
                    elements={'/download-config/server': server})
    return dict(changed=False, files=[conf, download], elements=dict(conf['elements'], **download['elements']))


# ---------------------------------------------------------------------------------------------------------------
# config_primary_salt
# ---------------------------------------------------------------------------------------------------------------
def source(**given):
    base = dict(unify=True, given='', in_batch=True, batch_read={'elements': {SALT_XPATH: salt('P')}},
                delegated_read={'elements': {SALT_XPATH: salt('D')}})
    base.update(given)
    return base


def test_the_primary_in_the_batch_gives_its_own_read():
    assert config_primary_salt(source(), SALT_XPATH) == salt('P')


def test_a_primary_outside_the_batch_gives_the_read_delegated_to_it():
    assert config_primary_salt(source(in_batch=False), SALT_XPATH) == salt('D')


def test_a_former_salt_given_wins_over_every_read():
    assert config_primary_salt(source(given='former'), SALT_XPATH) == {'attributes': {'value': 'former'}}


@pytest.mark.parametrize('given', [dict(unify=False), dict(unify=False, given='former'),
                                   dict(batch_read={'elements': {SALT_XPATH: None}}), dict(batch_read={}),
                                   dict(in_batch=False, delegated_read={'skipped': True})])
def test_no_salt_to_unify_is_an_empty_dict(given):
    assert config_primary_salt(source(**given), SALT_XPATH) == {}


def test_a_source_that_is_not_a_dict_is_refused():
    with pytest.raises(AnsibleFilterError, match='config_primary_salt expects a dict'):
        config_primary_salt('x', SALT_XPATH)


# ---------------------------------------------------------------------------------------------------------------
# config_prediction
# ---------------------------------------------------------------------------------------------------------------
def test_a_converged_node_changes_nothing_and_names_its_server_address():
    assert config_prediction(read(), salt('s1'), XPATHS, NAME) == dict(changes=[], drift=[], server_address=NAME,
                                                                       expected_server_address=NAME)


def test_the_changes_of_both_files_in_order_with_their_file_names():
    result = config_prediction(read(conf_changed=['/drwcsd/cluster', '/drwcsd/protocols'], download_changed=['/download-config/server'],
                                    host='10.9.9.9'), salt('s1'), XPATHS, NAME)
    assert result['changes'] == ['/drwcsd/cluster', '/drwcsd/protocols', '/download-config/server']
    assert result['drift'] == ['drwcsd.conf:/drwcsd/cluster', 'drwcsd.conf:/drwcsd/protocols', 'download.conf:/download-config/server']
    assert result['server_address'] == '10.9.9.9'


@pytest.mark.parametrize('own', [salt('s2'), salt('s1', extra='x'), dict(salt('s1'), text='t'), None])
def test_a_salt_that_is_not_the_primary_element_changes_last_and_its_value_is_not_returned(own):
    result_read = read()
    result_read['files'][0]['elements'][SALT_XPATH] = own
    result = config_prediction(result_read, salt('s1'), XPATHS, NAME)
    assert result['changes'] == [SALT_XPATH] and result['drift'] == ['drwcsd.conf:' + SALT_XPATH]
    assert 's1' not in repr(result) and 's2' not in repr(result)


def test_the_salt_is_not_compared_when_none_is_unified():
    assert config_prediction(read(own_salt='s2'), {}, XPATHS, NAME)['changes'] == []


def test_a_missing_server_element_has_no_address():
    assert config_prediction(read(host=None, download_changed=['/download-config/server']), {}, XPATHS, NAME)['server_address'] is None


def test_a_failed_read_is_raised_with_its_message():
    with pytest.raises(AnsibleFilterError, match='download.conf is not well-formed'):
        config_prediction(dict(failed=True, msg='/x/download.conf is not well-formed XML', files=[]), {}, XPATHS, NAME)


@pytest.mark.parametrize('value', [{}, {'files': []}, 'x', None])
def test_something_else_than_the_module_result_is_refused(value):
    with pytest.raises(AnsibleFilterError, match='config_prediction expects'):
        config_prediction(value, {}, XPATHS, NAME)


# ---------------------------------------------------------------------------------------------------------------
# config_changing
# ---------------------------------------------------------------------------------------------------------------
def test_the_changing_hosts_in_the_order_given():
    hostvars = {'node1': {'__drweb_config_prediction': {'changes': ['/drwcsd/cluster']}},
                'node2': {'__drweb_config_prediction': {'changes': []}},
                'node3': {'__drweb_config_prediction': {'changes': ['/download-config/server']}},
                'node4': {}}
    assert config_changing(['node3', 'node2', 'node1', 'node4', 'node5'], hostvars) == ['node3', 'node1']
    assert config_changing([], hostvars) == []


def test_the_filters_are_registered_under_their_names():
    assert SaltFilters().filters() == {'config_primary_salt': config_primary_salt}
    assert PredictionFilters().filters() == {'config_prediction': config_prediction}
    assert ChangingFilters().filters() == {'config_changing': config_changing}


# ---------------------------------------------------------------------------------------------------------------
# config_elements.element_xml: the text the templates rendered
# ---------------------------------------------------------------------------------------------------------------
def test_an_element_renders_as_the_element_template_rendered_it():
    protocols = dict(tag='protocols', attributes={}, text='', children=[
        dict(tag='disabled', attributes={}, text='', children=[dict(tag='protocol', attributes={'name': 'MSNAPSHV'}, text='', children=[])])])
    assert config_elements.element_xml(protocols) == ('<protocols>\n  <disabled>\n    <protocol name="MSNAPSHV"/>\n'
                                                      '  </disabled>\n</protocols>')
    assert config_elements.element_xml(dict(tag='a', attributes={'q': '"<&\''}, text='t&')) == '<a q="&#34;&lt;&amp;&#39;">t&amp;</a>'


def test_something_else_than_an_element_is_not_rendered():
    with pytest.raises(ValueError, match='expected an element'):
        config_elements.element_xml({'attributes': {}})


def test_an_unknown_decision_is_refused():
    with pytest.raises(ValueError, match='unknown decision'):
        config_elements.from_current('colour', None)
