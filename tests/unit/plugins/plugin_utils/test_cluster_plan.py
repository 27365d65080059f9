# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the cluster's plan: every rule of plugin_utils/cluster_plan.py, on member reads as server_facts
returns them."""

from __future__ import annotations

import copy

import pytest

from ansible_collections.drweb.cluster.plugins.plugin_utils.cluster_plan import PlanInputError, decide, host_list, inventory_mark

DB = dict(host='10.0.0.2', port=5432, name='drwcs', user='drwcs')
DBUUID = '11111111-2222-3333-4444-555555555555'
KEYS_A = dict(private_key='a1' * 32, public_key='a2' * 32, certificate='a3' * 32)
KEYS_B = dict(private_key='b1' * 32, public_key='b2' * 32, certificate='b3' * 32)
SALT_A, SALT_B = 'sa' * 32, 'sb' * 32
SERVERS = ['node1', 'node2', 'node3']


def keys(fingerprint, version=1, complete=True, consistent=True):
    return dict(fingerprint=dict(fingerprint), public_key_sha256='p' + (fingerprint['private_key'] or '')[:8],
                certificate_version=version,
                certificate_not_after='2035-01-01T00:00:00Z', complete=complete, consistent=consistent, problems=[])


def absent():
    """A host without the product (a fresh or rebuilt OS)."""
    return dict(installed=False, running=False, version=None, passwd_salt_sha256=None,
                database=dict(mode=None), own_data=dict(stations=None, licence_keys=None, holds_data=None),
                key_files=keys(dict(private_key=None, public_key=None, certificate=None), None, False, False),
                web_api=dict(status='skipped'),
                install_dir=dict(path='/var/tmp/drweb-install', exists=False, is_dir=False, entries=0, foreign=[]),
                common_database=dict(reachable=True, dbuuid=DBUUID, initialised=True, stations_total=0, servers=3))


def attached(fingerprint=None, salt=SALT_A, running=True, dbuuid=DBUUID, host=DB['host'], name=DB['name'], stations=0,
             version='13.00.0'):
    """A Server on the common (external) database."""
    return dict(installed=True, running=running, version=version, passwd_salt_sha256=salt,
                database=dict(mode='external', host=host, port=5432, name=name, user='drwcs', dbuuid=dbuuid),
                own_data=dict(stations=stations, licence_keys=None, holds_data=stations > 0),
                key_files=keys(fingerprint or KEYS_A), web_api=dict(status='ok' if running else 'skipped'),
                common_database=dict(reachable=True, dbuuid=DBUUID, initialised=True, stations_total=stations, servers=3))


def staged(fingerprint=None, salt=SALT_B, stations=0, licence_keys=0, version='13.00.0'):
    """A Server installed on its own embedded database."""
    holds = None if stations is None else (stations > 0 or licence_keys > 0)
    return dict(installed=True, running=True, version=version, passwd_salt_sha256=salt,
                database=dict(mode='embedded', dbuuid='own-' + (salt or '')[:4]),
                own_data=dict(stations=stations, licence_keys=licence_keys, holds_data=holds,
                              source='embedded database /var/opt/drwcs/database.sqlite'),
                key_files=keys(fingerprint or KEYS_B), web_api=dict(status='ok'),
                common_database=dict(reachable=True, dbuuid=DBUUID, initialised=True, stations_total=0, servers=3))


def plan(reads, **inventory):
    values = dict(servers=list(SERVERS), play_hosts=list(SERVERS), operation='site', primary='', version='13.00.0',
                  keys_source='generate', database=dict(DB), install_dir='/var/tmp/drweb-install')
    values.update(inventory)
    return decide(copy.deepcopy(reads), values)


def converged():
    return dict(node1=attached(), node2=attached(), node3=attached())


def other_database(reads):
    """The database drweb_db_* name now is another one: its dbuuid, as every member reads it, is not the cluster's."""
    for read in reads.values():
        if 'common_database' in read:
            read['common_database'] = dict(reachable=True, dbuuid='77777777-0000-0000-0000-000000000000', initialised=True)
    return reads


def refused(result, *words):
    text = '\n'.join(result['refusals'])
    assert result['refusals'], 'expected a refusal'
    for word in words:
        assert word in text, (word, text)
    return text


# --- identity -------------------------------------------------------------------------------------------------------

def test_a_new_cluster_takes_its_identity_from_the_primary():
    fresh = dict(absent(), common_database=dict(reachable=True, dbuuid=None, initialised=False, stations_total=None))
    result = plan(dict(node1=dict(fresh), node2=dict(fresh), node3=dict(fresh)))
    assert result['refusals'] == []
    assert result['new_cluster'] is True
    assert result['identity']['origin'] == 'primary' and result['identity']['source'] == 'node1'
    assert [result['nodes'][host]['key_files'] for host in SERVERS] == ['make', 'receive', 'receive']
    assert [result['nodes'][host]['database'] for host in SERVERS] == ['initialise', 'switch', 'switch']


def test_a_converged_cluster_changes_nothing():
    result = plan(converged())
    assert result['refusals'] == [] and result['new_cluster'] is False
    assert result['identity']['source'] == 'node1' and result['identity']['holders'] == SERVERS
    assert result['database']['dbuuid'] == DBUUID and result['database']['attached'] == SERVERS
    assert all(node['key_files'] == 'same' and node['salt'] == 'same' and node['database'] == 'stays'
               for node in result['nodes'].values())


def test_a_rebuilt_primary_receives_the_clusters_identity_and_gives_none():
    reads = converged()
    reads['node1'] = absent()
    result = plan(reads)
    assert result['refusals'] == []
    assert result['new_cluster'] is False
    assert result['identity']['origin'] == 'members' and result['identity']['source'] == 'node2'
    assert result['identity']['fingerprint'] == KEYS_A and result['identity']['passwd_salt_sha256'] == SALT_A
    node1 = result['nodes']['node1']
    assert (node1['install'], node1['key_files'], node1['salt'], node1['database']) == (True, 'receive', 'receive', 'switch')


def test_a_rebuilt_primary_that_already_made_new_keys_receives_the_clusters():
    reads = converged()
    reads['node1'] = staged(KEYS_B, SALT_B)   # reinstalled: its own new key pair and salt, on its embedded database
    result = plan(reads)
    assert result['refusals'] == []
    assert result['identity']['source'] == 'node2' and result['identity']['fingerprint'] == KEYS_A
    assert result['nodes']['node1']['key_files'] == 'receive' and result['nodes']['node1']['salt'] == 'receive'


def test_a_changed_inventory_order_does_not_change_the_identity():
    reads = converged()
    reads['node3'] = absent()
    result = plan(reads, servers=['node3', 'node1', 'node2'], play_hosts=['node3', 'node1', 'node2'])
    assert result['refusals'] == []
    assert result['primary'] == 'node3' and result['identity']['source'] == 'node1'
    assert result['nodes']['node3']['key_files'] == 'receive'


def test_the_configured_primary_is_the_source_when_it_holds_the_identity():
    assert plan(converged(), primary='node2')['identity']['source'] == 'node2'


def test_running_members_that_disagree_are_refused_naming_them():
    reads = converged()
    reads['node3'] = attached(KEYS_B, SALT_B)
    text = refused(plan(reads), 'disagree', 'node1: key a1a1a1a1a1', 'node3: key b1b1b1b1b1', 'passwd-salt sbsbsbsbsb')
    assert 'node2' in text


def test_members_that_disagree_on_the_salt_only_are_refused():
    reads = converged()
    reads['node2'] = attached(KEYS_A, SALT_B)
    refused(plan(reads), 'disagree', 'node2')


def test_a_stopped_member_that_differs_receives_the_running_members_identity():
    reads = converged()
    reads['node3'] = attached(KEYS_B, SALT_B, running=False)
    result = plan(reads)
    assert result['refusals'] == []
    assert result['identity']['holders'] == ['node1', 'node2']
    assert result['nodes']['node3']['key_files'] == 'receive' and result['nodes']['node3']['salt'] == 'receive'


def test_a_stopped_cluster_keeps_its_identity():
    reads = dict(node1=attached(running=False), node2=attached(running=False), node3=absent())
    result = plan(reads)
    assert result['refusals'] == [] and result['new_cluster'] is False
    assert result['identity']['holders'] == ['node1', 'node2'] and result['nodes']['node3']['key_files'] == 'receive'


def test_a_certificate_rollout_that_stopped_half_way_rolls_forward():
    newer = dict(KEYS_A, certificate='c3' * 32)
    reads = converged()
    reads['node2']['key_files'] = keys(newer, version=2)
    result = plan(reads)
    assert result['refusals'] == []
    assert result['identity']['source'] == 'node2' and result['identity']['fingerprint'] == newer
    assert result['identity']['certificate_rollout'] == ['node1', 'node3']
    assert result['nodes']['node1']['key_files'] == 'receive' and result['nodes']['node2']['key_files'] == 'same'


def test_an_incomplete_key_set_on_the_cluster_is_refused():
    reads = converged()
    for host in SERVERS:
        reads[host]['key_files'] = keys(dict(KEYS_A, certificate=None), None, complete=False, consistent=False)
    refused(plan(reads), 'no complete key set', 'restore')


# --- provided keys --------------------------------------------------------------------------------------------------

def test_provided_keys_that_are_not_the_clusters_are_refused():
    text = refused(plan(converged(), keys_source='provided', provided_keys=dict(KEYS_B)),
                   'drweb_keys_private', 'drweb_keys_public', 'drweb_keys_certificate', 'not the cluster')
    assert 'b1b1b1b1b1' in text and 'a1a1a1a1a1' in text


def test_provided_keys_that_are_the_clusters_pass():
    assert plan(converged(), keys_source='provided', provided_keys=dict(KEYS_A))['refusals'] == []


def test_provided_keys_make_a_new_clusters_identity():
    fresh = absent()
    fresh['common_database'] = dict(reachable=True, dbuuid=None, initialised=False)
    result = plan(dict(node1=dict(fresh), node2=dict(fresh), node3=dict(fresh)), keys_source='provided',
                  provided_keys=dict(KEYS_B))
    assert result['refusals'] == [] and result['identity']['origin'] == 'provided'
    assert result['identity']['fingerprint'] == KEYS_B


# --- the common database --------------------------------------------------------------------------------------------

def test_naming_another_database_is_refused():
    text = refused(plan(other_database(converged()), database=dict(DB, name='other')), 'never moves a cluster', '10.0.0.2:5432/drwcs',
                   '10.0.0.2:5432/other', DBUUID)
    assert 'node1, node2, node3' in text


def test_another_name_for_the_same_database_passes():
    result = plan(converged(), database=dict(DB, host='db1.example.com'))
    assert result['refusals'] == [] and result['database']['attached'] == SERVERS


def test_servers_on_different_databases_are_refused():
    reads = converged()
    reads['node3'] = attached(dbuuid='99999999-0000-0000-0000-000000000000', host='10.0.0.9')
    for host in SERVERS:
        reads[host]['common_database']['dbuuid'] = None
    refused(plan(reads, database=dict(DB, host='10.0.0.7')), 'different external databases')


def test_a_server_on_a_foreign_database_is_a_node_with_data():
    reads = converged()
    reads['node3'] = attached(dbuuid='99999999-0000-0000-0000-000000000000', host='10.0.0.9', stations=4)
    result = plan(reads)
    assert result['nodes']['node3']['state'] == 'foreign'
    refused(result, 'node3 holds data of its own', '4 station(s)', 'the database 10.0.0.9:5432/drwcs')
    assert plan(reads, allow_data_loss=['node3'])['refusals'] == []


def test_a_database_whose_members_are_all_gone_is_refused():
    orphan = absent()
    orphan['common_database'] = dict(reachable=True, dbuuid=DBUUID, initialised=True, stations_total=12, servers=3)
    refused(plan(dict(node1=dict(orphan), node2=dict(orphan), node3=dict(orphan))), '12 station(s), 3 Server(s)',
            'lock its administrators')
    # no station, but Servers ran on it: its administrators' passwords are salted with that cluster's salt
    orphan['common_database'].update(stations_total=0, servers=2)
    refused(plan(dict(node1=dict(orphan), node2=dict(orphan), node3=dict(orphan))), '2 Server(s) named in it')
    orphan['common_database'].update(servers=None)
    refused(plan(dict(node1=dict(orphan), node2=dict(orphan), node3=dict(orphan))), 'the Servers it names cannot be read')
    # an interrupted first run: initialised by the primary's initdb, no Server started on it yet
    orphan['common_database'].update(servers=0)
    staged_primary = dict(staged(KEYS_A, SALT_A), common_database=dict(orphan['common_database']))
    assert plan(dict(node1=staged_primary, node2=dict(orphan), node3=dict(orphan)))['refusals'] == []


# --- data of its own ------------------------------------------------------------------------------------------------

def test_a_node_with_stations_of_its_own_is_refused_unless_named():
    reads = converged()
    reads['node3'] = staged(stations=2)
    refused(plan(reads), 'node3 holds data of its own', '2 station(s)', 'drweb_allow_data_loss')
    assert plan(reads, allow_data_loss=['node3'])['refusals'] == []
    assert plan(reads, allow_data_loss='node2, node3')['refusals'] == []
    refused(plan(reads, allow_data_loss=['node2']), 'node3 holds data')


def test_licence_keys_of_its_own_are_data_too():
    reads = converged()
    reads['node3'] = staged(stations=0, licence_keys=1)
    refused(plan(reads), 'node3 holds data of its own', '1 licence key(s)')


def test_a_node_whose_data_cannot_be_counted_is_refused():
    reads = converged()
    reads['node3'] = staged(stations=None)
    refused(plan(reads), 'node3: cannot tell whether its own database holds data')


def test_an_empty_staged_node_joins():
    reads = converged()
    reads['node3'] = staged(stations=0)
    result = plan(reads)
    assert result['refusals'] == [] and result['nodes']['node3']['database'] == 'switch'


def test_the_first_servers_data_moves_into_a_new_cluster():
    reads = dict(node1=staged(stations=5), node2=absent(), node3=absent())
    for host in SERVERS:
        reads[host]['common_database'] = dict(reachable=True, dbuuid=None, initialised=False)
    result = plan(reads)
    assert result['refusals'] == [] and result['nodes']['node1']['database'] == 'initialise'


def test_a_node_outside_the_run_is_not_judged_for_data():
    reads = converged()
    reads['node3'] = staged(stations=2, version='13.00.0')
    reads['node3']['running'] = False
    assert plan(reads, play_hosts=['node1', 'node2'])['refusals'] == []


def test_allow_data_loss_must_name_nodes():
    with pytest.raises(PlanInputError, match='must name the node'):
        plan(converged(), allow_data_loss=True)
    refused(plan(converged(), allow_data_loss=['node9']), 'drweb_allow_data_loss names node9')
    assert host_list('', 'x') == [] and host_list('a,b c', 'x') == ['a', 'b', 'c']


# --- --limit --------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize('operation', ['site', 'rotate_certificate', 'update_parent_failover', 'upgrade', 'remove_node'])
def test_a_limit_that_leaves_running_members_out_of_a_cluster_wide_change_is_refused(operation):
    text = refused(plan(converged(), operation=operation, play_hosts=['node1']), '--limit leaves out node2, node3',
                   operation + '.yml')
    assert 'add_node.yml' in text


def test_add_node_touches_only_new_nodes():
    reads = converged()
    reads['node3'] = absent()
    result = plan(reads, operation='add_node', play_hosts=['node3'], new_nodes=['node3'])
    assert result['refusals'] == [] and result['new_nodes'] == ['node3']


def test_add_node_without_a_host_marked_new_is_refused_saying_what_to_mark():
    text = refused(plan(converged(), operation='add_node'), 'no member of drweb_servers has drweb_new_node: true')
    assert 'set it on the hosts to add' in text
    # the same inventory is a converged cluster for site.yml: nothing to refuse there
    assert plan(converged())['refusals'] == []


def test_add_node_to_a_cluster_that_was_never_built_is_refused_naming_the_new_hosts():
    reads = dict(node1=absent(), node2=absent(), node3=absent())
    text = refused(plan(reads, operation='add_node', new_nodes=['node2', 'node3']),
                   'no Server is attached to the common database yet', 'no cluster to add node2, node3 to',
                   'playbooks/site.yml')
    assert 'drweb_new_node' not in text


def test_a_limit_leaving_out_a_member_not_installed_yet_is_fine():
    reads = converged()
    reads['node3'] = absent()
    assert plan(reads, play_hosts=['node1', 'node2'])['refusals'] == []


# --- removed, unreadable, versions, logins, install folder ----------------------------------------------------------

def test_removed_members_are_out_of_the_cluster():
    reads = converged()
    del reads['node3']
    result = plan(reads, removed=['node3'])
    assert result['refusals'] == [] and result['members'] == ['node1', 'node2'] and result['removed'] == ['node3']
    assert result['nodes']['node3']['state'] == 'removed'
    refused(plan(reads, removed=['node3'], primary='node3'), 'drweb_primary_host node3 is marked drweb_removed')


def test_a_member_that_cannot_be_read_is_refused():
    reads = converged()
    reads['node2'] = dict(unreadable='unreachable: ssh timed out')
    refused(plan(reads), 'cannot read node2 (unreachable: ssh timed out)', 'drweb_removed')


def test_a_fail_over_leaves_out_the_members_that_are_down():
    reads = converged()
    reads['node2'] = dict(unreadable='unreachable: ssh timed out')
    result = plan(reads, operation='update_parent_failover', version=None)
    assert result['refusals'] == [] and result['nodes']['node2']['state'] == 'unreadable'


def test_another_release_is_refused_when_installing_only():
    reads = converged()
    reads['node2']['version'] = '13.00.1'
    refused(plan(reads), 'every Server must run drweb_version=13.00.0, but node2 run(s) another release (node2 13.00.1)')
    assert plan(reads, operation='rotate_certificate', version=None)['refusals'] == []


def test_a_refused_admin_login_is_refused_but_a_lost_database_is_not():
    reads = converged()
    reads['node2']['web_api'] = dict(status='error', error='summary.ds refused: Authentication failed',
                                     database_unavailable=False)
    refused(plan(reads), 'drweb_admin_password', 'node2')
    reads['node2']['web_api']['database_unavailable'] = True
    assert plan(reads)['refusals'] == []


@pytest.mark.parametrize('path', ['/', '/var/tmp', '/etc', '/etc/drweb', '/opt/drwcs/tmp', 'relative/dir', '/usr'])
def test_system_folders_are_refused_as_install_dir(path):
    refused(plan(converged(), install_dir=path), 'drweb_install_dir')


def test_an_install_folder_with_other_files_is_refused_on_a_node_to_install():
    reads = converged()
    reads['node3'] = absent()
    reads['node3']['install_dir'] = dict(path='/srv/inst', exists=True, is_dir=True, entries=2, foreign=['notes.txt'])
    refused(plan(reads, install_dir='/srv/inst'), 'node3: drweb_install_dir /srv/inst holds other files (notes.txt)')
    reads['node3']['install_dir']['foreign'] = []
    assert plan(reads, install_dir='/srv/inst')['refusals'] == []


def test_rotating_a_cluster_that_does_not_exist_is_refused():
    fresh = absent()
    refused(plan(dict(node1=dict(fresh), node2=dict(fresh), node3=dict(fresh)), operation='rotate_certificate',
                 version=None), 'no cluster certificate')
    # Servers not attached to a database yet, with the primary's set: the primary's certificate is renewed
    staged_set = staged(KEYS_A, SALT_A)
    result = plan(dict(node1=dict(staged_set), node2=dict(staged_set), node3=dict(staged_set)),
                  operation='rotate_certificate', version=None)
    assert result['refusals'] == [] and result['identity']['source'] == 'node1'


def test_every_refusal_is_reported_at_once():
    reads = converged()
    reads['node2'] = dict(unreadable='unreachable')
    reads['node3'] = staged(stations=3)
    result = plan(other_database(reads), database=dict(DB, name='other'), play_hosts=['node1', 'node3'])
    assert len(result['refusals']) == 3


def test_the_summary_names_every_node_and_the_identity():
    lines = plan(converged())['summary']
    assert lines[0].startswith('cluster identity: held by node1, node2, node3')
    assert any(line.startswith('node3') for line in lines)


# --- a cluster rebuilt from a backup, and the backup's read ------------------------------------------------------------

def test_a_database_whose_members_are_gone_is_restored_with_the_clusters_keys_and_salt():
    orphan = absent()
    orphan['common_database'] = dict(reachable=True, dbuuid=DBUUID, initialised=True, stations_total=12, servers=3)
    reads = dict(node1=dict(orphan), node2=dict(orphan), node3=dict(orphan))
    # the keys alone are not enough: the administrators' passwords are salted with the old cluster's salt
    refused(plan(reads, keys_source='provided', provided_keys=dict(KEYS_A)), 'lock its administrators')
    result = plan(reads, keys_source='provided', provided_keys=dict(KEYS_A), provided_salt_sha256=SALT_A)
    assert result['refusals'] == []
    assert result['identity']['origin'] == 'provided' and result['identity']['fingerprint'] == KEYS_A
    assert result['identity']['passwd_salt_sha256'] == SALT_A
    assert [result['nodes'][host]['salt'] for host in SERVERS] == ['receive'] * 3
    assert 'the provided passwd-salt sasasasasa' in result['summary'][0]
    # a salt without the provided keys changes nothing about the refusal
    refused(plan(reads, provided_salt_sha256=SALT_A), 'lock its administrators')


def test_a_given_salt_that_is_not_the_running_clusters_is_refused():
    text = refused(plan(converged(), provided_salt_sha256=SALT_B), 'drweb_passwd_salt is not the cluster')
    assert 'sasasasasa' in text and 'sbsbsbsbsb' in text
    assert plan(converged(), provided_salt_sha256=SALT_A)['refusals'] == []


def test_backup_reads_the_running_cluster_and_refuses_when_there_is_none():
    result = plan(converged(), operation='backup')
    assert result['refusals'] == [] and result['identity']['origin'] == 'members'
    assert result['database']['dbuuid'] == DBUUID
    fresh = absent()
    refused(plan(dict(node1=dict(fresh), node2=dict(fresh), node3=dict(fresh)), operation='backup'),
            'no cluster to back up')


def test_a_database_only_restore_reads_the_running_cluster_whole_and_refuses_when_there_is_none():
    result = plan(converged(), operation='restore_database')
    assert result['refusals'] == [] and result['identity']['origin'] == 'members'
    assert result['database']['dbuuid'] == DBUUID
    # every Server is stopped while the database is replaced: a --limit leaving one out is refused
    refused(plan(converged(), operation='restore_database', play_hosts=['node1']), '--limit leaves out node2, node3')
    fresh = absent()
    refused(plan(dict(node1=dict(fresh), node2=dict(fresh), node3=dict(fresh)), operation='restore_database'),
            'no running cluster to restore the database into', 'restore.yml')


def test_inventory_marks_are_read_the_same_way_for_the_plan_and_the_member_groups():
    """drweb_removed / drweb_new_node: booleans or their text; unset, None and '' (an empty AWX survey answer) are
    false; anything else is refused naming the variable and the host."""
    hostvars = dict(a=dict(drweb_new_node=True), b=dict(drweb_new_node='yes'), c=dict(drweb_new_node=''),
                    d=dict(drweb_new_node=None), e=dict(drweb_new_node='false'), f={})
    assert [inventory_mark(hostvars, host, 'drweb_new_node') for host in 'abcdef'] == [True, True, False, False, False, False]
    assert inventory_mark(hostvars, 'not-in-inventory', 'drweb_new_node') is False
    with pytest.raises(PlanInputError, match=r"drweb_new_node of g must be true or false, got 'later'"):
        inventory_mark(dict(g=dict(drweb_new_node='later')), 'g', 'drweb_new_node')
