# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``drweb.cluster.pgsql_attributes`` filter: the <pgsql> element of drwcsd.conf for the common database.

Documentation: DOCUMENTATION below (``ansible-doc -t filter drweb.cluster.pgsql_attributes``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
name: pgsql_attributes
version_added: 0.1.0
short_description: The attributes of drwcsd.conf's <pgsql> element for the common database, and what is wrong with the input
description:
  - Decides the attributes of the C(<pgsql>) element (inside C(<database>)) that points a Dr.Web Server at the cluster's
    common PostgreSQL database - C(dbname), C(host), C(port), C(user), C(password) and the TLS ones - and keeps the
    attributes the collection does not manage as the file has them.
  - TLS, from C(drweb_db_sslmode). C(require), C(verify-ca) and C(verify-full) write C(requiressl="yes"). The two
    verifying modes also write C(sslmode) and C(sslrootcert) (C(drweb_db_ssl_ca_file), a file on the node); other modes
    remove them. These attribute names are not public; docs/compatibility.md lists them as GUESS.
  - RV(_value.problems) names each variable that cannot work, for a refusal before anything changes.
positional: current
options:
  _input:
    description: The wanted connection.
    type: dict
    required: true
    suboptions:
      host:
        description: C(drweb_db_host).
        type: str
      port:
        description: C(drweb_db_port).
        type: str
      name:
        description: C(drweb_db_name).
        type: str
      user:
        description: C(drweb_db_user).
        type: str
      password:
        description: C(drweb_db_password).
        type: str
      sslmode:
        description: C(drweb_db_sslmode); empty means C(prefer).
        type: str
      ca_file:
        description: C(drweb_db_ssl_ca_file).
        type: str
  current:
    description: The first child of C(<database>) as drweb.cluster.xml_fragments reads it (C(tag), C(attributes)); its
      attributes are kept when it is C(<pgsql>).
    type: dict
'''

EXAMPLES = r'''
- name: The <pgsql> attributes the Server is to have
  ansible.builtin.debug:
    msg: >-
      {{ {'host': drweb_db_host, 'port': '5432', 'name': drweb_db_name, 'user': drweb_db_user, 'password': drweb_db_password,
          'sslmode': 'verify-full', 'ca_file': '/etc/ssl/certs/db-ca.pem'} | drweb.cluster.pgsql_attributes }}
'''

RETURN = r'''
_value:
  description: The attributes, and the problems of the input.
  type: dict
  contains:
    attributes:
      description: The attributes in the order to write them; the managed ones first, then the kept ones.
      type: dict
      sample: {dbname: drwcs, host: db.example.com, port: '5432', user: drwcs, password: '...', requiressl: 'yes',
               sslmode: verify-full, sslrootcert: /etc/ssl/certs/db-ca.pem}
    problems:
      description: One line per variable that cannot work, naming it; empty when the input is usable.
      type: list
      elements: str
'''

from collections.abc import Mapping

from ansible.errors import AnsibleFilterError
from ansible_collections.drweb.cluster.plugins.module_utils import database_section


def pgsql_attributes(spec, current=None):
    """{attributes, problems}: the <pgsql> attributes for spec, keeping current's unmanaged ones."""
    if not isinstance(spec, Mapping):
        raise AnsibleFilterError('pgsql_attributes: the input must be a mapping, got %s' % type(spec).__name__)
    return database_section.pgsql_attributes(dict(spec), dict(current) if isinstance(current, Mapping) else None)


class FilterModule(object):
    """drweb.cluster drwcsd.conf filters."""

    def filters(self):
        return {'pgsql_attributes': pgsql_attributes}
