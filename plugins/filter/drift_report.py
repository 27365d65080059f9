# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``drweb.cluster.drift_report`` filter: what check.yml read on every member -> its drift report.

Documentation: DOCUMENTATION below (``ansible-doc -t filter drweb.cluster.drift_report``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
name: drift_report
version_added: 0.1.0
short_description: Compare what check.yml read on every Server with what the roles leave, item by item
description:
  - Builds the drift report of C(playbooks/check.yml) (the JSON report of schema version 1, before the playbook adds
    C(status), C(exit_code) and C(warnings) with C(drweb.cluster.check_metrics)) from the results the playbook read.
  - Per member of O(members) and per item - C(server), C(version), C(keys), C(dbuuid), C(drwcsd.conf),
    C(server address), C(database), C(repository), C(peers) - the value read, the value expected, C(ok) (C(true),
    C(false), or C(null) for not checked) and a note; RV(_value.drift) has one line per item that is not ok, naming
    the node (or C(cluster)), the item, the value read and the value expected.
  - B(server) - installed and running. A member whose facts could not be read at all (unreachable, C(server_facts)
    failed, no facts) is C(not read) with the reason and counts as drift; its other items are drift or not checked,
    never an error.
  - B(version) - O(version), else the version of the O(primary)'s Server. B(keys) - the private key, public key and
    certificate SHA-256 equal to the primary's. B(dbuuid) - the database every Server reads is the common database as
    the Servers of the run reach it (the one C(dbuuid) they report), else the primary's; C(null) for an installed
    Server that cannot be read.
  - B(drwcsd.conf) and B(server address) - from the config role's entry points C(predict) and C(database) run in check
    mode (C(drweb_config_predict_result), C(drweb_config_database_result)); B(database) - C(drweb.cluster.database_status)
    read from the node. Members outside C(--limit) (not in O(checked)) show C(not checked (--limit)) for these three.
  - B(repository) - C(drweb.cluster.repository_drift) over every member's C(drweb.cluster.repository_version) result.
    B(peers) - the Server hears exactly the other members, by Server id (C(null) when a running Server does not say, or
    when a member was not read and the members read are all heard).
  - B(DNS) - the A records of the cluster name (and the AAAA records with O(dns_ipv6)) in the C(dig) answer are exactly
    the Servers' addresses (C(drweb.cluster.server_addresses)), compared as sets of addresses, so their order and
    spelling do not matter. Not checked (C(null)) when the C(dig) task was skipped.
  - B(scheduler) - each exclusive task of the C(drweb.cluster.server_schedule) result is enabled on exactly one Server,
    the same one for all, a member, and O(scheduler_host) when that is set. Not checked when the read was skipped.
  - Read from O(_input) for every member - C(ansible_host), C(ansible_facts.drweb_server) (C(server_facts)), the
    address variables C(drweb.cluster.server_addresses) reads; and for the Servers of the run (O(checked)) the results
    check.yml registers on them - C(__drweb_check_facts) (C(server_facts)), C(__drweb_check_keys)
    (C(key_fingerprint)), C(__drweb_check_repository) (C(repository_version)), C(__drweb_check_database)
    (C(database_status)) - and the config role's C(drweb_config_predict_result) and C(drweb_config_database_result).
positional: members, checked
options:
  _input:
    description: C(hostvars).
    type: dict
    required: true
  members:
    description: Every Server of the cluster, in report order (C(groups['drweb_servers'])).
    type: list
    elements: str
    required: true
  checked:
    description: The Servers of the run (C(ansible_play_hosts_all)); the other members are outside C(--limit).
    type: list
    elements: str
    required: true
  outside:
    description:
      - The loop results of the reads of the members outside C(--limit), done by delegation - C(facts)
        (C(server_facts)), C(keys) (C(key_fingerprint)), C(repository) (C(repository_version)); each a registered loop
        result (its C(results) are matched to the member by C(item)).
    type: dict
    default: {}
  dns:
    description: The registered result of C(dig <cluster name> A); skipped or omitted means no DNS server is known.
    type: dict
  dns6:
    description: The registered result of C(dig <cluster name> AAAA); skipped or omitted means not checked.
    type: dict
  schedule:
    description: The registered result of C(drweb.cluster.server_schedule); skipped or omitted means not checked.
    type: dict
  primary:
    description: The Server whose key set and version the others must have (C(drweb_primary_host)); empty means the
      first member.
    type: str
  version:
    description: The version every Server must run (C(drweb_version)); empty means the primary's.
    type: str
  cluster_name:
    description: The cluster name (C(drweb_cluster_name)), the name looked up in DNS and download.conf's Server address.
    type: str
  dns_ipv6:
    description: Whether the cluster name carries AAAA records too (C(drweb_dns_ipv6)).
    type: bool
    default: false
  scheduler_host:
    description: The Server the exclusive tasks must run on (C(drweb_scheduler_host)); empty means any single member.
    type: str
  report_path:
    description: Where the report is written (C(drweb_check_report_path)); empty means
      C(/tmp/drweb-check-<cluster_name>.json).
    type: str
author:
  - drweb.cluster maintainers !UNKNOWN
'''

EXAMPLES = r'''
- name: Build the report (every member, every item, what drifts)
  ansible.builtin.set_fact:
    report: >-
      {{ hostvars | drweb.cluster.drift_report(groups['drweb_servers'], ansible_play_hosts_all,
                                               dns=dig_a, schedule=schedules, cluster_name=drweb_cluster_name) }}
  when: inventory_hostname == ansible_play_hosts_all[0]

# report.drift when node2's download.conf names another address and node3 cannot be read:
#   - "node2: server address: 10.9.9.9, expected esuite.drweb.test"
#   - "node3: server: not read: Failed to connect to the host via ssh, expected running"
'''

RETURN = r'''
_value:
  description: The report (schema version 1 of C(playbooks/schemas/check_report.schema.json), without C(status),
    C(exit_code) and C(warnings)).
  type: dict
  contains:
    schema_version:
      description: C(1).
      type: int
    cluster:
      description: O(cluster_name).
      type: str
    primary:
      description: The primary Server.
      type: str
    members:
      description: O(members).
      type: list
      elements: str
    checked:
      description: O(checked).
      type: list
      elements: str
    limited:
      description: Whether some member is outside the run (C(--limit)).
      type: bool
    report_path:
      description: Where the report is to be written.
      type: str
    ok:
      description: Whether nothing drifts.
      type: bool
    drift:
      description: One line per item that is not ok, naming node (or C(cluster)) and item.
      type: list
      elements: str
    nodes:
      description:
        - Member -> C(in_run), C(address), C(readable) (its facts could be read), C(licence_keys) (the Web API's keys,
          C(null) when not read) and C(items) - item -> C(value), C(expected), C(ok), C(note) (the C(repository) item
          has C(revisions) instead of a note).
      type: dict
    dns:
      description: C(name), C(value) (the A records found, sorted by address), C(expected), C(status) (the DNS
        status, C(NONE) without an answer), C(ok), C(note), and C(aaaa) (C(value), C(expected), C(status), C(ok)).
      type: dict
    scheduler:
      description: C(value) (the Servers running exclusive tasks), C(expected), C(tasks) (task -> its Servers), C(ok),
        C(note).
      type: dict
    repository:
      description: C(products) (product -> node -> revision) and C(messages) of C(drweb.cluster.repository_drift).
      type: dict
'''

import ipaddress
import re
from collections import Counter
from collections.abc import Mapping

from ansible.errors import AnsibleFilterError

from ansible_collections.drweb.cluster.plugins.filter.repository_drift import repository_drift
from ansible_collections.drweb.cluster.plugins.filter.server_addresses import server_addresses

SCHEMA_VERSION = 1
TRUE_WORDS = ('true', 'yes', 'on', '1')
DNS_ANSWERED = ('NOERROR', 'NXDOMAIN')
NOT_CHECKED = 'not checked (--limit)'
# the results check.yml registers on each Server of the run
FACTS = '__drweb_check_facts'
KEYS = '__drweb_check_keys'
REPOSITORY = '__drweb_check_repository'
DATABASE = '__drweb_check_database'


def _mapping(value):
    return value if isinstance(value, Mapping) else {}


def _text(value):
    """Jinja2's ``~``: None is 'None'."""
    return str(value)


def _trimmed(value):
    """``value | default('', true) | string | trim``."""
    return str(value).strip() if value else ''


def _skipped(result):
    """A registered result that was skipped, or no result at all."""
    return not isinstance(result, Mapping) or bool(result.get('skipped', False))


def _jinja_sorted(values):
    """Jinja2's ``sort``: strings without regard to case."""
    return sorted(values, key=lambda value: value.lower() if isinstance(value, str) else value)


def _address(text):
    try:
        return ipaddress.ip_address(str(text).strip('[]'))
    except ValueError:
        return None


def _by_address(values):
    """Distinct values sorted as addresses (10.0.0.9 before 10.0.0.10); what is not an address goes last, as text."""
    distinct = list(dict.fromkeys(values))
    return sorted(distinct, key=lambda text: (0, _address(text).version, _address(text)) if _address(text) else (1, 0, str(text)))


def _address_set(values):
    """The addresses a list names, as a set of addresses (fd00::1 and fd00:0::1 are one); other text as text."""
    return set(_address(value) or str(value) for value in values)


def _records(result, record_type):
    """(status, the distinct records of that type) of a dig answer."""
    answer = str(_mapping(result).get('stdout') or '')
    status = re.search('status: ([A-Z]+)', answer)
    found = re.findall(r'(?m)^\S+\s+[0-9]+\s+IN\s+%s\s+(\S+)\s*$' % record_type, answer)
    return (status.group(1) if status else 'NONE'), _by_address(found)


def _dns_ok(result, status, found, expected):
    if _skipped(result):
        return None
    return _mapping(result).get('rc', 1) == 0 and status in DNS_ANSWERED and _address_set(found) == _address_set(expected)


def _variables(hostvars, node):
    return _mapping(hostvars.get(node))


def _get(variables, name, default=None):
    return variables.get(name, default)


def _results(hostvars, checked, outside, name, kind):
    """node -> its registered result: the Servers of the run their own, the members outside --limit by item."""
    results = dict((node, _get(_variables(hostvars, node), name, {})) for node in checked)
    for result in _mapping(outside.get(kind)).get('results') or []:
        if isinstance(result, Mapping) and 'item' in result:
            results[str(result['item'])] = result
    return results


def _server_item(server, read_error):
    running = bool(server.get('installed', False) and server.get('running', False))
    if running:
        value = 'running'
    elif server.get('installed', False):
        value = 'not running'
    elif server:
        value = 'not installed'
    else:
        value = 'not read: ' + (_text(read_error) if read_error else 'no facts (server_facts did not run)')
    return dict(value=value, expected='running', ok=running), running


def _keys_item(prints, expected_prints, primary):
    def short(fingerprints):
        return (_mapping(fingerprints).get('private_key') or '')[:16] or None
    complete = prints is not None and not any(value is None for value in _mapping(prints).values())
    same = complete and expected_prints is not None and prints == expected_prints
    return dict(value=short(prints), expected=short(expected_prints), ok=same,
                note="private key, public key and certificate SHA-256 equal to the primary %s's" % primary)


def _dbuuid_item(server, expected_dbuuid, common_dbuuids):
    dbuuid = _mapping(server.get('database')).get('dbuuid')
    if not server.get('installed', False) and server:
        ok = None
    else:
        ok = dbuuid is not None and dbuuid == expected_dbuuid
    if len(common_dbuuids) > 1:
        note = 'the Servers of the run reach databases of several dbuuids: ' + ', '.join(_text(uuid) for uuid in common_dbuuids)
    elif dbuuid is None:
        note = 'cannot read its database: ' + _text(_mapping(server.get('own_data')).get('source', 'not read'))
    else:
        note = 'one database for every Server (dbstruct.dbuuid)'
    return dict(value=dbuuid, expected=expected_dbuuid, ok=ok, note=note)


def _file_items(variables, server, cluster_name):
    """drwcsd.conf, server address and database of a Server of the run."""
    predicted = _get(variables, 'drweb_config_predict_result')
    section = _get(variables, 'drweb_config_database_result')
    predicted_drift = [_text(line) for line in (_mapping(predicted).get('drift') or [])]
    conf_drift = ([line for line in predicted_drift if not re.match('^download.conf:', line)] if predicted else [])
    conf_drift += ['drwcsd.conf:' + _text(element) for element in (_mapping(section).get('changed_elements') or [])] if section else []
    items = {}
    items['drwcsd.conf'] = dict(
        value=('differs: ' + ', '.join(conf_drift)) if conf_drift else ('as managed' if predicted and section else None),
        expected='as the config role writes it',
        ok=predicted is not None and section is not None and not conf_drift,
        note='cluster protocol, multicast group/port/TTL/interface, passwd-salt, database section')
    items['server address'] = dict(
        value=_mapping(predicted).get('server_address') if predicted else None,
        expected=cluster_name,
        ok=predicted is not None and not [line for line in predicted_drift if re.match('^download.conf:', line)],
        note='download.conf Server address for Agent installers')

    status = _mapping(_get(variables, DATABASE, {}))
    database = _mapping(server.get('database'))
    own_dbuuid = database.get('dbuuid')
    reached = 'postgresql_version' in status and status.get('dbuuid') is not None
    attached = all((database.get('mode') == 'external', reached, own_dbuuid == status.get('dbuuid'),
                    status.get('schema_matches', False) is True))
    if attached:
        value = 'attached, dbuuid %s, schema %s' % (status.get('dbuuid'), status.get('schema_version'))
    else:
        value = 'database mode ' + _text(database.get('mode', 'unknown'))
        if status.get('msg', ''):
            value += ', ' + _text(status['msg'])
        if status.get('dbuuid') is not None and own_dbuuid != status.get('dbuuid'):
            value += ', reads database %s, the common one is %s' % (own_dbuuid or 'unknown', status['dbuuid'])
        if 'schema_matches' in status and status['schema_matches'] is not True:
            value += ', schema %s for %s' % (status.get('schema_version', '?'), server.get('version', '?'))
    items['database'] = dict(value=value, expected='attached to the common database', ok=attached,
                             note='database_status from the node')
    return items


def _outside_items():
    return {'drwcsd.conf': dict(value=None, expected='as the config role writes it', ok=None, note=NOT_CHECKED),
            'server address': dict(value=None, expected=None, ok=None, note=NOT_CHECKED),
            'database': dict(value=None, expected='attached to the common database', ok=None, note=NOT_CHECKED)}


def _peers_item(node, server, members, ids, running, unread):
    """The Server hears exactly the other members, by Server id. A member that was not read has no known id: the
    Server is then checked for the members that were read only (a drift among them is still one; none is not ok)."""
    peers = _mapping(server.get('web_api')).get('peers')
    others = [ids[member] for member in members if member != node and member not in unread]
    not_read = [member for member in members if member != node and member in unread]
    note = ''
    if peers is None:
        value = None
        ok = None if running else False
        note = 'not reported by this Server (Web API has no cluster block)' if running else ''
    else:
        peers = [_mapping(peer) for peer in peers]
        value = ','.join(_jinja_sorted(_text(peer.get('name')) for peer in peers)) or 'none'
        heard = Counter(map(_text, (peer.get('id') for peer in peers)))
        if not_read:
            missing = [other for other in others if other is None or not heard[_text(other)]]
            ok = False if missing else None
            note = 'the Server id of %s is not known (not read): the other members only were checked' % ', '.join(not_read)
        else:
            ok = not any(other is None for other in others) and heard == Counter(map(_text, others))
    return dict(value=value, expected=','.join(_jinja_sorted(member for member in members if member != node)), ok=ok,
                note=note)


def _repository_item(node, repository, results):
    differs = [entry['product'] for entry in repository['drift'] if entry['node'] == node]
    if node in repository['not_reported']:
        value = repository['not_reported'][node]
    else:
        value = ('differs: ' + ', '.join(differs)) if differs else 'same revisions'
    return dict(value=value, expected='same revisions on every Server',
                ok=node not in repository['not_reported'] and node not in repository['odd_nodes'] and len(repository['products']) > 0,
                revisions=_mapping(results.get(node)).get('revisions') or {})


def _shown(value):
    """``value | default('none', true) | string``."""
    return _text(value) if value else 'none'


def _scheduler(schedule, members, ids, wanted):
    by_id = dict((server_id, node) for node, server_id in ids.items())
    result = _mapping(schedule)
    schedules = result.get('schedules')
    holders = {}
    hosts = []
    lines = []
    for task in result.get('exclusive_tasks') or []:
        on = [by_id.get(server_id, 'unknown Server %s' % server_id)
              for server_id, tasks in _mapping(schedules).items() if _mapping(tasks).get(task, False)]
        holders[task] = on
        hosts = list(dict.fromkeys(hosts + on))
        lines.append('%s on %s' % (task, '+'.join(on) or 'none'))
    if _skipped(schedule):
        ok = None
    else:
        one_each = len(holders) > 0 and set(len(on) for on in holders.values()) == {1}
        ok = schedules is not None and one_each and len(hosts) == 1 and hosts[0] in members and (not wanted or hosts[0] == wanted)
    note = ('cannot read the schedules: ' + _text(result.get('msg', ''))) if schedules is None and ok is not None else ''
    scheduler = dict(value=hosts, expected=wanted or 'one Server', tasks=holders, ok=ok, note=note)
    drift = []
    if ok is False:
        drift.append('cluster: scheduler: %s, expected all five on %s'
                     % (', '.join(lines) if schedules is not None else note, wanted or 'one Server'))
    return scheduler, drift


def _names(value, option):
    if isinstance(value, (str, bytes, Mapping)) or not hasattr(value, '__iter__'):
        raise AnsibleFilterError('drift_report: %s must be a list of inventory names, got %s' % (option, type(value).__name__))
    return [str(name) for name in value]


def drift_report(hostvars, members, checked, outside=None, dns=None, dns6=None, schedule=None, primary=None,
                 version=None, cluster_name=None, dns_ipv6=False, scheduler_host=None, report_path=None):
    """check.yml's drift report: per member and item what was read, what is expected and whether it drifts."""
    if not isinstance(hostvars, Mapping):
        raise AnsibleFilterError('drift_report: the input must be hostvars (a mapping), got %s' % type(hostvars).__name__)
    members = _names(members, 'members')
    checked = _names(checked, 'checked')
    if not members:
        raise AnsibleFilterError('drift_report: members (groups[\'drweb_servers\']) is empty: no Server to check')
    if outside is not None and not isinstance(outside, Mapping):
        raise AnsibleFilterError('drift_report: outside must be a dict (facts, keys, repository), got %s' % type(outside).__name__)
    outside = _mapping(outside)

    variables = dict((node, _variables(hostvars, node)) for node in members)
    facts = dict((node, _mapping(_get(variables[node], 'ansible_facts', {})).get('drweb_server')) for node in members)
    primary = primary or members[0]
    results_facts = _results(hostvars, checked, outside, FACTS, 'facts')
    keys = _results(hostvars, checked, outside, KEYS, 'keys')
    results_repository = _results(hostvars, checked, outside, REPOSITORY, 'repository')
    read_error = dict((node, _mapping(results_facts.get(node)).get('msg', '')) for node in members)
    repository = repository_drift(results_repository, members)
    primary_server = _mapping(facts.get(primary))
    expected_version = _trimmed(version) or primary_server.get('version')
    expected_prints = _mapping(keys.get(primary)).get('fingerprint')
    ids = dict((node, _mapping(facts[node]).get('server_id')) for node in members)
    unread = set(node for node in members if not _mapping(facts[node]))

    # the database every Server must read: the common one as the Servers of the run reach it (its dbstruct.dbuuid),
    # else the primary's. Servers share one database exactly when they read the same dbuuid.
    common_dbuuids = list(dict.fromkeys(
        uuid for uuid in (_mapping(_get(_variables(hostvars, node), DATABASE, {})).get('dbuuid') for node in checked) if uuid))
    if len(common_dbuuids) == 1:
        expected_dbuuid = common_dbuuids[0]
    elif not common_dbuuids:
        expected_dbuuid = _mapping(primary_server.get('database')).get('dbuuid')
    else:
        expected_dbuuid = None

    nodes = {}
    drift = []
    for node in members:
        server = _mapping(facts[node])
        in_run = node in checked
        items = {}
        items['server'], running = _server_item(server, read_error[node])
        items['version'] = dict(value=server.get('version'), expected=expected_version,
                                ok=server.get('version') is not None and server.get('version') == expected_version)
        items['keys'] = _keys_item(_mapping(keys.get(node)).get('fingerprint'), expected_prints, primary)
        items['dbuuid'] = _dbuuid_item(server, expected_dbuuid, common_dbuuids)
        items.update(_file_items(variables[node], server, cluster_name) if in_run else _outside_items())
        items['repository'] = _repository_item(node, repository, results_repository)
        items['peers'] = _peers_item(node, server, members, ids, running, unread)
        nodes[node] = dict(in_run=in_run, address=_get(variables[node], 'ansible_host', node), items=items,
                           readable=len(server) > 0, licence_keys=_mapping(server.get('web_api')).get('keys'))
        drift.extend('%s: %s: %s, expected %s' % (node, name, _shown(item['value']), _shown(item['expected']))
                     for name, item in items.items() if item['ok'] is False)

    # DNS: the cluster name's A records (and AAAA records with drweb_dns_ipv6) are exactly the Servers' addresses
    ipv6 = _text(dns_ipv6 or False).strip().lower() in TRUE_WORDS
    published = server_addresses(hostvars, members, ipv6)['addresses']
    status, resolved = _records(dns, 'A')
    status6, resolved6 = _records(dns6, 'AAAA')
    dns_ok = _dns_ok(dns, status, resolved, published['A'])
    dns6_ok = _dns_ok(dns6, status6, resolved6, published['AAAA'])
    name = '?' if cluster_name is None else _text(cluster_name)
    if dns_ok is False:
        drift.append('cluster: DNS A records of %s: %s, expected %s'
                     % (name, ','.join(resolved) or status, ','.join(published['A'])))
    if dns6_ok is False:
        drift.append('cluster: DNS AAAA records of %s: %s, expected %s'
                     % (name, ','.join(resolved6) or status6, ','.join(published['AAAA'])))
    dns_report = dict(name=cluster_name, value=resolved, expected=published['A'], status=status, ok=dns_ok,
                      aaaa=dict(value=resolved6, expected=published['AAAA'], status=status6, ok=dns6_ok),
                      note='no DNS server known (drweb_dns_server, group drweb_dns): not checked' if dns_ok is None else '')

    # Scheduler: each exclusive task enabled on exactly one Server, the same one for all, and that one
    # drweb_scheduler_host when it is set (without it the schedule role chooses; any single member is accepted here)
    scheduler, scheduler_drift = _scheduler(schedule, members, ids, _trimmed(scheduler_host))
    drift.extend(scheduler_drift)

    path = _trimmed(report_path) or '/tmp/drweb-check-%s.json' % (_trimmed(cluster_name) or 'cluster')
    return dict(schema_version=SCHEMA_VERSION, cluster=cluster_name, primary=primary, members=members, checked=checked,
                limited=any(member not in checked for member in members), report_path=path, ok=not drift, drift=drift,
                nodes=nodes, dns=dns_report, scheduler=scheduler,
                repository=dict(products=repository['products'], messages=repository['messages']))


class FilterModule(object):
    """drweb.cluster check filters."""

    def filters(self):
        return {'drift_report': drift_report}
