#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: xml_fragments
short_description: Merge rendered XML elements into a configuration file, leaving every other byte as it was
description:
- Replaces whole elements of an XML file with the elements given as text (for example rendered by a template), and
  inserts those that are missing, in one call per file. Every byte outside the replaced elements is kept as it was, that
  is the XML declaration, comments, whitespace, attribute order and quoting of the elements it does not manage.
- Made for product files whose schema is not public and which the product rewrites itself (the Dr.Web Server's
  C(drwcsd.conf) and C(download.conf)); the collection owns a few elements, never the file.
- Works on the bytes of the file. A careful parse (Python's expat) finds the byte span of each managed element and
  only those spans are spliced; the file is never re-serialised.
- An element is replaced only when it differs from the fragment in meaning (tag, attributes in any order, text
  without surrounding whitespace, child elements in order; comments and indentation inside it do not count). So a
  product that reformats its file does not cause changes (and restarts) on every run.
- The result is checked before anything is written (it parses, and every managed element equals its fragment), then
  the original is backed up when asked, then the new content replaces the file atomically (a temporary file in the
  same folder renamed over it) keeping its owner, group and mode.
- Can also just read elements (O(read)), to render fragments from what the file holds; or decide a fragment from
  the element the file holds (O(fragments[].from_current)), so that reading, deciding and merging (or, in check mode,
  predicting) is one call.
- Several files in one call with O(files) - every file is read and planned (and every problem refused) before the
  first one is written.
version_added: 0.1.0
options:
  path:
    description:
    - The XML file to change. It must exist and be well-formed.
    - ASCII-compatible encodings only (UTF-8, ISO-8859-x, Windows code pages), as declared by the file.
    - Exactly one of O(path) and O(files) is required.
    type: path
  files:
    description:
    - Several files in one call, each with its own O(files[].fragments) and O(files[].read) (in place of O(path),
      O(fragments) and O(read)); O(backup), O(validate), O(mode) and the secret options apply to each file.
    - Every file is read and planned before any is written, so a problem in any file leaves all of them untouched.
    type: list
    elements: dict
    version_added: 0.1.0
    suboptions:
      path:
        description: The XML file, as O(path).
        type: path
        required: true
      fragments:
        description: Its managed elements, as O(fragments).
        type: list
        elements: dict
        default: []
        suboptions:
          xpath:
            description: As O(fragments[].xpath).
            type: str
            required: true
          xml:
            description: As O(fragments[].xml).
            type: str
          from_current:
            description: As O(fragments[].from_current).
            type: str
            choices: [cluster_protocol_enabled, database_section, download_server_element]
          arguments:
            description: As O(fragments[].arguments).
            type: dict
            default: {}
          when_present:
            description: As O(fragments[].when_present).
            type: bool
            default: false
          parent:
            description: As O(fragments[].parent).
            type: str
          position:
            description: As O(fragments[].position).
            type: str
            choices: [first, last]
            default: last
      read:
        description: Paths of its elements to return, as O(read).
        type: list
        elements: str
        default: []
  fragments:
    description:
    - The managed elements, applied together. Two fragments may not address the same element, nor one inside the
      other.
    type: list
    elements: dict
    default: []
    suboptions:
      xpath:
        description:
        - Absolute path of the managed element from the root element, for example C(/drwcsd/cluster).
        - Steps are element names, each optionally with one attribute predicate, for example
          C(/drwcsd/protocols/disabled/protocol[@name='CLUSTER']). It must address at most one element.
        type: str
        required: true
      xml:
        description:
        - The element as text, exactly one element whose name (and predicate) matches the last step of O(fragments[].xpath).
        - Write it with its first line at column 0 and children indented relative to it; continuation lines are
          indented like the line of the element it replaces (or like its future siblings when inserted).
        - Exactly one of O(fragments[].xml) and O(fragments[].from_current) is required.
        type: str
      from_current:
        description:
        - Decide the element from the one the file holds now (before the merge) instead of giving its text; the
          element is then rendered with two spaces of indentation per level, attributes in the decided order.
        - V(cluster_protocol_enabled) - the Dr.Web Server's C(<protocols>) element with the cluster protocol taken out
          of every C(<disabled>) list (its name compared without regard to case), everything else kept.
        - V(download_server_element) - C(download.conf)'s Server address element with C(host) set to
          C(name) of O(fragments[].arguments) and written first, the port and every other attribute, the text and the
          children kept; a missing element (or one without a port) gets its C(agent_port).
        - V(database_section) - C(drwcsd.conf)'s C(<database>) element with one C(<pgsql>) child pointing the Server at
          a PostgreSQL database (the attributes the C(drweb.cluster.pgsql_attributes) filter decides from
          O(fragments[].arguments), the unmanaged ones of the file's C(<pgsql>) kept), the element's own attributes
          as the file has them. Refused when the arguments cannot work. Pass the password in O(secret_values) too.
        type: str
        choices: [cluster_protocol_enabled, database_section, download_server_element]
        version_added: 0.1.0
      arguments:
        description:
        - What O(fragments[].from_current) decides with - C(name) and C(agent_port) for V(download_server_element);
          C(host), C(port), C(name), C(user), C(password), C(sslmode) and C(ca_file) for V(database_section); none
          for V(cluster_protocol_enabled).
        type: dict
        default: {}
        version_added: 0.1.0
      when_present:
        description:
        - Merge the fragment only when the file has the element; a missing element is then left missing (not
          inserted, not reported).
        type: bool
        default: false
        version_added: 0.1.0
      parent:
        description:
        - Absolute path of the parent to insert the element into when it is missing.
        - Defaults to O(fragments[].xpath) without its last step. The module fails when the parent is missing too.
        type: str
      position:
        description:
        - Where a missing element is inserted in its parent.
        type: str
        choices: [first, last]
        default: last
  read:
    description:
    - Paths (same syntax as O(fragments[].xpath)) of elements to return in RV(elements), as found in the file
      before any change. A path that addresses no element returns C(null).
    - Values of O(secret_attributes) are returned as C(********).
    type: list
    elements: str
    default: []
  backup:
    description:
    - Keep a copy of the original file, named with a timestamp, before replacing it (only when it changes).
    type: bool
    default: false
  validate:
    description:
    - A command run on the new content (written to a temporary file, C(%s) in the command is its path) before it
      replaces the file; a non-zero exit fails the module and leaves the file untouched.
    type: str
  secret_attributes:
    description:
    - Names of attributes whose non-empty values are secrets, wherever they occur in the file (managed or not), before
      and after the merge; returned as C(********) in RV(elements).
    - Their values are then masked by value like O(secret_values), so the same secret elsewhere in the file (or in a
      message) is masked too.
    type: list
    elements: str
    default: [password]
  secret_elements:
    description:
    - Paths (same syntax as O(fragments[].xpath)) of elements whose every attribute value and text (their children's
      too) are secrets, before and after the merge - for example C(/drwcsd/passwd-salt), whose C(value) attribute is
      not named after a secret.
    - Their values are masked by value like O(secret_values).
    type: list
    elements: str
    default: []
  secret_values:
    description:
    - Values (for example a database password rendered into a fragment) that must not appear in any output.
    - The module masks each of them, and each secret found through O(secret_attributes) and O(secret_elements), in every
      spelling it may take - as given, XML-escaped (C(&amp;), C(&lt;), C(&quot;), C(&#34;) ...), JSON-escaped, with
      doubled backslashes or as a Python literal - with C(********) in its messages and returned elements and with
      C(********#N) in its diff (N numbers the distinct secrets of that diff, so a changed secret shows as a changed
      number, never as its value).
    - Ansible hides the values given here from the logged arguments only in the spellings given; pass them through
      the C(drweb.cluster.secret_variants) filter so that the arguments logged on the node (the O(fragments) text
      holds the XML-escaped spelling) are masked too.
    type: list
    elements: str
    default: []
  mode:
    description:
    - The file's mode after the merge, for a file that receives a secret (for example C('0600')). The new content is
      written into a temporary file created readable by its owner only, which gets this mode (and the file's owner
      and group) before it is renamed over the file, so the content is never readable with a looser mode.
    - A file whose content does not change gets this mode too when it has another one (reported as changed, with no
      changed elements).
    - Default is the file's current mode.
    type: raw
attributes:
  check_mode:
    support: full
    description: In check mode the module computes the new content, reports whether it would change and its diff, and writes nothing.
  diff_mode:
    support: full
    description: The diff shows the whole file before and after, with secret attribute values and secret values masked (C(********#N)).
  platform:
    support: full
    platforms: posix
    description: Runs on the POSIX hosts that hold the file (the Servers), or on the controller.
notes:
- Namespaced documents are handled by their prefixed names (C(ns:tag)) as written in the file; namespace URIs are not
  resolved.
- Documents with a DTD that declares entities are refused (entity expansion would change what the bytes mean).
- Python standard library only (C(xml.parsers.expat)); no lxml is needed on the target.
seealso:
- module: community.general.xml
  description: Edits one XPath per call and re-serialises the whole document with lxml (declaration, attribute
    spacing, the line break after comments and the final newline change), so it does not keep unmanaged bytes.
author:
- drweb.cluster maintainers !UNKNOWN
'''

EXAMPLES = r'''
- name: Merge the cluster section and enable the cluster protocol (Server stopped first)
  drweb.cluster.xml_fragments:
    path: /var/opt/drwcs/etc/drwcsd.conf
    backup: true
    fragments:
      - xpath: /drwcsd/cluster
        xml: |
          <cluster>
            <on multicast-group="232.0.0.1" port="11111" interface="0.0.0.0" ttl="1"/>
          </cluster>
      - xpath: /drwcsd/protocols
        xml: |
          <protocols>
            <disabled>
              <protocol name="MSNAPSHV"/>
            </disabled>
          </protocols>

- name: Would drwcsd.conf change? (predict without writing)
  drweb.cluster.xml_fragments:
    path: /var/opt/drwcs/etc/drwcsd.conf
    fragments: "{{ my_fragments }}"
  check_mode: true
  changed_when: false
  register: predicted

- name: Read elements to render fragments from
  drweb.cluster.xml_fragments:
    path: /var/opt/drwcs/etc/download.conf
    read:
      - /download-config/server
  register: current

- name: Read, decide and predict two files in one call (writes nothing)
  drweb.cluster.xml_fragments:
    files:
      - path: /var/opt/drwcs/etc/drwcsd.conf
        fragments:
          - xpath: /drwcsd/protocols
            from_current: cluster_protocol_enabled
            when_present: true
      - path: /var/opt/drwcs/etc/download.conf
        read: [/download-config/server]
        fragments:
          - xpath: /download-config/server
            from_current: download_server_element
            arguments: {name: esuite.example.com, agent_port: 2193}
  check_mode: true
  register: predicted

- name: Write a database section without showing its password
  drweb.cluster.xml_fragments:
    path: /var/opt/drwcs/etc/drwcsd.conf
    fragments:
      - xpath: /drwcsd/database
        xml: "{{ lookup('ansible.builtin.template', 'database.xml.j2') }}"
    secret_values: "{{ [db_password] | drweb.cluster.secret_variants }}"
    secret_elements:
      - /drwcsd/passwd-salt
    mode: '0600'
'''

RETURN = r'''
path:
  description: The file.
  returned: when O(path) is given
  type: str
  sample: /var/opt/drwcs/etc/drwcsd.conf
files:
  description:
  - Each file's own result, in the order given (one entry for O(path)).
  returned: always
  type: list
  elements: dict
  contains:
    path:
      description: The file.
      type: str
    changed:
      description: Whether the file changed (or would, in check mode).
      type: bool
    changed_elements:
      description: As RV(changed_elements), for this file.
      type: list
      elements: str
    inserted_elements:
      description: As RV(inserted_elements), for this file.
      type: list
      elements: str
    elements:
      description: As RV(elements), for this file's O(files[].read).
      type: dict
    backup_file:
      description: As RV(backup_file), for this file.
      type: str
      returned: when O(backup=true) and the file changed (not in check mode)
  sample:
    - path: /var/opt/drwcs/etc/download.conf
      changed: false
      changed_elements: []
      inserted_elements: []
      elements: {}
changed_elements:
  description:
  - Paths of the fragments whose element differed from the file (replaced or inserted, or would be in check mode).
  - With O(files), every file's, in the order of the files.
  returned: always
  type: list
  elements: str
  sample: [/drwcsd/cluster]
inserted_elements:
  description: Paths of the fragments that were missing and are inserted (a subset of RV(changed_elements)).
  returned: always
  type: list
  elements: str
  sample: []
elements:
  description:
  - The elements of O(read) as found before any change, by path; C(null) for a path that addresses nothing.
  - With O(files), every file's O(files[].read) in one dict (a path read in two files - the later file's).
  - Each element is C(tag), C(attributes) (a dict), C(text) (the element's own text, stripped) and C(children)
    (a list of elements of the same shape).
  returned: always
  type: dict
  sample:
    /download-config/server:
      tag: server
      attributes: {host: '', port: '2193'}
      text: ''
      children: []
backup_file:
  description: Path of the backup of the original file.
  returned: when O(backup=true) and the file changed (not in check mode)
  type: str
  sample: /var/opt/drwcs/etc/drwcsd.conf.1234.2025-01-01@12:00:00~
diff:
  description:
  - Whole file before and after, secrets masked.
  - With O(files), a list of such dicts, one per changed file.
  returned: when diff mode is on and the file changes
  type: dict
  contains:
    before:
      description: The file before, masked.
      type: str
    after:
      description: The file after, masked.
      type: str
    before_header:
      description: Path of the file.
      type: str
    after_header:
      description: Path of the file.
      type: str
'''

import codecs
import os
import re
import tempfile
import textwrap
from xml.parsers import expat

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_bytes, to_native
from ansible_collections.drweb.cluster.plugins.module_utils import config_elements
from ansible_collections.drweb.cluster.plugins.module_utils.secrets import MASK, Masker

NAME = r'[A-Za-z_][\w.\-]*(?::[A-Za-z_][\w.\-]*)?'
STEP_RE = re.compile(r'(?P<name>%s)(?:\[@(?P<attr>%s)\s*=\s*(?:"(?P<dq>[^"]*)"|\'(?P<sq>[^\']*)\')\])?$' % (NAME, NAME))
DECLARATION_RE = re.compile(br'^(?:\xef\xbb\xbf)?<\?xml[^>]*?encoding\s*=\s*["\']([A-Za-z0-9._\-]+)["\']')
WHITESPACE = b' \t\r\n'


class MergeError(Exception):
    """A problem that leaves the file untouched; the message names the file or the fragment."""


class Element(object):
    """An element of the parsed document with the byte span of its markup."""

    def __init__(self, tag, attributes, start, parent):
        self.tag = tag
        self.attributes = attributes
        self.start = start              # offset of '<'
        self.start_tag_end = None       # offset after the start tag's '>'
        self.end_tag_start = None       # offset of '</' (None for an empty-element tag)
        self.end = None                 # offset after the element
        self.parent = parent
        self.children = []
        self.text_parts = []

    @property
    def text(self):
        return ''.join(self.text_parts).strip()

    def canonical(self):
        """What the element means: tag, attributes, own text, children; no comments, no layout."""
        return (self.tag, tuple(sorted(self.attributes.items())), self.text,
                tuple(child.canonical() for child in self.children))

    def as_dict(self, secret_attributes=()):
        attributes = dict((name, MASK if name in secret_attributes and value else value)
                          for name, value in self.attributes.items())
        return dict(tag=self.tag, attributes=attributes, text=self.text,
                    children=[child.as_dict(secret_attributes) for child in self.children])


def _tag_end(data, offset):
    """Offset after the '>' closing the tag that starts at offset (quotes respected)."""
    quote = None
    index = offset + 1
    length = len(data)
    while index < length:
        char = data[index:index + 1]
        if quote is not None:
            if char == quote:
                quote = None
        elif char in (b'"', b"'"):
            quote = char
        elif char == b'>':
            return index + 1
        index += 1
    raise MergeError('unterminated tag at byte %d' % offset)


def document_encoding(data):
    """The declared encoding (default UTF-8); only ASCII-compatible encodings can be spliced byte-wise."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        raise MergeError('UTF-16/UTF-32 files are not supported')
    match = DECLARATION_RE.match(data)
    name = match.group(1).decode('ascii') if match else 'utf-8'
    try:
        info = codecs.lookup(name)
    except LookupError as error:
        raise MergeError('unknown encoding %r declared' % name) from error
    if info.name.startswith(('utf-16', 'utf-32')) or b'<' != '<'.encode(info.name):
        raise MergeError('encoding %s is not supported (not ASCII-compatible)' % name)
    return info.name


def parse(data, what):
    """Root Element of data (bytes) with byte spans; MergeError when not well-formed."""
    parser = expat.ParserCreate()
    parser.buffer_text = True
    stack = []
    roots = []

    def start(tag, attributes):
        offset = parser.CurrentByteIndex
        parent = stack[-1] if stack else None
        element = Element(tag, attributes, offset, parent)
        element.start_tag_end = _tag_end(data, offset)
        if parent is not None:
            parent.children.append(element)
        else:
            roots.append(element)
        stack.append(element)

    def end(unused_tag):
        element = stack.pop()
        offset = parser.CurrentByteIndex
        if offset == element.start_tag_end and data[offset - 2:offset] == b'/>':
            element.end = offset
        else:
            element.end_tag_start = offset
            element.end = _tag_end(data, offset)

    def text(value):
        if stack:
            stack[-1].text_parts.append(value)

    def refuse_entities(*unused_args):
        raise MergeError('%s declares entities in a DTD; refused' % what)

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = text
    parser.EntityDeclHandler = refuse_entities
    try:
        parser.Parse(data, True)
    except expat.ExpatError as error:
        raise MergeError('%s is not well-formed XML (line %s, column %s): %s'
                         % (what, error.lineno, error.offset, expat.ErrorString(error.code))) from error
    return roots[0]


def parse_path(path, what):
    """List of (name, attribute, value) steps of an absolute path."""
    if not isinstance(path, str) or not path.startswith('/') or path.startswith('//'):
        raise MergeError('%s %r is not an absolute path like /root/element' % (what, path))
    steps = []
    for text in re.split(r'/(?![^\[]*\])', path[1:]):
        match = STEP_RE.match(text.strip())
        if not match:
            raise MergeError('%s %r: step %r is not "name" or "name[@attribute=\'value\']"' % (what, path, text))
        value = match.group('dq') if match.group('dq') is not None else match.group('sq')
        steps.append((match.group('name'), match.group('attr'), value))
    return steps


def parent_of(path):
    """The path without its last step."""
    return '/' + '/'.join(re.split(r'/(?![^\[]*\])', path[1:])[:-1])


def _matches(element, step):
    name, attribute, value = step
    return element.tag == name and (attribute is None or element.attributes.get(attribute) == value)


def find(root, steps, path):
    """The element the steps address, or None; MergeError when they address several."""
    if not _matches(root, steps[0]):
        return None
    current = [root]
    for step in steps[1:]:
        current = [child for element in current for child in element.children if _matches(child, step)]
        if not current:
            return None
    if len(current) > 1:
        raise MergeError('%s addresses %d elements; it must address one' % (path, len(current)))
    return current[0]


def line_indent(data, offset):
    """The whitespace that starts the line holding offset (up to its first other character)."""
    line_start = data.rfind(b'\n', 0, offset) + 1
    index = line_start
    while index < offset and data[index:index + 1] in (b' ', b'\t'):
        index += 1
    return data[line_start:index]


class Merger(object):
    """Plan and apply the fragments of one file."""

    def __init__(self, module, path=None, fragments=None, read=None, masker=None):
        self.module = module
        self.params = module.params
        self.path = path if path is not None else self.params['path']
        self.fragments = list(fragments if fragments is not None else self.params['fragments'] or [])
        self.read = list(read if read is not None else self.params['read'] or [])
        # the fragments as merged: those of from_current rendered from the file, those of when_present left out when
        # the file has no such element (plan)
        self.resolved = []
        self.masker = masker if masker is not None else Masker([value for value in self.params['secret_values'] if value])
        self.mode = None
        if self.params['mode'] not in (None, ''):
            mode = self.params['mode']
            try:
                self.mode = int(mode, 8) if isinstance(mode, str) else int(mode)
            except ValueError:
                module.fail_json(msg='mode must be an octal mode like 0600, got %r' % (mode,))
            if not 0 <= self.mode <= 0o7777:
                module.fail_json(msg='mode must be an octal mode like 0600, got %r' % (mode,))

    def hide(self, text):
        return self.masker.mask(text)

    def collect_secrets(self, root):
        """Add the values of the secret attributes and elements of a parsed document to the masker."""
        found = []

        def walk(element, inside):
            for name, value in element.attributes.items():
                if inside or name in self.params['secret_attributes']:
                    found.append(value)
            if inside and element.text:
                found.append(element.text)
            for child in element.children:
                walk(child, inside)
        walk(root, False)
        for path in self.params['secret_elements']:
            element = find(root, parse_path(path, 'secret_elements'), path)
            if element is not None:
                walk(element, True)
        self.masker.add([value for value in found if value and not value.startswith(MASK)])

    def mask(self, text, labels):
        """Text for a diff: each distinct secret (found in the file or given) replaced by ********#N, in every
        spelling, N numbering the distinct secrets of this diff (labels, a Masker shared by before and after): a
        changed secret shows as a changed number, never as its value."""
        return labels.mask(text)

    def read_file(self):
        if not os.path.exists(self.path):
            raise MergeError('%s does not exist' % self.path)
        if not os.path.isfile(self.path):
            raise MergeError('%s is not a regular file' % self.path)
        try:
            with open(self.path, 'rb') as handle:
                return handle.read()
        except (IOError, OSError) as error:
            raise MergeError('cannot read %s: %s' % (self.path, to_native(error))) from error

    def resolve(self, root):
        """The fragments to merge, by index: from_current ones rendered from the element the file holds now (the
        secrets in it unmasked: the text is compared and merged, never returned), when_present ones whose element
        is missing left out."""
        resolved = []
        for index, spec in enumerate(self.fragments):
            what = 'fragments[%d]' % index
            if not spec.get('xpath'):
                raise MergeError('%s has no xpath' % what)
            has_xml = spec.get('xml') not in (None, '')
            if has_xml == bool(spec.get('from_current')):
                raise MergeError('%s (%s) needs exactly one of xml and from_current' % (what, spec['xpath']))
            current = find(root, parse_path(spec['xpath'], '%s.xpath' % what), spec['xpath'])
            if current is None and spec.get('when_present'):
                continue
            if has_xml:
                resolved.append((index, spec))
                continue
            try:
                element = config_elements.from_current(spec['from_current'], current.as_dict() if current is not None else None,
                                                       spec.get('arguments'))
                text = config_elements.element_xml(element)
            except ValueError as error:
                raise MergeError('%s (%s) from_current: %s' % (what, spec['xpath'], error)) from error
            resolved.append((index, dict(spec, xml=text)))
        return resolved

    def fragment(self, index, spec, encoding):
        """(steps, element, text bytes) of a fragment, checked."""
        what = 'fragments[%d]' % index
        steps = parse_path(spec['xpath'], '%s.xpath' % what)
        text = textwrap.dedent((spec['xml'] or '').strip('\r\n')).rstrip()
        if not text.strip():
            raise MergeError('%s.xml (%s) is empty' % (what, spec['xpath']))
        try:
            encoded = text.encode(encoding, 'xmlcharrefreplace')
        except LookupError as error:
            raise MergeError('cannot encode %s as %s' % (what, encoding)) from error
        prefix = b'<?xml version="1.0" encoding="' + to_bytes(encoding) + b'"?>\n'
        element = parse(prefix + encoded, '%s.xml (%s)' % (what, spec['xpath']))
        exact = (len(prefix) + len(encoded) - len(encoded.lstrip()), len(prefix) + len(encoded.rstrip()))
        if (element.start, element.end) != exact:
            raise MergeError('%s.xml (%s) must be exactly one element, with nothing around it' % (what, spec['xpath']))
        if not _matches(element, steps[-1]):
            raise MergeError('%s.xml is a <%s> element that does not match the last step of its xpath %s'
                             % (what, element.tag, spec['xpath']))
        return steps, element, text

    def render(self, text, indent, newline):
        """Fragment text with continuation lines indented like the line it goes on."""
        lines = text.split('\n')
        out = [lines[0]] + [(indent.decode('ascii', 'replace') + line) if line.strip() else '' for line in lines[1:]]
        return newline.join(line.rstrip('\r') for line in out)

    def plan(self, data):
        """(new data, changed paths, inserted paths, read elements)."""
        encoding = document_encoding(data)
        root = parse(data, self.path)
        self.collect_secrets(root)
        newline = '\r\n' if b'\r\n' in data else '\n'
        elements = {}
        for path in self.read:
            found = find(root, parse_path(path, 'read'), path)
            elements[path] = found.as_dict(self.params['secret_attributes']) if found is not None else None

        self.resolved = self.resolve(root)
        edits = []   # (start, end, bytes, order)
        changed, inserted, seen = [], [], set()
        for index, spec in self.resolved:
            steps, wanted, text = self.fragment(index, spec, encoding)
            path = spec['xpath']
            current = find(root, steps, path)
            if current is not None:
                if id(current) in seen:
                    raise MergeError('two fragments address the same element %s' % path)
                seen.add(id(current))
                if current.canonical() == wanted.canonical():
                    continue
                rendered = self.render(text, line_indent(data, current.start), newline)
                edits.append((current.start, current.end, rendered.encode(encoding, 'xmlcharrefreplace'), index))
                changed.append(path)
                continue
            if len(steps) == 1:
                raise MergeError('%s is the root element path, but the root element is <%s>' % (path, root.tag))
            parent_path = spec.get('parent') or parent_of(path)
            parent = find(root, parse_path(parent_path, 'fragments[%d].parent' % index), parent_path)
            if parent is None:
                raise MergeError('neither %s nor its parent %s exists in %s' % (path, parent_path, self.path))
            edits.append(self.insertion(data, parent, text, spec.get('position') or 'last', newline, encoding, index))
            changed.append(path)
            inserted.append(path)

        ordered = sorted(edits, key=lambda edit: (edit[0], edit[1], edit[3]))
        for before, after in zip(ordered, ordered[1:]):
            if after[0] < before[1]:
                raise MergeError('fragments overlap in %s (one managed element inside another)' % self.path)
        new = data
        # from the end of the file backwards, so earlier offsets stay valid; at one offset a replacement goes first
        # and insertions keep the fragments' order
        for start, end, replacement, unused_order in sorted(edits, key=lambda edit: (edit[0], edit[1], edit[3]), reverse=True):
            new = new[:start] + replacement + new[end:]
        if changed:
            self.verify(new, encoding)
        return new, changed, inserted, elements

    def insertion(self, data, parent, text, position, newline, encoding, index):
        """The edit inserting a missing element into parent."""
        nl = newline.encode('ascii')
        parent_indent = line_indent(data, parent.start)
        if parent.children:
            child_indent = line_indent(data, parent.children[0].start)
        else:
            child_indent = parent_indent + b'  '
        rendered = self.render(text, child_indent, newline).encode(encoding, 'xmlcharrefreplace')
        if parent.end_tag_start is None:
            # <parent .../>: becomes <parent ...> child </parent>
            close = parent.start_tag_end - 2
            while data[close - 1:close] in (b' ', b'\t', b'\r', b'\n'):
                close -= 1
            replacement = (b'>' + nl + child_indent + rendered + nl + parent_indent + b'</' + to_bytes(parent.tag) + b'>')
            return (close, parent.end, replacement, index)
        if position == 'first':
            return (parent.start_tag_end, parent.start_tag_end, nl + child_indent + rendered, index)
        point = parent.end_tag_start
        while point > parent.start_tag_end and data[point - 1:point] in (b' ', b'\t', b'\r', b'\n'):
            point -= 1
        return (point, point, nl + child_indent + rendered, index)

    def verify(self, new, encoding):
        """The merged content parses and holds every fragment as given."""
        root = parse(new, '%s after the merge' % self.path)
        self.collect_secrets(root)
        for index, spec in self.resolved:
            steps, wanted, unused_text = self.fragment(index, spec, encoding)
            found = find(root, steps, spec['xpath'])
            if found is None or found.canonical() != wanted.canonical():
                raise MergeError('internal check failed: %s does not hold fragments[%d] (%s) after the merge; nothing written'
                                 % (self.path, index, spec['xpath']))

    def write(self, new):
        """Validate command, backup, atomic replace keeping owner, group and mode. Returns the backup path or None."""
        directory = os.path.dirname(os.path.abspath(self.path))
        handle, temporary = tempfile.mkstemp(prefix='.%s.' % os.path.basename(self.path), dir=directory)
        backup_file = None
        try:
            with os.fdopen(handle, 'wb') as stream:
                stream.write(new)
                stream.flush()
                os.fsync(stream.fileno())
            if self.params['validate']:
                if '%s' not in self.params['validate']:
                    raise MergeError('validate must contain %%s: %s' % self.params['validate'])
                rc, out, err = self.module.run_command(self.params['validate'] % temporary)
                if rc != 0:
                    raise MergeError('validate command failed (rc=%d): %s %s'
                                     % (rc, self.hide(out.strip()), self.hide(err.strip())))
            if self.params['backup']:
                backup_file = self.module.backup_local(self.path)
            status = os.stat(self.path)
            os.chmod(temporary, self.mode if self.mode is not None else status.st_mode & 0o7777)
            try:
                os.chown(temporary, status.st_uid, status.st_gid)
            except OSError:
                if os.geteuid() == 0:
                    raise
            if self.module.selinux_enabled():
                self.module.set_context_if_different(temporary, self.module.selinux_context(self.path), False)
            # keep_dest_attrs=False: atomic_move would copy the file's old mode onto the new content before the rename
            self.module.atomic_move(temporary, self.path, keep_dest_attrs=False)
        finally:
            if os.path.exists(temporary):
                os.unlink(temporary)
        return backup_file

    def file_mode(self):
        """The file's mode now (permission bits)."""
        try:
            return os.stat(self.path).st_mode & 0o7777
        except OSError as error:
            raise MergeError('cannot stat %s: %s' % (self.path, to_native(error))) from error


def run(module):
    """Plan every file (every refusal before anything is written), then write the changed ones in order."""
    params = module.params
    masker = Masker([value for value in params['secret_values'] if value])
    if params['files'] is not None:
        if not params['files']:
            module.fail_json(msg='files is empty: give at least one file')
        if params['path'] or params['fragments'] or params['read']:
            module.fail_json(msg='files is given: path, fragments and read go into its entries, not beside it')
        mergers = [Merger(module, entry['path'], entry['fragments'] or [], entry['read'] or [], masker)
                   for entry in params['files']]
    else:
        mergers = [Merger(module, masker=masker)]
    result = dict(changed=False, changed_elements=[], inserted_elements=[], elements={}, files=[])
    if params['files'] is None:
        result['path'] = params['path']
    current = mergers[0]
    try:
        planned = []
        for merger in mergers:
            current = merger
            data = merger.read_file()
            planned.append((merger, data) + merger.plan(data))
        diffs = []
        for merger, data, new, changed, inserted, elements in planned:
            current = merger
            entry = dict(path=merger.path, changed=new != data, changed_elements=changed, inserted_elements=inserted,
                         elements=elements)
            if merger.mode is not None and new == data and merger.file_mode() != merger.mode:
                # unchanged content with another mode: the mode alone is set
                entry['changed'] = True
                if not module.check_mode:
                    os.chmod(merger.path, merger.mode)
            if new != data:
                if module._diff:
                    encoding = document_encoding(data)
                    labels = Masker(masker.values, numbered=True)
                    diffs.append(dict(before_header=merger.path, after_header=merger.path,
                                      before=merger.mask(data.decode(encoding, 'replace'), labels),
                                      after=merger.mask(new.decode(encoding, 'replace'), labels)))
                if not module.check_mode:
                    backup_file = merger.write(new)
                    if backup_file:
                        entry['backup_file'] = backup_file
            result['files'].append(entry)
            result['changed'] = result['changed'] or entry['changed']
            result['changed_elements'].extend(changed)
            result['inserted_elements'].extend(inserted)
            result['elements'].update(elements)
            if params['files'] is None and entry.get('backup_file'):
                result['backup_file'] = entry['backup_file']
        if diffs:
            result['diff'] = diffs[0] if params['files'] is None else diffs
    except MergeError as error:
        result['elements'] = {}
        for entry in result['files']:
            entry['elements'] = {}
        message = str(error) if current.path in str(error) else '%s: %s' % (current.path, error)
        module.no_log_values.update(masker.values)
        module.fail_json(msg=masker.mask(message + '; the file is left untouched'), **result)
    result['elements'] = masker.mask_data(result['elements'])
    for entry in result['files']:
        entry['elements'] = masker.mask_data(entry['elements'])
    # Ansible masks the result (the invocation's arguments too) with these as well
    module.no_log_values.update(masker.values)
    module.exit_json(**result)


def main():
    fragment_options = dict(
        xpath=dict(type='str', required=True),
        xml=dict(type='str'),
        from_current=dict(type='str', choices=sorted(config_elements.FROM_CURRENT)),
        arguments=dict(type='dict', default={}),
        when_present=dict(type='bool', default=False),
        parent=dict(type='str'),
        position=dict(type='str', choices=['first', 'last'], default='last'),
    )
    argument_spec = dict(
        path=dict(type='path'),
        fragments=dict(type='list', elements='dict', default=[], options=fragment_options,
                       mutually_exclusive=[['xml', 'from_current']], required_one_of=[['xml', 'from_current']]),
        read=dict(type='list', elements='str', default=[]),
        files=dict(type='list', elements='dict', options=dict(
            path=dict(type='path', required=True),
            fragments=dict(type='list', elements='dict', default=[], options=fragment_options,
                           mutually_exclusive=[['xml', 'from_current']], required_one_of=[['xml', 'from_current']]),
            read=dict(type='list', elements='str', default=[]),
        )),
        backup=dict(type='bool', default=False),
        validate=dict(type='str'),
        secret_attributes=dict(type='list', elements='str', default=['password'], no_log=False),
        secret_elements=dict(type='list', elements='str', default=[], no_log=False),
        secret_values=dict(type='list', elements='str', default=[], no_log=True),
        mode=dict(type='raw'),
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True,
                           mutually_exclusive=[['path', 'files']], required_one_of=[['path', 'files']])
    run(module)


if __name__ == '__main__':
    main()
