# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The cluster's plan: from one read of every member and the inventory, what the cluster is and what each node does.

The running cluster is the source of truth. Its identity - the key pair, certificate and passwd-salt - is what the
members attached to the common database hold; a member that differs receives the cluster's identity, the cluster
never receives one member's. The primary host only matters while no member has an identity yet (a new cluster).
Everything that would lose data or change the cluster's identity is refused here, before any play changes anything.

``decide(reads, inventory)`` is pure Python (no Ansible objects) so that every rule has a unit test; the action
plugin ``drweb.cluster.cluster_plan`` gathers the reads and the inventory and calls it.
"""

from __future__ import annotations

import posixpath
import re

from ansible.module_utils.parsing.convert_bool import boolean

PLAN_VERSION = 1

# Operations that change the whole cluster: a --limit that leaves out a running member is refused for them.
# restore_database: the common database replaced under the whole running cluster (every Server stopped first).
CLUSTER_WIDE = ('site', 'rotate_certificate', 'update_parent_failover', 'upgrade', 'remove_node', 'restore_database')
# backup: reads only (backup.yml takes the cluster's identity and database from the plan, never changes a member).
OPERATIONS = CLUSTER_WIDE + ('add_node', 'backup')
# Operations that install Servers (their version, install folder and data rules apply).
INSTALLING = ('site', 'add_node')

# Folders drweb_install_dir must not be: the installer's package folder is created root 0700 and emptied of packages,
# which would damage a system folder (or the product's own).
SYSTEM_FOLDERS = frozenset((
    '/', '/bin', '/boot', '/dev', '/etc', '/home', '/lib', '/lib32', '/lib64', '/libx32', '/media', '/mnt', '/opt',
    '/proc', '/root', '/run', '/sbin', '/srv', '/sys', '/tmp', '/usr', '/usr/bin', '/usr/lib', '/usr/local',
    '/usr/local/bin', '/usr/sbin', '/usr/share', '/var', '/var/cache', '/var/lib', '/var/log', '/var/opt', '/var/tmp',
    '/var/spool', '/var/mail', '/var/run', '/etc/opt',
))
SYSTEM_TREES = ('/proc/', '/sys/', '/dev/', '/run/', '/boot/', '/etc/')
DATA_LOSS_VARIABLE = 'drweb_allow_data_loss'


class PlanInputError(ValueError):
    """An input the plan cannot use; the message names the variable."""


def inventory_mark(hostvars, host, name):
    """A host's true/false mark (drweb_removed, drweb_new_node) from its host variables: unset, None or '' is false
    (AWX surveys send text, and an empty answer means unset); anything but a boolean or its text is refused, naming
    the variable and the host. The one reading of these marks, for the plan and for the play's member groups."""
    try:
        value = hostvars[host].get(name)
    except KeyError:
        return False
    if value in (None, ''):
        return False
    try:
        return boolean(value, strict=True)
    except TypeError as error:
        raise PlanInputError('%s of %s must be true or false, got %r' % (name, host, value)) from error


def short(digest, length=10):
    """The first characters of a hex digest (None stays '-')."""
    return (digest or '-')[:length]


def host_list(value, variable):
    """A list of host names from a list, or a comma/space separated string (AWX surveys send text); '' = none."""
    if value is None or value == '' or value is False:
        return []
    if value is True:
        raise PlanInputError('%s must name the node(s) whose own data may be dropped when they join the common database '
                             '(for example [node4]); true is not accepted: it would let any node lose its data' % variable)
    if isinstance(value, str):
        if value.strip().lower() in ('false', 'no', 'off', '0'):
            return []
        if value.strip().lower() in ('true', 'yes', 'on', '1'):
            return host_list(True, variable)
        return [name for name in re.split(r'[\s,]+', value.strip()) if name]
    if isinstance(value, (list, tuple)):
        names = []
        for name in value:
            if not isinstance(name, str) or not name.strip():
                raise PlanInputError('%s must be a list of inventory host names, got %r' % (variable, list(value)))
            names.append(name.strip())
        return names
    raise PlanInputError('%s must be a list of inventory host names, got %r' % (variable, value))


def install_dir_problem(path):
    """Why drweb_install_dir cannot be used (None when it can): absolute, normalised, not a system folder."""
    if not isinstance(path, str) or not path.startswith('/'):
        return 'drweb_install_dir must be an absolute path, got %r' % (path,)
    if '\x00' in path or '\n' in path:
        return 'drweb_install_dir must not hold control characters'
    normal = posixpath.normpath(path)
    if normal.startswith('//'):
        normal = '/' + normal.lstrip('/')
    if normal in SYSTEM_FOLDERS or any(normal.startswith(tree) for tree in SYSTEM_TREES):
        return ('drweb_install_dir %s is a system folder: the installation package folder is made root-only (0700) and '
                'its packages removed, so it must be a folder of its own (for example /var/tmp/drweb-install)' % path)
    if normal in ('/opt/drwcs', '/var/opt/drwcs') or normal.startswith(('/opt/drwcs/', '/var/opt/drwcs/')):
        return 'drweb_install_dir %s is inside the Dr.Web Server\'s own folders; choose a folder of its own' % path
    return None


def _identity_of(server):
    """(keys fingerprint tuple, salt digest) of a read member: what the cluster's members must share."""
    keys = server.get('key_files') or {}
    fingerprint = keys.get('fingerprint') or {}
    return (fingerprint.get('private_key'), fingerprint.get('public_key'), fingerprint.get('certificate')), \
        server.get('passwd_salt_sha256')


def _describe_identity(host, server):
    keys = server.get('key_files') or {}
    fingerprint = keys.get('fingerprint') or {}
    return '%s: key %s, public key %s, certificate %s (version %s), passwd-salt %s' % (
        host, short(fingerprint.get('private_key')), short(fingerprint.get('public_key')),
        short(fingerprint.get('certificate')), keys.get('certificate_version'), short(server.get('passwd_salt_sha256')))


def _certificate_in_rollout(holders, reads):
    """The holder with the newest certificate when the holders differ only by certificate version (same private and
    public key, same salt, every certificate made for that key, one highest version); else None."""
    keys = [(reads[host].get('key_files') or {}) for host in holders]
    firsts = set((key.get('fingerprint') or {}).get('private_key') for key in keys)
    publics = set((key.get('fingerprint') or {}).get('public_key') for key in keys)
    salts = set(reads[host].get('passwd_salt_sha256') for host in holders)
    if len(firsts) != 1 or len(publics) != 1 or len(salts) != 1 or None in firsts or None in publics:
        return None
    if not all(key.get('consistent') and isinstance(key.get('certificate_version'), int) for key in keys):
        return None
    versions = sorted(set(key['certificate_version'] for key in keys))
    newest = [host for host, key in zip(holders, keys) if key['certificate_version'] == versions[-1]]
    certificates = set((reads[host]['key_files']['fingerprint'] or {}).get('certificate') for host in newest)
    return newest[0] if len(certificates) == 1 else None


def _target(database):
    """The external database a drwcsd.conf names, as a comparable tuple (host, port, name)."""
    return (database.get('host') or '', int(database.get('port') or 5432), database.get('name') or '')


def _target_text(target):
    return '%s:%s/%s' % target


def _group_text(key):
    """A database group's name in messages: its dbuuid, else its target."""
    return ('dbuuid ' + key[1]) if key[0] == 'dbuuid' else _target_text(key[1])


def decide(reads, inventory):
    """The plan. See the module docstring; ``inventory`` holds:

    servers       drweb_servers in inventory order
    play_hosts    the hosts of this run (after --limit)
    removed       hosts marked drweb_removed
    new_nodes     hosts marked drweb_new_node
    operation     one of OPERATIONS
    primary       drweb_primary_host ('' or None: the first member)
    version       drweb_version (installing operations)
    keys_source   generate | provided;  provided_keys: {private_key, public_key, certificate} SHA-256 (provided)
    provided_salt_sha256   SHA-256 of drweb_passwd_salt (a cluster rebuilt from a backup), None when not given
    database      {host, port, name, user} of drweb_db_*
    allow_data_loss   drweb_allow_data_loss (names)
    install_dir   drweb_install_dir
    certificate_regenerate   a new certificate version is asked for (rotate_certificate)

    reads: host -> the server_facts dictionary of that member, or {'unreadable': why}.
    """
    operation = inventory.get('operation') or 'site'
    if operation not in OPERATIONS:
        raise PlanInputError('operation must be one of %s, got %r' % (', '.join(OPERATIONS), operation))
    servers = list(inventory.get('servers') or [])
    removed = [host for host in servers if host in set(inventory.get('removed') or [])]
    members = [host for host in servers if host not in removed]
    play_hosts = set(inventory.get('play_hosts') or [])
    new_nodes = [host for host in members if host in set(inventory.get('new_nodes') or [])]
    refusals = []
    allow = host_list(inventory.get('allow_data_loss'), DATA_LOSS_VARIABLE)
    unknown = [name for name in allow if name not in servers]
    if unknown:
        refusals.append('%s names %s, which %s not in drweb_servers (%s)' % (
            DATA_LOSS_VARIABLE, ', '.join(unknown), 'is' if len(unknown) == 1 else 'are', ', '.join(servers)))

    if not members:
        raise PlanInputError('drweb_servers has no member that is not marked drweb_removed: there is no cluster to build')
    primary = (inventory.get('primary') or '').strip() or members[0]
    if primary not in servers:
        refusals.append('drweb_primary_host %s is not a member of drweb_servers (%s)' % (primary, ', '.join(servers)))
    elif primary in removed:
        refusals.append('drweb_primary_host %s is marked drweb_removed: set drweb_primary_host to a Server that stays'
                        % primary)

    installing = operation in INSTALLING
    if installing:
        problem = install_dir_problem(inventory.get('install_dir') or '/var/tmp/drweb-install')
        if problem:
            refusals.append(problem)

    # --- what each member is -------------------------------------------------------------------------------------
    nodes = {}
    unreadable = []
    for host in servers:
        if host in removed:
            nodes[host] = dict(state='removed', installed=None, running=None, in_run=host in play_hosts)
            continue
        server = reads.get(host)
        if server is None or server.get('unreadable') is not None:
            why = (server or {}).get('unreadable') or 'not read in this run'
            unreadable.append('%s (%s)' % (host, why))
            nodes[host] = dict(state='unreadable', installed=None, running=None, in_run=host in play_hosts, why=why)
            continue
        database = server.get('database') or {}
        own = server.get('own_data') or {}
        state = 'absent'
        if server.get('installed'):
            state = 'external' if database.get('mode') == 'external' else 'embedded'
        nodes[host] = dict(state=state, installed=bool(server.get('installed')), running=bool(server.get('running')),
                           in_run=host in play_hosts, version=server.get('version'),
                           dbuuid=database.get('dbuuid') if state == 'external' else None,
                           target=_target(database) if state == 'external' else None,
                           stations=own.get('stations'), licence_keys=own.get('licence_keys'),
                           holds_data=own.get('holds_data'), new=host in new_nodes,
                           exclusive=list((server.get('schedule') or {}).get('exclusive_enabled') or []))
    if unreadable and operation != 'update_parent_failover':
        # (a fail-over exists because a Server is down: the ones that cannot be read are left out and named)
        refusals.append('cannot read %s: the state of every member is needed to keep the cluster consistent. Bring it '
                        'back, or mark a Server that has left the cluster with drweb_removed: true'
                        % ', '.join(unreadable))

    # --- the common database: what the attached members use --------------------------------------------------------
    wanted = inventory.get('database') or {}
    wanted_target = _target(wanted) if wanted.get('host') else None
    groups = {}
    for host in members:
        node = nodes[host]
        if node['state'] == 'external':
            key = ('dbuuid', node['dbuuid']) if node['dbuuid'] else ('target', node['target'])
            groups.setdefault(key, []).append(host)
    wanted_dbuuids = set()
    for host in members:
        common = (reads.get(host) or {}).get('common_database') or {}
        if common.get('dbuuid'):
            wanted_dbuuids.add(common['dbuuid'])

    def group_matches_wanted(key, hosts):
        if key[0] == 'dbuuid' and key[1] in wanted_dbuuids:
            return True
        return wanted_target is not None and any(nodes[host]['target'] == wanted_target for host in hosts)

    cluster_group = None
    matching = [key for key, hosts in groups.items() if group_matches_wanted(key, hosts)]
    if len(matching) == 1:
        cluster_group = matching[0]
    elif len(groups) == 1 and not matching:
        key, hosts = next(iter(groups.items()))
        running = [host for host in hosts if nodes[host]['running']]
        if running or not installing:
            refusals.append(
                'the running cluster uses the database %s%s (%s), but drweb_db_host/drweb_db_port/drweb_db_name name %s, '
                'another database: this playbook never moves a cluster to another database (that would leave its '
                'stations, settings and licences behind). Set drweb_db_* to the database the cluster uses' % (
                    _target_text(nodes[hosts[0]]['target']),
                    (' (dbuuid %s)' % key[1]) if key[0] == 'dbuuid' else '', ', '.join(hosts),
                    _target_text(wanted_target) if wanted_target else '(unset)'))
        cluster_group = key
    elif len(groups) > 1 or len(matching) > 1:
        # several external databases: the one drweb_db_* names is the cluster's only when exactly one matches
        cluster_group = matching[0] if len(matching) == 1 else None
    attached = sorted(groups.get(cluster_group, []), key=servers.index) if cluster_group else []
    cluster_dbuuid = cluster_group[1] if cluster_group and cluster_group[0] == 'dbuuid' else None
    for key, hosts in groups.items():
        if key == cluster_group:
            continue
        for host in hosts:
            nodes[host]['state'] = 'foreign'
    if len(groups) > 1 and cluster_group is None:
        refusals.append('the Servers use different external databases (%s) and drweb_db_* does not single one of them '
                        'out: every Server of a cluster works with the same database' % '; '.join(
                            '%s on %s' % (', '.join(hosts), _group_text(key)) for key, hosts in groups.items()))
    for host in attached:
        nodes[host]['state'] = 'attached'

    # --- the identity: what the attached members share ------------------------------------------------------------
    running_attached = [host for host in attached if nodes[host]['running']]
    holders = running_attached or attached
    identities = {}
    for host in holders:
        identities.setdefault(_identity_of(reads[host]), []).append(host)
    rolling_forward = []
    if len(identities) > 1:
        newest = _certificate_in_rollout(holders, reads)
        if newest is not None:
            # a certificate rollout that stopped half-way (same key pair and salt, several certificate versions of
            # that key): the newest version is the cluster's - it is what the rollout was giving every member
            rolling_forward = [host for host in holders if _identity_of(reads[host]) != _identity_of(reads[newest])]
            identities = {_identity_of(reads[newest]): holders}
    identity = dict(source=None, origin=None, holders=[], fingerprint=None, public_key_sha256=None,
                    certificate_version=None, passwd_salt_sha256=None, certificate_rollout=[])
    new_cluster = not holders
    if len(identities) > 1:
        refusals.append('the %s members attached to the common database disagree on the cluster\'s identity, so it cannot '
                        'be told which one is the cluster\'s (nothing is taken from either): %s. Make them agree by hand '
                        '(the files the Agents trust are the cluster\'s), then run again' % (
                            'running' if running_attached else 'installed',
                            '; '.join(_describe_identity(host, reads[host]) for host in holders)))
    elif holders:
        [(fingerprint, salt)] = list(identities)
        incomplete = [host for host in holders if not ((reads[host].get('key_files') or {}).get('complete'))]
        if incomplete or None in fingerprint:
            refusals.append('%s, attached to the common database, %s no complete key set (drwcsd.pri, drwcsd.pub, '
                            'drwcsd-certificate.pem): restore the missing files from a backup; nothing is generated over a '
                            'running cluster' % (', '.join(incomplete or holders), 'holds' if len(incomplete or holders) == 1 else 'hold'))
        same = [host for host in holders if host not in rolling_forward]
        source = primary if primary in same else same[0]
        keys = reads[source].get('key_files') or {}
        identity.update(source=source, origin='members', holders=holders, certificate_rollout=rolling_forward,
                        fingerprint=dict(private_key=fingerprint[0], public_key=fingerprint[1], certificate=fingerprint[2]),
                        public_key_sha256=keys.get('public_key_sha256'), certificate_version=keys.get('certificate_version'),
                        passwd_salt_sha256=salt)
    else:
        identity.update(source=primary, origin='primary')
        restoring = (inventory.get('keys_source') or '').lower() == 'provided' and bool(inventory.get('provided_keys')) \
            and bool(inventory.get('provided_salt_sha256'))
        if installing and wanted_dbuuids and not restoring:
            # (not when the cluster's own key set and passwd-salt are given back: the cluster rebuilt from a backup)
            # a database initialised by a cluster whose Servers are all gone (rebuilt, or moved away): new keys and a new
            # salt would lock its administrators and Agents out. Not so an interrupted first run - the primary's initdb
            # done, no Server started on it yet: no station, no Server named in it.
            commons = [((reads.get(host) or {}).get('common_database') or {}) for host in members]
            commons = [common for common in commons if common.get('initialised')]
            stations = max([common.get('stations_total') or 0 for common in commons] or [0])
            servers = [common.get('servers') for common in commons]
            if stations or any(count for count in servers) or None in servers:
                refusals.append('the common database %s was initialised by a cluster none of whose members is attached '
                                'to it any more (%s): a new key pair and passwd-salt would lock its administrators and '
                                'Agents out. Restore that cluster\'s keys (drweb_keys_source: provided) and Servers, or '
                                'name an empty database' % (
                                    _target_text(wanted_target) if wanted_target else '',
                                    '%d station(s), %s Server(s) named in it' % (
                                        stations, max([count for count in servers if count is not None] or [0]))
                                    if None not in servers else 'the Servers it names cannot be read'))

    keys_source = (inventory.get('keys_source') or 'generate').lower()
    provided = inventory.get('provided_keys')
    if keys_source == 'provided' and provided:
        wanted_files = (provided.get('private_key'), provided.get('public_key'), provided.get('certificate'))
        if identity['origin'] == 'members' and identity['fingerprint']:
            cluster_files = (identity['fingerprint']['private_key'], identity['fingerprint']['public_key'],
                             identity['fingerprint']['certificate'])
            variables = ('drweb_keys_private', 'drweb_keys_public', 'drweb_keys_certificate')
            differ = [name for name, mine, theirs in zip(variables, wanted_files, cluster_files) if mine != theirs]
            if differ:
                refusals.append('drweb_keys_source is provided, but %s %s not the cluster\'s: the running members (%s) hold '
                                'key %s, public key %s, certificate %s; the provided files are key %s, public key %s, '
                                'certificate %s. Giving them to the cluster would make every Agent stop trusting every '
                                'Server: provide the cluster\'s own files (or leave drweb_keys_source at generate)' % (
                                    ', '.join(differ), 'is' if len(differ) == 1 else 'are', ', '.join(holders),
                                    short(identity['fingerprint']['private_key']), short(identity['fingerprint']['public_key']),
                                    short(identity['fingerprint']['certificate']), short(wanted_files[0]),
                                    short(wanted_files[1]), short(wanted_files[2])))
        elif new_cluster:
            identity.update(origin='provided', fingerprint=dict(private_key=wanted_files[0], public_key=wanted_files[1],
                                                                certificate=wanted_files[2]))
    provided_salt = inventory.get('provided_salt_sha256') or None
    if provided_salt:
        if identity['origin'] == 'members' and identity['passwd_salt_sha256'] and provided_salt != identity['passwd_salt_sha256']:
            refusals.append('drweb_passwd_salt is not the cluster\'s: the running members (%s) hold passwd-salt %s, the '
                            'given one is %s. Giving it to the cluster would lock every administrator out: leave '
                            'drweb_passwd_salt unset, or give the cluster\'s own' % (
                                ', '.join(holders), short(identity['passwd_salt_sha256']), short(provided_salt)))
        elif new_cluster:
            identity['passwd_salt_sha256'] = provided_salt

    if operation == 'backup' and new_cluster:
        refusals.append('no member is attached to the common database%s, so there is no cluster to back up: build it '
                        'with site.yml first' % ((' ' + _target_text(wanted_target)) if wanted_target else ''))
    if operation == 'restore_database' and new_cluster:
        refusals.append('no member is attached to the common database%s, so there is no running cluster to restore the '
                        'database into: rebuild the cluster with restore.yml' % (
                            (' ' + _target_text(wanted_target)) if wanted_target else ''))

    if operation == 'rotate_certificate' and new_cluster and not (
            (reads.get(primary) or {}).get('installed') and ((reads.get(primary) or {}).get('key_files') or {}).get('complete')):
        # without attached members the primary's set is the cluster's (as site.yml made it): it must be there
        refusals.append('no member is attached to the common database and drweb_primary_host %s has no complete key set, '
                        'so there is no cluster certificate to renew: build the cluster with site.yml first' % primary)

    if operation == 'add_node' and not new_nodes:
        refusals.append('no member of drweb_servers has drweb_new_node: true, so there is no Server to add: set it on the '
                        'hosts to add')
    elif operation == 'add_node' and new_cluster:
        refusals.append('no Server is attached to the common database yet, so there is no cluster to add %s to: build it '
                        'with playbooks/site.yml' % ', '.join(new_nodes))

    # --- a --limit must not leave running members out of a cluster-wide change ------------------------------------
    if operation in CLUSTER_WIDE:
        left_out = [host for host in members if nodes[host].get('running') and host not in play_hosts]
        if left_out:
            refusals.append('--limit leaves out %s, which %s running: %s changes the whole cluster, and a change made to '
                            'some members only splits it. Run it without --limit (add_node.yml is the way to touch only new '
                            'Servers)' % (', '.join(left_out), 'is' if len(left_out) == 1 else 'are', operation + '.yml'))

    # --- versions, logins, data: what installing and attaching would break ------------------------------------------
    version = inventory.get('version')
    other_release = [host for host in members
                     if installing and version and nodes[host]['state'] not in ('unreadable', 'removed')
                     and nodes[host]['installed'] and nodes[host]['version'] != version]
    if other_release:
        refusals.append('every Server must run drweb_version=%s, but %s run(s) another release (%s): site.yml never '
                        'upgrades (upgrade.yml does, the whole cluster from the package) and never downgrades' % (
                            version, ', '.join(other_release),
                            ', '.join('%s %s' % (host, nodes[host]['version'] or '(unknown)') for host in other_release)))
    for host in members:
        node = nodes[host]
        server = reads.get(host) or {}
        if node['state'] in ('unreadable', 'removed'):
            continue
        web_api = server.get('web_api') or {}
        refused = all((web_api.get('status') == 'error', (web_api.get('error') or '').startswith('summary.ds refused'),
                       not web_api.get('database_unavailable')))
        if all((node['state'] == 'attached', node['running'], refused)):
            refusals.append('the Web API of %s refused the administrator login (%s). Check drweb_admin_password (the '
                            'Control Center administrator\'s password)' % (host, web_api.get('error')))
        if installing and not node['installed'] and node['in_run']:
            folder = server.get('install_dir') or {}
            if folder.get('exists') and (not folder.get('is_dir') or folder.get('foreign')):
                refusals.append('%s: drweb_install_dir %s %s; the installation package folder is made root-only and its '
                                'packages removed, so it must be absent, empty or hold only installation packages' % (
                                    host, folder.get('path'), 'is not a folder' if not folder.get('is_dir') else
                                    'holds other files (%s)' % ', '.join(folder.get('foreign') or [])))
        # own data: a member that is not on the cluster's database yet joins it by losing what its database holds
        allowed = host in allow
        node['data_loss_allowed'] = allowed
        joins = node['state'] in ('embedded', 'foreign')
        if installing and joins and node['in_run']:
            if new_cluster and host == primary and node['state'] == 'embedded':
                continue   # the first Server's data moves into the empty common database (exportdb + importdb)
            if node['holds_data'] is None and not allowed:
                refusals.append('%s: cannot tell whether its own database holds data (%s); attaching it to the common '
                                'database could lose it. Add %s to %s to attach it anyway' % (
                                    host, (server.get('own_data') or {}).get('source'), host, DATA_LOSS_VARIABLE))
            elif node['holds_data'] and not allowed:
                refusals.append('%s holds data of its own (%s station(s), %s licence key(s) in %s): attaching it to the '
                                'common database erases them (vendor cluster chapter, item 4). Nothing was changed on it. '
                                'Add %s to %s to attach it anyway' % (
                                    host, node['stations'], node['licence_keys'] if node['licence_keys'] is not None
                                    else 'its', 'its embedded database' if node['state'] == 'embedded'
                                    else 'the database %s' % _target_text(node['target']), host, DATA_LOSS_VARIABLE))

    # --- what each node does --------------------------------------------------------------------------------------
    for host in members:
        node = nodes[host]
        server = reads.get(host) or {}
        if node['state'] in ('unreadable',):
            continue
        fingerprint, salt = _identity_of(server)
        wanted_fingerprint = identity['fingerprint']
        if not node['installed']:
            node['key_files'] = 'make' if (identity['origin'] == 'primary' and host == primary) else 'receive'
            node['salt'] = 'own' if (new_cluster and host == primary and not provided_salt) else 'receive'
        elif wanted_fingerprint is None:
            node['key_files'] = 'same' if host == identity['source'] else 'receive'
            node['salt'] = 'same' if host == identity['source'] else 'receive'
        else:
            wanted_files = (wanted_fingerprint['private_key'], wanted_fingerprint['public_key'],
                            wanted_fingerprint['certificate'])
            node['key_files'] = 'same' if fingerprint == wanted_files else 'receive'
            node['salt'] = 'same' if (identity['passwd_salt_sha256'] is None or salt == identity['passwd_salt_sha256']) \
                else 'receive'
        if identity['origin'] == 'primary' and host == primary and node['installed'] and not all(fingerprint):
            node['key_files'] = 'make'
        node['install'] = not node['installed']
        node['database'] = ('stays' if node['state'] == 'attached' else
                            'initialise' if new_cluster and host == primary else 'switch')

    # the Servers the cluster name publishes after this run: installed ones, and the ones this run installs
    published = [host for host in members
                 if nodes[host].get('installed') or (nodes[host]['in_run'] and nodes[host]['state'] != 'unreadable')]
    plan = dict(version=PLAN_VERSION, operation=operation, members=members, removed=removed, new_nodes=new_nodes,
                published=published,
                primary=primary, new_cluster=new_cluster, identity=identity,
                database=dict(dbuuid=cluster_dbuuid, attached=attached,
                              target=_target_text(nodes[attached[0]]['target']) if attached else
                              (_target_text(wanted_target) if wanted_target else None)),
                allow_data_loss=allow, nodes=nodes, refusals=refusals)
    plan['summary'] = summary(plan)
    return plan


def summary(plan):
    """The plan as lines of text (shown before anything changes, and as the --diff of the plan)."""
    identity = plan['identity']
    lines = []
    if identity['origin'] == 'members':
        lines.append('cluster identity: held by %s (taken from %s): key %s, certificate %s version %s, passwd-salt %s' % (
            ', '.join(identity['holders']), identity['source'], short(identity['fingerprint']['private_key']),
            short(identity['fingerprint']['certificate']), identity['certificate_version'],
            short(identity['passwd_salt_sha256'])))
    elif identity['origin'] == 'provided':
        lines.append('cluster identity: new cluster, the provided key set (key %s), %s' % (
            short(identity['fingerprint']['private_key']),
            ('the provided passwd-salt ' + short(identity['passwd_salt_sha256'])) if identity['passwd_salt_sha256']
            else 'the passwd-salt of ' + plan['primary']))
    else:
        lines.append('cluster identity: new cluster, made on the primary %s' % plan['primary'])
    database = plan['database']
    lines.append('common database: %s%s; attached: %s' % (
        database['target'] or '(unset)', (' dbuuid %s' % database['dbuuid']) if database['dbuuid'] else '',
        ', '.join(database['attached']) or 'none yet'))
    lines.append('%-10s %-10s %-8s %-7s %-8s %-7s %s' % ('node', 'state', 'running', 'keys', 'salt', 'install', 'database'))
    for host, node in plan['nodes'].items():
        if node['state'] in ('removed', 'unreadable'):
            lines.append('%-10s %-10s %s' % (host, node['state'], 'left out: ' + node.get('why', 'marked drweb_removed')))
            continue
        lines.append('%-10s %-10s %-8s %-7s %-8s %-7s %s' % (
            host, node['state'], 'yes' if node['running'] else 'no', node.get('key_files'), node.get('salt'),
            'yes' if node.get('install') else 'no', node.get('database')))
    return lines
