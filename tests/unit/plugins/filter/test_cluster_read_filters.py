# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the filters the install and upgrade roles share: member_reads (what the cluster read found),
version_table (the node -> version table an administrator reads) and package_problems (bad input named)."""

from __future__ import annotations

import re

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.drweb.cluster.plugins.filter import member_reads as reads_module
from ansible_collections.drweb.cluster.plugins.filter import package_problems as problems_module
from ansible_collections.drweb.cluster.plugins.filter import version_table as table_module
from ansible_collections.drweb.cluster.plugins.filter.member_reads import member_reads
from ansible_collections.drweb.cluster.plugins.filter.package_problems import package_problems
from ansible_collections.drweb.cluster.plugins.filter.version_table import version_table

PACKAGE = '/srv/drweb-13.00.1-esuite-server-linux-x86_64.run'
SHA = 'ab' * 32


def server(version='13.00.0', **changes):
    base = dict(installed=True, running=True, version=version, build=version + '.202310121', version_source='webapi',
                database=dict(mode='external', schema_version=522, schema_expected=522))
    base.update(changes)
    return base


def test_the_filters_are_registered():
    assert reads_module.FilterModule().filters() == {'member_reads': member_reads}
    assert table_module.FilterModule().filters() == {'version_table': version_table}
    assert problems_module.FilterModule().filters() == {'package_problems': package_problems}


def test_member_reads_sorts_read_unreachable_failed_and_skipped_members():
    found = member_reads([
        dict(item='node1', server=server()),
        dict(item='node2', unreachable=True, msg='ssh: connect to host node2: Connection timed out'),
        dict(item='node3', failed=True, msg='drwcsd.conf cannot be parsed'),
        dict(item='node4', skipped=True),
        dict(item='node5', unreachable=True),
    ])
    assert found['servers'] == {'node1': server()}
    assert found['unreadable'] == ['node2', 'node3', 'node5']
    assert found['why'] == {'node2': 'ssh: connect to host node2: Connection timed out',
                            'node3': 'drwcsd.conf cannot be parsed', 'node5': 'unreachable'}


@pytest.mark.parametrize('bad', ['node1', [dict(server=server())], [dict(item='node1')]])
def test_member_reads_refuses_what_is_not_a_cluster_read(bad):
    with pytest.raises(AnsibleFilterError):
        member_reads(bad)


def test_the_table_has_a_header_and_one_line_per_member_in_order():
    lines = version_table(['node2', 'node1', 'node3'],
                          {'node1': server(), 'node2': server(running=False),
                           'node3': dict(installed=False, running=False, version=None, build=None, version_source=None)})
    assert lines[0].split() == ['node', 'version', 'build', 'source', 'running', 'database']
    assert [line.split()[0] for line in lines[1:]] == ['node2', 'node1', 'node3']
    assert lines[1].split() == ['node2', '13.00.0', '13.00.0.202310121', 'webapi', 'no', 'external', 'schema', '522']
    assert lines[3].split() == ['node3', 'absent', '-', '-', 'no', '-']


def test_the_table_marks_a_node_that_cannot_use_its_database():
    lines = version_table(['node2'], {'node2': server(database=dict(mode='external', schema_version=542, schema_expected=522),
                                                      running=False)})
    assert re.search(r'node2\s+13\.00\.0 .*schema 542 \(release 13\.00\.0 needs 522: it CANNOT USE this database\)', lines[1])


def test_the_table_says_why_a_member_was_not_read_shortened():
    lines = version_table(['node1', 'node9'], {'node1': server()}, {'node9': 'timed out ' * 40})
    assert lines[2].startswith('node9            NOT READ: timed out')
    assert lines[2].endswith('...') and len(lines[2]) < 200
    assert version_table(['node9'], {}, None)[1].split() == ['node9', 'NOT', 'READ:', 'unreachable']


def test_good_inputs_have_no_problem():
    inputs = dict(version='13.00.1', package=PACKAGE, checksum='', restart_strategy='', primary_host='',
                  servers=['node1', 'node2'])
    assert package_problems(inputs) == []
    assert package_problems(dict(version='13.00.1', package='https://mirror/x.run', checksum='sha256:' + SHA)) == []


@pytest.mark.parametrize('inputs, named', [
    (dict(version='13.1', package=PACKAGE), 'drweb_version must be the Dr.Web Server release every node runs, written MM.mm.p'),
    (dict(version=None, package=PACKAGE), 'got "(unset)"'),
    (dict(version=13.001, package=PACKAGE), 'drweb_version must be'),
    (dict(version='13.00.1', package=''), 'drweb_package must name the installation package'),
    (dict(version='13.00.1', package='https://mirror/x.run', checksum=''), 'drweb_package must name'),
    (dict(version='13.00.1', package=PACKAGE, checksum='md5:abc'), 'drweb_package_checksum, when set, must be sha256'),
    (dict(version='13.00.1', package=PACKAGE, restart_strategy='rolling'), 'drweb_restart_strategy must be serial or parallel'),
    (dict(version='13.00.1', package=PACKAGE, primary_host='node7', servers=['node1']),
     'expected drweb_primary_host a member of drweb_servers (got "node7"'),
    # an empty string from an AWX survey is shown as given, not as unset
    (dict(version='', package=PACKAGE), 'written MM.mm.p (for example 13.00.1); got ""'),
    # the strategy and the primary in one sentence, as the install role gives both
    (dict(version='13.00.1', package=PACKAGE, restart_strategy='serial', primary_host='node9', servers=['node1', 'node2']),
     'drweb_restart_strategy must be serial or parallel (got "serial") and drweb_primary_host a member of drweb_servers'
     ' (got "node9"; drweb_servers = ["node1", "node2"])'),
])
def test_bad_inputs_are_named(inputs, named):
    problems = package_problems(inputs)
    assert len(problems) == 1 and named in problems[0], problems


def test_the_package_is_not_inspected_when_the_inputs_are_bad():
    assert len(package_problems(dict(version='x', package=PACKAGE, package_info=dict(readable=False, error='gone')))) == 1


@pytest.mark.parametrize('info, checksum, named', [
    (dict(url=False, readable=False, error='/srv/x.run does not exist'), '', 'drweb_package cannot be used: /srv/x.run does not exist'),
    (dict(url=False, readable=True, name='server.run', release=None), '', 'drweb_package server.run names no Dr.Web Server release'),
    (dict(url=False, readable=True, name='drweb-13.00.0-esuite-server-linux-x86_64.run', release='13.00.0'), '',
     'drweb_version is 13.00.1 but drweb_package drweb-13.00.0-esuite-server-linux-x86_64.run is release 13.00.0'),
    (dict(url=False, readable=True, name='p.run', release='13.00.1', sha256=SHA), 'sha256:' + '0' * 64,
     'does not match drweb_package_checksum'),
])
def test_an_unusable_package_is_named(info, checksum, named):
    problems = package_problems(dict(version='13.00.1', package=PACKAGE, checksum=checksum, package_info=info))
    assert len(problems) == 1 and named in problems[0], problems


def test_a_matching_package_has_no_problem():
    info = dict(url=False, readable=True, name='p.run', release='13.00.1', sha256=SHA)
    assert package_problems(dict(version='13.00.1', package=PACKAGE, checksum='sha256:' + SHA.upper(), package_info=info)) == []
    # a URL is verified by the download (get_url checksum), not on the controller
    url = dict(url=True, readable=False, name='p.run', release='13.00.1', sha256=None)
    assert package_problems(dict(version='13.00.1', package='https://m/p.run', checksum='sha256:' + SHA, package_info=url)) == []


def test_package_problems_refuses_what_is_not_a_dictionary():
    with pytest.raises(AnsibleFilterError):
        package_problems(['13.00.1'])
