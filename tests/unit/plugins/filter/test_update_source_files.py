# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of drweb.cluster.update_source_files: the files that name a Server's update source."""

from __future__ import annotations

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.drweb.cluster.plugins.filter import update_source_files as files_module
from ansible_collections.drweb.cluster.plugins.filter.update_source_files import update_source_files
from ansible_collections.drweb.cluster.plugins.modules.repository_version import product_facts

FACTS = product_facts('/var/opt/drwcs/repository')


def test_the_filter_is_registered():
    assert files_module.FilterModule().filters() == {'update_source_files': update_source_files}


def test_gus_writes_the_vendor_setting_of_a_fresh_install():
    files = update_source_files(FACTS, 'gus')
    gus = FACTS['gus_source']
    assert files == [dict(path='/var/opt/drwcs/repository/.url', content=gus['url']),
                     dict(path='/var/opt/drwcs/repository/.proto', content=gus['proto']),
                     dict(path='/var/opt/drwcs/repository/.servers', content='\n'.join(gus['servers']))]


def test_a_zone_is_the_url_file_alone():
    assert update_source_files(FACTS, 'zone', 'http://10.213.0.2:8080/update') == [
        dict(path='/var/opt/drwcs/repository/.url', content='http://10.213.0.2:8080/update')]


def test_a_parent_is_named_with_the_product_scheme_and_its_port():
    assert update_source_files(FACTS, 'parent', '', '10.213.0.11:2193') == [
        dict(path='/var/opt/drwcs/repository/.url', content='%s://10.213.0.11:2193' % FACTS['parent_scheme'])]


@pytest.mark.parametrize('args, match', [
    ((None, 'gus'), 'expects the product_facts'),
    ((FACTS, 'cdn'), 'source must be gus, zone or parent'),
    ((FACTS, 'zone', ''), 'needs the zone URL'),
    ((FACTS, 'parent', '', ''), 'needs the parent address'),
])
def test_bad_input_is_an_error(args, match):
    with pytest.raises(AnsibleFilterError, match=match):
        update_source_files(*args)
