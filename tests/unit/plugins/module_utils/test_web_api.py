# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of module_utils/web_api.py: the one Web API client of the modules, against a real HTTP(S) server on the
loopback address - what it sends (Basic credentials on the first request, no certificate check) and what an
administrator reads when a request fails (could not connect, no answer, login refused, HTTP status, not XML, refused
by the Server), never the password."""

from __future__ import annotations

import base64
import datetime
import http.server
import socket
import ssl
import threading
import time

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from ansible_collections.drweb.cluster.plugins.module_utils import drwcsd, web_api

USER = 'admin'
PASSWORD = 'Pa$$-w0rd"<&>'
SUMMARY = (b'<?xml version="1.0" encoding="utf-8"?>\n<drweb-es-api api_version="4.3.0" status="true">'
           b'<server-summary><version>13.00.1.202310121</version></server-summary></drweb-es-api>\n')
REFUSAL = (b'<drweb-es-api status="false"><error><errno>1</errno>'
           b'<message>Authentication failed: invalid administrator login or password</message></error></drweb-es-api>')


class Handler(http.server.BaseHTTPRequestHandler):
    """Answers as self.server.reply says: (status, body) or 'hang' (accepts the request, never answers)."""

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        pass

    def do_GET(self):  # pylint: disable=invalid-name
        self.server.seen.append(dict(path=self.path, authorization=self.headers.get('Authorization')))
        if self.server.reply == 'hang':
            self.server.release.wait(10)
            return
        status, body = self.server.reply
        self.send_response(status)
        self.send_header('Content-Type', 'text/xml; charset=utf-8')
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def start(reply, context=None):
    server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), Handler)
    server.daemon_threads = True
    server.reply, server.seen, server.release = reply, [], threading.Event()
    if context is not None:
        server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, kwargs=dict(poll_interval=0.02), daemon=True).start()
    return server


@pytest.fixture
def served():
    """served(reply) -> (server, base URL of it over plain HTTP); every server is stopped after the test."""
    servers = []

    def serve(reply):
        server = start(reply)
        servers.append(server)
        return server, 'http://127.0.0.1:%d' % server.server_address[1]
    yield serve
    for server in servers:
        server.release.set()
        server.shutdown()
        server.server_close()


def params(password=PASSWORD, timeout=5):
    return dict(admin_user=USER, admin_password=password, web_api_timeout=timeout)


def failure(base, path=drwcsd.WEB_API_SUMMARY, **kwargs):
    with pytest.raises(web_api.WebApiError) as raised:
        web_api.WebApiClient(params(**kwargs), base).get_xml(path)
    message = str(raised.value)
    assert PASSWORD not in message
    return raised.value, message


def test_a_reply_is_read_with_basic_credentials_sent_on_the_first_request(served):
    server, base = served((200, SUMMARY))
    root = web_api.WebApiClient(params(), base).get_xml(drwcsd.WEB_API_STATIONS_LIST, {'per-page': '1', 'id': 'g'})
    assert root.findtext('server-summary/version') == '13.00.1.202310121'
    # one request only (the Server never sends a 401 challenge), the query sorted, the credentials with it
    assert len(server.seen) == 1
    assert server.seen[0]['path'] == drwcsd.WEB_API_STATIONS_LIST + '?id=g&per-page=1'
    assert server.seen[0]['authorization'] == 'Basic ' + base64.b64encode(('%s:%s' % (USER, PASSWORD)).encode()).decode()


def test_get_returns_the_body_as_it_came_refusal_or_not(served):
    unused_server, base = served((200, REFUSAL))
    assert web_api.WebApiClient(params(), base).get(drwcsd.WEB_API_SUMMARY) == REFUSAL


def test_the_local_url_is_the_servers_https_port_on_the_loopback_address():
    assert web_api.LOCAL_URL == 'https://127.0.0.1:9081'
    assert web_api.WebApiClient(params()).url(drwcsd.WEB_API_KEYS) == 'https://127.0.0.1:9081/api/server/keys.ds'


def test_nothing_listening_is_could_not_connect():
    with socket.socket() as probe:
        probe.bind(('127.0.0.1', 0))
        port = probe.getsockname()[1]
    error, message = failure('http://127.0.0.1:%d' % port)
    assert error.kind == web_api.CONNECT
    assert message == ("GET http://127.0.0.1:%d/api/server/summary.ds failed: could not connect to the Server's Web API "
                       "(Connection refused)" % port)


def test_a_server_that_does_not_answer_is_no_answer_within_the_timeout(served):
    unused_server, base = served('hang')
    started = time.monotonic()
    error, message = failure(base, timeout=1)
    assert time.monotonic() - started < 5
    assert error.kind == web_api.TIMEOUT
    assert message == 'GET %s/api/server/summary.ds failed: no answer within 1 s (web_api_timeout)' % base


@pytest.mark.parametrize('status, reason', [(401, 'Unauthorized'), (403, 'Forbidden')])
def test_http_401_or_403_is_a_refused_login_naming_the_user(served, status, reason):
    unused_server, base = served((status, b'no'))
    error, message = failure(base)
    assert (error.kind, error.status) == (web_api.LOGIN, status)
    assert message == ('GET %s/api/server/summary.ds failed: the Server refused the login of admin_user admin (HTTP %d %s): '
                       'check admin_user and admin_password' % (base, status, reason))


def test_another_http_status_is_said_with_its_reason(served):
    unused_server, base = served((500, b'oops'))
    error, message = failure(base)
    assert (error.kind, error.status) == (web_api.HTTP, 500)
    assert message == 'GET %s/api/server/summary.ds failed: HTTP 500 Internal Server Error' % base


def test_a_reply_that_is_not_xml_says_so_naming_the_script(served):
    unused_server, base = served((200, b'<html><body>Control Center</body>'))
    error, message = failure(base, path=drwcsd.WEB_API_KEYS)
    assert error.kind == web_api.NOT_XML
    assert message.startswith('keys.ds reply is not XML: ')


def test_a_refusal_is_the_servers_own_message(served):
    unused_server, base = served((200, REFUSAL))
    error, message = failure(base)
    assert (error.kind, error.refusal) == (web_api.REFUSED, 'Authentication failed: invalid administrator login or password')
    # the callers (and the plan) recognise a refused request by this start
    assert message == 'summary.ds refused: Authentication failed: invalid administrator login or password'


def test_a_refusal_without_a_message_says_status_false(served):
    unused_server, base = served((200, b'<drweb-es-api status="false"/>'))
    assert failure(base)[1] == 'summary.ds refused: status false'


def test_the_password_is_masked_wherever_a_failure_would_show_it(monkeypatch, served):
    # a reply or an error text that repeats the password shows it masked
    unused_server, base = served((200, b'<drweb-es-api status="false"><error><message>bad password Pa$$-w0rd"&lt;&amp;&gt;'
                                       b'</message></error></drweb-es-api>'))
    error, message = failure(base)
    assert message == 'summary.ds refused: bad password ********' and error.refusal == 'bad password ********'

    def leak(url, **kwargs):
        raise OSError('proxy said: %s' % kwargs['url_password'])
    monkeypatch.setattr(web_api, 'open_url', leak)
    error, message = failure(base)
    assert error.kind == web_api.CONNECT
    assert message == "GET %s/api/server/summary.ds failed: the connection to the Server's Web API failed (proxy said: ********)" % base


def test_the_request_options_are_the_modules_login_options(monkeypatch):
    seen = []

    def fake_open_url(url, **kwargs):
        seen.append((url, kwargs))
        raise OSError('stop')
    monkeypatch.setattr(web_api, 'open_url', fake_open_url)
    with pytest.raises(web_api.WebApiError):
        web_api.WebApiClient(dict(admin_user='root', admin_password='pw', web_api_timeout=7)).get(drwcsd.WEB_API_SUMMARY)
    assert seen == [('https://127.0.0.1:9081/api/server/summary.ds',
                     dict(method='GET', url_username='root', url_password='pw', force_basic_auth=True, validate_certs=False,
                          timeout=7))]


def test_a_self_signed_https_certificate_is_accepted(tmp_path):
    """The node's own Server answers with a self-signed certificate: the client reads it all the same."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, 'drwcsd self-signed')])
    now = datetime.datetime.now(datetime.timezone.utc)
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                   .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
                   .not_valid_after(now + datetime.timedelta(days=1)).sign(key, hashes.SHA256()))
    (tmp_path / 'cert.pem').write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    (tmp_path / 'key.pem').write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                         serialization.NoEncryption()))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(str(tmp_path / 'cert.pem'), str(tmp_path / 'key.pem'))
    server = start((200, SUMMARY), context)
    try:
        root = web_api.WebApiClient(params(), 'https://127.0.0.1:%d/' % server.server_address[1]).get_xml(drwcsd.WEB_API_SUMMARY)
        assert root.findtext('server-summary/version') == '13.00.1.202310121'
    finally:
        server.shutdown()
        server.server_close()
