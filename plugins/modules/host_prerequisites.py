#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: host_prerequisites
short_description: Tell which Python libraries and commands the collection's modules need are missing on a host
description:
- Tries to import each library the host's O(duties) need (and those of O(python_modules)) with the Python
  interpreter Ansible runs modules with on the target (C(ansible_python_interpreter)), and looks up each command
  they need (and those of O(commands)) on the C(PATH) and in the usual C(sbin) folders, then returns what is missing
  (RV(missing)) and the operating system packages that provide it (RV(packages)).
- What each duty needs - C(server) (a cluster member) - C(psycopg) or C(psycopg2) (the common database), C(cryptography)
  (key and certificate checks) and C(dig) (the cluster name's records); C(database) (the PostgreSQL host) - C(psycopg)
  or C(psycopg2) (community.postgresql); C(dns_update) (the host that sends the DNS update) - C(dnspython)
  (community.general.nsupdate) and C(dig).
- An entry of O(python_modules) may name alternatives separated by C(|) (for example C(psycopg|psycopg2)); the entry
  is present when any of them imports.
- The C(drweb.cluster.prerequisites) role installs RV(packages) through the package manager or refuses with
  RV(refusal).
- The module only reads; it changes nothing and also runs in check mode.
version_added: 0.1.0
options:
  duties:
    description:
    - What the host does in the cluster; each adds the libraries and commands listed above.
    type: list
    elements: str
    choices: [server, database, dns_update]
    default: []
  os_family:
    description:
    - The host's operating system family (C(ansible_facts.os_family)), to name the packages. C(Debian) (Debian,
      Ubuntu) and C(RedHat) (RHEL, Rocky, AlmaLinux, CentOS Stream) are known; for another family RV(packages) names
      nothing and RV(unpackaged) lists everything missing.
    - Empty - the facts were not gathered - the module reads it from C(/etc/os-release) (C(ID), then C(ID_LIKE)), so
      that a host with everything present costs no fact gathering; RV(os_family) returns the family used.
    type: str
    default: ''
  python_modules:
    description:
    - The Python libraries to import, each a module name or alternatives separated by C(|).
    type: list
    elements: str
    default: []
  commands:
    description:
    - The commands to find.
    type: list
    elements: str
    default: []
  install:
    description:
    - Whether the caller installs RV(packages) through the package manager (C(drweb_prerequisites_install)). It only
      words RV(refusal); the module installs nothing.
    type: bool
    default: true
extends_documentation_fragment:
- drweb.cluster.attributes
- drweb.cluster.attributes.read_only
author:
- drweb.cluster maintainers !UNKNOWN
'''

EXAMPLES = r'''
- name: What the Servers' modules need
  drweb.cluster.host_prerequisites:
    duties: [server]
    os_family: "{{ ansible_facts.os_family }}"
  register: needs

- name: Refuse what the package manager cannot provide
  ansible.builtin.fail:
    msg: "{{ inventory_hostname }} lacks {{ needs.refusal }}"
  when: needs.refusal | length > 0
'''

RETURN = r'''
missing:
  description: The entries of O(python_modules) and O(commands) that are missing, in the order given.
  returned: always
  type: list
  elements: str
  sample: [cryptography, dig]
described:
  description: RV(missing) as a person names it (C(psycopg or psycopg2), C(dnspython), C(dig)), for messages.
  returned: always
  type: list
  elements: str
  sample: [cryptography, dig]
packages:
  description: The packages of O(os_family) that provide what is missing, each once, in the order of RV(missing).
  returned: always
  type: list
  elements: str
  sample: [python3-cryptography, bind9-dnsutils]
unpackaged:
  description: What is missing that no package of O(os_family) is known to provide (an unknown family, or an extra entry).
  returned: always
  type: list
  elements: str
  sample: []
found:
  description:
  - For each entry present, what satisfied it - the module that imported (with its version when it has one) or the
    command's path.
  returned: always
  type: dict
  sample: {"psycopg|psycopg2": "psycopg2 2.9.5", "dig": "/usr/bin/dig"}
refusal:
  description:
  - Why the host cannot go on, empty when it can - what is missing for which interpreter and duties, and what to
    install (the packages, when O(install) is false) or that no package is known for it on O(os_family). Worded
    after the host's name, ending with C(Nothing was changed.)
  returned: always
  type: str
  sample: >-
    cryptography for the Python interpreter /usr/bin/python3 (server): install the packages python3-cryptography
    (drweb_prerequisites_install is false, so nothing was installed). Nothing was changed.
os_family:
  description: The family RV(packages) are named for - O(os_family), or the one read from C(/etc/os-release) when that was
    empty (C(Debian), C(RedHat); empty for another system).
  returned: always
  type: str
  sample: Debian
python:
  description: The interpreter that ran the module (the one the collection's other modules run with), and its version.
  returned: always
  type: dict
  sample: {"executable": "/usr/bin/python3", "version": "3.11.2"}
'''

import importlib
import platform
import sys

from ansible.module_utils.basic import AnsibleModule

# What each duty needs on the host: ('python', importable module or '|'-separated alternatives) or ('command', name).
DUTIES = {
    'server': (('python', 'psycopg|psycopg2'), ('python', 'cryptography'), ('command', 'dig')),
    'database': (('python', 'psycopg|psycopg2'),),
    'dns_update': (('python', 'dns'), ('command', 'dig')),
}
# How a message names them (an import name is not always the project's name).
LABELS = {'psycopg|psycopg2': 'psycopg or psycopg2', 'dns': 'dnspython'}
# The package that provides each of them, per OS family. psycopg2 is packaged for every release of both families
# (psycopg 3 is not, on older ones); the collection's modules take either.
PACKAGES = {
    'Debian': {'psycopg|psycopg2': 'python3-psycopg2', 'cryptography': 'python3-cryptography',
               'dns': 'python3-dnspython', 'dig': 'bind9-dnsutils'},
    'RedHat': {'psycopg|psycopg2': 'python3-psycopg2', 'cryptography': 'python3-cryptography',
               'dns': 'python3-dns', 'dig': 'bind-utils'},
}


# /etc/os-release IDs (ID, then each of ID_LIKE) -> the family Ansible's facts give them (ansible_facts.os_family)
OS_RELEASE_FAMILIES = {'debian': 'Debian', 'ubuntu': 'Debian', 'rhel': 'RedHat', 'centos': 'RedHat', 'fedora': 'RedHat',
                       'rocky': 'RedHat', 'almalinux': 'RedHat', 'ol': 'RedHat'}
OS_RELEASE = '/etc/os-release'


def os_family_from_os_release(text):
    """The family of an /etc/os-release text: its ID first, then its ID_LIKE entries; '' when none is known."""
    values = {}
    for line in text.splitlines():
        name, sep, value = line.strip().partition('=')
        if sep and not name.startswith('#'):
            values[name.strip()] = value.strip().strip('"').strip("'")
    for distribution in [values.get('ID', '')] + values.get('ID_LIKE', '').split():
        family = OS_RELEASE_FAMILIES.get(distribution.lower())
        if family:
            return family
    return ''


def read_os_family(path=None):
    """The host's family from its os-release file ('' when it cannot be read)."""
    try:
        with open(path or OS_RELEASE) as handle:
            return os_family_from_os_release(handle.read())
    except (IOError, OSError):
        return ''


def import_any(entry):
    """The first of the '|'-separated alternatives of `entry` that imports, with its version, or None."""
    for name in (part.strip() for part in entry.split('|')):
        if not name:
            continue
        try:
            module = importlib.import_module(name)
        except Exception:  # pylint: disable=broad-exception-caught  # any import failure means "not usable here"
            continue
        version = getattr(module, '__version__', None)
        # psycopg2's version string carries build flags: "2.9.5 (dt dec pq3 ext lo64)"
        return ('%s %s' % (name, str(version).split(' ', 1)[0])) if version else name
    return None


def check(module, python_modules, commands):
    """(missing, found) for the requested libraries and commands."""
    missing, found = [], {}
    for entry in python_modules:
        what = import_any(entry)
        if what is None:
            missing.append(entry)
        else:
            found[entry] = what
    for command in commands:
        path = module.get_bin_path(command, opt_dirs=['/usr/local/sbin', '/usr/sbin', '/sbin'])
        if path is None:
            missing.append(command)
        else:
            found[command] = path
    return missing, found


def wanted(duties, python_modules, commands):
    """(python entries, commands) the duties and the extra entries need, each once, in a stable order."""
    python_entries, command_names = [], []
    for duty in duties:
        for kind, name in DUTIES[duty]:
            target = python_entries if kind == 'python' else command_names
            if name not in target:
                target.append(name)
    for name in python_modules:
        if name not in python_entries:
            python_entries.append(name)
    for name in commands:
        if name not in command_names:
            command_names.append(name)
    return python_entries, command_names


def packages_for(missing, os_family):
    """(packages, unpackaged): the OS packages providing what is missing, and what no known package provides."""
    table = PACKAGES.get(os_family, {})
    packages, unpackaged = [], []
    for entry in missing:
        package = table.get(entry)
        if package is None:
            unpackaged.append(entry)
        elif package not in packages:
            packages.append(package)
    return packages, unpackaged


def refusal(described, packages, unpackaged, os_family, install, executable, duties):
    """Why the host cannot go on ('' when it can): something missing that no package provides, or anything missing
    when the caller does not install packages."""
    if not described or (install and not unpackaged):
        return ''
    if unpackaged:
        what = 'no package is known for %s on the %s family: install them for that interpreter' % (
            ', '.join(unpackaged), os_family or 'unknown')
    else:
        what = 'install the packages %s (drweb_prerequisites_install is false, so nothing was installed)' % ' '.join(packages)
    return '%s for the Python interpreter %s (%s): %s. Nothing was changed.' % (
        ', '.join(described), executable, ', '.join(duties), what)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            duties=dict(type='list', elements='str', default=[], choices=sorted(DUTIES)),
            os_family=dict(type='str', default=''),
            python_modules=dict(type='list', elements='str', default=[]),
            commands=dict(type='list', elements='str', default=[]),
            install=dict(type='bool', default=True),
        ),
        supports_check_mode=True,
    )
    python_entries, command_names = wanted(module.params['duties'], module.params['python_modules'], module.params['commands'])
    missing, found = check(module, python_entries, command_names)
    os_family = module.params['os_family'] or read_os_family()
    packages, unpackaged = packages_for(missing, os_family)
    described = [LABELS.get(entry, entry.replace('|', ' or ')) for entry in missing]
    reason = refusal(described, packages, unpackaged, os_family, module.params['install'], sys.executable,
                     module.params['duties'])
    module.exit_json(changed=False, missing=missing, described=described, found=found, packages=packages, unpackaged=unpackaged,
                     refusal=reason, os_family=os_family, python=dict(executable=sys.executable, version=platform.python_version()))


if __name__ == '__main__':
    main()
