# -*- coding: utf-8 -*-
"""The readings every role's input check shares: text, numbers, ports, booleans, IPv4 and DNS labels."""

from __future__ import annotations

import re

import pytest

from ansible_collections.drweb.cluster.plugins.plugin_utils import settings_checks as checks


@pytest.mark.parametrize('value, as_text, as_stripped', [
    (None, '', ''), ('', '', ''), (' a ', ' a ', 'a'), (5432, '5432', '5432'), (True, 'True', 'True'),
])
def test_text_and_stripped(value, as_text, as_stripped):
    assert checks.text(value) == as_text
    assert checks.stripped(value) == as_stripped


def test_quoted_is_json_text():
    assert checks.quoted('a "b"') == '"a \\"b\\""'
    assert checks.quoted('') == '""'


@pytest.mark.parametrize('value, digits, usable', [
    ('1', None, True), ('65535', None, True), ('0', None, False), ('65536', None, False), ('', None, False),
    ('80a', None, False), ('-1', None, False), (' 80', None, False), ('0080', 5, True), ('000080', 5, False),
    ('000080', None, True),
])
def test_is_port(value, digits, usable):
    assert checks.is_port(value, digits=digits) is usable


def test_number_in_bounds_and_digits():
    assert checks.number_in('255', 1, 255, digits=3)
    assert not checks.number_in('256', 1, 255, digits=3)
    assert not checks.number_in('0001', 1, 255, digits=3)
    assert not checks.number_in('0', 1, 255)


@pytest.mark.parametrize('value, reading', [
    (True, True), (False, False), (None, False), ('', False), ('  ', False), ('yes', True), ('On', True),
    ('1', True), ('no', False), ('OFF', False), ('0', False), ('maybe', None), ('y', None),
])
def test_boolean(value, reading):
    assert checks.boolean(value) is reading


@pytest.mark.parametrize('address, usable', [
    ('10.0.0.1', True), ('255.255.255.255', True), ('0.0.0.0', True), ('256.0.0.1', False), ('01.2.3.4', False),
    ('1.2.3', False), ('1.2.3.4.5', False), ('a.b.c.d', False), ('', False),
])
def test_ipv4(address, usable):
    assert bool(checks.IPV4.match(address)) is usable


@pytest.mark.parametrize('label, usable', [
    ('esuite', True), ('a', True), ('a-b', True), ('9a', True), ('-a', False), ('a-', False), ('a' * 63, True),
    ('a' * 64, False), ('a_b', False),
])
def test_dns_label(label, usable):
    assert bool(re.match(r'^' + checks.DNS_LABEL + r'$', label)) is usable


def test_choices():
    assert checks.KEY_SOURCES == ('generate', 'provided')
    assert checks.RESTART_STRATEGIES == ('serial', 'parallel')
    assert set(checks.TRUE_TEXTS) < set(checks.BOOLEAN_TEXTS)
