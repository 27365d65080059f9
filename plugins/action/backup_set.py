# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin drweb.cluster.backup_set: write a backup set's manifest and apply retention, verify a set, or find
the newest set, on the controller (documentation: plugins/modules/backup_set.py; rules: plugin_utils/backup_set.py)."""

from __future__ import annotations

import datetime
import json
import os
import shutil

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase

from ansible_collections.drweb.cluster.plugins.plugin_utils import backup_set

ARGUMENT_SPEC = dict(
    path=dict(type='path', required=True),
    state=dict(type='str', choices=['present', 'verified', 'latest'], default='verified'),
    metadata=dict(type='dict', default={}),
    keep=dict(type='raw'),
    cluster=dict(type='str', default=''),
)


def collection_version():
    """The version of this collection (MANIFEST.json of an installed collection, else galaxy.yml of a checkout)."""
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    try:
        with open(os.path.join(root, 'MANIFEST.json'), encoding='utf-8') as handle:
            return json.load(handle)['collection_info']['version']
    except (OSError, ValueError, KeyError):
        pass
    try:
        with open(os.path.join(root, 'galaxy.yml'), encoding='utf-8') as handle:
            for line in handle:
                if line.startswith('version:'):
                    return line.split(':', 1)[1].strip().strip('"\'')
    except OSError:
        pass
    return None


def keep_count(value):
    """drweb_backup_keep as a whole number (AWX surveys send text)."""
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    return value


class ActionModule(ActionBase):
    """One backup set: its manifest written and old sets removed (present), checked (verified), or found (latest)."""

    TRANSFERS_FILES = False
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        unused_validation, args = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)
        now = datetime.datetime.now(datetime.timezone.utc)
        path = args['path'].rstrip('/') or '/'
        try:
            if args['state'] == 'latest':
                newest = backup_set.latest(path, args['cluster'], now)
                result.update(changed=False, latest=newest, exists=newest is not None)
                return result
            if args['state'] == 'verified':
                manifest, problems = backup_set.verify(path)
                result.update(changed=False, manifest=manifest, problems=problems)
                if problems:
                    result.update(failed=True, msg='The backup set %s is refused before anything changes:\n%s' % (
                        path, '\n'.join('- ' + problem for problem in problems)))
                return result
            keep = keep_count(args['keep'])
            backup_set.expired([], keep)   # refuses a bad drweb_backup_keep before the manifest is written
            metadata = dict(args['metadata'])
            metadata.setdefault('collection_version', collection_version())
            manifest = backup_set.build_manifest(path, metadata, now)
            parent, name = os.path.split(path)
            # the sets of this cluster already there, with this one (its manifest is written below)
            sets = dict((old, (when, old)) for when, old in backup_set.sets_of(parent, args['cluster']))
            if backup_set.parse_set_name(name, args['cluster']) is not None:
                sets[name] = (backup_set.parse_set_name(name, args['cluster']), name)
            removed = [old for old in backup_set.expired(list(sets.values()), keep) if old != name]
            if not self._task.check_mode:
                backup_set.write_manifest(path, manifest)
                for old in removed:
                    shutil.rmtree(os.path.join(parent, old))
        except backup_set.BackupError as error:
            raise AnsibleActionFail(str(error)) from error
        except (IOError, OSError) as error:
            raise AnsibleActionFail('%s: %s' % (path, error)) from error
        result.update(changed=True, manifest=manifest, removed=removed)
        return result
