# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every product touch-point the code spells literally is in the register (module_utils/drwcsd.py TOUCH_POINTS, and so
in docs/compatibility.md), so no product fact hides outside it.

The shipped code - plugins/ (but drwcsd.py itself), roles/ and playbooks/ - is scanned for what looks like a product
fact: Dr.Web Server paths and file names, Web API paths, drwcsd/drwsign verbs and switches, the tables SQL names.
Each one found must be part of a registered value; the failure names the file, the line and the literal.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ansible_collections.drweb.cluster.plugins.module_utils import drwcsd

ROOT = Path(drwcsd.__file__).resolve().parents[2]
SCANNED = ('plugins', 'roles', 'playbooks')
REGISTER_FILE = Path('plugins') / 'module_utils' / 'drwcsd.py'

PATTERNS = {
    # absolute paths of the product: /opt/drwcs..., /var/opt/drwcs..., /etc/opt/drweb.com..., the init script
    'product path': re.compile(r'(?<![\w.])(?:/var)?/opt/drwcs(?:/[\w.-]+)*|/etc/opt/drweb\.com(?:/[\w.-]+)*|/etc/init\.d/drwcsd\b'),
    # the product's file names (keys, configuration, embedded database)
    'product file': re.compile(r'\b(?:drwcsd\.(?:conf|pri|pub)|drwcsd-certificate\.pem|download\.conf|database\.sqlite|'
                               r'drweb-esuite\.remove|enterprise\.key)\b'),
    # Web API calls
    'Web API path': re.compile(r'/api/[\w/-]+\.ds\b'),
    # drwcsd database verbs and drwcsd/drwsign switches
    'CLI verb': re.compile(r'\b(?:init|export|import|upgrade|verify|clean)db\b|\b(?:genkey|gencert|signcert)\b'),
    'CLI switch': re.compile(r'(?<![\w-])-(?:home|var-root|bin-root|conf|activation-key|private-key|public-key|subj|'
                             r'daemon|db-verify|verbosity|help)(?=[=\s"\',]|$)'),
    # tables named in SQL statements
    'SQL table': re.compile(r'\b(?:FROM|JOIN|INTO|UPDATE|TABLE)\s+"?([a-z_][a-z0-9_]*)"?', re.IGNORECASE),
}
# Words the SQL pattern meets in prose ("from the primary", "into memory") - not tables.
NOT_TABLES = {'the', 'a', 'an', 'this', 'that', 'its', 'it', 'each', 'every', 'one', 'which', 'what', 'where', 'them',
              'memory', 'there', 'here', 'controller', 'node', 'nodes', 'file', 'files', 'server', 'servers_outside'}


# The database engines' own catalogues are no product facts.
ENGINE_CATALOGUES = ('pg_', 'information_schema', 'sqlite_')


def registered_values():
    return [str(value) for unused_name, unused_kind, value, unused_label, unused_ref in drwcsd.TOUCH_POINTS]


def is_registered(kind, literal, values):
    """A literal is registered when it is part of a registered value; a product path also when it lies under a
    registered folder (the names below it are the collection's own, e.g. a backup file, or are checked as product
    files on their own)."""
    if any(literal in value or literal.rstrip('/') in value for value in values):
        return True
    if kind == 'product path':
        return any(literal.startswith(value.rstrip('/') + '/') for value in values if value.startswith('/'))
    return False


def scanned_files():
    for folder in SCANNED:
        for path in sorted((ROOT / folder).rglob('*')):
            if path.is_file() and path.suffix in ('.py', '.yml', '.yaml', '.j2', '.sh', '.cfg') \
                    and path.relative_to(ROOT) != REGISTER_FILE and '__pycache__' not in path.parts:
                yield path


def find_literals(text):
    """(kind, literal, line number) of every product-fact-looking literal in text."""
    for number, line in enumerate(text.splitlines(), 1):
        for kind, pattern in PATTERNS.items():
            for match in pattern.finditer(line):
                literal = match.group(1) if pattern.groups else match.group(0)
                if kind == 'SQL table':
                    # only SQL: a statement keyword in capitals, a table name in lower case
                    if not match.group(0).split()[0].isupper() or literal.lower() in NOT_TABLES \
                            or literal.startswith(ENGINE_CATALOGUES):
                        continue
                yield kind, literal, number


def test_the_scan_finds_what_it_looks_for():
    found = set((kind, literal) for kind, literal, unused in find_literals(
        'path: /var/opt/drwcs/etc/drwcsd.conf\nurl: /api/server/summary.ds\nargv: [drwcsd, -conf=x, importdb]\n'
        'sql: SELECT count(*) FROM stations\nsign: drwsign gencert -private-key=k'))
    assert found >= {('product path', '/var/opt/drwcs/etc/drwcsd.conf'), ('product file', 'drwcsd.conf'),
                     ('Web API path', '/api/server/summary.ds'), ('CLI switch', '-conf'), ('CLI verb', 'importdb'),
                     ('SQL table', 'stations'), ('CLI verb', 'gencert'), ('CLI switch', '-private-key')}
    # a literal that is registered nowhere is reported
    assert not is_registered('Web API path', '/api/server/not-a-call.ds', registered_values())
    assert not is_registered('product path', '/usr/local/drwcs/bin/drwcsd', registered_values())
    assert not is_registered('SQL table', 'secret_table', registered_values())


def test_the_scan_covers_the_code():
    files = [path.relative_to(ROOT).as_posix() for path in scanned_files()]
    assert 'plugins/modules/server_facts.py' in files and 'roles/keys/vars/main.yml' in files
    assert 'plugins/module_utils/drwcsd.py' not in files


@pytest.mark.parametrize('path', list(scanned_files()), ids=lambda path: path.relative_to(ROOT).as_posix())
def test_every_touch_point_in_the_code_is_registered(path):
    values = registered_values()
    unregistered = ['%s:%d: %s %r' % (path.relative_to(ROOT), number, kind, literal)
                    for kind, literal, number in find_literals(path.read_text(errors='replace'))
                    if not is_registered(kind, literal, values)]
    assert not unregistered, ('product facts used outside plugins/module_utils/drwcsd.py without a TOUCH_POINTS entry '
                              '(register them there, then run tests/tools/render_compatibility.py):\n'
                              + '\n'.join(unregistered))
