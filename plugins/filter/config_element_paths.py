# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``drweb.cluster.config_element_paths`` filter: the paths of the elements the config role manages.
Documentation: DOCUMENTATION below."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
name: config_element_paths
version_added: 0.1.0
short_description: The paths of the drwcsd.conf and download.conf elements the config role manages
description:
  - The elements of the Dr.Web Server's configuration files that the config role merges, by absolute path in the
    syntax of drweb.cluster.xml_fragments, for each file asked for.
  - C(drwcsd) (drwcsd.conf) - C(cluster), C(protocols), C(passwd_salt), C(database);
    C(download) (download.conf) - C(server).
  - The names come from the collection's register of product facts (C(module_utils/drwcsd.py)); which of them are
    public is listed in the collection's compatibility page.
options:
  _input:
    description: The files, C(drwcsd) and/or C(download).
    type: list
    elements: str
    required: true
author:
  - drweb.cluster maintainers !UNKNOWN
'''

EXAMPLES = r'''
- name: Read the passwd-salt of drwcsd.conf
  drweb.cluster.xml_fragments:
    path: /var/opt/drwcs/etc/drwcsd.conf
    read: ["{{ (['drwcsd'] | drweb.cluster.config_element_paths).drwcsd.passwd_salt }}"]
  no_log: true
'''

RETURN = r'''
_value:
  description:
    - For each file asked for, its managed elements' names and paths, for example C(download) ->
      C(server) -> C(/download-config/server).
  type: dict
'''

from ansible.errors import AnsibleFilterError
from ansible_collections.drweb.cluster.plugins.module_utils import drwcsd


def config_element_paths(files):
    """{file: {element: absolute path}} for each of files (drwcsd, download)."""
    if isinstance(files, str) or not isinstance(files, (list, tuple)):
        raise AnsibleFilterError('config_element_paths expects a list of files (%s), got %r'
                                 % (', '.join(sorted(drwcsd.CONFIG_MANAGED_ELEMENTS)), files))
    unknown = [name for name in files if name not in drwcsd.CONFIG_MANAGED_ELEMENTS]
    if unknown:
        raise AnsibleFilterError('config_element_paths knows the files %s, not %s'
                                 % (', '.join(sorted(drwcsd.CONFIG_MANAGED_ELEMENTS)), ', '.join(map(str, unknown))))
    return dict((name, dict(drwcsd.CONFIG_MANAGED_ELEMENTS[name])) for name in files)


class FilterModule(object):
    """drweb.cluster config role: the managed elements."""

    def filters(self):
        return {'config_element_paths': config_element_paths}
