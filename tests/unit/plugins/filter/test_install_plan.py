# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of drweb.cluster.install_plan: what the install role refuses, starts and restarts, decided from one read
of every member - the messages an administrator reads, and the Servers touched."""

from __future__ import annotations

import json

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.drweb.cluster.plugins.filter import install_plan as plan_module
from ansible_collections.drweb.cluster.plugins.filter.install_plan import install_plan

MEMBERS = ['node1', 'node2', 'node3']
REFUSED_LOGIN = 'summary.ds refused the login: wrong password'


def server(version='13.00.0', **changes):
    base = dict(installed=True, running=True, version=version, build=(version or '') + '.202310121', version_source='webapi',
                database=dict(mode='external', host='db1', port=5432, schema_version=522, schema_expected=522),
                web_api=dict(status='ok'))
    base.update(changes)
    return base


def plan(servers=None, **changes):
    data = dict(members=MEMBERS, servers=servers if servers is not None else {node: server() for node in MEMBERS},
                unreadable=[], why={}, version='13.00.0', admin_password_set=True, check_mode=False, play_hosts=MEMBERS)
    data.update(changes)
    return install_plan(data)


def test_the_filter_is_registered():
    assert plan_module.FilterModule().filters() == {'install_plan': install_plan}


def test_a_converged_cluster_refuses_nothing_starts_nothing_restarts_nothing():
    decided = plan()
    assert decided['problems'] == [] and decided['failure'] == ''
    assert decided['start'] == [] and decided['not_serving'] == [] and decided['restart_reasons'] == {}
    assert decided['read_current'] == MEMBERS
    assert decided['acts'] is False    # the acting steps are one skipped include
    assert decided['table'][0].split()[:2] == ['node', 'version']
    assert [line.split()[0] for line in decided['table'][1:]] == MEMBERS


def test_a_member_not_read_refuses_naming_it_and_why():
    servers = {'node1': server(), 'node3': server()}
    decided = plan(servers, unreadable=['node2'], why={'node2': 'unreachable: ssh timed out'})
    why = json.dumps({'node2': 'unreachable: ssh timed out'})
    assert decided['problems'] == [
        "Refusing to install: cannot read node2, so the cluster's versions cannot be checked. Nothing was changed. " + why]
    assert decided['failure'] == decided['problems'][0]
    assert 'NOT READ: unreachable: ssh timed out' in decided['table'][2]
    assert decided['read_current'] == ['node1', 'node3']


def test_another_version_refuses_with_the_table_and_the_upgrade_playbook_named():
    servers = {'node1': server(), 'node2': server('12.00.0'), 'node3': server(version=None)}
    decided = plan(servers)
    assert decided['problems'] == [
        'Refusing to install: every Server must run drweb_version=13.00.0, but node2, node3 run(s) another or an unknown '
        'version. Nothing was changed. Upgrades go through playbooks/upgrade.yml (all nodes, from the package); a '
        'downgrade is not supported.']
    assert decided['failure'] == decided['problems'] + decided['table']


def test_a_node_not_installed_is_not_another_version_and_is_started_after_its_install():
    servers = {'node1': server(), 'node2': server(), 'node3': dict(installed=False, running=False)}
    decided = plan(servers)
    assert decided['problems'] == []
    assert decided['start'] == ['node3']
    assert decided['read_current'] == ['node1', 'node2']


def test_check_mode_starts_no_node_still_to_be_installed_but_a_stopped_one():
    servers = {'node1': server(running=False), 'node2': server(), 'node3': dict(installed=False, running=False)}
    assert plan(servers, check_mode=True)['start'] == ['node1']
    assert plan(servers)['start'] == ['node1', 'node3']


def test_a_running_server_on_the_common_database_refusing_the_login_is_refused_not_restarted():
    servers = {node: server() for node in MEMBERS}
    servers['node2'] = server(web_api=dict(status='error', error=REFUSED_LOGIN))
    decided = plan(servers)
    assert decided['problems'] == [
        "Refusing to go on: the Web API of node2 refused the administrator login (%s). Check drweb_admin_password (the "
        "Control Center administrator's password). Nothing was changed." % REFUSED_LOGIN]
    assert decided['not_serving'] == []


@pytest.mark.parametrize('change', [
    dict(database=dict(mode='embedded')),        # a node staged on its embedded database may refuse the cluster password
    dict(running=False),                         # a stopped Server is started, not judged
    dict(web_api=dict(status='error', error='connection refused')),   # not a login refusal
])
def test_a_login_refusal_is_judged_only_on_a_running_server_of_the_common_database(change):
    servers = {node: server() for node in MEMBERS}
    servers['node2'] = server(web_api=dict(status='error', error=REFUSED_LOGIN))
    servers['node2'].update(change)
    assert plan(servers)['problems'] == []


def test_a_server_without_its_database_is_restarted_with_the_likely_cause_not_refused():
    servers = {node: server() for node in MEMBERS}
    servers['node3'] = server(web_api=dict(status='error', error=REFUSED_LOGIN + ' (database unavailable)',
                                           database_unavailable=True))
    decided = plan(servers)
    assert decided['problems'] == []
    assert decided['not_serving'] == ['node3']
    assert decided['not_serving_errors'] == {'node3': REFUSED_LOGIN + ' (database unavailable)'}
    assert decided['restart_reasons']['node3'] == (
        'it ran but did not serve; likely cause: the common database db1:5432 is unreachable from this node (check '
        'PostgreSQL and drweb_db_host / drweb_db_port); if its Web API refuses the login, also check that '
        "drweb_admin_password is the Control Center administrator's password")


def test_an_embedded_database_that_cannot_be_opened_is_the_likely_cause_named():
    servers = {node: server() for node in MEMBERS}
    servers['node1'] = server(database=dict(mode='embedded'),
                              web_api=dict(status='error', error='x', database_unavailable=True))
    assert plan(servers)['restart_reasons']['node1'].startswith(
        'it ran but did not serve; likely cause: its embedded database cannot be opened;')


def test_not_serving_needs_the_admin_password_and_a_host_of_the_play():
    servers = {node: server() for node in MEMBERS}
    servers['node3'] = server(web_api=dict(status='error', error='x', database_unavailable=True))
    assert plan(servers, admin_password_set=False)['not_serving'] == []
    assert plan(servers, play_hosts=['node1', 'node2'])['not_serving'] == []


def test_every_problem_is_named_in_one_failure():
    servers = {'node1': server('12.00.0'), 'node3': server(web_api=dict(status='error', error=REFUSED_LOGIN))}
    decided = plan(servers, unreadable=['node2'], why={'node2': 'unreachable'})
    assert [problem.split(':')[0] for problem in decided['problems']] == [
        'Refusing to install', 'Refusing to install', 'Refusing to go on']
    assert decided['failure'][0] == ' '.join(decided['problems'])
    assert decided['failure'][1:] == decided['table']


def test_bad_input_is_an_error():
    with pytest.raises(AnsibleFilterError, match='install_plan expects a dictionary'):
        install_plan(['node1'])


# ------------------------------------------------------------------ the variables and the package, with the read
PACKAGE = '/srv/drweb-13.00.0-esuite-server-linux-x86_64.run'
SETTINGS = dict(package=PACKAGE, checksum='', restart_strategy='serial', primary_host='', servers=MEMBERS)


def inspected(**changes):
    info = dict(path=PACKAGE, name=PACKAGE.rsplit('/', 1)[-1], url=False, release='13.00.0', readable=True, exists=True,
                sha256='ab' * 32, error=None, install_arguments=['--', '--non-interactive'], admin_password_option='--admin-password')
    info.update(changes)
    return dict(changed=False, package=info)


SKIPPED = dict(changed=False, skipped=True, skip_reason='Conditional result was False')


def test_usable_variables_and_package_refuse_nothing_and_give_the_package_to_install():
    decided = plan(settings=SETTINGS, package_read=inspected(), batch_package_read=inspected())
    assert decided['problems'] == [] and decided['failure'] == ''
    assert decided['package']['name'] == 'drweb-13.00.0-esuite-server-linux-x86_64.run'
    assert decided['package']['install_arguments'] == ['--', '--non-interactive']
    # a host that did not inspect the same package goes by the batch's first host's inspection
    assert plan(settings=SETTINGS, package_read=SKIPPED, batch_package_read=inspected())['package'] == decided['package']
    # without the variables, nothing but the read is judged (the role's earlier callers)
    assert plan()['package'] == {}


@pytest.mark.parametrize('changes, settings, message', [
    (dict(version='13.1'), {}, 'drweb_version must be the Dr.Web Server release every node runs, written MM.mm.p (for '
                               'example 13.00.1); got "13.1"'),
    (dict(version=None), {}, 'got "(unset)"'),
    ({}, dict(package=''), 'drweb_package must name the installation package (a path on the controller, or an '
                           'http(s)/ftp URL together with drweb_package_checksum); drweb_package_checksum, when set, must '
                           'be sha256:<64 hex digits>. Got drweb_package="", drweb_package_checksum=""'),
    ({}, dict(restart_strategy='rolling'), 'drweb_restart_strategy must be serial or parallel (got "rolling")'),
    ({}, dict(primary_host='node9'), 'drweb_primary_host a member of drweb_servers (got "node9"; '
                                     'drweb_servers = ["node1", "node2", "node3"])'),
])
def test_unusable_variables_are_named_word_for_word_and_no_member_is_compared_with_a_bad_version(changes, settings, message):
    decided = plan(settings=dict(SETTINGS, **settings), package_read=inspected(), **changes)
    assert decided['problems'] and message in decided['failure'], decided['failure']
    assert 'Refusing to install: every Server must run' not in decided['failure']
    assert decided['package'] == {}


@pytest.mark.parametrize('read, message', [
    (inspected(exists=False, readable=False, sha256=None, error='%s does not exist' % PACKAGE),
     'drweb_package cannot be used: %s does not exist' % PACKAGE),
    (inspected(release='13.00.1'), 'drweb_version is 13.00.0 but drweb_package drweb-13.00.0-esuite-server-linux-x86_64.run '
                                   'is release 13.00.1: make them name the same release.'),
    (inspected(release=None, name='server.run'), 'drweb_package server.run names no Dr.Web Server release'),
    (dict(failed=True, msg='the controller could not run the module '),
     'drweb_package cannot be used: the controller could not run the module'),
])
def test_an_unusable_package_is_named_word_for_word(read, message):
    decided = plan(settings=SETTINGS, package_read=read)
    assert message in decided['failure'], decided['failure']


def test_a_checksum_mismatch_is_named_and_a_package_never_inspected_is_refused():
    settings = dict(SETTINGS, checksum='sha256:' + '0' * 64)
    decided = plan(settings=settings, package_read=inspected())
    assert decided['problems'] == ['drweb_package %s does not match drweb_package_checksum: the file\'s SHA-256 is %s,'
                                   ' drweb_package_checksum says %s' % (PACKAGE, 'ab' * 32, 'sha256:' + '0' * 64)]
    missing = plan(settings=SETTINGS, package_read=SKIPPED, batch_package_read=SKIPPED)
    assert 'was not inspected on the controller' in missing['failure']


def test_the_package_problem_and_the_cluster_s_refusals_are_named_in_one_failure():
    servers = {node: server() for node in MEMBERS}
    servers['node2'] = server('13.00.1')
    decided = plan(servers, settings=SETTINGS, package_read=inspected(release='13.00.1'))
    assert len(decided['problems']) == 2
    assert decided['failure'][0].startswith('drweb_version is 13.00.0 but drweb_package ')
    assert 'Refusing to install: every Server must run drweb_version=13.00.0, but node2 run(s) another' in decided['failure'][0]
    assert decided['failure'][1:] == decided['table']


@pytest.mark.parametrize('servers, play_hosts, check_mode, acts', [
    # a node to install (in check mode too: the install is predicted), a stopped Server, one that does not serve
    ({'node3': dict(installed=False, running=False)}, MEMBERS, False, True),
    ({'node3': dict(installed=False, running=False)}, MEMBERS, True, True),
    ({'node2': server(running=False)}, MEMBERS, False, True),
    ({'node2': server(web_api=dict(status='error', error='summary.ds refused: database unavailable',
                                   database_unavailable=True))}, MEMBERS, False, True),
    # the node that needs it is outside this run (--limit): nothing for this play's hosts to do
    ({'node3': dict(installed=False, running=False)}, ['node1', 'node2'], False, False),
    ({'node2': server(running=False)}, ['node1', 'node3'], False, False),
])
def test_the_role_acts_when_a_host_of_the_play_is_to_install_start_or_restart(servers, play_hosts, check_mode, acts):
    everyone = dict((node, server()) for node in MEMBERS)
    everyone.update(servers)
    assert plan(everyone, play_hosts=play_hosts, check_mode=check_mode)['acts'] is acts
