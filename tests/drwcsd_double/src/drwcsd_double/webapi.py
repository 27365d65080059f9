"""Web API of the double on 9080 (HTTP) and 9081 (HTTPS).

product-facts section 7: GET /api/<object>/<script>.ds, XML by default, JSON with &format=json (7.8), envelopes as
documented (7.2 versions, root <drweb-es-api> / JSON head). HTTP Basic auth of a Control Center administrator,
and never a 401 challenge (7.4): a request without valid credentials gets an error envelope (HTTP 200, root
status false, errno 1; the HTTP code and errno of that refusal are not documented - double's choice).
Port 9080 redirects to HTTPS (1.12/7.3, 13.x default) unless webmin.conf says <redirect-http value="no"/>.

Scripts: server/summary.ds, server/keys.ds, server/public-key.ds, server/repository-status.ds,
server/tasks.ds?task-id=update_repositories|newbies, groups/stations-list.ds?id=<group>[&server-id=][&page=][&per-page=]
(Web API 13.0.0 groups_stations-list.htm; the double knows the system group Everyone only, whose listing holds every
station; server-id keeps the stations that Server registered) ('-' may be written '_', 7.7). Also (no auth):
/install/drwcsd-certificate.pem (1.12) and /update/... (the parent-Server view of the repository).
"""

import base64
import binascii
import http.server
import json
import os
import platform
import time
import urllib.parse
from xml.sax.saxutils import escape, quoteattr

from . import db

ERR_AUTH = 1
ERR_UNKNOWN = 2
ERR_PARAMETER = 3


def _attrs(values):
    return ''.join(' %s=%s' % (k, quoteattr(str(v))) for k, v in values.items())


def _disk(path):
    try:
        stat = os.statvfs(path)
        return {'total': stat.f_blocks * stat.f_frsize, 'free': stat.f_bavail * stat.f_frsize}
    except OSError:
        return {'total': 0, 'free': 0}


def _memory():
    info = {}
    try:
        with open('/proc/meminfo', encoding='ascii') as handle:
            for line in handle:
                name, _sep, rest = line.partition(':')
                info[name] = int(rest.split()[0]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return {'total': info.get('MemTotal', 0), 'free': info.get('MemAvailable', 0)}


def summary_data(server):
    """The summary.ds data as a dict (rendered to XML or JSON)."""
    counts = server.station_counts()
    libc = ' '.join(platform.libc_ver()).strip()
    return {
        'host': server.hostname,
        'uuid': server.server_id,
        'os': 'Linux',
        'version': server.info['build'],
        'api_version': server.info['api'],
        'uptime': int(time.time() - server.started),
        'platform': '%s %s %s; %s' % (platform.system(), platform.release(), platform.machine(), libc),
        'memory': _memory(),
        'file-system': {
            'home-directory': {'path': server.paths.home, **_disk(server.paths.home)},
            'variable-directory': {'path': server.paths.var, **_disk(server.paths.var)},
        },
        'groups': server.group_counts(),
        'stations': counts,
        'keys': [{'id': k['id'], 'user': k['user'], 'expires': k['expires']} for k in server.keys],
        'repository': server.repository_products(),
        'cluster': server.cluster_data(),
    }


def summary_xml(data):
    """<server-summary> of product-facts 7.12 plus the double's <cluster> extension."""
    out = ['<server-summary>']
    for name in ('host', 'uuid', 'os', 'version', 'api_version', 'uptime'):
        out.append('<%s>%s</%s>' % (name, escape(str(data[name])), name))
    out.append('<platform><![CDATA[%s]]></platform>' % data['platform'])
    out.append('<memory%s/>' % _attrs(data['memory']))
    out.append('<file-system><home-directory%s/><variable-directory%s/></file-system>'
               % (_attrs(data['file-system']['home-directory']), _attrs(data['file-system']['variable-directory'])))
    out.append('<groups%s/>' % _attrs(data['groups']))
    out.append('<stations%s/>' % _attrs(data['stations']))
    out.append('<keys>%s</keys>' % ''.join('<key%s/>' % _attrs(k) for k in data['keys']))
    out.append('<repository>%s</repository>' % ''.join('<product%s/>' % _attrs(p) for p in data['repository']))
    cluster = data['cluster']
    out.append('<!-- drwcsd test double extension: the real summary.ds has no cluster/neighbour block (product-facts 7.23) -->')
    peers = ''.join('<peer%s/>' % _attrs({'id': p['id'], 'name': p['name'], 'address': p['address'], 'version': p['version'],
                                          'key': p['key'], 'certificate': p['certificate'], 'last_seen': p['last_seen'],
                                          'differs': ' '.join(p['differs'])}) for p in cluster['peers'])
    out.append('<cluster%s>%s</cluster>' % (_attrs({k: v for k, v in cluster.items() if k != 'peers'}), peers))
    out.append('</server-summary>')
    return ''.join(out)


class Handler(http.server.BaseHTTPRequestHandler):
    """One request; the Server object is self.server.drwcsd."""

    server_version = 'drwcsd'
    sys_version = ''
    protocol_version = 'HTTP/1.1'
    timeout = 30

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        self.server.drwcsd.log.debug('webapi: %s %s' % (self.address_string(), format % args))

    def _send(self, code, body, content_type, extra=None):
        data = body.encode('utf-8') if isinstance(body, str) else body
        self.send_response(code)
        self.send_header('Content-Type', content_type)
        self.send_header('Content-Length', str(len(data)))
        for name, value in (extra or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != 'HEAD':
            self.wfile.write(data)

    def _server_name(self):
        host = self.headers.get('Host') or self.server.drwcsd.hostname
        if host.startswith('['):
            return host[1:].split(']')[0]
        return host.rsplit(':', 1)[0] if host.count(':') == 1 else host

    def _reply(self, fmt, status, xml_body='', json_data=None, error=None):
        drwcsd = self.server.drwcsd
        info = drwcsd.info
        now = int(time.time())
        if fmt == 'json':
            # product-facts 7.9/T35 INFERENCE: head.server.uuid is the drwcsd.conf <id>
            doc = {'head': {'status': status, 'timestamp': now, 'api': {'version': info['api_int'], 'versionString': info['api']},
                            'server': {'name': self._server_name(), 'version': info['build'], 'uuid': drwcsd.server_id}}}
            if error:
                doc['error'] = {'code': error[0], 'message': error[1]}
            else:
                doc['data'] = json_data if json_data is not None else {}
            self._send(200, json.dumps(doc, indent=1), 'application/json; charset=utf-8')
            return
        root = _attrs({'api_version': info['api'], 'timestamp': now, 'server': self._server_name(), 'srv_version': info['build'],
                       'status': 'true' if status else 'false'})
        if error:
            xml_body = '<error><errno>%d</errno><message>%s</message></error>' % (error[0], escape(error[1]))
        self._send(200, '<?xml version="1.0" encoding="utf-8"?>\n<drweb-es-api%s>%s</drweb-es-api>\n' % (root, xml_body),
                   'text/xml; charset=utf-8')

    def _authorised(self):
        header = self.headers.get('Authorization', '')
        if not header.lower().startswith('basic '):
            return False
        try:
            login, _sep, password = base64.b64decode(header[6:].strip()).decode('utf-8').partition(':')
        except (binascii.Error, UnicodeDecodeError):
            return False
        return self.server.drwcsd.check_admin(login, password)

    def do_HEAD(self):  # pylint: disable=invalid-name
        """HEAD is GET without a body."""
        self.do_GET()

    def do_GET(self):  # pylint: disable=invalid-name
        """Every request."""
        drwcsd = self.server.drwcsd
        url = urllib.parse.urlsplit(self.path)
        if not self.server.secure and drwcsd.webmin['redirect_http']:
            location = 'https://%s:%d%s' % (self._server_name(), drwcsd.webmin['https'][1], self.path)
            self._send(301, 'Moved to %s\n' % location, 'text/plain', {'Location': location})
            return
        if url.path == '/install/drwcsd-certificate.pem':
            data = drwcsd.read_file(drwcsd.paths.certificate)
            self._send(200 if data else 404, data or b'not found\n', 'application/x-pem-file')
            return
        if url.path.startswith('/update/'):
            data = drwcsd.repository.export_file(url.path[len('/update/'):])
            self._send(200 if data is not None else 404, data if data is not None else b'not found\n', 'application/octet-stream')
            return
        if not url.path.startswith('/api/'):
            self._send(404, 'not found\n', 'text/plain')
            return
        query = dict(urllib.parse.parse_qsl(url.query))
        fmt = 'json' if query.get('format', '').lower() == 'json' else 'xml'
        # product-facts 7.4 CONFIRMED / 7.5 T34 INFERENCE: no 401 challenge; credentials must come with the first request
        authorised = self._authorised()
        if authorised is None:
            # GUESS (double's choice, no product fact): a Server that lost its database connection refuses the login
            # (the password cannot be checked) and says why; the double never reconnects (worst case).
            self._reply(fmt, False, error=(ERR_AUTH, 'Authentication failed: the database is not available'))
            return
        if not authorised:
            self._reply(fmt, False, error=(ERR_AUTH, 'Authentication failed: invalid administrator login or password'))
            return
        script = url.path[len('/api/'):].replace('_', '-')
        handler = {
            'server/summary.ds': self._summary,
            'server/keys.ds': self._keys,
            'server/public-key.ds': self._public_key,
            'server/repository-status.ds': self._repository_status,
            'server/tasks.ds': self._tasks,
            'groups/stations-list.ds': self._stations_list,
        }.get(script)
        if handler is None:
            self._reply(fmt, False, error=(ERR_UNKNOWN, 'Unknown request: %s' % url.path))
            return
        handler(fmt, query)

    def _summary(self, fmt, _query):
        data = summary_data(self.server.drwcsd)
        if fmt == 'json':
            self._reply(fmt, True, json_data=data)
        else:
            self._reply(fmt, True, summary_xml(data))

    def _keys(self, fmt, _query):
        keys = self.server.drwcsd.keys
        if fmt == 'json':
            rows = [{'activation': k['activation'], 'clients': k['clients'], 'created': k['created'], 'expires': k['expires'],
                     'id': k['id'], 'user_name': k['user']} for k in keys]
            self._reply(fmt, True, json_data={'keys': rows})
            return
        self._reply(fmt, True, '<keys>%s</keys>' % ''.join(
            '<key%s/>' % _attrs({'id': k['id'], 'user': k['user'], 'created': k['created'], 'expires': k['expires'],
                                 'activation': k['activation'], 'clients': k['clients']}) for k in keys))

    def _public_key(self, fmt, _query):
        drwcsd = self.server.drwcsd
        pub = drwcsd.public_key_info()
        if pub is None:
            self._reply(fmt, False, error=(ERR_UNKNOWN, 'Public key is not available'))
        elif fmt == 'json':
            self._reply(fmt, True, json_data={'keys': [{'id': pub['id'], 'active': True, 'value': pub['value'], 'file': pub['file']}]})
        else:
            self._reply(fmt, True, '<keys><key id=%s active="true"><value>%s</value><file>%s</file></key></keys>'
                        % (quoteattr(pub['id']), escape(pub['value']), escape(pub['file'])))

    def _repository_status(self, fmt, _query):
        status = self.server.drwcsd.repository.state
        if fmt == 'json':
            self._reply(fmt, True, json_data={'status': status})
        else:
            self._reply(fmt, True, '<status>%s</status>' % status)

    def _stations_list(self, fmt, query):
        # Web API 13.0.0 groups_stations-list.htm: id (group, required), page (default 1), per-page (default 100),
        # server-id ("Dr.Web Server ID the information is requested from"); <stations total> + <pages>
        group = query.get('id')
        if not group:
            self._reply(fmt, False, error=(ERR_PARAMETER, 'Parameter id is required'))
            return
        if group != db.EVERYONE:
            self._reply(fmt, False, error=(ERR_PARAMETER, 'Unknown group: %s' % group))
            return
        try:
            page = max(int(query.get('page') or 1), 1)
            per_page = max(int(query.get('per-page') or 100), 1)
        except ValueError:
            self._reply(fmt, False, error=(ERR_PARAMETER, 'page and per-page must be numbers'))
            return
        try:
            total, rows = self.server.drwcsd.database.stations_list(query.get('server-id') or None, (page - 1) * per_page, per_page)
        except db.DatabaseError as exc:
            self._reply(fmt, False, error=(ERR_UNKNOWN, 'Database error: %s' % exc))
            return
        pages = max((total + per_page - 1) // per_page, 1)
        stations = [{'id': sid, 'name': name, 'last_seen_time': last_seen or 0, 'last_seen_addr': '', 'state': 0, 'os': 0,
                     'os_name': 'unknown', 'login_addr': '', 'login_mac': ''} for sid, name, last_seen in rows]
        if fmt == 'json':
            self._reply(fmt, True, json_data={'total': total, 'list': stations,
                                              'pages': {'total': pages, 'current': page, 'objects-per-page': per_page}})
            return
        self._reply(fmt, True, '<stations total="%d">%s</stations><pages%s/>' % (
            total, ''.join('<station%s/>' % _attrs(station) for station in stations),
            _attrs({'total': pages, 'current': page, 'objects-per-page': per_page})))

    def _tasks(self, fmt, query):
        task_id = query.get('task-id') or query.get('task_id')
        if task_id == 'update_repositories':
            # product-facts 7.16: starts a repository update; success even when one is already running
            self.server.drwcsd.start_update('Launched by the administrator')
            task = {'id': task_id, 'status': 'success', 'message': ''}
        elif task_id == 'newbies':
            task = {'id': task_id, 'status': 'success', 'message': ''}
        elif not task_id:
            self._reply(fmt, False, error=(ERR_PARAMETER, 'Parameter task-id is required'))
            return
        else:
            task = {'id': task_id, 'status': 'failed', 'message': 'Unknown task'}
        if fmt == 'json':
            # product-facts 7.16/T25 GUESS: JSON field names data.task.status
            self._reply(fmt, True, json_data={'task': task})
        else:
            self._reply(fmt, True, '<task%s/>' % _attrs(task))


class WebServer(http.server.ThreadingHTTPServer):
    """One listening socket of the Web server."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, drwcsd, ssl_context=None):
        super().__init__(address, Handler)
        self.drwcsd = drwcsd
        self.secure = ssl_context is not None
        if ssl_context is not None:
            self.socket = ssl_context.wrap_socket(self.socket, server_side=True, do_handshake_on_connect=False)

    def get_request(self):
        sock, address = self.socket.accept()
        sock.settimeout(30)
        return sock, address

    def finish_request(self, request, client_address):
        if self.secure:
            request.do_handshake()  # in the request's thread, so a slow client does not block accept()
        super().finish_request(request, client_address)

    def handle_error(self, request, client_address):
        self.drwcsd.log.debug('webapi: connection from %s failed' % (client_address,))
