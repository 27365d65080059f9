#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: server_probe
short_description: Collect, read-only, what settles the unverified Dr.Web Server touch-points on a node
description:
- Collects from an installed Dr.Web Server exactly what the collection's register of product facts
  (C(module_utils/drwcsd.py), C(docs/compatibility.md)) cannot state from public sources - the touch-points labelled
  GUESS or INFERENCE - so that a real installation can confirm or correct them.
- The usage texts of C(drwcsd -help) and C(drwsign -help) (verbs and switches), the Server's configuration files
  (C(drwcsd.conf), C(download.conf), the init script's options file) and the listing of its C(etc) folder, the
  names of the tables of the database the Server is configured for, its UUID (C(dbstruct.dbuuid)) and its documented
  table list C(tables_list) (read-only SQL against the embedded SQLite file or the external PostgreSQL database), and
  the Web API reply C(summary.ds).
- B(Secrets are removed before anything leaves the node) - values of XML attributes and shell variables whose name
  mentions a password, salt, key, secret or token, the attributes of elements so named (C(<passwd-salt value=...>)),
  PEM blocks and passwords in URLs are replaced by C(********). Key files are never read.
- Secrets are also masked B(by value), in every spelling (as given, XML-escaped, JSON-escaped, with doubled
  backslashes). The module reads the actual values - every attribute of C(drwcsd.conf) named after a password or
  secret and the C(passwd-salt) - and adds O(admin_password) and O(secret_values), so a secret is masked wherever
  it appears (a command's output, an error message, another file), not only where a pattern expects it.
- The module only reads; it never changes anything, so it runs the same in check mode.
version_added: 0.1.0
extends_documentation_fragment:
- drweb.cluster.web_api
options:
  admin_password:
    description:
    - Password of O(admin_user). Without it C(summary.ds) is not asked for (the result says so).
  secret_values:
    description:
    - More values to mask by value in every text of the report (for example the database password and the TSIG secret
      as the inventory has them).
    type: list
    elements: str
    default: []
  command_timeout:
    description: Seconds each C(-help) command may take (it is killed after that).
    type: int
    default: 20
  connect_timeout:
    description: Seconds to wait for the external database.
    type: int
    default: 10
notes:
- Run it through C(playbooks/probe.yml), which writes the results of every Server into one report on the controller.
- Table names of an external database need psycopg (3) or psycopg2 on the node; without it the report says so.
seealso:
- module: drweb.cluster.server_facts
- name: The register of product touch-points
  description: docs/compatibility.md of the collection (GUESS items are what the probe settles).
  link: https://example.invalid/drweb/cluster/docs/compatibility.md
author:
- drweb.cluster maintainers !UNKNOWN
'''

EXAMPLES = r'''
- name: Collect the probe from each Server (read-only)
  drweb.cluster.server_probe:
    admin_password: "{{ drweb_admin_password | default(omit, true) }}"
  register: probe

- name: Show which tables the Server's database has
  ansible.builtin.debug:
    msg: "{{ probe.probe.database.tables }}"
'''

RETURN = r'''
probe:
  description: What was collected; every text has its secrets replaced by C(********).
  returned: always
  type: dict
  contains:
    installed:
      description: Whether a Dr.Web Server is installed (product marker or C(drwcsd) binary present).
      type: bool
      sample: true
    commands:
      description: Per command (C(drwcsd_help), C(drwsign_help)) its C(argv), exit code C(rc) (C(null) when it could
        not be run) and C(output) (stdout then stderr, masked).
      type: dict
      sample: {drwcsd_help: {argv: [/opt/drwcs/bin/drwcsd, -help], rc: 0, output: "Usage: drwcsd ..."}}
    files:
      description: Per configuration file its C(path), whether it C(exists), and its masked C(content).
      type: list
      elements: dict
      sample: [{path: /var/opt/drwcs/etc/download.conf, exists: true, content: "<?xml ..."}]
    etc_listing:
      description: The files of the Server's C(etc) folder with mode, owner and size (names only, no content).
      type: list
      elements: str
      sample: ["-rw------- drwcs:drwcs 1675 drwcsd.pri"]
    database:
      description:
      - The database the Server is configured for - C(mode) (C(embedded), C(external) or C(null)), C(tables) (names,
        C(null) when not read), C(dbuuid) (C(dbstruct.dbuuid), the database's UUID), C(tables_list) (the rows of the
        documented metadata table C(tables_list) - C(priority), C(subsystem), C(tabname), C(description) - which tell
        where the product keeps the schedule and the stations) and C(error) (what could not be read).
      type: dict
      sample: {mode: external, tables: [admins, dbstruct, servers, stations, tables_list], error: null,
               dbuuid: 0f6c1b8e-5d7a-4f0e-9a1b-2c3d4e5f6a7b,
               tables_list: [{priority: 0, subsystem: Metadata, tabname: dbstruct, description: Version of the database scheme}]}
    summary:
      description: The Web API reply of C(summary.ds) (masked XML text) or C(null), and C(error).
      type: dict
      sample: {text: "<drweb-api status=\"true\">...", error: null}
    masked:
      description: How many secret values were replaced in all the texts.
      type: int
      sample: 4
'''

import os
import re
import sqlite3
import stat
import pwd
import grp
from xml.etree import ElementTree

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_native

from ansible_collections.drweb.cluster.plugins.module_utils import drwcsd, web_api
from ansible_collections.drweb.cluster.plugins.module_utils.secrets import Masker

try:
    import psycopg  # psycopg 3
    HAS_PSYCOPG = True
except ImportError:
    try:
        import psycopg2 as psycopg  # noqa: F811  (same DB-API surface for what is used here)
        HAS_PSYCOPG = True
    except ImportError:
        HAS_PSYCOPG = False

MASK = '********'
LOCAL_WEB_API = web_api.LOCAL_URL
SECRET_WORD = r'(?:pass|pwd|salt|secret|key|token|credential)'
# name="value" / name='value' where the name mentions a secret
SECRET_ATTRIBUTE = re.compile(r'''(\b[\w:.-]*%s[\w:.-]*\s*=\s*)("[^"]*"|'[^']*')''' % SECRET_WORD, re.IGNORECASE)
# <element-named-after-a-secret attr="..." ...>: every attribute value of it
SECRET_ELEMENT = re.compile(r'<([\w:.-]*%s[\w:.-]*)(\s[^<>]*?)(/?)>' % SECRET_WORD, re.IGNORECASE)
ANY_ATTRIBUTE = re.compile(r'''(\s[\w:.-]+\s*=\s*)("[^"]*"|'[^']*')''')
# <password>text</password>
SECRET_TEXT = re.compile(r'(<([\w:.-]*%s[\w:.-]*)(?:\s[^<>]*)?>)([^<]+)(</\2>)' % SECRET_WORD, re.IGNORECASE)
# NAME=value lines (shell options file)
SECRET_SHELL = re.compile(r'^(\s*(?:export\s+)?[A-Za-z_][A-Za-z0-9_]*%s[A-Za-z0-9_]*=)(.*)$' % SECRET_WORD,
                          re.IGNORECASE | re.MULTILINE)
PEM_BLOCK = re.compile(r'-----BEGIN ([A-Z0-9 ]+)-----.*?-----END \1-----', re.DOTALL)
URL_PASSWORD = re.compile(r'(\b[a-z][a-z0-9+.-]*://[^/\s:@"\']+:)([^@\s"\']+)(@)', re.IGNORECASE)


def mask_secrets(text):
    """(masked text, number of values replaced)."""
    if text is None:
        return None, 0
    count = [0]

    def quoted(match):
        count[0] += 1
        value = match.group(2)
        return match.group(1) + value[0] + MASK + value[-1]

    def element(match):
        inner = ANY_ATTRIBUTE.sub(quoted, match.group(2))
        return '<%s%s%s>' % (match.group(1), inner, match.group(3))

    def counted(replacement):
        def replace(match):
            count[0] += 1
            return match.expand(replacement)
        return replace

    text = PEM_BLOCK.sub(counted(r'-----BEGIN \1-----\n' + MASK + r'\n-----END \1-----'), text)
    # elements first: their attributes are masked as a whole, then the attributes named after a secret elsewhere
    text = SECRET_ELEMENT.sub(element, text)
    text = SECRET_ATTRIBUTE.sub(lambda match: match.group(0) if match.group(2)[1:-1] == MASK else quoted(match), text)
    text = SECRET_TEXT.sub(counted(r'\1' + MASK + r'\4'), text)
    text = SECRET_SHELL.sub(counted(r'\1' + MASK), text)
    text = URL_PASSWORD.sub(counted(r'\1' + MASK + r'\3'), text)
    return text, count[0]


def config_secrets(config_text):
    """The secret values drwcsd.conf holds: its passwd-salt and every attribute named after a password or secret."""
    try:
        root = ElementTree.fromstring(config_text)
    except ElementTree.ParseError:
        return []
    values = []
    salt = root.find(drwcsd.CONFIG_PASSWD_SALT_XPATH)
    if salt is not None:
        values.extend(value for value in salt.attrib.values() if value)
    name = re.compile(SECRET_WORD, re.IGNORECASE)
    for element in root.iter():
        values.extend(value for attribute, value in element.attrib.items() if value and name.search(attribute))
    return values


def read_text(path, limit=1024 * 1024):
    with open(path, 'rb') as handle:
        return to_native(handle.read(limit), errors='surrogate_or_replace')


def listing(folder):
    """'mode owner:group size name' of every entry of folder (names only)."""
    lines = []
    try:
        names = sorted(os.listdir(folder))
    except OSError as error:
        return ['%s: %s' % (folder, to_native(error))]
    for name in names:
        try:
            info = os.lstat(os.path.join(folder, name))
        except OSError:
            continue
        try:
            owner = pwd.getpwuid(info.st_uid).pw_name
        except KeyError:
            owner = str(info.st_uid)
        try:
            group = grp.getgrgid(info.st_gid).gr_name
        except KeyError:
            group = str(info.st_gid)
        lines.append('%s %s:%s %d %s' % (stat.filemode(info.st_mode), owner, group, info.st_size, name))
    return lines


def database_section(config_text):
    """(mode, sqlite file, pgsql attributes) of drwcsd.conf's database section."""
    try:
        root = ElementTree.fromstring(config_text)
    except ElementTree.ParseError:
        return None, None, None
    sqlite = root.find(drwcsd.CONFIG_SQLITE_XPATH)
    if sqlite is not None:
        dbfile = sqlite.get(drwcsd.CONFIG_SQLITE_FILE_ATTRIBUTE) or drwcsd.EMBEDDED_DATABASE_FILE
        if not os.path.isabs(dbfile):
            dbfile = os.path.join(drwcsd.VAR_DIR, dbfile)
        return 'embedded', dbfile, None
    pgsql = root.find(drwcsd.CONFIG_PGSQL_XPATH)
    if pgsql is not None:
        return 'external', None, dict((field, pgsql.get(attribute)) for field, attribute in drwcsd.CONFIG_PGSQL_ATTRIBUTES.items())
    return None, None, None


def _extras(run, rollback=None):
    """dbuuid and tables_list read by run(statement) -> rows; a missing table or column leaves None (and a note)."""
    found, notes = dict(dbuuid=None, tables_list=None), []
    for key, statement in (('dbuuid', drwcsd.SQL_DATABASE_UUID), ('tables_list', drwcsd.SQL_TABLES_LIST)):
        try:
            rows = run(statement)
        except Exception as error:  # pylint: disable=broad-exception-caught
            notes.append('%s not read: %s' % (key, to_native(error).strip().splitlines()[0]))
            if rollback is not None:
                rollback()
            continue
        if key == 'dbuuid':
            found[key] = to_native(rows[0][0]) if rows and rows[0][0] is not None else None
        else:
            found[key] = [dict(priority=row[0], subsystem=to_native(row[1]) if row[1] is not None else None,
                               tabname=to_native(row[2]), description=to_native(row[3]) if row[3] is not None else None)
                          for row in rows]
    return found, notes


def read_database(mode, dbfile, pgsql, timeout):
    """The configured database, read-only: dict(tables, tables_list, dbuuid, error); error says what was not read."""
    result = dict(tables=None, tables_list=None, dbuuid=None, error=None)
    if mode == 'embedded':
        if not os.path.exists(dbfile):
            result['error'] = 'embedded database %s is absent' % dbfile
            return result
        try:
            connection = sqlite3.connect('file:%s?mode=ro' % dbfile, uri=True, timeout=10)
            try:
                result['tables'] = [row[0] for row in connection.execute(drwcsd.SQL_EMBEDDED_TABLE_NAMES)]
                extras, notes = _extras(lambda statement: connection.execute(statement).fetchall())
            finally:
                connection.close()
        except sqlite3.Error as error:
            result['error'] = 'embedded database %s: %s' % (dbfile, error)
            return result
        result.update(extras, error='; '.join(notes) or None)
        return result
    if mode == 'external':
        if not HAS_PSYCOPG:
            result['error'] = 'neither psycopg nor psycopg2 can be imported on the node'
            return result
        params = dict(host=pgsql['host'], port=pgsql['port'] or drwcsd.PGSQL_DEFAULT_PORT, dbname=pgsql['name'],
                      connect_timeout=timeout)
        if pgsql['user']:
            params['user'] = pgsql['user']
        if pgsql['password']:
            params['password'] = pgsql['password']
        try:
            connection = psycopg.connect(**params)
        except Exception as error:  # pylint: disable=broad-exception-caught
            result['error'] = 'cannot connect: %s' % to_native(error).strip().splitlines()[0]
            return result
        try:
            cursor = connection.cursor()

            def rows(statement):
                cursor.execute(statement)
                return cursor.fetchall()
            result['tables'] = [to_native(row[0]) for row in rows(drwcsd.SQL_USER_TABLE_NAMES)]
            extras, notes = _extras(rows, connection.rollback)
            result.update(extras, error='; '.join(notes) or None)
        except Exception as error:  # pylint: disable=broad-exception-caught
            result['error'] = to_native(error).strip()
        finally:
            connection.close()
        return result
    result['error'] = 'drwcsd.conf has no readable database section'
    return result


def main():
    argument_spec = web_api.argument_spec()
    argument_spec.update(
        secret_values=dict(type='list', elements='str', default=[], no_log=True),
        command_timeout=dict(type='int', default=20),
        connect_timeout=dict(type='int', default=10),
    )
    module = AnsibleModule(
        argument_spec=argument_spec,
        supports_check_mode=True,
    )
    params = module.params
    for name in ('web_api_timeout', 'command_timeout', 'connect_timeout'):
        if params[name] < 1:
            module.fail_json(msg='%s must be at least 1 second, got %d' % (name, params[name]))
    masker = Masker([value for value in [params['admin_password']] + params['secret_values'] if value])
    if os.path.exists(drwcsd.CONFIG_FILE):
        try:
            masker.add(config_secrets(read_text(drwcsd.CONFIG_FILE)))
        except (IOError, OSError):
            pass
    masked = [0]

    def clean(text):
        if text is None:
            return None
        before = masker.count
        text = masker.mask(text)
        text, count = mask_secrets(text)
        masked[0] += count + masker.count - before
        return text

    probe = dict(installed=os.path.exists(drwcsd.PRODUCT_MARKER_FILE) or os.path.exists(drwcsd.DRWCSD_BINARY),
                 commands={}, files=[], etc_listing=listing(drwcsd.ETC_DIR), database=None, summary=None, masked=0)

    for name, argv in (('drwcsd_help', [drwcsd.DRWCSD_BINARY, drwcsd.DRWCSD_SWITCH_HELP]),
                       ('drwsign_help', [drwcsd.DRWSIGN_BINARY, drwcsd.DRWSIGN_SWITCH_HELP])):
        if not os.path.exists(argv[0]):
            probe['commands'][name] = dict(argv=argv, rc=None, output='%s is absent' % argv[0])
            continue
        # a usage text may exit non-zero; whatever it prints is what is wanted
        rc, out, err = module.run_command(['timeout', str(params['command_timeout'])] + argv)
        probe['commands'][name] = dict(argv=argv, rc=rc, output=clean((out or '') + (err or '')))

    config_text = None
    for path in (drwcsd.CONFIG_FILE, drwcsd.DOWNLOAD_CONFIG_FILE, drwcsd.OPTIONS_FILE, drwcsd.PRODUCT_MARKER_FILE):
        entry = dict(path=path, exists=os.path.exists(path), content=None)
        if entry['exists']:
            try:
                text = read_text(path)
                if path == drwcsd.CONFIG_FILE:
                    config_text = text
                entry['content'] = clean(text)
            except (IOError, OSError) as error:
                entry['content'] = 'cannot read: %s' % to_native(error)
        probe['files'].append(entry)

    mode, dbfile, pgsql = database_section(config_text) if config_text else (None, None, None)
    probe['database'] = dict(mode=mode, **read_database(mode, dbfile, pgsql, params['connect_timeout']))

    summary = dict(text=None, error=None)
    if not params['admin_password']:
        summary['error'] = 'not asked: no admin_password (drweb_admin_password)'
    else:
        # the reply as it comes, refusal or not: the report shows what the Server says
        try:
            body = web_api.WebApiClient(params, LOCAL_WEB_API).get(drwcsd.WEB_API_SUMMARY)
            summary['text'] = clean(to_native(body, errors='surrogate_or_replace'))
        except web_api.WebApiError as error:
            summary['error'] = to_native(error)
    probe['summary'] = summary
    before = masker.count
    probe = masker.mask_data(probe)     # the error texts too
    probe['masked'] = masked[0] + masker.count - before
    module.no_log_values.update(masker.values)
    module.exit_json(changed=False, probe=probe)


if __name__ == '__main__':
    main()
