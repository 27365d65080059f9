# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the drweb.cluster.check_metrics filter and of the check report's JSON schema."""

from __future__ import annotations

import calendar
import copy
import json
import pathlib
import re

import jsonschema
import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.drweb.cluster.plugins.filter.check_metrics import FilterModule, check_metrics

ROOT = pathlib.Path(__file__).resolve().parents[4]
SCHEMA = json.loads((ROOT / 'playbooks' / 'schemas' / 'check_report.schema.json').read_text())
# a report check.yml wrote on the converged three-node lab (status and warnings added as the playbook adds them)
RECORDED = pathlib.Path(__file__).with_name('check_report_converged.json')
NOW = calendar.timegm((2026, 12, 5, 12, 0, 0))
DAY = 86400
TASKS = ('Backup sensitive data', 'Purge Old Data', 'Purge old statistics', 'Purge unsent IS events', 'Purge old stations')


def item(ok=True, value='v', **extra):
    return dict(value=value, expected=value if ok else 'other', ok=ok, **extra)


def node(name, revision='20261205110000', keys=None, readable=True):
    items = {name: item() for name in ('server', 'keys', 'dbuuid', 'drwcsd.conf', 'server address', 'database', 'peers')}
    items['version'] = item(value='13.00.1')
    items['repository'] = item(value='same revisions', revisions={'10-drwbases': revision, '20-drwcs': revision})
    return dict(in_run=True, address='10.0.0.%d' % int(name[-1]), readable=readable, items=items,
                licence_keys=[dict(id='0110000001', expires=NOW + 365 * DAY)] if keys is None else keys)


def report(**changes):
    nodes = {name: node(name) for name in ('node1', 'node2', 'node3')}
    base = dict(schema_version=1, cluster='drweb.lab', primary='node1', members=sorted(nodes), checked=sorted(nodes),
                limited=False, report_path='/tmp/r.json', ok=True, drift=[], nodes=nodes,
                dns=dict(name='drweb.lab', value=['10.0.0.1'], expected=['10.0.0.1'], status='NOERROR', ok=True,
                         aaaa=dict(value=[], expected=[], status='NONE', ok=None), note=''),
                scheduler=dict(value=['node1'], expected='one Server', tasks={task: ['node1'] for task in TASKS}, ok=True, note=''),
                repository=dict(products={product: {name: '20261205110000' for name in nodes}
                                          for product in ('10-drwbases', '20-drwcs')}, messages=[]))
    base.update(changes)
    return base


def samples(text):
    """{(metric, frozenset(labels)): value} of a text-format file."""
    found = {}
    for line in text.splitlines():
        if line.startswith('#'):
            continue
        match = re.match(r'^([a-z_]+)\{(.*)\} (\S+)$', line)
        assert match, 'not a sample line: %r' % line
        labels = frozenset(re.findall(r'([a-z_]+)="((?:[^"\\]|\\.)*)"', match.group(2)))
        found[(match.group(1), labels)] = float(match.group(3))
    return found


def value(found, metric, **labels):
    labels.setdefault('cluster', 'drweb.lab')
    return found[('drweb_cluster_' + metric, frozenset(labels.items()))]


def test_the_filter_is_registered():
    assert FilterModule().filters()['check_metrics'] is check_metrics


def test_a_clean_report_is_ok_with_every_drift_series_zero():
    verdict = check_metrics(report(), NOW, 3.25)
    assert (verdict['status'], verdict['exit_code'], verdict['warnings']) == ('ok', 0, [])
    found = samples(verdict['text'])
    drift = {labels: sample for (metric, labels), sample in found.items() if metric == 'drweb_cluster_drift'}
    assert len(drift) == 3 * 9 + 2   # nine items per Server, DNS A and the scheduler (AAAA not checked: no series)
    assert set(drift.values()) == {0.0}
    assert value(found, 'server_up', server='node2') == 1
    assert value(found, 'server_version_info', server='node3', version='13.00.1') == 1
    assert value(found, 'database_attached', server='node1') == 1
    assert value(found, 'database_uuid_match', server='node1') == 1
    assert value(found, 'repository_revision_age_seconds', server='node1', product='10-drwbases') == 3600
    assert value(found, 'licence_expiry_seconds', key='0110000001') == 365 * DAY
    assert value(found, 'licence_expiry_timestamp_seconds', key='0110000001') == NOW + 365 * DAY
    assert value(found, 'exclusive_task_owners', task='Purge Old Data') == 1
    assert value(found, 'check_duration_seconds') == 3.25
    assert value(found, 'check_status') == 0


def test_every_metric_has_help_and_type_and_follows_the_naming_conventions():
    text = check_metrics(report(), NOW, 1)['text']
    names = set(re.findall(r'^(drweb_cluster_[a-z_]+)\{', text, re.M))
    for name in names:
        assert '# HELP %s ' % name in text and '# TYPE %s gauge' % name in text
        assert not name.endswith('_total') and not re.search(r'_(days|hours|minutes|milliseconds)$', name)
    assert text.endswith('\n')


def test_a_drifted_item_gives_one_for_exactly_that_server_and_item():
    drifted = report(ok=False, drift=['node2: drwcsd.conf: differs, expected as managed'])
    drifted['nodes']['node2']['items']['drwcsd.conf'] = item(ok=False)
    verdict = check_metrics(drifted, NOW, 1)
    assert (verdict['status'], verdict['exit_code']) == ('drift', 2)
    ones = [labels for (metric, labels), sample in samples(verdict['text']).items()
            if metric == 'drweb_cluster_drift' and sample == 1]
    assert ones == [frozenset({('cluster', 'drweb.lab'), ('server', 'node2'), ('item', 'drwcsd.conf')})]


def test_a_licence_expiring_within_the_threshold_warns():
    soon = report()
    for name in soon['nodes']:
        soon['nodes'][name]['licence_keys'] = [dict(id='0110000001', expires=NOW + 10 * DAY)]
    verdict = check_metrics(soon, NOW, 1, 30, 48)
    assert (verdict['status'], verdict['exit_code']) == ('warning', 1)
    assert verdict['warnings'] == ['licence key 0110000001: expires in 10 days (warning within 30)']
    found = samples(verdict['text'])
    assert value(found, 'warning', kind='licence_expiry', server='', subject='0110000001') == 1
    assert value(found, 'check_status') == 1
    assert check_metrics(soon, NOW, 1, 5, 48)['status'] == 'ok'    # outside a smaller threshold
    assert check_metrics(soon, NOW, 1, 0, 48)['status'] == 'ok'    # 0 never warns


def test_an_expired_key_and_a_key_without_end_date():
    keys = report()
    keys['nodes']['node1']['licence_keys'] = [dict(id='A', expires=NOW - 2 * DAY), dict(id='B', expires=None)]
    verdict = check_metrics(keys, NOW, 1)
    assert 'licence key A: expired in -2 days (warning within 30)' in verdict['warnings']
    found = samples(verdict['text'])
    assert value(found, 'licence_expiry_seconds', key='A') == -2 * DAY
    assert not [key for key in found if key[0].startswith('drweb_cluster_licence_expiry') and ('key', 'B') in key[1]]


def test_an_old_repository_revision_warns_per_server_and_product():
    old = report()
    old['nodes']['node3']['items']['repository']['revisions']['20-drwcs'] = '20261201120000'
    verdict = check_metrics(old, NOW, 1, 30, 48)
    assert verdict['status'] == 'warning'
    assert verdict['warnings'] == ['node3: repository 20-drwcs: revision 20261201120000 is 96.0 hours old (more than 48)']
    assert value(samples(verdict['text']), 'repository_revision_age_seconds', server='node3', product='20-drwcs') == 4 * DAY
    assert check_metrics(old, NOW, 1, 30, 0)['status'] == 'ok'


def test_a_member_that_cannot_be_read_outranks_drift():
    unread = report(ok=False, drift=['node3: server: not read: unreachable, expected running'])
    unread['nodes']['node3'] = dict(node('node3'), readable=False, licence_keys=None)
    unread['nodes']['node3']['items']['server'] = item(ok=False, value='not read: unreachable')
    verdict = check_metrics(unread, NOW, 1)
    assert (verdict['status'], verdict['exit_code'], verdict['unreadable']) == ('unreadable', 3, ['node3'])
    found = samples(verdict['text'])
    assert value(found, 'server_readable', server='node3') == 0
    assert value(found, 'server_up', server='node3') == 0


def test_a_second_owner_of_an_exclusive_task_is_counted():
    tasks = {task: ['node1'] for task in TASKS}
    tasks['Purge Old Data'] = ['node1', 'node2']
    verdict = check_metrics(report(scheduler=dict(value=['node1', 'node2'], expected='one Server', tasks=tasks, ok=False, note=''),
                                   ok=False, drift=['cluster: scheduler: ...']), NOW, 1)
    found = samples(verdict['text'])
    assert value(found, 'exclusive_task_owners', task='Purge Old Data') == 2
    assert value(found, 'drift', server='', item='scheduler') == 1


def test_items_not_checked_under_limit_have_no_series():
    limited = report(limited=True)
    for name in ('drwcsd.conf', 'server address', 'database'):
        limited['nodes']['node3']['items'][name] = item(ok=None, value=None)
    found = samples(check_metrics(limited, NOW, 1)['text'])
    assert ('drweb_cluster_database_attached', frozenset({('cluster', 'drweb.lab'), ('server', 'node3')})) not in found
    assert ('drweb_cluster_drift', frozenset({('cluster', 'drweb.lab'), ('server', 'node3'), ('item', 'database')})) not in found


def test_label_values_are_escaped():
    odd = report(cluster='a"b\\c\nd')
    line = [line for line in check_metrics(odd, NOW, 1)['text'].splitlines() if line.startswith('drweb_cluster_check_status')][0]
    assert line == 'drweb_cluster_check_status{cluster="a\\"b\\\\c\\nd"} 0'


@pytest.mark.parametrize('arguments, message', [
    (('x', NOW), 'must be check.yml'),
    ((report(), 'soon'), 'now and duration must be numbers'),
    ((report(), NOW, 1, -1), 'drweb_check_licence_warning_days must be a number of at least 0'),
    ((report(), NOW, 1, 30, 'many'), 'drweb_check_repository_warning_hours must be a number of at least 0'),
])
def test_bad_input_is_refused_naming_it(arguments, message):
    with pytest.raises(AnsibleFilterError, match=message):
        check_metrics(*arguments)


def test_empty_thresholds_mean_the_defaults():
    soon = report()
    soon['nodes']['node1']['licence_keys'] = [dict(id='K', expires=NOW + 20 * DAY)]
    assert check_metrics(soon, NOW, 1, '', '')['status'] == 'warning'     # within the default 30 days


def test_the_schema_accepts_a_synthetic_report_with_its_verdict():
    verdict = check_metrics(report(), NOW, 1)
    jsonschema.validate(dict(report(), status=verdict['status'], exit_code=verdict['exit_code'],
                             warnings=verdict['warnings']), SCHEMA)


def test_the_schema_accepts_a_report_check_yml_wrote_and_its_verdict_is_ok():
    recorded = json.loads(RECORDED.read_text())
    jsonschema.validate(recorded, SCHEMA)
    assert check_metrics(recorded, NOW, 1, 0, 0)['exit_code'] == recorded['exit_code'] == 0


def test_the_newest_backup_set_gives_its_age_and_time_and_never_a_warning():
    backup = dict(dir='/srv/backups', latest=dict(name='drweb.lab-20261201T120000Z', created='2026-12-01T12:00:00Z',
                                                  age_seconds=4 * DAY))
    verdict = check_metrics(report(backup=backup), NOW, 1)
    assert (verdict['status'], verdict['warnings']) == ('ok', [])
    found = samples(verdict['text'])
    assert value(found, 'backup_age_seconds') == 4 * DAY
    assert value(found, 'backup_timestamp_seconds') == calendar.timegm((2026, 12, 1, 12, 0, 0))
    jsonschema.validate(dict(report(backup=backup), status='ok', exit_code=0, warnings=[]), SCHEMA)


@pytest.mark.parametrize('backup', [None, dict(dir='/srv/backups', latest=None)])
def test_no_backup_set_or_no_folder_gives_no_backup_series(backup):
    changes = {} if backup is None else dict(backup=backup)
    verdict = check_metrics(report(**changes), NOW, 1)
    assert 'drweb_cluster_backup_age_seconds{' not in verdict['text'] and verdict['status'] == 'ok'
    jsonschema.validate(dict(report(**changes), status='ok', exit_code=0, warnings=[]), SCHEMA)


@pytest.mark.parametrize('breakage', ['no schema_version', 'unknown status', 'item without ok'])
def test_the_schema_rejects_a_report_that_breaks_it(breakage):
    broken = copy.deepcopy(dict(report(), status='ok', exit_code=0, warnings=[]))
    if breakage == 'no schema_version':
        del broken['schema_version']
    elif breakage == 'unknown status':
        broken['status'] = 'fine'
    else:
        del broken['nodes']['node1']['items']['keys']['ok']
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, SCHEMA)
