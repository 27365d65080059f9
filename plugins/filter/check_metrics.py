# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``drweb.cluster.check_metrics`` filter: check.yml's report as a verdict (ok, warning, drift, cannot read, with
an exit code) and as Prometheus text-format series. Documentation: DOCUMENTATION below."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
name: check_metrics
version_added: 0.1.0
short_description: Judge a drift report of check.yml and render it as Prometheus metrics
description:
- Takes the report C(playbooks/check.yml) builds (the JSON report of schema version 1) and returns its outcome, its exit
  code, its warnings and the same findings in the Prometheus text format (as the textfile collector of node_exporter reads
  it), one series per Server and item, metric names C(drweb_cluster_*) in base units.
- B(Outcome) - C(unreadable) (exit code 3) when a member could not be read; else C(drift) (2) when any item drifts; else
  C(warning) (1) when a threshold is crossed; else C(ok) (0).
- B(Warnings) - a licence key that expires within O(licence_warning_days) days (or has expired), a product whose distributed
  revision is older than O(repository_warning_hours) hours (its age counted from the time stamp the revision is named by).
  A threshold of C(0) never warns.
- B(Backup) - when the report has a C(backup) part (check.yml with C(drweb_backup_dir)), the age and time of the newest
  backup set of the cluster; no series when the folder holds none. Reported only, never a warning, since how old a backup
  may be is the policy of the operator (alert on C(drweb_cluster_backup_age_seconds), or on its absence).
positional: now, duration, licence_warning_days, repository_warning_hours
options:
  _input:
    description: The report (C(nodes), C(drift), C(dns), C(scheduler), optionally C(backup), as check.yml builds it).
    type: dict
    required: true
  now:
    description: Unix time (UTC) of the check; ages and days left are counted from it.
    type: float
    required: true
  duration:
    description: How long the check ran, in seconds.
    type: float
    default: 0
  licence_warning_days:
    description: Warn when a licence key expires within this many days; empty means 30.
    type: float
  repository_warning_hours:
    description: Warn when a distributed revision is older than this many hours; empty means 48.
    type: float
author:
- drweb.cluster maintainers !UNKNOWN
'''

EXAMPLES = r'''
- name: Judge the report and render its metrics
  ansible.builtin.set_fact:
    verdict: "{{ report | drweb.cluster.check_metrics(now(utc=true).timestamp(), 4.2, 30, 48) }}"
'''

RETURN = r'''
_value:
  description:
  - C(status) (C(ok), C(warning), C(drift), C(unreadable)), C(exit_code) (0, 1, 2, 3), C(warnings) (one sentence each),
    C(unreadable) (the members that could not be read), C(schema_version) and C(text) (the metrics file).
  type: dict
'''

import math
from collections.abc import Mapping

from ansible.errors import AnsibleFilterError

from ansible_collections.drweb.cluster.plugins.module_utils import drwcsd

# The report's JSON schema version (playbooks/schemas/check_report.schema.json): raised when a field changes meaning
# or disappears, not when one is added.
SCHEMA_VERSION = 1

# Outcome -> exit code, most serious last: "cannot read" outranks drift (an unread member also shows as drift), drift
# outranks a warning.
EXIT_CODES = {'ok': 0, 'warning': 1, 'drift': 2, 'unreadable': 3}

PREFIX = 'drweb_cluster_'
DEFAULT_LICENCE_WARNING_DAYS = 30
DEFAULT_REPOSITORY_WARNING_HOURS = 48

# name -> (type, help); the order is the file's order
METRICS = (
    ('check_status', 'gauge', 'Outcome of the last check: 0 ok, 1 warning, 2 drift, 3 cannot read (the exit code).'),
    ('check_duration_seconds', 'gauge', 'Duration of the last check run.'),
    ('check_timestamp_seconds', 'gauge', 'Unix time the last check ran.'),
    ('check_warnings', 'gauge', 'Number of warnings of the last check.'),
    ('drift', 'gauge', '1 when the item of the Server (or of the cluster, server="") differs from what the roles leave.'),
    ('server_readable', 'gauge', '1 when the check could read the Server.'),
    ('server_up', 'gauge', '1 when drwcsd runs (the Server serves).'),
    ('server_version_info', 'gauge', 'Release the Server runs, as a label (value 1).'),
    ('database_attached', 'gauge', '1 when the Server is attached to the common database.'),
    ('database_uuid_match', 'gauge', '1 when the Server reads the common database (same dbuuid).'),
    ('repository_revision_age_seconds', 'gauge', 'Age of the revision the Server distributes, per product.'),
    ('licence_expiry_seconds', 'gauge', 'Time left until the licence key expires (negative: expired).'),
    ('licence_expiry_timestamp_seconds', 'gauge', 'Unix time the licence key expires.'),
    ('exclusive_task_owners', 'gauge', 'Number of Servers on which the exclusive scheduler task is enabled (must be 1).'),
    ('warning', 'gauge', 'A threshold crossed (value 1): licence expiring, repository too old.'),
    ('backup_age_seconds', 'gauge', 'Age of the newest backup set of the cluster (backup.yml) in drweb_backup_dir.'),
    ('backup_timestamp_seconds', 'gauge', 'Unix time the newest backup set of the cluster was made.'),
)

CLUSTER_ITEMS = (('dns', 'dns'), ('dns_aaaa', None), ('scheduler', 'scheduler'))


def _escape(value):
    """A label value escaped as the text format requires (backslash, double quote, line feed)."""
    return str(value).replace('\\', '\\\\').replace('"', '\\"').replace('\n', '\\n')


def _number(value):
    """A sample value in the text format (integers without a decimal point)."""
    if isinstance(value, bool):
        return '1' if value else '0'
    if isinstance(value, int):
        return str(value)
    if math.isnan(value):
        return 'NaN'
    if float(value).is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(float(value))


def _flag(ok):
    """Drift sample of an item: ok true -> 0, false -> 1, null (not checked) -> None (no sample)."""
    return None if ok is None else (0 if ok else 1)


def _items(node):
    items = node.get('items') if isinstance(node, Mapping) else None
    return items if isinstance(items, Mapping) else {}


def _keys(report):
    """key id -> expiry (Unix seconds or None), from every Server that listed its keys (they share one database)."""
    keys = {}
    for node in (report.get('nodes') or {}).values():
        for key in (node.get('licence_keys') or []) if isinstance(node, Mapping) else []:
            if not isinstance(key, Mapping) or not key.get('id'):
                continue
            expires = key.get('expires')
            if key['id'] not in keys or (expires is not None and (keys[key['id']] is None or expires < keys[key['id']])):
                keys[key['id']] = expires
    return keys


def check_metrics(report, now, duration=0, licence_warning_days=None, repository_warning_hours=None):
    """Verdict and Prometheus text of a check.yml report (see check_metrics.yml)."""
    if not isinstance(report, Mapping) or not isinstance(report.get('nodes'), Mapping):
        raise AnsibleFilterError('check_metrics: the input must be check.yml\'s report (a dict with "nodes")')
    # empty (an AWX survey's unanswered question) means the default
    licence_warning_days = DEFAULT_LICENCE_WARNING_DAYS if licence_warning_days in (None, '') else licence_warning_days
    repository_warning_hours = DEFAULT_REPOSITORY_WARNING_HOURS if repository_warning_hours in (None, '') else repository_warning_hours
    try:
        now, duration = float(now), float(duration)
    except (TypeError, ValueError) as error:
        raise AnsibleFilterError('check_metrics: now and duration must be numbers: %s' % error)
    for variable, value in (('drweb_check_licence_warning_days', licence_warning_days),
                            ('drweb_check_repository_warning_hours', repository_warning_hours)):
        try:
            if float(value) < 0:
                raise ValueError('negative')
        except (TypeError, ValueError):
            raise AnsibleFilterError('%s must be a number of at least 0 (0: never warn), got %r' % (variable, value))
    licence_warning_days, repository_warning_hours = float(licence_warning_days), float(repository_warning_hours)

    series = dict((name, []) for name, _type, _help in METRICS)
    warnings, unreadable = [], []
    cluster = report.get('cluster') or ''

    def add(name, labels, value):
        if value is not None:
            series[name].append((labels, value))

    for name in sorted(report['nodes']):
        node = report['nodes'][name]
        items = _items(node)
        readable = bool(node.get('readable', True)) if isinstance(node, Mapping) else False
        if not readable:
            unreadable.append(name)
        add('server_readable', (('server', name),), 1 if readable else 0)
        for item in sorted(items):
            add('drift', (('server', name), ('item', item)), _flag(items[item].get('ok')))
        server = items.get('server', {})
        add('server_up', (('server', name),), 1 if server.get('ok') else 0)
        version = items.get('version', {}).get('value')
        if version:
            add('server_version_info', (('server', name), ('version', version)), 1)
        # null = not checked (outside --limit): no sample rather than a false 0
        for metric, item in (('database_attached', 'database'), ('database_uuid_match', 'dbuuid')):
            ok = items.get(item, {}).get('ok')
            add(metric, (('server', name),), None if ok is None else (1 if ok else 0))
        revisions = items.get('repository', {}).get('revisions') or {}
        for product in sorted(revisions):
            stamp = drwcsd.revision_time(revisions[product])
            if stamp is None:
                continue
            age = int(max(0.0, now - stamp))
            add('repository_revision_age_seconds', (('server', name), ('product', product)), age)
            if repository_warning_hours > 0 and age > repository_warning_hours * 3600:
                warnings.append(dict(kind='repository_age', server=name, subject=product,
                                     message='%s: repository %s: revision %s is %.1f hours old (more than %g)'
                                             % (name, product, revisions[product], age / 3600, repository_warning_hours)))

    for key_id, expires in sorted(_keys(report).items()):
        if expires is None:
            continue   # a key without an end date never expires
        # seconds, the base unit (promtool refuses a _days metric); the warning speaks in days
        days = math.floor((expires - now) / 86400.0 * 10) / 10
        add('licence_expiry_seconds', (('key', key_id),), int(expires - now))
        add('licence_expiry_timestamp_seconds', (('key', key_id),), expires)
        if licence_warning_days > 0 and days < licence_warning_days:
            warnings.append(dict(kind='licence_expiry', server='', subject=key_id,
                                 message='licence key %s: %s in %g days (warning within %g)'
                                         % (key_id, 'expired' if days < 0 else 'expires', days, licence_warning_days)))

    for item, key in CLUSTER_ITEMS:
        part = report.get(key) if key else (report.get('dns') or {}).get('aaaa')
        if isinstance(part, Mapping):
            add('drift', (('server', ''), ('item', item)), _flag(part.get('ok')))
    tasks = (report.get('scheduler') or {}).get('tasks') or {}
    for task in sorted(tasks):
        add('exclusive_task_owners', (('task', task),), len(tasks[task] or []))

    latest = (report.get('backup') or {}).get('latest') if isinstance(report.get('backup'), Mapping) else None
    if isinstance(latest, Mapping) and latest.get('age_seconds') is not None:
        add('backup_age_seconds', (), int(latest['age_seconds']))
        # the set's time as of this run (its age counted by the same clock), not a second parse of its name
        add('backup_timestamp_seconds', (), int(now) - int(latest['age_seconds']))

    drift = list(report.get('drift') or [])
    status = 'unreadable' if unreadable else 'drift' if drift else 'warning' if warnings else 'ok'
    for warning in warnings:
        add('warning', (('kind', warning['kind']), ('server', warning['server']), ('subject', warning['subject'])), 1)
    add('check_status', (), EXIT_CODES[status])
    add('check_duration_seconds', (), round(duration, 3))
    add('check_timestamp_seconds', (), int(now))
    add('check_warnings', (), len(warnings))

    lines = []
    for name, kind, text in METRICS:
        lines.append('# HELP %s%s %s' % (PREFIX, name, text))
        lines.append('# TYPE %s%s %s' % (PREFIX, name, kind))
        for labels, value in series[name]:
            labels = (('cluster', cluster),) + tuple(labels)
            text_labels = ','.join('%s="%s"' % (label, _escape(text_value)) for label, text_value in labels)
            lines.append('%s%s{%s} %s' % (PREFIX, name, text_labels, _number(value)))
    return dict(status=status, exit_code=EXIT_CODES[status], warnings=[warning['message'] for warning in warnings],
                unreadable=unreadable, schema_version=SCHEMA_VERSION, text='\n'.join(lines) + '\n')


class FilterModule(object):
    """drweb.cluster filters."""

    def filters(self):
        return {'check_metrics': check_metrics}
