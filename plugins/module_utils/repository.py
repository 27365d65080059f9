# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a Dr.Web Server's repository folder holds: products, their revisions and the one the Server distributes.

Shared by the modules repository_version (the full report, with content digests) and server_facts (the cluster
member read: the distributed revision of every product, compared between members). Folder and file names come from
the product-fact register (module_utils/drwcsd.py).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

from ansible.module_utils.common.text.converters import to_native

from ansible_collections.drweb.cluster.plugins.module_utils import drwcsd


class RepositoryError(Exception):
    """A product folder that cannot be read; the message names it."""


def read_text(path):
    """Stripped text of a small dot-file, or None when it does not exist or cannot be read."""
    try:
        with open(path, 'rb') as handle:
            return to_native(handle.read(65536), errors='surrogate_or_strict').strip()
    except (IOError, OSError):
        return None


def list_files(top):
    """Every regular file below top as (relative path, path, size), sorted by the relative path's bytes.

    Symbolic links are not followed (a link to a shared folder would make a revision look bigger than it is); they
    and other special files are named in the second list (left out of the digest), folders that cannot be listed in
    the third.
    """
    files = []
    special = []
    errors = []
    stack = ['']
    while stack:
        relative_dir = stack.pop()
        try:
            entries = list(os.scandir(os.path.join(top, relative_dir) if relative_dir else top))
        except OSError as error:
            errors.append('%s: %s' % (relative_dir or '.', to_native(error.strerror or error)))
            continue
        for entry in entries:
            relative = relative_dir + '/' + entry.name if relative_dir else entry.name
            if entry.is_dir(follow_symlinks=False):
                stack.append(relative)
            elif entry.is_file(follow_symlinks=False):
                files.append((relative, entry.path, entry.stat(follow_symlinks=False).st_size))
            else:
                special.append(relative)
    # sorted by bytes, not by the locale, so that every node orders the same names the same way
    files.sort(key=lambda item: os.fsencode(item[0]))
    return files, sorted(special), errors


def scan_product(product_dir, code, count_files=True):
    """What the disk holds of one product: revisions, the distributed one, its file count and size (files and size
    are 0 when count_files is false: the cheap read of which revision is distributed)."""
    revisions = sorted(entry.name for entry in os.scandir(product_dir)
                       if not entry.name.startswith('.') and entry.is_dir(follow_symlinks=False))
    marker = read_text(os.path.join(product_dir, drwcsd.REPOSITORY_CURRENT_FILE))
    if marker and marker in revisions:
        revision, source = marker, 'marker'
    else:
        # CONFIRMED (Administrator Manual, repository revisions): with no "Current" marker the latest revision is distributed
        revision, source = (revisions[-1] if revisions else None), 'latest'
    files = size = 0
    if revision and count_files:
        listed = list_files(os.path.join(product_dir, revision))[0]
        files = len(listed)
        size = sum(item[2] for item in listed)
    return dict(name=read_text(os.path.join(product_dir, drwcsd.REPOSITORY_DESCRIPTION_FILE)) or code,
                revision=revision, revision_source=source, revisions=revisions, files=files, size=size,
                updates_off=os.path.exists(os.path.join(product_dir, drwcsd.REPOSITORY_SYNC_OFF_FILE)))


def scan_repository(path, wanted=None, count_files=True):
    """(products, missing): product code -> scan_product() for every product folder (or the wanted ones)."""
    products = {}
    try:
        entries = sorted(os.scandir(path), key=lambda entry: entry.name)
    except OSError:
        entries = []
    for entry in entries:
        if not entry.is_dir(follow_symlinks=False) or not drwcsd.REPOSITORY_PRODUCT_PATTERN.match(entry.name):
            continue
        if wanted and entry.name not in wanted:
            continue
        try:
            products[entry.name] = scan_product(entry.path, entry.name, count_files)
        except OSError as error:
            raise RepositoryError('cannot read product folder %s: %s' % (entry.path, to_native(error.strerror or error))) from error
    missing = sorted(code for code in (wanted or []) if code not in products)
    return products, missing


def read_update_source(path):
    """The repository's update source files (.url, .proto, .servers)."""
    servers = read_text(os.path.join(path, drwcsd.REPOSITORY_SERVERS_FILE))
    return dict(url=read_text(os.path.join(path, drwcsd.REPOSITORY_URL_FILE)),
                proto=read_text(os.path.join(path, drwcsd.REPOSITORY_PROTO_FILE)),
                servers=[line.strip() for line in (servers or '').splitlines() if line.strip()])


def product_facts(path):
    """What a role needs from the register to point the Server at an update source and run an update."""
    return dict(
        source_files=dict(url=os.path.join(path, drwcsd.REPOSITORY_URL_FILE),
                          proto=os.path.join(path, drwcsd.REPOSITORY_PROTO_FILE),
                          servers=os.path.join(path, drwcsd.REPOSITORY_SERVERS_FILE)),
        gus_source=dict(url=drwcsd.REPOSITORY_GUS_URL, proto=drwcsd.REPOSITORY_GUS_PROTO,
                        servers=list(drwcsd.REPOSITORY_GUS_SERVERS)),
        parent_scheme=drwcsd.REPOSITORY_PARENT_SCHEME,
        web_api_update='%s?task-id=%s' % (drwcsd.WEB_API_TASKS, drwcsd.WEB_API_TASK_UPDATE_REPOSITORIES),
        web_api_status=drwcsd.WEB_API_REPOSITORY_STATUS,
        web_api_ready=drwcsd.WEB_API_REPOSITORY_READY,
        web_api_https_port=drwcsd.WEB_API_HTTPS_PORT,
    )


def update_source_files(facts, source, zone_url=None, parent_address=None):
    """[{path, content}] of the files naming a Server's update source (content without the final newline).

    facts: product_facts() of the repository; source: gus, zone or parent. A ValueError names what is missing.
    """
    files = facts['source_files']
    if source == 'gus':
        gus = facts.get('gus_source') or {}
        return [dict(path=files['url'], content=gus.get('url')), dict(path=files['proto'], content=gus.get('proto')),
                dict(path=files['servers'], content='\n'.join(gus.get('servers') or []))]
    if source == 'zone':
        if not zone_url:
            raise ValueError('the zone source needs the zone URL (drweb_update_zone_url)')
        return [dict(path=files['url'], content=zone_url)]
    if source == 'parent':
        if not parent_address:
            raise ValueError('the parent source needs the parent address (drweb_update_parent_host)')
        return [dict(path=files['url'], content='%s://%s' % (facts.get('parent_scheme'), parent_address))]
    raise ValueError('source must be gus, zone or parent, got %r' % (source,))


def node_source(host, source, parent='', zone_url=''):
    """What a Server updates from - gus, zone or parent - in an update topology of drweb_update_source=source: the
    parent Server itself (host == parent) takes the update zone when zone_url is given, else GUS."""
    is_parent = source == 'parent' and host == parent
    if source == 'parent' and not is_parent:
        return 'parent'
    if source == 'zone' or (is_parent and zone_url):
        return 'zone'
    return 'gus'
