# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""What the modules that ask the node's own Server through its Web API share: their login options (documented by the
doc fragment drweb.cluster.web_api), the Server's local address and the one client that sends the requests.

C(WebApiClient(params)).get(path) returns the reply's bytes, C(.get_xml(path)) its XML root once the reply says
C(status="true"). Every failure raises C(WebApiError), whose message says what failed in an administrator's words
and never holds the password:

- C(GET <url> failed: could not connect to the Server's Web API (<reason>)) - nothing listens, the name does not
  resolve (C(the connection ... failed) when it broke later, for instance while the reply was read);
- C(GET <url> failed: no answer within <n> s (web_api_timeout));
- C(GET <url> failed: the Server refused the login of admin_user <user> (HTTP 401 ...)) - HTTP 401 or 403;
- C(GET <url> failed: HTTP <code> <reason>) - any other HTTP error status;
- C(<script> reply is not XML: <parser error>);
- C(<script> refused: <the Server's own error message>) - the reply's root says C(status="false"): the Server's own
  refusal, a wrong login among others (it never answers with a 401 challenge).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import socket
from xml.etree import ElementTree

from urllib.error import HTTPError, URLError
from urllib.parse import urlencode

from ansible.module_utils.common.text.converters import to_native
from ansible.module_utils.urls import open_url

from ansible_collections.drweb.cluster.plugins.module_utils import drwcsd
from ansible_collections.drweb.cluster.plugins.module_utils.secrets import Masker

# The node's own Server: its Web API listens on every interface, the modules ask it on the loopback address.
LOCAL_URL = 'https://127.0.0.1:%d' % drwcsd.WEB_API_HTTPS_PORT

# What the failure was, for a caller that treats some differently (WebApiError.kind).
CONNECT = 'connect'
TIMEOUT = 'timeout'
LOGIN = 'login'
HTTP = 'http'
NOT_XML = 'not_xml'
REFUSED = 'refused'


def argument_spec():
    """admin_user, admin_password (no_log) and web_api_timeout, as the doc fragment drweb.cluster.web_api documents."""
    return dict(
        admin_user=dict(type='str', default='admin'),
        admin_password=dict(type='str', no_log=True),
        web_api_timeout=dict(type='int', default=10),
    )


class WebApiError(Exception):
    """One Web API request that gave no usable reply: str() is the message for the administrator.

    kind - one of CONNECT, TIMEOUT, LOGIN, HTTP, NOT_XML, REFUSED; refusal - the Server's own error message when it
    answered status="false" (None otherwise); status - the HTTP status when there was one."""

    def __init__(self, message, kind, refusal=None, status=None):
        super(WebApiError, self).__init__(message)
        self.kind = kind
        self.refusal = refusal
        self.status = status


def _is_timeout(error):
    return isinstance(error, (socket.timeout, TimeoutError)) or 'timed out' in to_native(error).lower()


class WebApiClient(object):
    """GET requests to one Server's Web API with the module's login options (admin_user, admin_password,
    web_api_timeout)."""

    def __init__(self, params, base_url=LOCAL_URL):
        self.user = params['admin_user']
        self.password = params['admin_password']
        self.timeout = params['web_api_timeout']
        self.base_url = base_url.rstrip('/')
        self._masker = Masker([self.password] if self.password else [])

    def url(self, path, query=None):
        """The request's URL: base URL, path and the query (a dict, sent sorted so a request reads the same each run)."""
        return self.base_url + path + ('?' + urlencode(sorted(query.items())) if query else '')

    def _error(self, message, kind, **extra):
        return WebApiError(self._masker.mask(message), kind, **extra)

    def get(self, path, query=None):
        """The body (bytes) of GET path; WebApiError when there is none."""
        url = self.url(path, query)
        try:
            # force_basic_auth: the Server never asks for credentials (no 401 challenge), they go with the first
            # request. validate_certs=False: the Server's HTTPS certificate is the installer's self-signed one (or the
            # cluster's own), and the request goes to the node's own loopback address.
            response = open_url(url, method='GET', url_username=self.user, url_password=self.password,
                                force_basic_auth=True, validate_certs=False, timeout=self.timeout)
            return response.read()
        except HTTPError as error:
            reason = to_native(getattr(error, 'reason', None) or getattr(error, 'msg', None) or '').strip()
            status = 'HTTP %s%s' % (error.code, ' ' + reason if reason else '')
            if error.code in (401, 403):
                raise self._error('GET %s failed: the Server refused the login of admin_user %s (%s): check admin_user '
                                  'and admin_password' % (url, self.user, status), LOGIN, status=error.code)
            raise self._error('GET %s failed: %s' % (url, status), HTTP, status=error.code)
        except URLError as error:
            reason = getattr(error, 'reason', None)
            if _is_timeout(reason) if reason is not None else _is_timeout(error):
                raise self._error('GET %s failed: no answer within %s s (web_api_timeout)' % (url, self.timeout), TIMEOUT)
            text = to_native(getattr(reason, 'strerror', None) or reason or error)
            raise self._error("GET %s failed: could not connect to the Server's Web API (%s)" % (url, text), CONNECT)
        except Exception as error:  # pylint: disable=broad-exception-caught
            # open_url's own ConnectionError/SSLValidationError, a socket error or timeout while reading the body
            if _is_timeout(error):
                raise self._error('GET %s failed: no answer within %s s (web_api_timeout)' % (url, self.timeout), TIMEOUT)
            text = to_native(getattr(error, 'strerror', None) or error)
            raise self._error("GET %s failed: the connection to the Server's Web API failed (%s)" % (url, text), CONNECT)

    def get_xml(self, path, query=None):
        """The XML root of GET path once the reply says status="true"; WebApiError otherwise."""
        body = self.get(path, query)
        script = path.rsplit('/', 1)[-1]
        try:
            root = ElementTree.fromstring(body)
        except ElementTree.ParseError as error:
            raise self._error('%s reply is not XML: %s' % (script, to_native(error)), NOT_XML)
        if (root.get('status') or 'true').lower() != 'true':
            refusal = root.findtext('error/message') or 'status false'
            raise self._error('%s refused: %s' % (script, refusal), REFUSED, refusal=self._masker.mask(refusal))
        return root
