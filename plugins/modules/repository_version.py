#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: repository_version
short_description: Report the Dr.Web Server repository's products and their current revisions on a node
description:
- Reads the Dr.Web Server repository on the target (C(/var/opt/drwcs/repository), CONFIRMED) and returns,
  per product, the revision the Server distributes, the revisions present, the number and size of the files of the
  distributed revision, whether the product's updates are off, and where the Server updates from.
- On disk, a product is a folder C(NN-name) holding one folder per revision; the distributed revision is named by a
  dot-file in the product folder, else it is the latest one (CONFIRMED by the Administrator Manual, repository
  revisions). The folder names and the dot-file are a GUESS (see docs/compatibility.md); they come from the
  collection's register of product facts (C(module_utils/drwcsd.py)).
- With O(sources) including C(web_api), also asks the node's own Web API C(server/summary.ds)
  (C(<repository><product code revision .../>), CONFIRMED) - the revisions the running Server
  holds in memory - and reports products whose disk and Web API revisions differ.
- With O(content=true), hashes the files of each product's distributed revision (or of every revision, see
  O(content_revisions)) into one digest per revision, so that two nodes with the same revision name but different
  bytes can be told apart. Files are streamed in chunks by a pool of threads (C(hashlib) releases the interpreter
  lock while hashing), never a whole file or product in memory. The digest is the SHA-256 of the lines
  C(<sha256 of the file> <size> <relative path>) sorted by relative path, so it does not depend on the order the
  files were read in, the file system or the number of threads.
- Compare the results of all nodes with the filter P(drweb.cluster.repository_drift#filter).
- The module only reads; it never changes anything.
version_added: 0.1.0
options:
  path:
    description: The repository folder.
    type: path
    default: /var/opt/drwcs/repository
  products:
    description:
    - Only report these product codes (for example C(10-drwbases)). Empty means every product folder.
    - A listed product that is not in the repository is reported in RV(missing_products).
    type: list
    elements: str
    default: []
  sources:
    description:
    - Where to read the revisions from. C(disk) - the repository folder; C(web_api) - the running Server's
      C(summary.ds) (needs O(admin_password)).
    type: list
    elements: str
    choices: [disk, web_api]
    default: [disk]
  content:
    description: Hash the files of the products (see O(content_revisions)) into one digest per revision.
    type: bool
    default: false
  content_revisions:
    description: Which revisions O(content=true) hashes - the distributed one of each product, or every revision.
    type: str
    choices: [current, all]
    default: current
  workers:
    description:
    - Threads hashing files in content mode. C(0) means twice the number of CPUs, at most 16 (reading and hashing
      overlap, so a little more than one thread per CPU keeps every CPU busy).
    type: int
    default: 0
  chunk_size:
    description: Bytes read from a file at a time in content mode (the memory each thread uses for file data).
    type: int
    default: 1048576
  admin_user:
    description: Login of the Control Center administrator, for O(sources=web_api).
  admin_password:
    description:
    - Password of that administrator, for O(sources=web_api). Never logged. An empty string counts as unset.
  web_api_url:
    description:
    - Base URL of the node's own Web API.
    - Its certificate is not validated - the Server's HTTPS certificate is self-signed on a fresh install and the
      request never leaves the node.
    type: str
    default: https://127.0.0.1:9081
extends_documentation_fragment:
- drweb.cluster.attributes
- drweb.cluster.attributes.read_only
- drweb.cluster.web_api
notes:
- Read the repository as root or as the Server account (C(become=true)); files the module cannot read are listed in
  the C(errors) of RV(products) C(content) and make the digest C(null).
- The Web API answers from the running Server's memory; after files change on disk the Server reads them again on
  C(SIGUSR1) (Appendices, UNIX signals). A difference between the two sources is reported, not an error.
seealso:
- name: Dr.Web Servers cluster, the same version of the repository
  description: On all Servers of a cluster, repositories must contain updates of the same version (item 5).
  link: https://cdn-download.drweb.com/pub/drweb/esuite/13.0.1/documentation/html/en/admin_manual/multiserver_cluster.htm
- plugin: drweb.cluster.repository_drift
  plugin_type: filter
  description: Compare the results of every node and name the odd node out.
author:
- drweb.cluster maintainers !UNKNOWN
'''

EXAMPLES = r'''
- name: Read the repository revisions of every Server
  become: true
  drweb.cluster.repository_version:
  register: drweb_repository

- name: Fail naming the node and product whose revision differs
  vars:
    report: >-
      {{ dict(ansible_play_hosts_all | zip(ansible_play_hosts_all | map('extract', hostvars)
                                          | map(attribute='drweb_repository', default={})))
         | drweb.cluster.repository_drift(groups['drweb_servers']) }}
  ansible.builtin.assert:
    that: report.ok
    fail_msg: "{{ report.table }}"
    success_msg: "{{ report.table }}"
  when: inventory_hostname == ansible_play_hosts | first

- name: Also compare the bytes (one digest per revision) and what the running Server holds
  become: true
  drweb.cluster.repository_version:
    content: true
    sources: [disk, web_api]
    admin_password: "{{ drweb_admin_password }}"
  register: drweb_repository
'''

RETURN = r'''
path:
  description: The repository folder read.
  returned: always
  type: str
  sample: /var/opt/drwcs/repository
exists:
  description: Whether the repository folder exists.
  returned: always
  type: bool
  sample: true
revisions:
  description: Product code -> distributed revision, from disk when O(sources) has C(disk), else from the Web API.
  returned: always
  type: dict
  sample: {"05-drwmeta": "20240201000000", "10-drwbases": "20240201000000"}
digests:
  description: Product code -> content digest of the distributed revision (only with O(content=true)).
  returned: always
  type: dict
  sample: {"10-drwbases": "4d0c2b0c9f1e6e8a36b9b1f0c0e5c7d1b6a0d0d5f8a6a2f1c3e4d5b6a7c8d9e0"}
products:
  description: Product code -> what the disk holds.
  returned: always
  type: dict
  contains:
    name:
      description: Display name (the product's C(.description)), else the code.
      type: str
    revision:
      description: The distributed revision - the one the dot-file names, else the latest; C(null) without revisions.
      type: str
    revision_source:
      description: C(marker) when the dot-file names an existing revision, C(latest) otherwise.
      type: str
    revisions:
      description: Every revision folder, oldest first.
      type: list
      elements: str
    files:
      description: Number of files of the distributed revision.
      type: int
    size:
      description: Bytes of those files.
      type: int
    updates_off:
      description: Whether the product's updates are off (C(.sync-off)).
      type: bool
    content:
      description:
      - Only with O(content=true) - revision -> C(digest) (C(null) when a file or folder could not be read),
        C(files), C(bytes), C(skipped) (symbolic links and other special files, left out of the digest) and
        C(errors).
      type: dict
  sample:
    10-drwbases:
      name: Dr.Web Virus Databases
      revision: '20240201000000'
      revision_source: marker
      revisions: ['20240101000000', '20240201000000']
      files: 2
      size: 1088
      updates_off: false
update_source:
  description: Where the Server updates from - the repository's C(.url), C(.proto) and C(.servers).
  returned: always
  type: dict
  sample: {"url": "http://10.0.0.4/", "proto": null, "servers": []}
missing_products:
  description: Products asked for with O(products) that the repository does not hold.
  returned: always
  type: list
  elements: str
  sample: []
web_api:
  description: What the running Server reported (O(sources) with C(web_api)), else C(null).
  returned: always
  type: dict
  contains:
    status:
      description: C(ok) or C(error).
      type: str
    error:
      description: Why the Web API could not be read.
      type: str
    revisions:
      description: Product code -> revision of C(summary.ds).
      type: dict
    products:
      description: Product code -> C(name), C(revision), C(state), C(files), C(size) of C(summary.ds).
      type: dict
    disagrees_with_disk:
      description: Products whose Web API revision differs from the disk's, as C(code - disk X, web_api Y).
      type: list
      elements: str
  sample:
    status: ok
    error: null
    revisions: {"10-drwbases": "20240201000000"}
    disagrees_with_disk: []
product_facts:
  description:
  - The repository facts of the collection's register (C(module_utils/drwcsd.py)) that a role needs to change the
    update source and run an update - the update-source files of this repository, the GUS setting of a fresh
    install, the scheme of a parent Server, the Web API calls - so that no role spells them again.
  returned: always
  type: dict
  sample:
    source_files: {url: /var/opt/drwcs/repository/.url, proto: /var/opt/drwcs/repository/.proto,
                   servers: /var/opt/drwcs/repository/.servers}
    gus_source: {url: /update, proto: https, servers: [esuite.geo.drweb.com, esuite.msk.drweb.com]}
    parent_scheme: drwcs
    web_api_update: /api/server/tasks.ds?task-id=update_repositories
    web_api_status: /api/server/repository-status.ds
    web_api_ready: ready
    web_api_https_port: 9081
content_stats:
  description: Only with O(content=true) - how much was hashed and how fast.
  returned: always
  type: dict
  sample: {"files": 20480, "bytes": 2147483648, "seconds": 1.92, "files_per_second": 10666.7,
           "bytes_per_second": 1118481066.7, "workers": 4, "chunk_size": 1048576}
'''

import hashlib
import os
import time
from concurrent.futures import ThreadPoolExecutor

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_native

from ansible_collections.drweb.cluster.plugins.module_utils import drwcsd, web_api
from ansible_collections.drweb.cluster.plugins.module_utils.repository import (
    RepositoryError, list_files, product_facts, read_update_source, scan_repository)

MAX_DEFAULT_WORKERS = 16


def default_workers():
    """Threads for content mode: twice the CPUs (reading overlaps hashing), at most MAX_DEFAULT_WORKERS."""
    return max(1, min(MAX_DEFAULT_WORKERS, 2 * (os.cpu_count() or 1)))


def hash_file(path, chunk_size):
    """(sha256 hex, bytes read) of a file, streamed through one reused buffer of chunk_size bytes."""
    digest = hashlib.sha256()
    buffer = bytearray(chunk_size)
    view = memoryview(buffer)
    total = 0
    with open(path, 'rb', buffering=0) as handle:
        while True:
            count = handle.readinto(buffer)
            if not count:
                break
            digest.update(view[:count])
            total += count
    return digest.hexdigest(), total


def hash_trees(trees, workers=None, chunk_size=1048576):
    """Content digests of several folders at once, files hashed in parallel by one pool of threads.

    trees: dict key -> folder. Returns (dict key -> {digest, files, bytes, skipped, errors}, stats). A folder's
    digest is the SHA-256 of its lines "<file sha256> <size> <relative path>\\n" in relative-path order (the format
    of a revision's manifest), or None when a file or folder could not be read.
    """
    workers = workers or default_workers()
    started = time.monotonic()
    listed = {}
    for key, top in trees.items():
        listed[key] = list_files(top)
    results = {}
    total_files = total_bytes = 0
    with ThreadPoolExecutor(max_workers=workers) as pool:
        # one future per file; the pool's queue holds paths only, the file data never outlives a chunk
        futures = dict((key, [pool.submit(hash_file, path, chunk_size) for _relative, path, _size in listing[0]])
                       for key, listing in listed.items())
        for key, (files, special, listing_errors) in listed.items():
            manifest = hashlib.sha256()
            errors = list(listing_errors)
            size_sum = 0
            for (relative, _path, _size), future in zip(files, futures[key]):
                try:
                    file_digest, size = future.result()
                except (IOError, OSError) as error:
                    errors.append('%s: %s' % (relative, to_native(error.strerror or error)))
                    continue
                manifest.update(('%s %d %s\n' % (file_digest, size, relative)).encode('utf-8', 'surrogateescape'))
                size_sum += size
            results[key] = dict(digest=None if errors else manifest.hexdigest(), files=len(files), bytes=size_sum,
                                skipped=special, errors=errors)
            total_files += len(files)
            total_bytes += size_sum
    seconds = time.monotonic() - started
    stats = dict(files=total_files, bytes=total_bytes, seconds=round(seconds, 3), workers=workers, chunk_size=chunk_size,
                 files_per_second=round(total_files / seconds, 1) if seconds > 0 else None,
                 bytes_per_second=round(total_bytes / seconds, 1) if seconds > 0 else None)
    return results, stats


def parse_summary(root):
    """Product code -> {name, revision, state, files, size} of a summary.ds XML reply (its root)."""
    products = {}
    for product in root.findall(drwcsd.WEB_API_SUMMARY_PRODUCTS_XPATH):
        code = product.get('code')
        if not code:
            continue
        numbers = {}
        for field in ('files', 'size'):
            try:
                numbers[field] = int(product.get(field))
            except (TypeError, ValueError):
                numbers[field] = None
        products[code] = dict(name=product.get('name'), revision=product.get('revision') or None,
                              state=product.get('state'), **numbers)
    return products


def ask_web_api(params):
    """The web_api result: summary.ds of the node's own Server."""
    result = dict(status='error', error=None, revisions={}, products={}, disagrees_with_disk=[])
    try:
        products = parse_summary(web_api.WebApiClient(params, params['web_api_url']).get_xml(drwcsd.WEB_API_SUMMARY))
    except web_api.WebApiError as error:
        result['error'] = to_native(error)
        return result
    result.update(status='ok', products=products,
                  revisions=dict((code, info['revision']) for code, info in products.items()))
    return result


def main():
    argument_spec = dict(
        path=dict(type='path', default=drwcsd.REPOSITORY_DIR),
        products=dict(type='list', elements='str', default=[]),
        sources=dict(type='list', elements='str', choices=['disk', 'web_api'], default=['disk']),
        content=dict(type='bool', default=False),
        content_revisions=dict(type='str', choices=['current', 'all'], default='current'),
        workers=dict(type='int', default=0),
        chunk_size=dict(type='int', default=1048576),
        web_api_url=dict(type='str', default=web_api.LOCAL_URL),
    )
    argument_spec.update(web_api.argument_spec())
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    params = module.params
    if not params['sources']:
        module.fail_json(msg='sources must name at least one of disk, web_api')
    if params['workers'] < 0:
        module.fail_json(msg='workers must be 0 (automatic) or a positive number, got %d' % params['workers'])
    if params['chunk_size'] < 4096:
        module.fail_json(msg='chunk_size must be at least 4096 bytes, got %d' % params['chunk_size'])
    if 'web_api' in params['sources'] and not params['admin_password']:
        module.fail_json(msg='admin_password is required when sources has web_api (an empty string counts as unset)')
    wanted = [code for code in params['products'] if code]
    path = params['path']
    exists = os.path.isdir(path)
    if 'disk' in params['sources'] and os.path.exists(path) and not exists:
        module.fail_json(msg='path %s is not a folder' % path)

    result = dict(changed=False, path=path, exists=exists, products={}, missing_products=[], revisions={}, digests={},
                  update_source=read_update_source(path) if exists else dict(url=None, proto=None, servers=[]),
                  web_api=None, content_stats=None, product_facts=product_facts(path))
    if 'disk' in params['sources']:
        try:
            products, missing = scan_repository(path, wanted)
        except RepositoryError as error:
            module.fail_json(msg=to_native(error), **result)
        result.update(products=products, missing_products=missing,
                      revisions=dict((code, info['revision']) for code, info in products.items()))
        if params['content']:
            trees = {}
            for code, info in products.items():
                chosen = info['revisions'] if params['content_revisions'] == 'all' else [info['revision']]
                for revision in chosen:
                    if revision:
                        trees[(code, revision)] = os.path.join(path, code, revision)
            hashed, stats = hash_trees(trees, params['workers'] or None, params['chunk_size'])
            for (code, revision), digest in hashed.items():
                products[code].setdefault('content', {})[revision] = digest
            result['digests'] = dict((code, hashed[(code, info['revision'])]['digest'])
                                     for code, info in products.items() if info['revision'])
            result['content_stats'] = stats
    if 'web_api' in params['sources']:
        web_api_result = ask_web_api(params)
        if web_api_result['status'] == 'ok':
            if wanted:
                web_api_result['revisions'] = dict((c, r) for c, r in web_api_result['revisions'].items() if c in wanted)
            if 'disk' in params['sources']:
                for code in sorted(set(result['revisions']) | set(web_api_result['revisions'])):
                    on_disk, served = result['revisions'].get(code), web_api_result['revisions'].get(code)
                    if on_disk != served:
                        web_api_result['disagrees_with_disk'].append('%s - disk %s, web_api %s' % (code, on_disk, served))
            else:
                result['revisions'] = dict(web_api_result['revisions'])
                result['missing_products'] = sorted(code for code in wanted if code not in web_api_result['revisions'])
        result['web_api'] = web_api_result
        if web_api_result['status'] != 'ok' and 'disk' not in params['sources']:
            module.fail_json(msg='cannot read the repository revisions from the Web API: %s' % web_api_result['error'], **result)
    module.exit_json(**result)


if __name__ == '__main__':
    main()
