# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of module_utils/secrets.py: every spelling of an awkward secret is masked, ordinary text is kept."""

from __future__ import annotations

import json
from xml.sax.saxutils import escape, quoteattr

import pytest

from ansible_collections.drweb.cluster.plugins.module_utils.secrets import MASK, Masker, forbidden_characters, mask, variants

AWKWARD = {
    'double-quote': 'pa"ss"word',
    'single-quote': "it's-mine",
    'both-quotes': 'q"u\'ote',
    'backslash': 'C:\\temp\\new',
    'less-than-ampersand': 'a<b&c>d',
    'entity-looking': '&amp;&lt;x',
    'non-ascii': 'пароль-ä-密码',
    'everything': 'x"\'\\<&>ü\t;',
}


def spellings(value):
    """Spellings computed here with other tools than the helper: raw, XML (saxutils, both quote styles, markupsafe's
    numeric references), JSON (ASCII or not), doubled backslashes, Python literal."""
    xml = escape(value)
    forms = {value, xml, quoteattr(value)[1:-1], escape(value, {'"': '&quot;', "'": '&apos;'}),
             escape(value, {'"': '&#34;', "'": '&#39;'}), value.replace('\\', '\\\\')}
    forms |= {json.dumps(form)[1:-1] for form in list(forms)} | {json.dumps(form, ensure_ascii=False)[1:-1] for form in list(forms)}
    forms |= {repr(form)[1:-1] for form in list(forms)}
    return forms


@pytest.mark.parametrize('secret', list(AWKWARD.values()), ids=list(AWKWARD))
def test_every_spelling_is_masked(secret):
    for form in spellings(secret):
        text = 'before %s after' % form
        masked = mask(text, [secret])
        assert masked == 'before %s after' % MASK, (form, masked)


@pytest.mark.parametrize('secret', list(AWKWARD.values()), ids=list(AWKWARD))
def test_a_json_dump_of_a_config_line_holding_it_is_masked(secret):
    """A drwcsd.conf line inside a JSON result inside a log line: XML-escaped, then JSON-escaped, then repr'd."""
    line = '<pgsql user="drwcs" password=%s/>' % quoteattr(secret)
    for text in (line, json.dumps(line), json.dumps({'diff': {'after': line}}), repr([{'xml': line}]),
                 json.dumps(json.dumps(line))):
        masked = mask(text, [secret])
        for form in spellings(secret):
            assert form not in masked, (form, masked)
        assert 'user=' in masked and 'drwcs' in masked


def test_numbered_labels_are_shared_by_all_spellings_and_by_texts():
    masker = Masker(['old-Pa55', 'new&<Pa55'], numbered=True)
    assert masker.mask('old-Pa55 new&amp;&lt;Pa55') == '********#1 ********#2'
    assert masker.mask('new&<Pa55') == '********#2'
    masker.add(['found-in-file'])
    assert masker.mask('found-in-file') == '********#3'
    assert masker.count == 4


def test_numbered_labels_follow_the_texts_not_the_order_given():
    """A diff masked before-then-after reads #1 -> #2 for a changed secret, whichever secret was given first."""
    for given in (['zz-old-Pa55', 'aa-new-Pa55'], ['aa-new-Pa55', 'zz-old-Pa55']):
        masker = Masker(given, numbered=True)
        assert masker.mask('salt="zz-old-Pa55"') == 'salt="********#1"'
        assert masker.mask('salt="aa-new-Pa55" was "zz-old-Pa55"') == 'salt="********#2" was "********#1"'


def test_a_secret_inside_another_is_masked_whole_by_the_longer():
    masker = Masker(['Pa55', 'my-Pa55-word'], numbered=True)
    assert masker.mask('my-Pa55-word and Pa55') == '********#1 and ********#2'
    assert masker.count == 2


def test_ordinary_text_is_kept_and_data_keeps_its_keys():
    masker = Masker(['s3cret'])
    assert masker.mask_data({'s3cret-key': ['a s3cret b', 3, None, {'x': 's3cret'}]}) == \
        {'s3cret-key': ['a ******** b', 3, None, {'x': MASK}]}
    assert mask('nothing secret here', ['s3cret']) == 'nothing secret here'
    assert mask('text', []) == 'text' and mask('text', [None, '']) == 'text'


def test_variants_longest_first_and_empty_for_nothing():
    forms = variants('a"b')
    assert forms == sorted(forms, key=lambda form: (-len(form), form))
    assert 'a"b' in forms and 'a&quot;b' in forms and 'a&#34;b' in forms and 'a\\"b' in forms
    assert variants('') == [] and variants(None) == []


@pytest.mark.parametrize('value, problems', [
    ('fine-Pa55 "<&>\\ü', []),
    ('line\nbreak', ['a newline']),
    ('carriage\rreturn', ['a carriage return']),
    ('nul\x00byte', ['a NUL character']),
    ('all\n\r\x00', ['a newline', 'a carriage return', 'a NUL character']),
])
def test_forbidden_characters(value, problems):
    assert forbidden_characters(value) == problems
