#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: update_zone_revisions
short_description: Read the newest revision of each product a local update zone offers, from the node
description:
- Asks a local update zone (a GUS mirror) from the target node - the node that downloads from it - which products it
  publishes and the newest revision of each, so that a role can tell whether a repository update would bring anything
  new.
- Reads C(<zone>/products.txt), then C(<zone>/<product>/revisions.txt) of every product, whose last line is the newest
  revision (the one a Server takes). This layout is a GUESS (see docs/compatibility.md); the names come from the
  collection's register of product facts (C(module_utils/drwcsd.py)).
- C(http://) and C(https://) zones are asked over HTTP, C(file://) zones are read from the node's file system. Other
  schemes (C(ftp://), C(ftps://)) are not read; RV(readable) is then C(false) and RV(reason) says why.
- Fails only when an HTTP zone's web server does not answer at all (no connection, a time-out, or a status other than
  200, 301, 302, 401, 403 or 404). A zone that answers but whose revision list cannot be read is reported with
  RV(readable=false), not as a failure - the caller then updates as if something were new.
- The module only reads; it never changes anything.
version_added: 0.1.0
options:
  url:
    description: Base URL of the update zone (C(http://), C(https://), C(file://); other schemes are not read).
    type: str
    required: true
  timeout:
    description: Seconds each HTTP request may take.
    type: int
    default: 10
  validate_certs:
    description: Check the certificate of an C(https://) zone.
    type: bool
    default: true
extends_documentation_fragment:
- drweb.cluster.attributes
- drweb.cluster.attributes.read_only
seealso:
- module: drweb.cluster.repository_version
- plugin: drweb.cluster.repository_update_plan
  plugin_type: filter
  description: Decide from this result and every Server's revisions which Servers need an update.
author:
- drweb.cluster maintainers !UNKNOWN
'''

EXAMPLES = r'''
- name: Read what the update zone offers, from each Server that updates from it
  drweb.cluster.update_zone_revisions:
    url: http://zone1.example.com/update/
  register: drweb_zone
'''

RETURN = r'''
url:
  description: The zone's base URL as asked.
  returned: always
  type: str
  sample: http://10.0.0.4/
answered:
  description: Whether the zone's web server answered (C(null) for a scheme that is not asked).
  returned: always
  type: bool
  sample: true
readable:
  description: Whether the list of products and the revisions of every product were read.
  returned: always
  type: bool
  sample: true
reason:
  description: Why the revision list could not be read, else C(null).
  returned: always
  type: str
  sample: "products.txt: HTTP 404"
products:
  description: The product codes the zone publishes, in its order.
  returned: always
  type: list
  elements: str
  sample: ["05-drwmeta", "10-drwbases"]
revisions:
  description: Product code -> the newest revision the zone offers (products without any revision are left out).
  returned: always
  type: dict
  sample: {"05-drwmeta": "20250201000000", "10-drwbases": "20250201000000"}
'''

import os
import socket

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_native
from ansible.module_utils.six.moves.urllib.error import HTTPError, URLError
from ansible.module_utils.six.moves.urllib.parse import quote, unquote, urlsplit
from ansible.module_utils.urls import open_url

from ansible_collections.drweb.cluster.plugins.module_utils import drwcsd

# Any of these statuses means the zone's web server is up (the list the role has always accepted).
ANSWERING_STATUSES = (200, 301, 302, 401, 403, 404)
READ_SCHEMES = ('http', 'https', 'file')


class ZoneUnreadable(Exception):
    """The zone answered, but a file of its revision list could not be read."""


class ZoneSilent(Exception):
    """The zone's web server did not answer."""


def lines(text):
    """The non-empty, stripped lines of a text file."""
    return [line.strip() for line in to_native(text, errors='surrogate_or_strict').splitlines() if line.strip()]


def newest_revisions(products_text, read_revisions):
    """(products, product -> newest revision) from products.txt's text and a function product -> revisions.txt text.

    Codes that are not product folder names, and revision names holding a path, make the list unreadable.
    """
    products = lines(products_text)
    newest = {}
    for code in products:
        if not drwcsd.REPOSITORY_PRODUCT_PATTERN.match(code):
            raise ZoneUnreadable('%s: %r is not a product code' % (drwcsd.UPDATE_ZONE_PRODUCTS_FILE, code))
        revisions = lines(read_revisions(code))
        if not revisions:
            continue
        if '/' in revisions[-1] or revisions[-1].startswith('.'):
            raise ZoneUnreadable('%s/%s: %r is not a revision name' % (code, drwcsd.UPDATE_ZONE_REVISIONS_FILE, revisions[-1]))
        newest[code] = revisions[-1]
    return products, newest


class Reader(object):
    """Reads files of one zone: over HTTP(S) or from the node's file system."""

    def __init__(self, url, timeout, validate_certs):
        self.url = url
        self.parts = urlsplit(url)
        self.timeout = timeout
        self.validate_certs = validate_certs

    def read(self, relative):
        """Bytes of <zone>/<relative>."""
        if self.parts.scheme == 'file':
            path = os.path.join(unquote(self.parts.path), relative)
            try:
                with open(path, 'rb') as handle:
                    return handle.read()
            except (IOError, OSError) as error:
                raise ZoneUnreadable('%s: %s' % (relative, to_native(error.strerror or error)))
        target = self.url.rstrip('/') + '/' + quote(relative)
        try:
            response = open_url(target, method='GET', timeout=self.timeout, validate_certs=self.validate_certs,
                                follow_redirects='safe')
            return response.read()
        except HTTPError as error:
            if error.code in ANSWERING_STATUSES:
                raise ZoneUnreadable('%s: HTTP %s' % (relative, error.code))
            raise ZoneSilent('HTTP %s from %s' % (error.code, target))
        except (URLError, socket.timeout, socket.error, ValueError) as error:
            raise ZoneSilent('no answer from %s: %s' % (target, to_native(getattr(error, 'reason', None) or error)))


def read_zone(url, timeout=10, validate_certs=True):
    """The module's result (without changed); raises ZoneSilent when an HTTP zone does not answer."""
    result = dict(url=url, answered=None, readable=False, reason=None, products=[], revisions={})
    scheme = urlsplit(url).scheme.lower()
    if scheme not in READ_SCHEMES:
        result['reason'] = 'the revision list of a %s:// zone is not read (only http://, https:// and file://)' % scheme
        return result
    reader = Reader(url, timeout, validate_certs)
    try:
        products_text = reader.read(drwcsd.UPDATE_ZONE_PRODUCTS_FILE)
        result['answered'] = True
        products, newest = newest_revisions(
            products_text, lambda code: reader.read('%s/%s' % (code, drwcsd.UPDATE_ZONE_REVISIONS_FILE)))
    except ZoneUnreadable as error:
        result.update(answered=True, reason=to_native(error))
        return result
    if not newest:
        result.update(products=products, reason='the zone offers no revision of any product')
        return result
    result.update(readable=True, products=products, revisions=newest)
    return result


def main():
    module = AnsibleModule(
        argument_spec=dict(url=dict(type='str', required=True), timeout=dict(type='int', default=10),
                           validate_certs=dict(type='bool', default=True)),
        supports_check_mode=True)
    url = module.params['url'].strip()
    if not url:
        module.fail_json(msg='url must be the update zone\'s base URL')
    if module.params['timeout'] <= 0:
        module.fail_json(msg='timeout must be a positive number of seconds, got %d' % module.params['timeout'])
    try:
        result = read_zone(url, module.params['timeout'], module.params['validate_certs'])
    except ZoneSilent as error:
        module.fail_json(msg=to_native(error), url=url, answered=False, readable=False, reason=to_native(error),
                         products=[], revisions={})
    module.exit_json(changed=False, **result)


if __name__ == '__main__':
    main()
