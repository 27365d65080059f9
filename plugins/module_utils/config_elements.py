# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The elements the config role writes that are decided from what the file holds now, and their XML text.

Elements are in the form drweb.cluster.xml_fragments reads them: ``tag``, ``attributes`` (a dict), ``text`` (the
element's own text) and ``children`` (elements of the same form). Used by drweb.cluster.xml_fragments (option
``fragments[].from_current``) and by the filters cluster_protocol_enabled, download_server_element and
pgsql_attributes. The functions
raise ValueError with a message naming what is wrong.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from collections.abc import Mapping

from ansible_collections.drweb.cluster.plugins.module_utils import drwcsd
from ansible_collections.drweb.cluster.plugins.module_utils.drwcsd import PGSQL_SSL_MODES as SSL_MODES
from ansible_collections.drweb.cluster.plugins.module_utils.drwcsd import PGSQL_VERIFYING_SSL_MODES as VERIFYING


def _is_cluster_protocol(element):
    name = (element.get('attributes') or {}).get(drwcsd.CONFIG_PROTOCOL_NAME_ATTRIBUTE) or ''
    return element.get('tag') == drwcsd.CONFIG_PROTOCOL_TAG and str(name).upper() == drwcsd.CLUSTER_PROTOCOL_NAME


def cluster_protocol_enabled(protocols):
    """protocols with the cluster protocol taken out of every <disabled> child (its name compared without regard to
    case); everything else as it is."""
    if not isinstance(protocols, Mapping) or not protocols.get('tag'):
        raise ValueError('cluster_protocol_enabled expects the <protocols> element as xml_fragments reads it, got %r'
                         % (protocols,))
    children = []
    for child in protocols.get('children') or []:
        if isinstance(child, Mapping) and child.get('tag') == drwcsd.CONFIG_PROTOCOLS_DISABLED_TAG:
            child = dict(child, children=[entry for entry in child.get('children') or [] if not _is_cluster_protocol(entry)])
        children.append(child)
    return dict(protocols, children=children)


def download_server_element(current, name, agent_port):
    """The download.conf <server> element naming the common name (written first); current's other attributes, text
    and children kept; an element without a port gets the Agent port."""
    if current is None:
        current = {}
    if not isinstance(current, Mapping):
        raise ValueError('download_server_element expects the element as xml_fragments reads it, got %r' % (current,))
    name = '' if name is None else str(name).strip()
    if not name:
        raise ValueError('download_server_element: the cluster\'s common name (drweb_cluster_name) is empty')
    host, port = drwcsd.DOWNLOAD_SERVER_HOST_ATTRIBUTE, drwcsd.DOWNLOAD_SERVER_PORT_ATTRIBUTE
    attributes = {host: name}
    attributes.update((key, value) for key, value in (current.get('attributes') or {}).items() if key != host)
    if port not in attributes:
        if agent_port in (None, ''):
            raise ValueError('download_server_element: download.conf has no Server address element and the '
                             'Server\'s Agent port is unknown')
        attributes[port] = str(agent_port)
    return dict(tag=drwcsd.DOWNLOAD_SERVER_TAG, attributes=attributes, text=current.get('text') or '',
                children=list(current.get('children') or []))


# the modes in which the Server must insist on TLS (requiressl="yes")
TLS_REQUIRED = ('require',) + VERIFYING
# the order the file has always had them in (a reordering alone would rewrite drwcsd.conf and restart the Server)
FIELDS = ('name', 'host', 'port', 'user', 'password')


def _text(value):
    return value.strip() if isinstance(value, str) else ('' if value is None else str(value).strip())


def _problems(sslmode, ca_file):
    problems = []
    if sslmode not in SSL_MODES:
        problems.append('drweb_db_sslmode must be one of %s (got %r)' % (', '.join(SSL_MODES), sslmode))
    if sslmode in VERIFYING and not ca_file:
        problems.append('drweb_db_sslmode %s checks the PostgreSQL server\'s certificate: set drweb_db_ssl_ca_file to the '
                        'CA file on the nodes (the CA that signed that certificate)' % sslmode)
    if ca_file and not ca_file.startswith('/'):
        problems.append('drweb_db_ssl_ca_file must be an absolute path on the nodes (got %r)' % ca_file)
    if any(character in ca_file for character in '\n\r\0"<>&'):
        problems.append('drweb_db_ssl_ca_file must not hold a newline, NUL, a quote, <, > or & (got %r)' % ca_file)
    return problems


def pgsql_attributes(spec, current=None):
    """{attributes, problems}: the <pgsql> attributes for spec, keeping current's unmanaged ones."""
    if not isinstance(spec, Mapping):
        raise ValueError('pgsql_attributes: the input must be a mapping, got %s' % type(spec).__name__)
    sslmode = _text(spec.get('sslmode')) or 'prefer'
    ca_file = _text(spec.get('ca_file'))
    attribute = drwcsd.CONFIG_PGSQL_ATTRIBUTES
    wanted = {attribute[field]: ('' if spec.get(field) is None else str(spec.get(field))) for field in FIELDS}
    for field in ('host', 'port', 'name', 'user'):
        wanted[attribute[field]] = wanted[attribute[field]].strip()
    wanted[drwcsd.CONFIG_PGSQL_REQUIRESSL_ATTRIBUTE] = 'yes' if sslmode in TLS_REQUIRED else 'no'
    if sslmode in VERIFYING:
        wanted[drwcsd.CONFIG_PGSQL_SSLMODE_ATTRIBUTE] = sslmode
        wanted[drwcsd.CONFIG_PGSQL_SSLROOTCERT_ATTRIBUTE] = ca_file
    managed = set(wanted) | {drwcsd.CONFIG_PGSQL_SSLMODE_ATTRIBUTE, drwcsd.CONFIG_PGSQL_SSLROOTCERT_ATTRIBUTE}
    current = current if isinstance(current, Mapping) else {}
    kept = (current.get('attributes') or {}) if current.get('tag') == 'pgsql' else {}
    attributes = dict(wanted)
    attributes.update((name, str(value)) for name, value in kept.items() if name not in managed)
    return dict(attributes=attributes, problems=_problems(sslmode, ca_file))


def database_section(current, spec):
    """drwcsd.conf's <database> element pointing the Server at the common PostgreSQL database: the element's own
    attributes as the file has them (only the number of connections and the automatic restore may differ between
    nodes, the vendor's cluster chapter), one <pgsql> child with the attributes pgsql_attributes decides (the
    unmanaged ones of the file's first child kept when it is <pgsql>). ValueError when spec cannot work."""
    current = current if isinstance(current, Mapping) else {}
    children = current.get('children') or []
    pgsql = pgsql_attributes(spec, children[0] if children else None)
    if pgsql['problems']:
        raise ValueError(' '.join(pgsql['problems']))
    database_tag, pgsql_tag = drwcsd.CONFIG_PGSQL_XPATH.split('/')
    return dict(tag=database_tag, attributes=dict(current.get('attributes') or {}), text='',
                children=[dict(tag=pgsql_tag, attributes=pgsql['attributes'], text='', children=[])])


def _escape(value):
    """XML-escaped text (the spelling Jinja's escape filter gives)."""
    return (str(value).replace('&', '&amp;').replace('<', '&lt;').replace('>', '&gt;')
            .replace('"', '&#34;').replace("'", '&#39;'))


def element_xml(element, indent=''):
    """The element as XML text: attributes in their order, children indented by two spaces per level, an element
    without text and children as an empty-element tag."""
    if not isinstance(element, Mapping) or not element.get('tag'):
        raise ValueError('expected an element (tag, attributes, text, children), got %r' % (element,))
    tag = element['tag']
    attributes = ''.join(' %s="%s"' % (name, _escape(value)) for name, value in (element.get('attributes') or {}).items())
    text = element.get('text') or ''
    children = element.get('children') or []
    if children:
        inner = ''.join(element_xml(child, indent + '  ') + '\n' for child in children)
        return '%s<%s%s>%s\n%s%s</%s>' % (indent, tag, attributes, _escape(text), inner, indent, tag)
    if text:
        return '%s<%s%s>%s</%s>' % (indent, tag, attributes, _escape(text), tag)
    return '%s<%s%s/>' % (indent, tag, attributes)


# The decisions fragments[].from_current of drweb.cluster.xml_fragments may name: name -> (function of the current
# element (None when the file has none) and the fragment's arguments, the arguments it takes).
FROM_CURRENT = {
    'cluster_protocol_enabled': (lambda current, arguments: cluster_protocol_enabled(current), ()),
    'download_server_element': (lambda current, arguments: download_server_element(current, arguments.get('name'),
                                                                                   arguments.get('agent_port')),
                                ('name', 'agent_port')),
    'database_section': (database_section, ('host', 'port', 'name', 'user', 'password', 'sslmode', 'ca_file')),
}


def from_current(decision, current, arguments=None):
    """The element the named decision makes of current (None: the file has no such element)."""
    if decision not in FROM_CURRENT:
        raise ValueError('unknown decision %r; known: %s' % (decision, ', '.join(sorted(FROM_CURRENT))))
    function, known = FROM_CURRENT[decision]
    arguments = dict(arguments or {})
    unknown = sorted(set(arguments) - set(known))
    if unknown:
        raise ValueError('%s takes no argument %s (it takes: %s)' % (decision, ', '.join(unknown), ', '.join(known) or 'none'))
    return function(current, arguments)
