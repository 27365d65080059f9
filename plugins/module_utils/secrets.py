# -*- coding: utf-8 -*-

# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Masking secrets by value, in every form they take on the way to an output.

A password reaches a diff, a report, a log line or a job event in many spellings: as given, XML-escaped inside a
configuration file (C(&amp;), C(&lt;), C(&quot;) or C(&#34;) ...), JSON-escaped inside a result, with doubled
backslashes or as a Python literal inside a logged argument list. Masking by attribute name misses every secret that
is not in an attribute so named (a salt, a key in an element's text) and every spelling but one; masking by value in
all spellings does not. Every module, filter and role of the collection that shows text which may hold a secret
masks it here.

- C(variants(value)) - the spellings of one secret that are searched for;
- C(Masker(values)) - masks a text (or a nested result), optionally with a numbered label per secret, so a diff shows
  that a secret changed (C(********#1) became C(********#2)) without showing it;
- C(forbidden_characters(value)) - the characters a product file cannot hold in a secret (newline, carriage return,
  NUL), for a clear refusal before anything changes.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import re

MASK = '********'

# The shortest secret searched for (every secret is masked, however short - as Ansible's no_log does).
MIN_LENGTH = 1

# Characters a secret cannot have: a product configuration file is line-based or XML whose attribute values turn
# line ends into spaces, and C strings end at NUL - the product would read another secret than the one given.
FORBIDDEN = (('\n', 'a newline'), ('\r', 'a carriage return'), ('\x00', 'a NUL character'))

_XML_QUOTE = {'"': ('&quot;', '&#34;', '&#x22;'), "'": ('&apos;', '&#39;', '&#x27;')}


def _xml_forms(value):
    """The value escaped for XML text and attribute values, with each usual spelling of the quote references."""
    base = value.replace('&', '&amp;').replace('<', '&lt;').replace('>', '&gt;')
    forms = set([base, value.replace('&', '&amp;').replace('<', '&lt;')])
    for quote, references in _XML_QUOTE.items():
        for form in list(forms):
            if quote in form:
                forms.update(form.replace(quote, reference) for reference in references)
    # both quotes escaped with the same family (&quot;/&apos;, &#34;/&#39;, &#x22;/&#x27;)
    for index in range(3):
        forms.add(base.replace('"', _XML_QUOTE['"'][index]).replace("'", _XML_QUOTE["'"][index]))
    # characters an XML writer may turn into character references
    referenced = ''.join('&#%d;' % ord(char) if char in '\t' or ord(char) > 126 else char for char in base)
    forms.add(referenced)
    forms.add(''.join('&#x%x;' % ord(char) if char in '\t' or ord(char) > 126 else char for char in base))
    return forms


def _escaped_forms(value):
    """JSON, doubled-backslash and Python-literal spellings of one string."""
    forms = set([
        json.dumps(value)[1:-1],
        json.dumps(value, ensure_ascii=False)[1:-1],
        value.replace('\\', '\\\\'),
        repr(value)[1:-1],
        ascii(value)[1:-1],
    ])
    # repr() picks its quote by the content; inside a longer string (a logged argument list) the other one is used
    forms.add(value.replace('\\', '\\\\').replace("'", "\\'"))
    forms.add(value.replace('\\', '\\\\').replace('"', '\\"'))
    return forms


def variants(value):
    """Every spelling of value searched for: raw, XML-escaped, JSON-escaped, doubled backslashes, Python literal, and
    the escaped spellings of the XML form (a configuration file's content inside a JSON result or a log line)."""
    if not isinstance(value, str):
        value = '' if value is None else str(value)
    if len(value) < MIN_LENGTH:
        return []
    forms = set([value])
    xml_forms = _xml_forms(value)
    forms.update(xml_forms)
    for form in list(xml_forms) + [value]:
        forms.update(_escaped_forms(form))
        # two levels: JSON of a log line that itself quotes a Python literal
        for inner in _escaped_forms(form):
            forms.update(_escaped_forms(inner))
    return sorted((form for form in forms if len(form) >= MIN_LENGTH), key=lambda form: (-len(form), form))


def all_variants(values):
    """The variants of every value, longest first, without repeats."""
    seen = set()
    for value in values or []:
        seen.update(variants(value))
    return sorted(seen, key=lambda form: (-len(form), form))


def forbidden_characters(value):
    """Descriptions of the characters of value a product file cannot hold ([] when none)."""
    if not isinstance(value, str):
        return []
    return [what for char, what in FORBIDDEN if char in value]


# How one character of a secret may be spelled after any nesting of XML escaping, JSON/Python string escaping and
# doubled backslashes: the character itself, preceded by any number of backslashes where an escaper adds them,
# an XML character reference (decimal or hexadecimal, or the named one), a \\uXXXX or \\xXX escape, or for non-ASCII
# characters the escaped UTF-8 bytes (a bytes literal).
_NAMED = {'&': 'amp', '<': 'lt', '>': 'gt', '"': 'quot', "'": 'apos'}
_SHORT = {'\t': 't', '\n': 'n', '\r': 'r', '\b': 'b', '\f': 'f', '\x00': '0'}
_BACKSLASHES = r'\\*'


def _char_pattern(char):
    code = ord(char)
    references = ['&#0*%d;' % code, '&#[xX]0*%x;' % code]
    if char in _NAMED:
        references.append('&%s;' % _NAMED[char])
    # an XML reference whose & was escaped again (&amp;lt;): a file's content inside another XML document
    alternatives = ['&amp;' + reference[1:] for reference in references] + references
    escapes = [r'u%04x' % code, r'x%02x' % code] if code < 0x10000 else [r'U%08x' % code]
    if code >= 0x10000:
        high, low = 0xD800 + ((code - 0x10000) >> 10), 0xDC00 + ((code - 0x10000) & 0x3FF)
        escapes.append(r'u%04x\\+u%04x' % (high, low))
    if char in _SHORT:
        escapes.append(_SHORT[char])
    if code > 127:
        escapes.append(r'\\+'.join('x%02x' % byte for byte in char.encode('utf-8')))
    alternatives.extend(r'\\+' + escape for escape in escapes)
    # the character itself last: the longer spellings are tried first, so a whole reference is masked, not its "&"
    if char == '\\':
        alternatives.append(r'\\+')
    elif char in '"\'':
        alternatives.append(_BACKSLASHES + re.escape(char))
    else:
        alternatives.append(re.escape(char))
    return '(?:%s)' % '|'.join(alternatives)


def pattern(value):
    """A regular expression matching value in every spelling (see _char_pattern), or None for an empty value."""
    if not isinstance(value, str) or not value:
        return None
    return re.compile(''.join(_char_pattern(char) for char in value), re.IGNORECASE)


class Masker(object):
    """Masks the given secrets, in every spelling, in texts and nested results.

    With numbered=True each secret gets one label, shared by all its spellings and by every text masked with the same
    Masker: C(********#1), C(********#2) ... in the order the secrets first appear in the masked texts (one pass over
    each text, left to right). So the before and after of a diff, masked in that order, always read C(********#1)
    then C(********#2) when a secret changed, whatever the secrets' values. With numbered=False every secret becomes
    C(********).
    """

    def __init__(self, values, numbered=False):
        self.numbered = numbered
        self.count = 0
        self._secrets = []   # (secret, compiled pattern, group), in the order added
        self._labels = {}    # group -> label, given when a group is first found
        self._combined = None
        self.add(values)

    def add(self, values):
        """Masks these secrets as well (a secret found while reading, for example)."""
        known = set(secret for secret, unused_compiled, unused_group in self._secrets)
        for value in values or []:
            if not isinstance(value, str) or not value or value in known:
                continue
            compiled = pattern(value)
            # a spelling of a secret already known (its XML or JSON form, say) shares that secret's group and label
            group = len(self._secrets)
            for secret, other, other_group in self._secrets:
                if other.fullmatch(value) or compiled.fullmatch(secret):
                    group = other_group
                    break
            self._secrets.append((value, compiled, group))
            known.add(value)
        # one alternation, longest secret first: a secret that contains another is masked whole
        ordered = sorted(range(len(self._secrets)), key=lambda index: (-len(self._secrets[index][0]), self._secrets[index][0]))
        self._combined = re.compile('|'.join('(?P<s%d>%s)' % (index, self._secrets[index][1].pattern) for index in ordered),
                                    re.IGNORECASE) if ordered else None

    @property
    def values(self):
        return [secret for secret, unused_compiled, unused_group in self._secrets]

    def _label(self, match):
        self.count += 1
        if not self.numbered:
            return MASK
        group = self._secrets[int(match.lastgroup[1:])][2]
        if group not in self._labels:
            self._labels[group] = '%s#%d' % (MASK, len(self._labels) + 1)
        return self._labels[group]

    def mask(self, text):
        """text with every spelling of every secret replaced by its label."""
        if not isinstance(text, str) or self._combined is None:
            return text
        return self._combined.sub(self._label, text)

    def mask_data(self, data):
        """data (dicts, lists, strings) with every string masked; keys are kept."""
        if isinstance(data, dict):
            return dict((key, self.mask_data(item)) for key, item in data.items())
        if isinstance(data, (list, tuple)):
            return [self.mask_data(item) for item in data]
        return self.mask(data)


def mask(text, values):
    """text with every spelling of every value replaced by ********."""
    return Masker(values).mask(text)
