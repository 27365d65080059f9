# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the drweb.cluster.key_set_problems filter: the keys role's refusals before any key file is written."""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.drweb.cluster.plugins.filter.key_set_problems import FilterModule, key_set_problems

ETC = '/var/opt/drwcs/etc/'
PRI, PUB, CERT = ETC + 'drwcsd.pri', ETC + 'drwcsd.pub', ETC + 'drwcsd-certificate.pem'
PROVIDED = {'private_key': 'keys/drwcsd.pri', 'public_key': 'keys/drwcsd.pub', 'certificate': 'keys/drwcsd-certificate.pem'}
PATHS = {'private_key': PRI, 'public_key': PUB, 'certificate': CERT, 'backup': '/var/opt/drwcs/backup'}


def state(private=True, public=True, cert=True, **overrides):
    """A key_fingerprint result of the primary's files (exists or not), everything intact and matching."""
    found = {'private_key': {'path': PRI, 'exists': private, 'valid': True if private else None, 'error': None, 'sha256': 'a' if private else None},
             'public_key': {'path': PUB, 'exists': public, 'valid': True if public else None, 'error': None, 'sha256': 'b' if public else None},
             'certificate': {'path': CERT, 'exists': cert, 'valid': True if cert else None, 'error': None,
                             'sha256': 'c' if cert else None},
             'public_key_matches_private_key': True if private and public else None,
             'certificate_matches_private_key': True if private and cert else None}
    for name, value in overrides.items():
        if isinstance(value, dict):
            found[name] = dict(found[name], **value)
        else:
            found[name] = value
    return found


def primary(**changes):
    given = {'host': 'node1', 'installed': True, 'primary': 'node1', 'primary_installed': True, 'source': 'generate',
             'primary_state': state(), 'primary_in_play': True, 'limit': ''}
    given.update(changes)
    return key_set_problems(given)


def cluster_set(public_key_pem=True, **overrides):
    return key_set_problems({'source': 'provided', 'set': state(**overrides), 'provided': PROVIDED, 'public_key_pem': public_key_pem})


def test_the_filter_is_registered():
    assert FilterModule().filters()['key_set_problems'] is key_set_problems


def test_nothing_is_refused_on_a_converged_cluster():
    assert primary() == []
    assert primary(host='node2', primary_state=None) == []
    assert cluster_set() == []
    assert key_set_problems({}) == []


def test_a_server_without_drwcsd_is_refused_first():
    assert primary(host='node2', installed=False, primary_installed=False) == [
        'node2: the Dr.Web Server is not installed; run drweb.cluster.install first.']


def test_a_primary_without_drwcsd_has_no_set_to_give():
    expected = ['drweb_primary_host node1: the Dr.Web Server is not installed there, so it has no key set to give the '
                'cluster; run drweb.cluster.install first.']
    assert primary(host='node2', primary_installed=False, primary_state=None) == expected
    # provided files do not need the primary's set
    assert primary(host='node2', primary_installed=False, source='provided') == []


def test_a_primary_that_lost_its_private_key_is_refused():
    assert primary(primary_state=state(private=False)) == [
        'drweb_primary_host node1: %s is missing while %s or %s exists: the private key they belong to is lost; restore '
        'it, or remove them so that a new set is made' % (PRI, PUB, CERT)]
    # nothing at all: a new set is made there
    assert primary(primary_state=state(private=False, public=False, cert=False)) == []


def test_corrupt_and_mismatched_primary_files_are_named_together():
    broken = state(private_key={'valid': False, 'error': '%s holds a corrupt PEM private key' % PRI},
                   certificate={'valid': False, 'error': '%s holds a corrupt PEM certificate' % CERT},
                   public_key_matches_private_key=False, certificate_matches_private_key=False)
    assert primary(primary_state=broken) == [
        'drweb_primary_host node1: %s holds a corrupt PEM private key; %s holds a corrupt PEM certificate; '
        '%s is not the public key of %s; %s was not made for %s' % (PRI, CERT, PUB, PRI, CERT, PRI)]


def test_a_public_key_in_the_product_format_is_not_a_problem_but_an_unreadable_one_is():
    assert primary(primary_state=state(public_key={'valid': False, 'error': 'not PEM', 'sha256': 'b'},
                                       public_key_matches_private_key=None)) == []
    assert primary(primary_state=state(public_key={'valid': False, 'error': '%s cannot be read' % PUB, 'sha256': None})) == [
        'drweb_primary_host node1: %s cannot be read' % PUB]


def test_an_incomplete_primary_set_needs_the_primary_in_the_play():
    assert primary(host='node2', primary_state=state(cert=False), primary_in_play=False, limit='node2') == [
        'drweb_primary_host node1 has no complete key set, so it must be made there and that Server restarted, but it '
        'is not in this play (--limit node2): include it.']
    assert primary(primary_state=state(cert=False)) == []
    assert primary(primary_state=state(), primary_in_play=False) == []


def test_the_primary_set_is_only_checked_with_generate():
    assert primary(source='provided', primary_state=state(private=False)) == []


def test_a_corrupt_provided_set_names_each_variable():
    found = cluster_set(private_key={'valid': False, 'error': 'private_key_content holds a corrupt PEM private key'},
                        certificate={'valid': False, 'error': 'certificate_content holds a corrupt PEM certificate'},
                        public_key={'valid': False, 'error': 'public_key_content holds a corrupt PEM public key'})
    assert found == ["The cluster's key set is refused, nothing was changed: "
                     "drweb_keys_private (keys/drwcsd.pri): holds a corrupt PEM private key; "
                     "drweb_keys_certificate (keys/drwcsd-certificate.pem): holds a corrupt PEM certificate; "
                     "drweb_keys_public (keys/drwcsd.pub): holds a corrupt PEM public key"]


def test_a_public_key_without_pem_may_be_the_product_format():
    assert cluster_set(public_key_pem=False, public_key={'valid': False, 'error': 'public_key_content is not PEM'}) == []


def test_a_set_that_does_not_belong_together_is_refused():
    assert cluster_set(public_key_matches_private_key=False, certificate_matches_private_key=False) == [
        "The cluster's key set is refused, nothing was changed: "
        "drweb_keys_public (keys/drwcsd.pub) is not the public key of drweb_keys_private (keys/drwcsd.pri); "
        "drweb_keys_certificate (keys/drwcsd-certificate.pem) was not made for drweb_keys_private (keys/drwcsd.pri) "
        "(it certifies another key)"]


def test_the_primary_s_set_read_into_memory_names_the_primary_s_files():
    assert key_set_problems({'source': 'generate', 'primary': 'node1', 'primary_paths': PATHS,
                             'set': state(certificate_matches_private_key=False)}) == [
        "The cluster's key set is refused, nothing was changed: node1:%s was not made for node1:%s (it certifies another "
        "key)" % (CERT, PRI)]


def test_not_a_dictionary_is_an_error():
    with pytest.raises(AnsibleFilterError, match='key_set_problems expects a dictionary'):
        key_set_problems(['node1'])
