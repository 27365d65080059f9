"""The Dr.Web Servers cluster protocol of the double.

product-facts 2.9/2.10 (CONFIRMED): the Servers exchange data through a multicast group/port with a TTL, bound
to an interface. The wire format is the double's own: one UDP datagram per second, a JSON object

    {"proto": "drwcsd-double-cluster/1", "id": <Server id>, "name": ..., "version": <srv_version>,
     "key": <sha256 of drwcsd.pub>, "certificate": <sha256 of drwcsd-certificate.pem>,
     "salt": <sha256 of passwd-salt>, "download": "<host>:<port>", "repository": {product: revision}}

Each Server keeps the peers it hears (forgotten after PEER_TIMEOUT seconds) and flags every peer whose key,
certificate, version, passwd-salt, download address or repository revisions differ from its own.
"""

import json
import select
import socket
import threading
import time

PROTO = 'drwcsd-double-cluster/1'
ANNOUNCE_INTERVAL = 1.0
PEER_TIMEOUT = 5.0
COMPARED = (('key', 'key'), ('certificate', 'certificate'), ('version', 'version'), ('salt', 'passwd-salt'),
            ('download', 'download'), ('repository', 'repository'))


class Cluster:
    """Announces this Server and listens to the others on every configured <cluster><on> endpoint."""

    def __init__(self, endpoints, identity, log):
        self.endpoints = endpoints
        self.identity = identity
        self.log = log
        self.peers = {}
        self.lock = threading.Lock()
        self.stop_event = threading.Event()
        self.sockets = []
        self.threads = []

    def start(self):
        """Open the sockets (OSError when that fails) and start the threads."""
        for endpoint in self.endpoints:
            group, port, interface = endpoint['group'], endpoint['port'], endpoint['interface']
            recv = socket.socket(socket.AF_INET, socket.SOCK_DGRAM, socket.IPPROTO_UDP)
            recv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            recv.bind((group, port))
            recv.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, socket.inet_aton(group) + socket.inet_aton(interface))
            send = socket.socket(socket.AF_INET, socket.SOCK_DGRAM, socket.IPPROTO_UDP)
            send.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, endpoint['ttl'])
            send.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_LOOP, 1)
            if interface != '0.0.0.0':
                send.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(interface))
            self.sockets.append((endpoint, recv, send))
            self.log.info('cluster: joined multicast group %s port %d on interface %s (ttl %d)' % (group, port, interface, endpoint['ttl']))
        for target in (self._receive_loop, self._announce_loop):
            thread = threading.Thread(target=target, name='cluster', daemon=True)
            thread.start()
            self.threads.append(thread)

    def stop(self):
        """Leave the groups."""
        self.stop_event.set()
        for thread in self.threads:
            thread.join(timeout=3)
        for _endpoint, recv, send in self.sockets:
            recv.close()
            send.close()
        self.sockets = []

    def _announce_loop(self):
        while not self.stop_event.is_set():
            message = dict(self.identity())
            message['proto'] = PROTO
            data = json.dumps(message, sort_keys=True).encode('utf-8')
            for endpoint, _recv, send in self.sockets:
                try:
                    send.sendto(data, (endpoint['group'], endpoint['port']))
                except OSError as exc:
                    self.log.warning('cluster: cannot send to %s:%d: %s' % (endpoint['group'], endpoint['port'], exc))
            self._expire()
            self.stop_event.wait(ANNOUNCE_INTERVAL)

    def _receive_loop(self):
        by_fd = {recv.fileno(): recv for _e, recv, _s in self.sockets}
        while not self.stop_event.is_set():
            try:
                ready, _w, _x = select.select(list(by_fd), [], [], 0.5)
            except (OSError, ValueError):
                return
            for fd in ready:
                try:
                    data, (address, _port) = by_fd[fd].recvfrom(65535)
                except OSError:
                    continue
                try:
                    message = json.loads(data.decode('utf-8'))
                except ValueError:
                    continue
                if isinstance(message, dict) and message.get('proto') == PROTO:
                    self._heard(message, address)

    def differences(self, message):
        """Names of what differs between a peer's announcement and this Server."""
        own = self.identity()
        return [label for field, label in COMPARED if message.get(field) != own.get(field)]

    def _heard(self, message, address):
        peer_id = str(message.get('id', ''))
        if not peer_id or peer_id == self.identity().get('id'):
            return
        diffs = self.differences(message)
        with self.lock:
            old = self.peers.get(peer_id)
            self.peers[peer_id] = {'message': message, 'address': address, 'last_seen': time.time(), 'differs': diffs}
        if old is None or old['differs'] != diffs or old['address'] != address:
            label = '%s (%s, %s)' % (peer_id, message.get('name') or '-', address)
            what = 'joined' if old is None else 'changed'
            self.log.info('cluster: peer %s %s: version %s' % (label, what, message.get('version')))
            for item in diffs:
                self.log.warning('cluster: peer %s: %s differs from this Server' % (label, item))

    def _expire(self):
        now = time.time()
        with self.lock:
            gone = [pid for pid, peer in self.peers.items() if now - peer['last_seen'] > PEER_TIMEOUT]
            for peer_id in gone:
                peer = self.peers.pop(peer_id)
                self.log.info('cluster: peer %s (%s) lost' % (peer_id, peer['address']))

    def peer_list(self):
        """The peers heard in the last PEER_TIMEOUT seconds."""
        self._expire()
        with self.lock:
            peers = []
            for peer_id, peer in sorted(self.peers.items()):
                message = peer['message']
                peers.append({
                    'id': peer_id,
                    'name': message.get('name', ''),
                    'address': peer['address'],
                    'version': message.get('version', ''),
                    'key': message.get('key', ''),
                    'certificate': message.get('certificate', ''),
                    'repository': message.get('repository', {}),
                    'last_seen': int(peer['last_seen']),
                    'differs': list(peer['differs']),
                })
            return peers
