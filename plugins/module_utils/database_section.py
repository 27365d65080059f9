# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The database section of drwcsd.conf for the common PostgreSQL database: the <pgsql> attributes the collection
writes (``module_utils/config_elements.py``, the config role's database entry point), and whether a
drwcsd.conf already holds exactly that section (``drweb.cluster.database_status``, option ``compare_config``).

The comparison is as strict as ``drweb.cluster.xml_fragments``' (which replaces an element only when it differs in
meaning) or stricter: it says "the same" only when the merge would certainly change nothing, and anything it cannot
be sure of counts as a difference, for the config role's merge to predict.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from xml.etree import ElementTree

# the <pgsql> attributes are the config role's (one rule for what is written and what is compared)
from ansible_collections.drweb.cluster.plugins.module_utils.config_elements import pgsql_attributes

# drwcsd.conf's root element and the database section under it (the config role's xpath /drwcsd/database)
ROOT_TAG = 'drwcsd'
SECTION_TAG = 'database'
PGSQL_TAG = 'pgsql'


def _blank(text):
    return not (text or '').strip()


def compare_section(data, spec):
    """Whether drwcsd.conf (its bytes, data) holds exactly the database section spec makes: a dict with same (True only
    when the config role's merge would certainly change nothing), differences (what differs, by name - never a value)
    and problem (why the file could not be compared, or None)."""
    result = dict(same=False, differences=[], problem=None)
    if any(marker in data for marker in (b'<!DOCTYPE', b'<!ENTITY')):
        # the merge refuses entities; leave such a file to it
        result['problem'] = 'the file declares a document type'
        return result
    try:
        root = ElementTree.fromstring(data)
    except ElementTree.ParseError as error:
        result['problem'] = 'the file is not well-formed XML (%s)' % error
        return result
    if root.tag != ROOT_TAG:
        result['problem'] = 'the root element is <%s>, not <%s>' % (root.tag, ROOT_TAG)
        return result
    sections = root.findall(SECTION_TAG)
    if len(sections) != 1:
        result['differences'].append('%d <%s> sections' % (len(sections), SECTION_TAG))
        return result
    section = sections[0]
    children = list(section)
    if [child.tag for child in children] != [PGSQL_TAG]:
        result['differences'].append('<%s> holds %s, not one <%s>' % (
            SECTION_TAG, ', '.join('<%s>' % child.tag for child in children) or 'nothing', PGSQL_TAG))
        return result
    pgsql = children[0]
    if not (_blank(section.text) and _blank(pgsql.text) and _blank(pgsql.tail)) or len(pgsql):
        result['differences'].append('text or elements inside <%s>' % SECTION_TAG)
    wanted = pgsql_attributes(spec, dict(tag=pgsql.tag, attributes=dict(pgsql.attrib)))['attributes']
    for name in sorted(set(wanted) | set(pgsql.attrib)):
        if wanted.get(name) != pgsql.attrib.get(name):
            result['differences'].append(name)
    result['same'] = not result['differences']
    return result


def compare_file(path, spec):
    """compare_section() of the file at path (a problem when it cannot be read)."""
    try:
        with open(path, 'rb') as handle:
            data = handle.read()
    except (IOError, OSError) as error:
        return dict(same=False, differences=[], problem='cannot read %s: %s' % (path, error.strerror or error))
    return compare_section(data, spec)
