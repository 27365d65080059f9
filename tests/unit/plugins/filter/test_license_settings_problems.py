# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the drweb.cluster.license_settings_problems filter and the drweb.cluster.license_key_file lookup."""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError
from ansible.parsing.dataloader import DataLoader
from ansible.parsing.vault import VaultLib, VaultSecret

from ansible_collections.drweb.cluster.plugins.filter.license_settings_problems import (
    FilterModule, license_settings_problems)
from ansible_collections.drweb.cluster.plugins.lookup.license_key_file import LookupModule, read_key_file

KEY = ('[Key]\nKeyNumber=0110000002\nCreated=20260101\nExpires=%s\nApplications=Server,Agent\nClients=50\n'
       '[User]\nName=Lab Organisation\n[Signature]\nValue=c2lnbmVk\n')
READ = {'path': '/srv/agent.key', 'file': True, 'key': {'number': '0110000002', 'user': 'Lab', 'expires': '2030-12-31'},
        'problem': ''}
GOOD = {'host': 'node1', 'servers': ['node1', 'node2', 'node3'], 'key_file': READ, 'today': '2026-12-06'}


def problems(**changes):
    settings = dict(GOOD)
    settings.update(changes)
    return license_settings_problems(settings)


def test_a_usable_input_has_no_problem():
    assert problems() == []
    assert problems(host='node3') == []
    assert problems(key_file=dict(READ, key=dict(READ['key'], expires=None))) == []
    assert problems(key_file=dict(READ, key=dict(READ['key'], expires='2026-12-06'))) == []
    assert problems(today=None) == []


def test_a_licence_host_outside_drweb_servers_is_named():
    assert problems(host='node9') == [
        "drweb_license_host 'node9' is not a member of drweb_servers (node1, node2, node3): the key is added on one of "
        "the cluster's Servers."]


def test_a_path_that_is_no_file_is_named_and_hides_the_key_check():
    assert problems(key_file={'path': '/nowhere/agent.key', 'file': False, 'key': {}, 'problem': ''}) == [
        "drweb_license_key '/nowhere/agent.key' is not a file on the controller: give the path of the licence key file "
        "(agent.key, unpacked from the agent.zip the vendor sends)."]


def test_a_file_that_is_not_a_key_is_named():
    read = dict(READ, key={}, problem='the file is not a Dr.Web licence key: the file is empty')
    assert problems(key_file=read) == [
        "drweb_license_key '/srv/agent.key' cannot be used: the file is not a Dr.Web licence key: the file is empty"]
    assert problems(key_file=dict(READ, key={})) == [
        "drweb_license_key '/srv/agent.key' cannot be used: the file is not a Dr.Web licence key"]


def test_an_expired_key_is_named_with_its_date():
    assert problems(key_file=dict(READ, key=dict(READ['key'], expires='2020-01-01'))) == [
        "drweb_license_key '/srv/agent.key' cannot be used: the licence key 0110000002 expired on 2020-01-01 "
        "(today is 2026-12-06): get a valid key"]


def test_every_independent_problem_is_named_in_one_failure():
    found = problems(host='node9', key_file=dict(READ, key=dict(READ['key'], expires='2020-01-01')))
    assert len(found) == 2 and found[0].startswith("drweb_license_host 'node9'") and 'expired on 2020-01-01' in found[1]


def test_the_input_must_be_a_mapping_with_what_the_lookup_read():
    with pytest.raises(AnsibleFilterError, match='must be a mapping'):
        license_settings_problems('node1')
    with pytest.raises(AnsibleFilterError, match='key_file'):
        problems(key_file='/srv/agent.key')


def test_the_filter_is_registered():
    assert FilterModule().filters()['license_settings_problems'] is license_settings_problems


def test_the_lookup_reads_the_number_and_expiry_never_the_content(tmp_path):
    path = tmp_path / 'agent.key'
    path.write_text(KEY % '20301231', encoding='utf-8')
    read = read_key_file(' %s ' % path)
    assert read == {'path': str(path), 'file': True, 'problem': '',
                    'key': {'number': '0110000002', 'user': 'Lab Organisation', 'expires': '2030-12-31'}}
    assert 'c2lnbmVk' not in repr(read)
    assert LookupModule().run([str(path)]) == [read]


def test_the_lookup_says_why_a_file_is_not_a_key(tmp_path):
    path = tmp_path / 'agent.key'
    path.write_text('this is not a licence key\n', encoding='utf-8')
    read = read_key_file(str(path))
    assert read['file'] and read['key'] == {} and read['problem'].startswith('the file is not a Dr.Web licence key: ')
    path.write_bytes(b'PK\x03\x04\x00\x00')
    assert 'binary' in read_key_file(str(path))['problem']


def test_the_lookup_reports_a_missing_or_empty_path(tmp_path):
    assert read_key_file(str(tmp_path / 'missing.key')) == {
        'path': str(tmp_path / 'missing.key'), 'file': False, 'key': {}, 'problem': ''}
    assert read_key_file('')['file'] is False
    assert read_key_file(None)['path'] == ''
    assert read_key_file(str(tmp_path))['file'] is False


def test_the_lookup_decrypts_a_vault_encrypted_key_file_in_memory(tmp_path):
    secret = [('default', VaultSecret(b'lab vault password'))]
    loader = DataLoader()
    loader.set_vault_secrets(secret)
    path = tmp_path / 'agent.key'
    path.write_bytes(VaultLib(secret).encrypt(KEY % '20301231'))
    assert read_key_file(str(path), loader)['key'] == {'number': '0110000002', 'user': 'Lab Organisation', 'expires': '2030-12-31'}
    assert LookupModule(loader=loader).run([str(path)])[0]['problem'] == ''
    assert read_key_file(str(path))['problem'].startswith('the file is not a Dr.Web licence key: ')   # without the vault
    assert sorted(p.name for p in tmp_path.iterdir()) == ['agent.key']
