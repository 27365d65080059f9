# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the drweb.cluster.repository_settings_problems filter: the repository role's input rules."""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.drweb.cluster.plugins.filter.repository_settings_problems import (
    FilterModule, repository_settings_problems)

# What the role passes for the lab's zone setup: every setting usable.
GOOD = {
    'source': 'zone', 'source_given': 'zone', 'zone_url': 'http://zone1/update', 'zone_url_given': 'http://zone1/update',
    'parent_host': '', 'parent_host_given': '', 'update': True, 'admin_password_set': True,
    'update_timeout': 600, 'poll_interval': 2,
}


def problems(**changes):
    settings = dict(GOOD)
    settings.update(changes)
    return repository_settings_problems(settings)


def test_usable_settings_have_no_problem():
    assert problems() == []
    assert problems(source='gus', source_given='', zone_url='', zone_url_given='') == []
    assert problems(source='parent', parent_host='node1', parent_host_given=' node1 ') == []
    assert problems(source='parent', parent_host='10.0.0.1:2193') == []
    assert problems(zone_url='ftps://mirror.example.com/drweb') == []
    assert problems(zone_url='file:///srv/zone') == []
    # without an update through the Web API the administrator's password is not needed
    assert problems(update=False, admin_password_set=False) == []
    assert problems(update='false', admin_password_set=False) == []


@pytest.mark.parametrize('changes, message', [
    (dict(source='mirror', source_given='mirror'), 'drweb_update_source must be gus, zone or parent, got "mirror".'),
    (dict(zone_url='', zone_url_given=''),
     "drweb_update_zone_url must be the update zone's base URL (http://, https://, ftp://, ftps:// or file://) and is "
     'required with drweb_update_source=zone; got "".'),
    (dict(zone_url='zone1/update', zone_url_given='zone1/update'),
     "drweb_update_zone_url must be the update zone's base URL (http://, https://, ftp://, ftps:// or file://) and is "
     'required with drweb_update_source=zone; got "zone1/update".'),
    (dict(source='gus', zone_url='http://zone one/', zone_url_given='http://zone one/'),
     "drweb_update_zone_url must be the update zone's base URL (http://, https://, ftp://, ftps:// or file://); got "
     '"http://zone one/".'),
    (dict(source='parent'),
     'drweb_update_parent_host must name the parent Server (an inventory host or a host name or address, optionally '
     'with :port) and is required with drweb_update_source=parent; got "".'),
    (dict(parent_host='node1:port', parent_host_given='node1:port'),
     'drweb_update_parent_host must name the parent Server (an inventory host or a host name or address, optionally '
     'with :port) and is required with drweb_update_source=parent; got "node1:port".'),
    (dict(admin_password_set=False),
     'drweb_admin_password is required to start the repository update through the Web API (or set '
     'drweb_repository_update=false).'),
    (dict(update_timeout=0),
     'drweb_repository_update_timeout (0) and drweb_repository_poll_interval (2) must be positive numbers of seconds.'),
    (dict(poll_interval=-1),
     'drweb_repository_update_timeout (600) and drweb_repository_poll_interval (-1) must be positive numbers of seconds.'),
    (dict(poll_interval='soon'),
     'drweb_repository_update_timeout (600) and drweb_repository_poll_interval (soon) must be positive numbers of '
     'seconds.'),
])
def test_each_problem_is_named_with_its_variable(changes, message):
    assert problems(**changes) == [message]


def test_independent_problems_are_all_named_at_once():
    found = problems(source='mirror', source_given='mirror', zone_url='zone1', parent_host='a b',
                     admin_password_set=False, update_timeout=0)
    assert [line.split(' ')[0] for line in found] == [
        'drweb_update_source', 'drweb_update_zone_url', 'drweb_update_parent_host', 'drweb_admin_password',
        'drweb_repository_update_timeout']


def test_a_value_that_is_not_a_mapping_is_refused_and_the_filter_is_registered():
    with pytest.raises(AnsibleFilterError, match='mapping'):
        repository_settings_problems(['zone'])
    assert FilterModule().filters()['repository_settings_problems'] is repository_settings_problems
