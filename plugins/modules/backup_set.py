#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: backup_set
short_description: Write, verify or find a cluster backup set on the controller (manifest, SHA-256, retention)
description:
- Runs on the controller (an action plugin). A backup set is a folder C(<cluster name>-<UTC YYYYmmddTHHMMSSZ>), mode
  0700, holding C(manifest.json), C(database.pgc) (pg_dump custom format), C(keys/drwcsd.pri), C(keys/drwcsd.pub),
  C(keys/drwcsd-certificate.pem), C(keys/passwd-salt), C(servers/<host>/drwcsd.conf) and C(download.conf), and
  C(licence/<name>), every file 0600.
- O(state=present) writes the manifest - O(metadata) (date, identity fingerprints, passwd-salt SHA-256, dbuuid,
  versions, ...) plus the collection version and the SHA-256, size and secrecy of every file - then removes the
  oldest sets of O(cluster) in the same folder beyond O(keep). Only folders named like a set of that cluster and
  holding a manifest are ever removed.
- O(state=verified) reads the manifest and checks every file's SHA-256 (the stored bytes, so without the vault
  password) - a missing, changed or unlisted file fails the task naming it, before anything else runs.
- O(state=latest) finds the newest set of O(cluster) in the folder O(path) and its age.
version_added: 0.1.0
options:
  path:
    description: The backup set folder (O(state=present), O(state=verified)), or the backup folder holding the sets
      (O(state=latest)).
    type: path
    required: true
  state:
    description: What to do.
    type: str
    choices: [present, verified, latest]
    default: verified
  metadata:
    description: What the manifest records besides the files (O(state=present)).
    type: dict
    default: {}
  keep:
    description: How many sets of O(cluster) to keep, this one included (O(state=present)); 1 or more.
    type: raw
  cluster:
    description: The cluster name the sets' folder names start with (O(state=present), O(state=latest)).
    type: str
    default: ''
attributes:
  check_mode:
    support: full
    description: O(state=present) checks and builds the manifest but writes and removes nothing.
  diff_mode:
    support: none
    description: No diff.
extends_documentation_fragment:
- drweb.cluster.attributes.controller
seealso:
- module: drweb.cluster.backup_file
author:
- drweb.cluster maintainers !UNKNOWN
'''

EXAMPLES = r'''
- name: Refuse a damaged backup set before anything changes
  drweb.cluster.backup_set:
    path: /srv/backup/drweb/esuite.example.com-20261205T120000Z
    state: verified
  register: backup

- name: Write the manifest, keep the 7 newest sets
  drweb.cluster.backup_set:
    path: /srv/backup/drweb/esuite.example.com-20261205T120000Z
    state: present
    cluster: esuite.example.com
    keep: 7
    metadata:
      dbuuid: 0b9c1a52-8f1e-4c55-9d0c-2f0f7b2f6c11

- name: The newest set and its age
  drweb.cluster.backup_set:
    path: /srv/backup/drweb
    state: latest
    cluster: esuite.example.com
'''

RETURN = r'''
manifest:
  description: The manifest written (O(state=present)) or read (O(state=verified)).
  returned: state is present or verified
  type: dict
problems:
  description: Why the set is refused, each naming its file (O(state=verified)).
  returned: state is verified
  type: list
  elements: str
removed:
  description: The older sets retention removed (O(state=present)).
  returned: state is present
  type: list
  elements: str
exists:
  description: Whether a set of the cluster was found (O(state=latest)).
  returned: state is latest
  type: bool
latest:
  description: The newest set - C(name), C(path), C(created), C(age_seconds); null when there is none.
  returned: state is latest
  type: dict
'''
