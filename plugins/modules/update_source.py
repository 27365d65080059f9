#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: update_source
short_description: Point a Dr.Web Server's repository at its update source, reading the repository in the same call
description:
- Reads the Dr.Web Server repository on the target (its products and distributed revisions, as
  M(drweb.cluster.repository_version) does without content digests) and writes the files that name where the Server
  updates from, only those that differ - in one module call, so that a run that changes nothing costs one round trip
  per Server.
- C(gus) - the vendor's Global Update System as a fresh install has it (the C(.url), C(.proto) and C(.servers) files);
  C(zone) - the C(.url) file naming the update zone; C(parent) - the C(.url) file naming the parent Server with the
  product's scheme. The file names, the GUS setting and the scheme come from the collection's register of product
  facts (C(module_utils/drwcsd.py); see docs/compatibility.md for what is CONFIRMED and what is a GUESS).
- Each file is written atomically (a temporary file in the repository folder renamed over it), mode C(0644), owned by
  O(owner) and O(group). A file whose content is right but whose owner, group or mode is not is corrected too.
- The repository is read before anything is written; RV(revisions), RV(products) and RV(update_source) describe it as
  it was before this call.
version_added: 0.1.0
options:
  path:
    description: The repository folder. It must exist (the Server's installation makes it).
    type: path
    default: /var/opt/drwcs/repository
  source:
    description: Where the Server updates from.
    type: str
    choices: [gus, zone, parent]
    required: true
  zone_url:
    description: The update zone's URL, for O(source=zone).
    type: str
  parent_address:
    description: The parent Server's address, with its port when one is given, for O(source=parent).
    type: str
  owner:
    description: The account that owns the files (the Server's service account). Unset keeps the file's owner.
    type: str
  group:
    description: The group of the files. Unset keeps the file's group.
    type: str
attributes:
  check_mode:
    support: full
    description: In check mode the repository is read and the files that would change are reported, with their diff; nothing is written.
  diff_mode:
    support: full
    description: The diff shows each update source file that changes, before and after (they name hosts and URLs only).
extends_documentation_fragment:
- drweb.cluster.attributes
notes:
- The Server reads its update source when an update starts; the files are not read by a running Server otherwise, so
  no restart follows a change (Administrator Manual, repository configuration).
seealso:
- module: drweb.cluster.repository_version
  description: The full repository report (content digests, the running Server's view).
- module: drweb.cluster.update_zone_revisions
  description: What an update zone offers.
author:
- drweb.cluster maintainers !UNKNOWN
'''

EXAMPLES = r'''
- name: Point every Server at the update zone
  become: true
  drweb.cluster.update_source:
    source: zone
    zone_url: http://update.example.com/drweb/
    owner: drwcs
    group: drwcs
  register: repository_before

- name: Point a Server at the parent Server of a hybrid structure
  become: true
  drweb.cluster.update_source:
    source: parent
    parent_address: esuite-parent.example.com:2193
'''

RETURN = r'''
path:
  description: The repository folder.
  returned: always
  type: str
  sample: /var/opt/drwcs/repository
exists:
  description: Whether the repository folder exists (the module fails when it does not).
  returned: always
  type: bool
  sample: true
revisions:
  description: Product code -> distributed revision, as the repository held them before this call.
  returned: always
  type: dict
  sample: {"05-drwmeta": "20240201000000", "10-drwbases": "20240201000000"}
products:
  description: Product code -> what the disk holds (as M(drweb.cluster.repository_version)'s C(products), without C(content)).
  returned: always
  type: dict
update_source:
  description: Where the Server updated from before this call - the repository's C(.url), C(.proto) and C(.servers).
  returned: always
  type: dict
  sample: {"url": "http://10.0.0.4/", "proto": null, "servers": []}
product_facts:
  description: The repository facts of the register a role needs to run an update (as M(drweb.cluster.repository_version)).
  returned: always
  type: dict
files:
  description: The update source files, each C(path), C(content) (without the final newline) and whether it C(changed).
  returned: always
  type: list
  elements: dict
  sample: [{"path": "/var/opt/drwcs/repository/.url", "content": "http://update.example.com/drweb/", "changed": false}]
'''

import os
import tempfile

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_bytes, to_native, to_text

from ansible_collections.drweb.cluster.plugins.module_utils import drwcsd
from ansible_collections.drweb.cluster.plugins.module_utils.repository import (
    RepositoryError, product_facts, read_update_source, scan_repository, update_source_files)

FILE_MODE = 0o644


def read_bytes(path):
    """The file's bytes, or None when it does not exist."""
    try:
        with open(path, 'rb') as handle:
            return handle.read()
    except (IOError, OSError):
        return None


def write_file(module, path, data):
    """Replace path by data atomically (temporary file in the same folder, renamed over it)."""
    handle, temporary = tempfile.mkstemp(prefix='.%s.' % os.path.basename(path), dir=os.path.dirname(path))
    try:
        with os.fdopen(handle, 'wb') as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, FILE_MODE)
        module.atomic_move(temporary, path, keep_dest_attrs=False)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


def set_file_attributes(module, path, owner, group, changed):
    """Owner, group and mode of a file; True when one of them changed (in check mode: would change)."""
    arguments = dict(path=path, mode='0%o' % FILE_MODE, owner=owner, group=group)
    return module.set_fs_attributes_if_different(module.load_file_common_arguments(arguments), changed)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            path=dict(type='path', default=drwcsd.REPOSITORY_DIR),
            source=dict(type='str', choices=['gus', 'zone', 'parent'], required=True),
            zone_url=dict(type='str'),
            parent_address=dict(type='str'),
            owner=dict(type='str'),
            group=dict(type='str'),
        ),
        required_if=[('source', 'zone', ['zone_url']), ('source', 'parent', ['parent_address'])],
        supports_check_mode=True,
    )
    params = module.params
    path = params['path']
    facts = product_facts(path)
    result = dict(changed=False, path=path, exists=os.path.isdir(path), revisions={}, products={},
                  update_source=dict(url=None, proto=None, servers=[]), product_facts=facts, files=[])
    if not result['exists']:
        module.fail_json(msg='the repository folder %s does not exist (is the Dr.Web Server installed?); '
                             'no update source was written' % path, **result)
    try:
        products, dummy = scan_repository(path)
    except RepositoryError as error:
        module.fail_json(msg=to_native(error), **result)
    result.update(products=products, update_source=read_update_source(path),
                  revisions=dict((code, info['revision']) for code, info in products.items()))
    try:
        wanted = update_source_files(facts, params['source'], params['zone_url'], params['parent_address'])
    except ValueError as error:
        module.fail_json(msg=to_native(error), **result)

    diffs = []
    for spec in wanted:
        data = to_bytes('%s\n' % spec['content'])
        current = read_bytes(spec['path'])
        differs = current != data
        if differs:
            diffs.append(dict(before_header=spec['path'], after_header=spec['path'],
                              before='' if current is None else to_text(current, errors='surrogate_or_replace'),
                              after=to_text(data)))
            if not module.check_mode:
                write_file(module, spec['path'], data)
        # in check mode a file still to be made has no attributes to compare: it would get them on creation
        if current is not None or not module.check_mode:
            differs = set_file_attributes(module, spec['path'], params['owner'], params['group'], differs)
        result['files'].append(dict(path=spec['path'], content=spec['content'], changed=differs))
        result['changed'] = result['changed'] or differs
    if module._diff and diffs:
        result['diff'] = diffs
    module.exit_json(**result)


if __name__ == '__main__':
    main()
