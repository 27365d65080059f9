# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``drweb.cluster.version_table`` filter: the node -> version table of a cluster read.
Documentation: DOCUMENTATION below."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
name: version_table
version_added: 0.1.0
short_description: The node -> version table of the cluster, one line per member
description:
  - One line per member, in the order of O(_input) - version, build, where the version was read, whether the Server
    runs, and its database (mode and schema version) - after a header line.
  - A member whose release needs another database schema than the one its database holds is marked
    C(it CANNOT USE this database) (an upgrade that stopped half-way). A member not read says why.
positional: servers, unreadable
options:
  _input:
    description: The cluster's members, in the order of the table.
    type: list
    elements: str
    required: true
  servers:
    description: Member -> drweb.cluster.server_facts C(server) dictionary (C(servers) of the drweb.cluster.member_reads filter).
    type: dict
    required: true
  unreadable:
    description: Member -> why it could not be read (C(why) of the drweb.cluster.member_reads filter).
    type: dict
author:
  - drweb.cluster maintainers !UNKNOWN
'''

EXAMPLES = r'''
- name: Show the node -> version table
  ansible.builtin.debug:
    msg: "{{ groups['drweb_servers'] | drweb.cluster.version_table(cluster_read.servers, cluster_read.why) }}"
'''

RETURN = r'''
_value:
  description: The table, a header line then one line per member.
  type: list
  elements: str
'''

from collections.abc import Mapping

from ansible.errors import AnsibleFilterError

ROW = '%-16s %-9s %-19s %-7s %-8s %s'
WHY_LENGTH = 160


def _shorten(text, length=WHY_LENGTH):
    """At most about length characters, cut at a word, marked '...'."""
    text = str(text)
    if len(text) <= length + 5:
        return text
    cut = text[:length - 3]
    if ' ' in cut:
        cut = cut.rsplit(' ', 1)[0]
    return cut + '...'


def _database(server):
    database = server.get('database') if isinstance(server.get('database'), Mapping) else {}
    if not server.get('installed'):
        return '-'
    schema, expected = database.get('schema_version'), database.get('schema_expected')
    text = database.get('mode') or '-'
    if schema is not None:
        text += ' schema %s' % schema
        if expected is not None and schema != expected:
            text += ' (release %s needs %s: it CANNOT USE this database)' % (server.get('version'), expected)
    return text


def version_table(members, servers, unreadable=None):
    """The header and one line per member."""
    if not isinstance(members, (list, tuple)):
        raise AnsibleFilterError('version_table expects the list of members, got %s' % type(members).__name__)
    servers = servers if isinstance(servers, Mapping) else {}
    unreadable = unreadable if isinstance(unreadable, Mapping) else {}
    lines = [ROW % ('node', 'version', 'build', 'source', 'running', 'database')]
    for node in members:
        server = servers.get(node)
        if node in unreadable or not isinstance(server, Mapping):
            lines.append('%-16s %s' % (node, 'NOT READ: ' + _shorten(unreadable.get(node) or 'unreachable')))
            continue
        installed = server.get('installed')
        lines.append(ROW % (node, server.get('version') or ('unknown' if installed else 'absent'), server.get('build') or '-',
                            server.get('version_source') or '-', 'yes' if server.get('running') else 'no', _database(server)))
    return lines


class FilterModule(object):
    """drweb.cluster.version_table"""

    def filters(self):
        return {'version_table': version_table}
