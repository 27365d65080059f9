#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: license_key
short_description: Add a Dr.Web licence key to a Servers cluster's common database, and tell which Servers use it
description:
- Checks a licence key file (C(agent.key)) - its layout, its key number and that it has not expired - before anything
  else, then looks it up in the common database's C(available_keys) table (Database Manual, licence tables) and, with
  O(state=present), adds it there when it is not. A key is "there" when a row holds a key file with the same key
  number.
- With O(admin_password) it also asks the local Server's Web API (C(server/keys.ds), CONFIRMED) which keys the
  running Server uses, so a caller can restart exactly the Servers that do not use the key yet (a Server reads the
  keys at start; the vendor's cluster item 6 - the other Servers must be restarted after a key is added).
- B(GUESS) - the key file layout and the row the Control Center's License Manager writes are not public. Adding the
  key with C(initdb) (CONFIRMED by the Appendices, database management commands) is only possible while the
  database is empty; this module writes the row itself, as registered in C(module_utils/drwcsd.py). The key's
  signature is not checked (only the product can); a tampered key is refused by the Servers, which then do not list it.
- The key's content never appears in the result or in messages.
version_added: 0.1.0
extends_documentation_fragment:
- drweb.cluster.common_database
- drweb.cluster.web_api
options:
  content:
    description: The licence key file's content. Never logged.
    type: str
    required: true
  state:
    description:
    - C(present) adds the key to the database when it is not there; C(query) only reads.
    - C(check) only checks the key file (a licence key, not expired) and connects to nothing - for a caller that
      hands the key to C(drwcsd initdb) and must refuse a bad one before anything changes. The connection options
      are then checked for form only.
    type: str
    default: present
    choices: [present, query, check]
  admin_password:
    description:
    - Password of the Control Center administrator O(admin_user). When given, RV(in_use) tells whether the Server
      running on this node lists the key in C(server/keys.ds).
attributes:
  check_mode:
    support: full
    description: Reports whether the key would be added and writes nothing.
  diff_mode:
    support: full
    description: The key numbers in the database before and after (never the key content).
  platform:
    support: full
    platforms: posix
    description: Runs on a Server node (the database as the Servers reach it; the Web API on 127.0.0.1).
seealso:
- module: drweb.cluster.database_status
- name: Dr.Web Servers cluster, item 6 (licences)
  description: A key added on one Server goes into the common database; the other Servers must be restarted.
  link: https://download.geo.drweb.com/pub/drweb/esuite/13.0.0/documentation/html/en/admin_manual/multiserver_cluster.htm
author:
- drweb.cluster maintainers !UNKNOWN
'''

EXAMPLES = r'''
- name: Add the licence key on the primary
  drweb.cluster.license_key:
    content: "{{ lookup('ansible.builtin.file', drweb_license_key, rstrip=false) }}"
    login_host: "{{ drweb_db_host }}"
    db: "{{ drweb_db_name }}"
    login_user: "{{ drweb_db_user }}"
    login_password: "{{ drweb_db_password }}"
  no_log: true
  register: drweb_licence

- name: Does the Server on this node use it?
  drweb.cluster.license_key:
    content: "{{ lookup('ansible.builtin.file', drweb_license_key, rstrip=false) }}"
    state: query
    login_host: "{{ drweb_db_host }}"
    db: "{{ drweb_db_name }}"
    login_user: "{{ drweb_db_user }}"
    login_password: "{{ drweb_db_password }}"
    admin_password: "{{ drweb_admin_password }}"
  no_log: true
  register: drweb_licence_use
'''

RETURN = r'''
database:
  description: Where the database is (no password).
  returned: always
  type: dict
  sample: {host: 10.0.0.2, port: 5432, name: drwcs, user: drwcs}
key:
  description: What the key file says (never its content); C(expires) is C(null) for a key without an end date.
  returned: when the content is a key
  type: dict
  sample: {number: '0110000001', user: Example Ltd, expires: '2030-12-31'}
valid:
  description: The key file is a licence key that has not expired (the module fails otherwise).
  returned: when O(state=check) succeeds
  type: bool
  sample: true
present_before:
  description: Whether the database held the key before the call.
  returned: success, unless O(state=check)
  type: bool
database_keys:
  description: Key numbers in the database after the call (what they would be, in check mode).
  returned: success, unless O(state=check)
  type: list
  elements: str
  sample: ['0110000001']
in_use:
  description: Whether the running Server lists the key (C(null) without O(admin_password)).
  returned: success, unless O(state=check)
  type: bool
server_keys:
  description: Key ids the running Server lists (C(null) without O(admin_password)).
  returned: success, unless O(state=check)
  type: list
  elements: str
  sample: ['0110000001']
web_api_error:
  description: Why the Web API could not be asked (C(null) when it answered or was not asked).
  returned: success, unless O(state=check)
  type: str
'''

import time

from ansible.module_utils.basic import AnsibleModule, missing_required_lib
from ansible.module_utils.common.text.converters import to_native

from ansible_collections.drweb.cluster.plugins.module_utils import common_database, drwcsd, web_api

LOCAL_WEB_API = web_api.LOCAL_URL


def key_numbers(rows):
    """Key numbers of the database rows (id, value); a row whose value cannot be read counts by its id."""
    numbers = []
    for row_id, value in rows:
        try:
            numbers.append(drwcsd.parse_licence_key(to_native(value))['number'])
        except drwcsd.LicenceKeyError:
            numbers.append(to_native(row_id))
    return numbers


def server_keys(params):
    """(key ids the local Server lists, error)."""
    try:
        root = web_api.WebApiClient(params, LOCAL_WEB_API).get_xml(drwcsd.WEB_API_KEYS)
    except web_api.WebApiError as error:
        return None, to_native(error)
    return [key.get(drwcsd.WEB_API_KEY_ID_ATTRIBUTE) for key in root.iter('key')], None


def main():
    argument_spec = common_database.argument_spec()
    argument_spec.update(
        content=dict(type='str', required=True, no_log=True),
        state=dict(type='str', default='present', choices=['present', 'query', 'check']),
    )
    argument_spec.update(web_api.argument_spec())
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    params = module.params
    result = dict(changed=False, database=dict(host=params['login_host'], port=params['port'], name=params['db'],
                                               user=params['login_user']))
    problem = common_database.check_params(params)
    if problem:
        module.fail_json(msg=problem, **result)

    # The key first: a file that is not a key, or an expired key, stops everything before any connection.
    try:
        key = drwcsd.parse_licence_key(params['content'])
    except drwcsd.LicenceKeyError as error:
        module.fail_json(msg='the file is not a Dr.Web licence key: %s' % to_native(error), **result)
    result['key'] = key
    today = time.strftime('%Y-%m-%d', time.gmtime())
    if key['expires'] and key['expires'] < today:
        module.fail_json(msg='the licence key %s expired on %s (today is %s): get a valid key'
                         % (key['number'], key['expires'], today), **result)
    if params['state'] == 'check':
        module.exit_json(valid=True, **result)
    if common_database.psycopg is None:
        module.fail_json(msg=missing_required_lib('psycopg (python3-psycopg) or psycopg2 (python3-psycopg2)'),
                         exception=to_native(common_database.PSYCOPG_IMPORT_ERROR), **result)

    try:
        connection = common_database.connect(common_database.psycopg, params, 'drweb.cluster.license_key',
                                             read_only=params['state'] == 'query' or module.check_mode)
        try:
            try:
                numbers = key_numbers(common_database.query(connection, drwcsd.SQL_LICENCE_KEYS))
            except Exception as error:  # pylint: disable=broad-exception-caught
                raise common_database.DatabaseError('cannot read the licence keys of %s: %s'
                                                    % (common_database.describe(params), common_database.first_line(error)))
            present = key['number'] in numbers
            add = params['state'] == 'present' and not present
            if add and not module.check_mode:
                try:
                    common_database.query(connection, drwcsd.SQL_LICENCE_KEY_ADD,
                                          (key['number'], params['content'], int(time.time() * 1000)))
                    connection.commit()
                except Exception as error:  # pylint: disable=broad-exception-caught
                    connection.rollback()
                    raise common_database.DatabaseError('cannot add the licence key %s to %s: %s (nothing was changed)'
                                                        % (key['number'], common_database.describe(params),
                                                           common_database.first_line(error)))
        finally:
            connection.close()
    except common_database.DatabaseError as error:
        module.fail_json(msg=to_native(error), **result)

    after = numbers + [key['number']] if add else numbers
    result.update(changed=add, present_before=present, database_keys=after, in_use=None, server_keys=None,
                  web_api_error=None)
    if module._diff:
        result['diff'] = dict(before='\n'.join(sorted(numbers)) + '\n', after='\n'.join(sorted(after)) + '\n',
                              before_header='licence keys in %s' % common_database.describe(params),
                              after_header='licence keys in %s' % common_database.describe(params))
    if params['admin_password']:
        listed, error = server_keys(params)
        result['server_keys'], result['web_api_error'] = listed, error
        result['in_use'] = None if listed is None else key['number'] in listed
    module.exit_json(**result)


if __name__ == '__main__':
    main()
