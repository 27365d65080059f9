"""The running Server: agent port, Web API, cluster protocol, scheduler, signals.

Agent protocol of the double (TCP, default port 2193 from <transports><transport name="drwcs" port>), one
command per line, one reply line each (UTF-8):

    REGISTER <station name>   ->  OK <station id>            station stored under this Server's id
    HELLO <station id>        ->  OK <station id> <id of the Server that registered it>   |  ERR unknown station
    SERVER                    ->  OK <Server id> <srv_version>
    QUIT                      ->  BYE
    anything else             ->  ERR <reason>
"""

import base64
import hashlib
import os
import shutil
import signal
import socket
import socketserver
import ssl
import threading
import time

from . import cluster, config, db, keys, licence, product, repository, util, webapi


class StartupError(Exception):
    """The Server cannot start; code is the exit code."""

    def __init__(self, message, code):
        super().__init__(message)
        self.code = code


class AgentHandler(socketserver.StreamRequestHandler):
    """One agent connection."""

    timeout = 60

    def handle(self):
        drwcsd = self.server.drwcsd
        for _unused in range(10000):
            try:
                line = self.rfile.readline(4096)
            except OSError:
                return
            if not line:
                return
            reply = drwcsd.agent_command(line.decode('utf-8', 'replace').strip(), self.client_address[0])
            try:
                self.wfile.write((reply + '\n').encode('utf-8'))
                self.wfile.flush()
            except OSError:
                return
            if reply == 'BYE':
                return


class AgentServer(socketserver.ThreadingTCPServer):
    """The agent transport listener."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, drwcsd):
        super().__init__(address, AgentHandler)
        self.drwcsd = drwcsd

    def handle_error(self, request, client_address):
        self.drwcsd.log.debug('agent: connection from %s failed' % (client_address,))


class AgentServer6(AgentServer):
    """The IPv6 agent listener, next to the IPv4 one: appendix "Server addresses" (10.1.0) lists tcp/0.0.0.0:2193
    ("all interfaces, excluding those with IPv6 addresses") and tcp/[::]:2193 as two addresses."""

    address_family = socket.AF_INET6

    def server_bind(self):
        self.socket.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        super().server_bind()


class Server:  # pylint: disable=too-many-instance-attributes
    """One drwcsd instance."""

    def __init__(self, paths, log):
        self.paths = paths
        self.log = log
        self.info = product.version_info()
        self.hostname = product.hostname()
        self.started = time.time()
        self.stop_event = threading.Event()
        self.exit_code = 0
        self.restart = False
        self.conf = None
        self.download = None
        self.webmin = None
        self.database = None
        self.keys = []
        self.repository = None
        self.cluster = None
        self.cluster_error = ''
        self.listeners = []
        self.agent_address = ('0.0.0.0', product.AGENT_PORT)
        self.threads = []
        self.server_id = ''
        self.salt = ''
        self.fingerprints = {}
        self.signals = []

    # -- start -------------------------------------------------------------------------------------------------
    def start(self):
        """Read the configuration, check the database, open the ports. StartupError when it cannot run."""
        self.log.info(product.banner())
        self.log.info('Server starting: home %s, var %s, configuration %s' % (self.paths.home, self.paths.var, self.paths.conf))
        try:
            self.conf = config.load_server_config(self.paths.conf)
            self.download = config.load_download_config(self.paths.download_conf)
            if os.path.exists(self.paths.webmin_conf):
                self.webmin = config.load_webmin_config(self.paths.webmin_conf, self.paths.etc)
            else:
                self.webmin = {'http': ('0.0.0.0', product.HTTP_PORT), 'https': ('0.0.0.0', product.HTTPS_PORT),
                               'certificate': os.path.join(self.paths.etc, 'certificate.pem'),
                               'private_key': os.path.join(self.paths.etc, 'private-key.pem'), 'redirect_http': True}
        except config.ConfigError as exc:
            raise StartupError('configuration error: %s' % exc, 2) from exc
        self.server_id = self.conf.server_id
        self.salt = self.conf.salt
        self.log.info('Server id %s, name "%s", database %s' % (self.server_id, self.conf.name, self.conf.database.describe()))
        for path in (self.paths.private_key, self.paths.public_key, self.paths.certificate):
            if not os.path.exists(path):
                raise StartupError('cannot start: %s is missing' % path, 5)
        try:
            private = keys.load_private_key(self.paths.private_key)
            public = keys.load_public_key(self.paths.public_key)
            keys.load_certificate(self.paths.certificate)
        except keys.KeyFileError as exc:
            raise StartupError('cannot start: %s' % exc, 5) from exc
        if keys.public_der(private.public_key()) != keys.public_der(public):
            self.log.warning('keys: %s does not belong to %s' % (self.paths.public_key, self.paths.private_key))
        self.fingerprints = {'key': keys.file_sha256(self.paths.public_key), 'certificate': keys.file_sha256(self.paths.certificate)}
        self.log.info('keys: drwcsd.pub sha256 %s, drwcsd-certificate.pem sha256 %s (version %d)'
                      % (self.fingerprints['key'], self.fingerprints['certificate'], keys.certificate_version(self.paths.certificate)))
        self._open_database()
        self.repository = repository.Repository(self.paths.repository, self.log)
        self.log.info('repository: %s' % self.repository.revisions_text())
        self._record_repository('Server start')
        self._listen()
        self._start_cluster()
        for target in (self._housekeeping,):
            thread = threading.Thread(target=target, name='housekeeping', daemon=True)
            thread.start()
            self.threads.append(thread)
        self.log.info('Server started: Server %s, version %s, agents on %s:%d, Web API on %d/%d'
                      % (self.server_id, self.info['build'], self.agent_address[0], self.agent_address[1],
                         self.webmin['http'][1], self.webmin['https'][1]))

    def _open_database(self):
        try:
            self.database = db.Database(self.conf.database, self.paths).open()
            self.database.require_dbver(self.info['dbver'], self.info['version'])
            created = self.database.register_server(self.server_id, self.conf.name)
            texts = self.database.key_texts()
        except db.DatabaseError as exc:
            raise StartupError('database: %s' % exc, 3) from exc
        if created:
            self.log.info('schedule: default Server schedule created for Server id %s' % self.server_id)
        # licence keys are read once, at start (drweb-servers-cluster.txt item 6: restart after adding a key)
        for text in texts:
            try:
                self.keys.append(licence.parse_key(text))
            except licence.LicenceError as exc:
                self.log.warning('licence: a key in the database is ignored: %s' % exc)
        self.log.info('licence: %d key(s) loaded: %s' % (len(self.keys), ', '.join(k['id'] for k in self.keys) or '-'))

    def _listen(self):
        transports = [t for t in self.conf.transports if t['name'] == 'drwcs'] or self.conf.transports or \
            [{'ip': '0.0.0.0', 'port': product.AGENT_PORT}]
        self.agent_address = (transports[0]['ip'], transports[0]['port'])
        try:
            self._serve(AgentServer(self.agent_address, self), 'agent')
            if self.agent_address[0] == '0.0.0.0':
                try:
                    self._serve(AgentServer6(('::', self.agent_address[1]), self), 'agent6')
                except OSError as exc:   # a host without IPv6: the IPv4 listener serves alone
                    self.log.warning('agents: tcp/[::]:%d not opened: %s' % (self.agent_address[1], exc))
            self._serve(webapi.WebServer(self.webmin['http'], self), 'http')
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(self.webmin['certificate'], self.webmin['private_key'])
            self._serve(webapi.WebServer(self.webmin['https'], self, context), 'https')
        except (OSError, ssl.SSLError) as exc:
            self._close_listeners()
            raise StartupError('cannot open the Server ports: %s' % exc, 5) from exc

    def _serve(self, listener, name):
        self.listeners.append(listener)
        thread = threading.Thread(target=listener.serve_forever, kwargs={'poll_interval': 0.1}, name=name, daemon=True)
        thread.start()
        self.threads.append(thread)

    def _start_cluster(self):
        if not self.conf.cluster_enabled:
            self.log.info('cluster: the cluster protocol is disabled (<protocols><disabled><protocol name="CLUSTER"/>)')
            return
        if not self.conf.cluster_endpoints:
            self.cluster_error = 'no <cluster><on .../></cluster> settings'
            self.log.error('cluster: the cluster protocol is enabled but has %s' % self.cluster_error)
            return
        self.cluster = cluster.Cluster(self.conf.cluster_endpoints, self.cluster_identity, self.log)
        try:
            self.cluster.start()
        except OSError as exc:
            self.cluster.stop()
            self.cluster = None
            self.cluster_error = str(exc)
            self.log.error('cluster: cannot join the multicast group: %s' % exc)

    # -- what the parts ask -------------------------------------------------------------------------------------
    def cluster_identity(self):
        """What this Server announces on the cluster protocol."""
        return {
            'id': self.server_id,
            'name': self.conf.name or self.hostname,
            'version': self.info['build'],
            'key': self.fingerprints.get('key', ''),
            'certificate': self.fingerprints.get('certificate', ''),
            'salt': hashlib.sha256(self.salt.encode('utf-8')).hexdigest(),
            'download': '%s:%s' % (self.download['host'], self.download['port']),
            'repository': self.repository.revisions() if self.repository else {},
        }

    def cluster_data(self):
        """The <cluster> block of summary.ds (a double extension)."""
        endpoint = self.conf.cluster_endpoints[0] if self.conf.cluster_endpoints else {}
        data = {'enabled': 'yes' if self.conf.cluster_enabled else 'no', 'active': 'yes' if self.cluster else 'no',
                'multicast-group': endpoint.get('group', ''), 'port': endpoint.get('port', ''), 'interface': endpoint.get('interface', ''),
                'ttl': endpoint.get('ttl', '')}
        if self.cluster_error:
            data['error'] = self.cluster_error
        data['peers'] = self.cluster.peer_list() if self.cluster else []
        return data

    def check_admin(self, login, password):
        """Web API credentials check against the database (salted with <passwd-salt>): True, False, or None when the
        database cannot be asked (lost connection: the double never reconnects - product behaviour unknown, GUESS)."""
        try:
            return self.database.check_admin(login, password, self.salt)
        except db.DatabaseError as exc:
            self.log.error('webapi: cannot check the administrator: %s' % exc)
            return None

    def station_counts(self):
        """The <stations> counters of summary.ds: stations registered by this Server."""
        try:
            rows = self.database.stations_of(self.server_id)
        except db.DatabaseError:
            rows = []
        now = time.time()
        total = len(rows)
        online = sum(1 for row in rows if now - (row[2] or 0) < 600)
        clients = sum(k['clients'] for k in self.keys)
        licensed = min(total, clients)
        return {'total': total, 'activated': total, 'available': max(clients - licensed, 0), 'deinstalled': 0, 'expired': 0,
                'licensed': licensed, 'new': 0, 'newbies': 0, 'offline': total - online, 'online': online, 'unactivated': 0,
                'with_update_errors': 0}

    def group_counts(self):
        """The <groups> counters of summary.ds."""
        try:
            total, custom, system = self.database.group_counts()
        except db.DatabaseError:
            total = custom = system = 0
        return {'total': total, 'custom': custom, 'system': system}

    def repository_products(self):
        """<repository><product .../> entries of summary.ds (product-facts 7.12)."""
        products = []
        for code, info in sorted(self.repository.products.items()):
            last = self.repository.last_update.get(code, {})
            products.append({'code': code, 'name': info['name'], 'modified_time': info['modified_time'], 'revision': info['revision'],
                             'size': info['size'], 'files': info['files'], 'state': 'frozen' if info['frozen'] else 'normal',
                             'last_update_endtime': last.get('endtime', 0), 'last_update_src': last.get('src', ''),
                             'last_update_rc': last.get('rc', ''), 'last_update_rc_code': last.get('rc_code', 0)})
        return products

    def public_key_info(self):
        """Data of public-key.ds."""
        try:
            public = keys.load_public_key(self.paths.public_key)
            with open(self.paths.public_key, encoding='ascii') as handle:
                text = handle.read()
        except (keys.KeyFileError, OSError):
            return None
        return {'id': keys.key_id(public), 'value': base64.b64encode(keys.public_der(public)).decode('ascii'), 'file': text}

    @staticmethod
    def read_file(path):
        """Bytes of a file or None."""
        try:
            with open(path, 'rb') as handle:
                return handle.read()
        except OSError:
            return None

    def agent_command(self, line, address):
        """Reply to one agent protocol line."""
        verb, _sep, arg = line.partition(' ')
        verb = verb.upper()
        arg = arg.strip()
        try:
            if verb == 'REGISTER':
                if not arg:
                    return 'ERR station name required'
                station_id = self.database.add_station(self.server_id, arg)
                self.log.info('agent: station "%s" from %s registered as %s' % (arg, address, station_id))
                return 'OK %s' % station_id
            if verb == 'HELLO':
                found = self.database.hello_station(arg)
                if found is None:
                    return 'ERR unknown station'
                self.log.info('agent: station %s ("%s", registered by Server %s) connected from %s' % (arg, found[1], found[0], address))
                return 'OK %s %s' % (arg, found[0])
            if verb == 'SERVER':
                return 'OK %s %s' % (self.server_id, self.info['build'])
            if verb == 'QUIT':
                return 'BYE'
            return 'ERR unknown command'
        except db.DatabaseError as exc:
            self.log.error('agent: %s' % exc)
            return 'ERR database error'

    # -- repository and scheduler -------------------------------------------------------------------------------
    def start_update(self, src):
        """Run a repository update in the background (no-op while one is running)."""
        if self.repository.state == 'updating':
            return
        self.repository.state = 'updating'

        def run():
            self.repository.update(src)
            self._record_repository(src)
        threading.Thread(target=run, name='update', daemon=True).start()

    def _record_repository(self, src):
        try:
            for code, revision in self.repository.revisions().items():
                self.database.set_repository_state(self.server_id, code, revision, 'normal', src, self.info['dbver'])
        except db.DatabaseError as exc:
            self.log.error('repository: cannot record the state: %s' % exc)

    def _run_task(self, task):
        action = task['action']
        self.log.info('scheduler: running task "%s" (%s)' % (task['name'], task['task_id']))
        status = 'success'
        if action == 'Update':
            self.start_update('Launched by Task Scheduler')
        elif action == 'BackupSensitiveData':
            # <backup>/<guid>/<date>/database.dz (a v5 administrator's note, INFERENCE for 12/13; <guid> = the Server id)
            target = os.path.join(self.paths.backup, self.server_id, time.strftime('%Y%m%d%H%M%S'))
            try:
                os.makedirs(target, exist_ok=True)
                for path in (self.paths.private_key, self.paths.public_key, self.paths.certificate, self.paths.conf):
                    shutil.copy2(path, target)
                db.write_dump(os.path.join(target, 'database.dz'), self.database.export())
            except (OSError, db.DatabaseError) as exc:
                status = 'failed'
                self.log.error('scheduler: backup failed: %s' % exc)
        elif action == 'PurgeOldStations':
            self.database.execute('DELETE FROM stations WHERE last_seen < ?', (int(time.time()) - 90 * 86400,))
        try:
            self.database.mark_task(self.server_id, task['task_id'], status)
        except db.DatabaseError as exc:
            self.log.error('scheduler: %s' % exc)

    def _housekeeping(self):
        last_check = 0.0
        tasks = []
        last_tasks = 0.0
        problem = False
        while not self.stop_event.wait(1.0):
            now = time.time()
            if now - last_check >= 2:
                last_check = now
                try:
                    found = self.database.dbver()
                    problem = False
                except db.DatabaseError as exc:
                    if not problem:
                        self.log.error('database: %s' % exc)
                    problem = True
                    continue
                if found != self.info['dbver']:
                    # drweb-servers-cluster.txt: after one Server upgrades the common database the others cannot operate
                    self.log.error('database: schema version is now %s but this Server %s expects %d: the Server cannot operate and stops'
                                   % (found, self.info['version'], self.info['dbver']))
                    self.request_stop(3)
                    return
            try:
                if now - last_tasks >= 10:
                    tasks = self.database.schedule(self.server_id)
                    last_tasks = now
                for task in tasks:
                    if task['enabled'] and now - max(task['last_run'] or 0, self.started) >= (task['period'] or 86400):
                        self._run_task(task)
                        task['last_run'] = int(now)
            except db.DatabaseError as exc:
                self.log.error('scheduler: %s' % exc)

    # -- run and stop -------------------------------------------------------------------------------------------
    def request_stop(self, code=0, restart=False):
        """Ask the main loop to stop (or restart)."""
        self.exit_code = code
        self.restart = restart
        self.stop_event.set()

    def _on_signal(self, signum, _frame):
        self.signals.append(signum)
        if signum in (signal.SIGTERM, signal.SIGINT, signal.SIGQUIT):
            self.request_stop(0)
        elif signum == signal.SIGHUP:
            self.request_stop(0, restart=True)

    def run(self):
        """Main loop until a stop or restart request. product-facts 5.14 signals."""
        for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGQUIT, signal.SIGHUP, signal.SIGUSR1, signal.SIGUSR2, signal.SIGWINCH):
            signal.signal(signum, self._on_signal)
        while not self.stop_event.wait(0.2):
            while self.signals:
                signum = self.signals.pop(0)
                if signum == signal.SIGUSR1:
                    self.repository.reread()
                    self._record_repository('Reread from disk')
                elif signum == signal.SIGUSR2:
                    self.log.info('templates reread')
                elif signum == signal.SIGWINCH:
                    self.log.info('statistics: uptime %d s, %d station(s) of this Server, %d peer(s), repository %s'
                                  % (time.time() - self.started, self.station_counts()['total'],
                                     len(self.cluster.peer_list()) if self.cluster else 0, self.repository.state))
        while self.signals:
            self.signals.pop(0)
        self.shutdown()
        return self.exit_code

    def _close_listeners(self):
        stoppers = [threading.Thread(target=listener.shutdown, daemon=True) for listener in self.listeners]
        for thread in stoppers:
            thread.start()
        for thread in stoppers:
            thread.join(timeout=5)
        for listener in self.listeners:
            listener.server_close()
        self.listeners = []

    def shutdown(self, failed=False):
        """Stop everything; put back the drwcsd.conf the Server was started with (product-facts 2.2)."""
        if not failed:
            self.log.info('Server %s' % ('restarting' if self.restart else 'stopping'))
        self.stop_event.set()
        if self.cluster:
            self.cluster.stop()
        self._close_listeners()
        # product-facts 2.2 (the reason is INFERENCE, T37): a running drwcsd rewrites its own configuration, so an
        # edit made while it runs is lost. The double writes back, at stop and restart, the file it started with.
        current = self.read_file(self.paths.conf)
        if self.conf is not None and current is not None and current != self.conf.raw:
            try:
                stat = os.stat(self.paths.conf)
                util.write_file(self.paths.conf, self.conf.raw, stat.st_mode & 0o7777, stat.st_uid, stat.st_gid)
            except OSError as exc:
                self.log.error('config: cannot write back %s: %s' % (self.paths.conf, exc))
            self.log.warning('config: %s was changed while the Server was running; the running configuration was written back '
                             '(edit it with the Server stopped)' % self.paths.conf)
        if self.database is not None:
            self.database.close()
        if not failed:
            self.log.info('Server stopped' if not self.restart else 'Server restart: starting again')
