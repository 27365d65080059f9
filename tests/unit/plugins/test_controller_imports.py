# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the controller imports to use the collection's filters and lookups.

ansible-core resolves a collection filter (drweb.cluster.<name>) by loading every filter file of the collection, and it
does so again in every forked worker that renders such a filter for the first time, so whatever any filter file imports
is imported once per task and host. A database driver among those imports cost about a fifth of the controller's CPU in
an idle re-run of site.yml; the drivers belong to the modules that connect, on the managed hosts.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from ansible_collections.drweb.cluster.plugins.module_utils import drwcsd

# the folder holding ansible_collections/ (not resolved: the collection may be a link to a checkout)
COLLECTIONS = Path(drwcsd.__file__).parents[5]
DRIVERS = ('psycopg', 'psycopg2')

PROGRAM = r'''
import importlib, json, pkgutil, sys
loaded = []
for kind in ('filter', 'lookup'):
    package = importlib.import_module('ansible_collections.drweb.cluster.plugins.%s' % kind)
    for module in pkgutil.iter_modules(package.__path__):
        importlib.import_module('%s.%s' % (package.__name__, module.name))
        loaded.append('%s/%s' % (kind, module.name))
print(json.dumps({'loaded': loaded, 'modules': sorted(sys.modules)}))
'''


def test_no_filter_or_lookup_imports_a_database_driver():
    proc = subprocess.run([sys.executable, '-c', PROGRAM], capture_output=True, text=True, timeout=120, check=False,
                          env={'PYTHONPATH': str(COLLECTIONS), 'PATH': '/usr/bin:/bin'})
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert 'filter/restart_batches' in result['loaded'] and 'lookup/cluster_settings' in result['loaded']
    drivers = [name for name in result['modules'] if name.split('.')[0] in DRIVERS]
    assert drivers == [], 'a filter or lookup file imports a database driver: %s' % ', '.join(drivers)
