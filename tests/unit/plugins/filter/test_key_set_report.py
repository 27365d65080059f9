# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the drweb.cluster.key_set_report filter (vendor prescription 1)."""

from __future__ import annotations

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.drweb.cluster.plugins.filter.key_set_report import FilterModule, key_set_report

PATHS = dict(private_key='/var/opt/drwcs/etc/drwcsd.pri', public_key='/var/opt/drwcs/etc/drwcsd.pub',
             certificate='/var/opt/drwcs/etc/drwcsd-certificate.pem')


def result(private='a' * 64, public='b' * 64, certificate='c' * 64, version=1, mode='0600', **overrides):
    found = dict(private_key=dict(exists=private is not None, valid=True, mode=mode, sha256=private),
                 public_key=dict(exists=public is not None, valid=True, sha256=public),
                 certificate=dict(exists=certificate is not None, valid=True, sha256=certificate, version=version),
                 public_key_matches_private_key=True, certificate_matches_private_key=True,
                 fingerprint=dict(private_key=private, public_key=public, certificate=certificate))
    found.update(overrides)
    return found


def test_the_filter_is_registered():
    assert FilterModule().filters()['key_set_report'] is key_set_report


def test_one_intact_set_everywhere_has_no_problem():
    report = key_set_report(['node1', 'node2', 'node3'], {'node1': result(), 'node2': result()},
                            [dict(result(), item='node3')], PATHS)
    assert report['problems'] == []
    assert report['table'][0].split()[:4] == ['node', 'drwcsd.pri', 'drwcsd.pub', 'drwcsd-certificate.pem']
    assert report['table'][3].startswith('node3') and 'a' * 16 in report['table'][3]


def test_what_differs_is_named():
    other = result(private='d' * 64, mode='0644', certificate_matches_private_key=False)
    report = key_set_report(['node1', 'node2'], {'node1': result(), 'node2': other}, [], PATHS, '0600', 1, ['node3'])
    text = ' | '.join(report['problems'])
    assert 'node2: drwcsd.pri has mode 0644, not 0600' in text
    assert 'node2: drwcsd-certificate.pem was not made for drwcsd.pri' in text
    assert 'certificate version 1 is not higher than version 1' in text
    assert 'the members hold 2 different key sets' in text
    assert report['table'][-1].startswith('node3') and 'not compared' in report['table'][-1]


def test_a_missing_file_and_a_missing_result():
    report = key_set_report(['node1'], {'node1': result(certificate=None)}, [], PATHS)
    assert report['problems'][0] == 'node1: drwcsd-certificate.pem is missing'
    with pytest.raises(AnsibleFilterError, match='no key_fingerprint result for node2'):
        key_set_report(['node1', 'node2'], {'node1': result()}, [], PATHS)
