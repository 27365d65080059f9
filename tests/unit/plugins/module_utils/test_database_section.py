# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of module_utils/database_section.py: the comparison of a drwcsd.conf database section with the common
database's settings says "the same" only where the config role's merge (drweb.cluster.xml_fragments with the section
rendered as templates/drwcsd_database.xml.j2 renders it) changes nothing."""

from __future__ import annotations

from html import escape
from xml.etree import ElementTree

import pytest

from ansible_collections.drweb.cluster.plugins.module_utils import database_section
from ansible_collections.drweb.cluster.plugins.modules import xml_fragments
from ansible_collections.drweb.cluster.tests.unit.plugins.modules.utils import run_module

SPEC = dict(host='db1.example', port='5432', name='drwcs', user='drwcs', password='p&"<w>\'d', sslmode='prefer', ca_file='')

HEAD = '<?xml version="1.0" encoding="utf-8"?>\n<drwcsd>\n  <id value="x"/>\n  '
TAIL = '\n  <passwd-salt value="salt"/>\n</drwcsd>\n'


def section(attributes, own='connections="4"', inner=''):
    """A <database> section holding one <pgsql> with these attributes, written as the file might have it."""
    pgsql = ' '.join('%s="%s"' % (name, escape(value, quote=True)) for name, value in attributes.items())
    return '<database %s>\n    %s<pgsql %s/>\n  </database>' % (own, inner, pgsql)


def rendered(data, spec):
    """The fragment the config role renders for this file (the template's logic: the <database> attributes kept, the
    <pgsql> attributes pgsql_attributes decides from the first child)."""
    root = ElementTree.fromstring(data)
    found = root.find('database')
    own = dict(found.attrib) if found is not None else {}
    first = list(found)[0] if found is not None and len(found) else None
    current = dict(tag=first.tag, attributes=dict(first.attrib)) if first is not None else None
    attributes = database_section.pgsql_attributes(spec, current)['attributes']
    return '<database%s>\n  <pgsql%s/>\n</database>' % (
        ''.join(' %s="%s"' % (name, escape(value, quote=True)) for name, value in own.items()),
        ''.join(' %s="%s"' % (name, escape(value, quote=True)) for name, value in attributes.items()))


def merge_changes(tmp_path, data, spec):
    """Whether drweb.cluster.xml_fragments, in check mode, would change the database section of this file."""
    path = tmp_path / 'drwcsd.conf'
    path.write_text(data)
    result = run_module(xml_fragments, dict(path=str(path), fragments=[dict(xpath='/drwcsd/database', xml=rendered(data, spec))]),
                        check_mode=True)
    return result['changed']


def wanted(**overrides):
    return dict(database_section.pgsql_attributes(dict(SPEC, **overrides))['attributes'])


@pytest.mark.parametrize('label, body, same, differences', [
    ('as the merge writes it', section(wanted()), True, []),
    ('attributes in another order', section(dict(reversed(list(wanted().items())))), True, []),
    ('an unmanaged attribute kept', section(dict(wanted(), timeout='30')), True, []),
    ('a comment inside', section(wanted(), inner='<!-- the common database -->\n    '), True, []),
    ('another password', section(wanted(password='old')), False, ['password']),
    ('another host and port', section(wanted(host='db2', port='6432')), False, ['host', 'port']),
    ('requiressl missing', section({k: v for k, v in wanted().items() if k != 'requiressl'}), False, ['requiressl']),
    ('a stale sslrootcert', section(dict(wanted(), sslrootcert='/etc/ca.pem')), False, ['sslrootcert']),
    ('the embedded database', '<database connections="2">\n    <sqlite dbfile="database.sqlite"/>\n  </database>', False,
     ['<database> holds <sqlite>, not one <pgsql>']),
    ('text inside', section(wanted(), inner='stray text '), False, ['text or elements inside <database>']),
])
def test_same_exactly_where_the_merge_changes_nothing(tmp_path, label, body, same, differences):
    data = HEAD + body + TAIL
    result = database_section.compare_section(data.encode('utf-8'), SPEC)
    assert result == dict(same=same, differences=differences, problem=None), label
    assert merge_changes(tmp_path, data, SPEC) is not same, label


def test_verifying_tls_modes_compare_their_attributes():
    spec = dict(SPEC, sslmode='verify-full', ca_file='/etc/ssl/db-ca.pem')
    data = (HEAD + section(database_section.pgsql_attributes(spec)['attributes']) + TAIL).encode('utf-8')
    assert database_section.compare_section(data, spec)['same'] is True
    assert database_section.compare_section(data, dict(spec, ca_file='/etc/ssl/other.pem'))['differences'] == ['sslrootcert']
    assert database_section.compare_section(data, SPEC)['differences'] == ['requiressl', 'sslmode', 'sslrootcert']


@pytest.mark.parametrize('data, expected', [
    (HEAD + TAIL, dict(same=False, differences=['0 <database> sections'], problem=None)),
    (HEAD + section(wanted()) + section(wanted()) + TAIL, dict(same=False, differences=['2 <database> sections'], problem=None)),
    ('<drwcsd><database><pgsql/>', dict(same=False, differences=[], problem='the file is not well-formed XML')),
    ('<other/>', dict(same=False, differences=[], problem='the root element is <other>, not <drwcsd>')),
    ('<!DOCTYPE drwcsd [<!ENTITY x "y">]><drwcsd/>', dict(same=False, differences=[], problem='the file declares a document type')),
])
def test_what_cannot_be_compared_is_never_the_same(data, expected):
    result = database_section.compare_section(data.encode('utf-8'), SPEC)
    if expected['problem'] and result['problem']:
        result['problem'] = result['problem'][:len(expected['problem'])]
    assert result == expected


def test_a_missing_file_is_a_problem_named_with_its_path(tmp_path):
    result = database_section.compare_file(str(tmp_path / 'drwcsd.conf'), SPEC)
    assert result['same'] is False and result['problem'].startswith('cannot read %s: ' % (tmp_path / 'drwcsd.conf'))


def test_no_value_is_ever_in_the_differences():
    data = (HEAD + section(wanted(password='old-secret', user='someone')) + TAIL).encode('utf-8')
    result = database_section.compare_section(data, SPEC)
    assert result['differences'] == ['password', 'user']
    assert 'old-secret' not in repr(result) and SPEC['password'] not in repr(result)
