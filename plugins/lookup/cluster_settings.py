# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
name: cluster_settings
author:
  - drweb.cluster maintainers !UNKNOWN
short_description: The cluster-wide settings, normalised once for every role and playbook
version_added: 0.1.0
description:
  - Returns one setting per term, made from the collection's public variables as the task sees them (inventory,
    play, role and extra variables alike, templated the way C(ansible.builtin.vars) templates them).
  - An empty value (AWX surveys send empty strings), null, or a variable that is not defined means unset and takes
    the default. Text values are trimmed.
  - The database password is never part of a setting.
options:
  _terms:
    description:
      - The settings to return.
      - C(common_database) - the common database as C(drweb.cluster.server_facts) takes it, a dict with C(host),
        C(port) (text, C(5432) when unset), C(name), C(user), C(ssl_mode) (C(prefer) when unset) and C(ca_cert)
        (from C(drweb_db_host), C(drweb_db_port), C(drweb_db_name), C(drweb_db_user), C(drweb_db_sslmode),
        C(drweb_db_ssl_ca_file)).
      - C(postgresql_connection) - the same connection with the option names of the collection's database modules
        and community.postgresql - C(login_host), C(port), C(db), C(login_user), C(ssl_mode), C(ca_cert).
      - C(db_describe) - what messages call the common database, C(user@host:port/name).
      - C(db_port) and C(db_sslmode) - the port and the sslmode alone.
      - C(primary_host) - C(drweb_primary_host), else the first host of the inventory group C(drweb_servers), else
        an empty string.
      - C(primary_host_given) - C(drweb_primary_host) alone (an empty string when unset).
      - C(restart_strategy) - C(drweb_restart_strategy), else C(serial) (the roles refuse other values, naming
        the variable).
    type: list
    elements: str
    required: true
'''

EXAMPLES = r'''
- name: Read the common database (the password is an option of its own)
  drweb.cluster.database_status:
    login_host: "{{ __connection.login_host }}"
    port: "{{ __connection.port }}"
    db: "{{ __connection.db }}"
    login_user: "{{ __connection.login_user }}"
    login_password: "{{ drweb_db_password }}"
    ssl_mode: "{{ __connection.ssl_mode }}"
    ca_cert: "{{ __connection.ca_cert | default(omit, true) }}"
  vars:
    __connection: "{{ lookup('drweb.cluster.cluster_settings', 'postgresql_connection') }}"

- name: Show the primary host and the restart strategy
  ansible.builtin.debug:
    msg: "{{ query('drweb.cluster.cluster_settings', 'primary_host', 'restart_strategy') }}"
'''

RETURN = r'''
_raw:
  description: One value per term - a dict for C(common_database) and C(postgresql_connection), text otherwise.
  type: list
  elements: raw
'''

from ansible.errors import AnsibleError
from ansible.plugins.lookup import LookupBase

from ansible_collections.drweb.cluster.plugins.plugin_utils import cluster_settings


class LookupModule(LookupBase):

    def run(self, terms, variables=None, **kwargs):
        self.set_options(var_options=variables, direct=kwargs)
        variables = variables or {}
        result = []
        for term in terms:
            if term not in cluster_settings.TERMS:
                raise AnsibleError('drweb.cluster.cluster_settings has no setting %r (known: %s)'
                                   % (term, ', '.join(sorted(cluster_settings.TERMS))))
            # only the variables the setting is made of are templated (as ansible.builtin.vars does)
            values = dict((name, self._templar.template(variables[name]))
                          for name in cluster_settings.TERMS[term] if name in variables)
            servers = []
            if term == 'primary_host':
                servers = self._templar.template((variables.get('groups') or {}).get('drweb_servers') or [])
            result.append(cluster_settings.setting(term, values, servers))
        return result
