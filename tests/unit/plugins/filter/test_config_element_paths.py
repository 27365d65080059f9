# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""drweb.cluster.config_element_paths: the paths the config role merges, from the register of product facts."""

from __future__ import annotations

import pytest

from ansible.errors import AnsibleFilterError
from ansible_collections.drweb.cluster.plugins.filter.config_element_paths import config_element_paths
from ansible_collections.drweb.cluster.plugins.module_utils import drwcsd


def test_every_managed_element_of_both_files_by_absolute_path():
    assert config_element_paths(['drwcsd', 'download']) == {
        'drwcsd': {'cluster': '/drwcsd/cluster', 'protocols': '/drwcsd/protocols', 'passwd_salt': '/drwcsd/passwd-salt',
                   'database': '/drwcsd/database'},
        'download': {'server': '/download-config/server'},
    }


def test_the_paths_are_made_of_the_registered_names():
    # the names the readers use (server_facts, the config filters) and the paths the role merges are the same facts
    paths = config_element_paths(['drwcsd', 'download'])
    assert paths['drwcsd']['passwd_salt'] == '/%s/%s' % (drwcsd.CONFIG_ROOT_TAG, drwcsd.CONFIG_PASSWD_SALT_XPATH)
    assert paths['download']['server'] == '/%s/%s' % (drwcsd.DOWNLOAD_ROOT_TAG, drwcsd.DOWNLOAD_SERVER_TAG)
    assert drwcsd.CONFIG_PGSQL_XPATH.startswith(drwcsd.CONFIG_DATABASE_XPATH + '/')
    registered = {name for name, unused_kind, unused_value, unused_label, unused_source in drwcsd.TOUCH_POINTS}
    assert {'CONFIG_ROOT_TAG', 'DOWNLOAD_ROOT_TAG', 'CONFIG_CLUSTER_XPATH', 'CONFIG_PROTOCOLS_XPATH',
            'CONFIG_DATABASE_XPATH'} <= registered


def test_one_file_alone_and_a_copy_the_caller_cannot_change_the_register_through():
    paths = config_element_paths(['download'])
    assert paths == {'download': {'server': '/download-config/server'}}
    paths['download']['server'] = '/elsewhere'
    assert config_element_paths(['download'])['download']['server'] == '/download-config/server'


@pytest.mark.parametrize('files, message', [
    ('drwcsd', 'expects a list of files'),
    (None, 'expects a list of files'),
    (['drwcsd', 'agent'], 'knows the files download, drwcsd, not agent'),
])
def test_anything_but_a_list_of_known_files_is_refused_naming_them(files, message):
    with pytest.raises(AnsibleFilterError, match=message):
        config_element_paths(files)
