# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the drweb.cluster.keys_settings_problems filter: the keys role's input rules."""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.drweb.cluster.plugins.filter.keys_settings_problems import FilterModule, keys_settings_problems

SERVERS = ['node1', 'node2', 'node3']
# What the role passes on the lab: the primary's set becomes every Server's.
GOOD = {
    'servers': SERVERS, 'host': 'node2', 'primary': 'node1', 'play_hosts': SERVERS, 'limit': '',
    'source': 'generate', 'source_given': '', 'regenerate': False,
    'provided': {'drweb_keys_private': '', 'drweb_keys_public': '', 'drweb_keys_certificate': ''},
}
PROVIDED = {'drweb_keys_private': 'keys/drwcsd.pri', 'drweb_keys_public': 'keys/drwcsd.pub',
            'drweb_keys_certificate': 'keys/drwcsd-certificate.pem'}
MEMBERS = ('drweb.cluster.keys runs on the members of the inventory group drweb_servers, and drweb_primary_host must be '
           'one of them (got drweb_primary_host="%s", %s in the play, drweb_servers = %s).')
PROVIDED_BY_CERTIFICATE = (
    "drweb_certificate_regenerate=true makes the new certificate on the primary, but drweb_keys_source=provided makes "
    "the provided drweb_keys_certificate the cluster's certificate: give a new drweb_keys_certificate instead (from "
    "drwsign gencert with the same private key), or use drweb_keys_source=generate.")


def problems(**changes):
    settings = dict(GOOD)
    settings.update(changes)
    return keys_settings_problems(settings)


def test_usable_settings_have_no_problem():
    assert problems() == []
    assert problems(source='provided', source_given='Provided', provided=PROVIDED) == []
    for regenerate in (True, 'yes', 'on', '1', 'false', '', None):
        assert problems(regenerate=regenerate) == [], regenerate


@pytest.mark.parametrize('changes, message', [
    (dict(primary='node9'), MEMBERS % ('node9', 'node2', '["node1", "node2", "node3"]')),
    (dict(host='db1'), MEMBERS % ('node1', 'db1', '["node1", "node2", "node3"]')),
    (dict(servers=[], primary=''), MEMBERS % ('', 'node2', '[]')),
    (dict(source='vault', source_given='vault'), 'drweb_keys_source must be generate or provided (got "vault").'),
    (dict(regenerate='maybe'), 'drweb_certificate_regenerate must be true or false (got "maybe").'),
    (dict(regenerate=True, source='provided', provided=PROVIDED), PROVIDED_BY_CERTIFICATE),
    (dict(regenerate=True, play_hosts=['node2', 'node3'], limit='node2,node3'),
     'drweb_certificate_regenerate=true makes the new certificate on drweb_primary_host node1 and restarts it, but it '
     'is not in this play (--limit node2,node3): include it.'),
    (dict(source='provided'),
     'drweb_keys_source=provided needs the three files on the controller: drweb_keys_private, drweb_keys_public, '
     'drweb_keys_certificate not set (drweb_keys_private = drwcsd.pri, drweb_keys_public = drwcsd.pub, '
     'drweb_keys_certificate = drwcsd-certificate.pem).'),
    (dict(source='provided', provided=dict(PROVIDED, drweb_keys_public='')),
     'drweb_keys_source=provided needs the three files on the controller: drweb_keys_public not set '
     '(drweb_keys_private = drwcsd.pri, drweb_keys_public = drwcsd.pub, drweb_keys_certificate = drwcsd-certificate.pem).'),
])
def test_each_problem_is_named_with_its_variable(changes, message):
    assert problems(**changes) == [message]


def test_independent_problems_are_all_named_at_once():
    found = problems(primary='node9', source='vault', source_given='vault', regenerate='maybe')
    assert [line.split(' ')[0] for line in found] == [
        'drweb.cluster.keys', 'drweb_keys_source', 'drweb_certificate_regenerate']
    assert problems(source='provided', regenerate=True) == [
        PROVIDED_BY_CERTIFICATE, problems(source='provided')[0]]


def test_a_new_certificate_version_is_not_checked_while_what_it_depends_on_is_wrong():
    # one mistake, one message: a primary outside drweb_servers is not also "not in this play"
    assert problems(regenerate=True, primary='node9', play_hosts=SERVERS) == [
        MEMBERS % ('node9', 'node2', '["node1", "node2", "node3"]')]
    assert problems(regenerate=True, source='vault', source_given='vault') == [
        'drweb_keys_source must be generate or provided (got "vault").']


def test_a_value_that_is_not_a_mapping_is_refused_and_the_filter_is_registered():
    with pytest.raises(AnsibleFilterError, match='mapping'):
        keys_settings_problems(['node1'])
    assert FilterModule().filters()['keys_settings_problems'] is keys_settings_problems


def test_a_provided_file_that_cannot_be_read_is_named_with_its_variable():
    unreadable = dict((variable, True) for variable in PROVIDED)
    unreadable['drweb_keys_private'] = False
    assert problems(source='provided', provided=PROVIDED, readable=unreadable) == [
        'drweb_keys_private (keys/drwcsd.pri) cannot be read on the controller, or is empty: see the warning above (a '
        'missing file, no permission, or a vault-encrypted file without its password)']
    # every unreadable file named; an unset one only as unset; generate never looks at them
    unreadable.update(drweb_keys_public='False', drweb_keys_certificate=False)
    found = problems(source='provided', provided=dict(PROVIDED, drweb_keys_certificate=''), readable=unreadable)
    assert [line.split(' ')[0] for line in found] == ['drweb_keys_source=provided', 'drweb_keys_private', 'drweb_keys_public']
    assert problems(readable=unreadable) == []
    assert problems(source='provided', provided=PROVIDED, readable={}) == []
