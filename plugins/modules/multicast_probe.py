#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: multicast_probe
short_description: Prove that the cluster nodes hear each other on the cluster multicast group
description:
- A preflight for the Dr.Web Servers cluster protocol, whose transport is a multicast group, port, datagram TTL and
  interface (the Cluster tab of the Server configuration; Administrator Manual, Dr.Web Server configuration, Cluster tab).
- Run it on every Server B(in parallel), in one task. Each node joins O(group) on O(port) from O(interface),
  sends small probe datagrams carrying its O(name) and the run's O(token) to the group for at most O(duration)
  seconds while listening, and reports which nodes it heard (RV(heard)) and which of O(expect) it did not hear
  (RV(missing)).
- Each datagram also carries the names the sender has heard so far, so a node knows who has heard it
  (RV(heard_by)). A node that has heard every node of O(expect) and been heard by every one of them stops early
  (after one last datagram), so a healthy cluster is proven in well under a second; otherwise the probe runs
  O(duration) seconds.
- Combine the results of all nodes into a receiver x sender matrix with the C(drweb.cluster.multicast_matrix) filter,
  which names every pair that cannot hear each other.
- The probe sends only its own datagrams (a JSON object with C(proto=drweb.cluster.multicast_probe/1)) and changes
  nothing on the host, so it also runs in check mode and always reports C(changed=false).
version_added: 0.1.0
options:
  group:
    description:
    - The cluster multicast group, an IPv4 address in C(224.0.0.0/4).
    - The collection's default cluster group (C(drweb_cluster_multicast_group)); not a product fact.
    type: str
    default: 232.0.0.1
  port:
    description:
    - The UDP port to probe, 1-65535. By default the cluster port itself (C(drweb_cluster_multicast_port)), so that
      the probe proves the very path the cluster protocol will use, also before any Server runs.
    - The receiving socket sets C(SO_REUSEADDR) and C(SO_REUSEPORT), so the probe can bind the port while a running
      C(drwcsd) holds it, as long as C(drwcsd) allows sharing the port too (the collection's test double does). When
      the port cannot be shared the probe reports C(Address already in use).
    - A running Server on the port also receives the probe datagrams. How the real C(drwcsd) treats foreign
      datagrams is not documented, so while the Servers run prefer another port of the same group; the multicast
      path (group, TTL, interface, routes, switches) is the same.
    type: int
    default: 11111
  ttl:
    description:
    - The datagram TTL (hops), as configured for the cluster (C(drweb_cluster_multicast_ttl)). C(1) keeps the
      datagrams on the local network segment; C(0) keeps them on this host (for tests).
    type: int
    default: 1
  interface:
    description:
    - The IPv4 address of the interface to join the group on and send from (C(drweb_cluster_interface)).
    - C(0.0.0.0) lets the kernel choose the interface by routing, which needs a route for C(224.0.0.0/4) (or a
      default route); without one joining fails with C(No such device) and sending with C(Network is unreachable).
    - Any other address must be configured on this host, otherwise the module fails naming O(interface).
    type: str
    default: 0.0.0.0
  name:
    description:
    - The name this node announces; the other nodes report it in RV(heard). Pass C(inventory_hostname) so that the
      names match O(expect).
    - Defaults to the host name of the target.
    type: str
  expect:
    description:
    - The names of the nodes this node must hear, normally every node of the cluster
      (C(groups['drweb_servers'])). This node's own O(name) is ignored in it.
    - Nodes in it that were not heard are returned in RV(missing). When empty, the probe listens for the whole
      O(duration) and RV(missing) is empty.
    type: list
    elements: str
    default: []
  duration:
    description:
    - Upper bound of the probe, in seconds (more than 0, at most 60). Nodes started up to this long after each other
      still hear each other; give a longer time when the nodes are started far apart.
    type: float
    default: 3.0
  count:
    description:
    - How many probe datagrams to spread evenly over O(duration) (1-1000). A node also sends one at once whenever
      it hears a new node.
    type: int
    default: 10
  token:
    description:
    - A token shared by all nodes of one probe run (for example a random string made once on the controller).
      Datagrams with another token (an earlier or a concurrent run, another cluster) are ignored.
    - When omitted, probe datagrams with any token are counted.
    type: str
    default: ''
  fail_on_missing:
    description:
    - When C(true) (the default) the module fails when RV(ok) is false, that is when a node of O(expect) was not
      heard or the probe could not join the group or send; the message names the missing nodes and the errors.
    - When C(false) it returns RV(ok=false) instead, so that every node's result can be combined into one matrix
      (C(drweb.cluster.multicast_matrix)) that names all failing pairs at once.
    - Invalid options (a group outside C(224.0.0.0/4), a port outside 1-65535, an interface address not on the
      host, ...) always fail, before anything is sent.
    type: bool
    default: true
attributes:
  check_mode:
    support: full
    description: The probe changes nothing on the host (it only sends its own datagrams), so it runs in check mode too.
  diff_mode:
    support: none
    description: Nothing changes, so there is no diff.
  platform:
    support: full
    platforms: posix
    description: Linux (POSIX) hosts with IPv4 multicast.
notes:
- Start it on all nodes in one task (one play over C(drweb_servers) with enough C(forks)); nodes started more than
  O(duration) apart may miss each other. Do not run it under C(serial).
- The datagrams are sent with C(IP_MULTICAST_LOOP) on, so two probes on the same host hear each other too.
- Firewalls must let UDP to O(group):O(port) in; IGMP snooping switches need a querier, as for the cluster itself.
seealso:
- name: Dr.Web Servers cluster, cluster protocol settings
  description: The Cluster tab of the Server configuration (multicast group, port, TTL, interface).
  link: https://download.geo.drweb.com/pub/drweb/esuite/13.0.0/documentation/html/en/admin_manual/server_setup_cluster.htm
author:
- drweb.cluster maintainers !UNKNOWN
'''

EXAMPLES = r'''
- name: Make one token for this probe run
  ansible.builtin.set_fact:
    probe_token: "{{ lookup('ansible.builtin.password', '/dev/null', chars=['ascii_letters', 'digits'], length=16) }}"
  run_once: true

- name: Probe the cluster multicast group on every Server at once
  drweb.cluster.multicast_probe:
    group: "{{ drweb_cluster_multicast_group | default('232.0.0.1') }}"
    port: "{{ drweb_cluster_multicast_port | default(11111) }}"
    ttl: "{{ drweb_cluster_multicast_ttl | default(1) }}"
    interface: "{{ drweb_cluster_interface | default('0.0.0.0') }}"
    name: "{{ inventory_hostname }}"
    expect: "{{ groups['drweb_servers'] }}"
    token: "{{ probe_token }}"
    fail_on_missing: false
  register: drweb_probe

- name: Fail naming every pair of nodes that cannot hear each other
  vars:
    matrix: >-
      {{ dict(ansible_play_hosts_all | zip(ansible_play_hosts_all | map('extract', hostvars)
                                          | map(attribute='drweb_probe', default={})))
         | drweb.cluster.multicast_matrix(groups['drweb_servers']) }}
  ansible.builtin.assert:
    that: matrix.ok
    fail_msg: "{{ matrix.table }}"
    success_msg: "{{ matrix.table }}"
  when: inventory_hostname == ansible_play_hosts | first

- name: Probe another port while the Servers run on the cluster port
  drweb.cluster.multicast_probe:
    port: 11112
    name: "{{ inventory_hostname }}"
    expect: "{{ groups['drweb_servers'] }}"
'''

RETURN = r'''
ok:
  description: Whether every node of O(expect) was heard and the probe could join the group and send.
  returned: always
  type: bool
  sample: true
heard:
  description: The names of the other nodes heard (with this run's O(token)), sorted.
  returned: always
  type: list
  elements: str
  sample: [node2, node3]
missing:
  description: The nodes of O(expect) not heard (O(expect) minus RV(heard), without this node), sorted.
  returned: always
  type: list
  elements: str
  sample: []
heard_by:
  description: The nodes whose datagrams said they had heard this node, sorted. A node missing here may still have
    heard this node after its last datagram reached it; the matrix is built from every node's RV(heard).
  returned: always
  type: list
  elements: str
  sample: [node2, node3]
senders:
  description: For each node heard, the source address of its datagrams.
  returned: always
  type: dict
  sample: {node2: 10.213.0.12, node3: 10.213.0.13}
errors:
  description: What prevented listening or sending (binding, joining the group, sending), each naming the cause.
  returned: always
  type: list
  elements: str
  sample: ['cannot join multicast group 232.0.0.1 on interface 0.0.0.0: [Errno 19] No such device']
sent:
  description: How many probe datagrams were sent.
  returned: always
  type: int
  sample: 4
received:
  description: How many probe datagrams of this run were received from other nodes.
  returned: always
  type: int
  sample: 7
elapsed:
  description: How long the probe ran, in seconds.
  returned: always
  type: float
  sample: 0.42
name:
  description: The name this node announced.
  returned: always
  type: str
  sample: node1
group:
  description: The multicast group probed.
  returned: always
  type: str
  sample: 232.0.0.1
port:
  description: The UDP port probed.
  returned: always
  type: int
  sample: 11111
ttl:
  description: The datagram TTL used.
  returned: always
  type: int
  sample: 1
interface:
  description: The interface address used.
  returned: always
  type: str
  sample: 0.0.0.0
token:
  description: The run token (not a secret).
  returned: always
  type: str
  sample: 8Zk3q0QmW1fJx2aB
'''

import errno
import json
import select
import socket
import time

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_native

PROTO = 'drweb.cluster.multicast_probe/1'
MAX_DURATION = 60.0
MAX_COUNT = 1000
MAX_DATAGRAM = 65507
MULTICAST_NET = (0xE0000000, 0xF0000000)  # 224.0.0.0/4: (network, mask)


class ProbeParameterError(Exception):
    """An option value the probe cannot use; the message names the option."""


def ipv4_to_int(text):
    """The 32-bit value of a dotted-quad IPv4 address, or None when text is not one."""
    parts = text.split('.') if isinstance(text, str) else []
    if len(parts) != 4:
        return None
    value = 0
    for part in parts:
        if not part.isdigit() or len(part) > 3 or int(part) > 255 or (len(part) > 1 and part[0] == '0'):
            return None
        value = (value << 8) | int(part)
    return value


def interface_present(address):
    """Whether address is configured on this host: binding a UDP socket to it succeeds."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        sock.bind((address, 0))
    except OSError as error:
        if error.errno == errno.EADDRNOTAVAIL:
            return False
        raise
    finally:
        sock.close()
    return True


def validate(params, has_address=interface_present):
    """Check the options; raise ProbeParameterError naming the first bad one."""
    group = params['group']
    value = ipv4_to_int(group)
    if value is None or (value & MULTICAST_NET[1]) != MULTICAST_NET[0]:
        raise ProbeParameterError('group %r is not an IPv4 multicast address (224.0.0.0/4, for example 232.0.0.1)' % group)
    if not 1 <= params['port'] <= 65535:
        raise ProbeParameterError('port %d is outside 1-65535' % params['port'])
    if not 0 <= params['ttl'] <= 255:
        raise ProbeParameterError('ttl %d is outside 0-255' % params['ttl'])
    if not 0 < params['duration'] <= MAX_DURATION:
        raise ProbeParameterError('duration %s is outside (0, %d] seconds' % (params['duration'], MAX_DURATION))
    if not 1 <= params['count'] <= MAX_COUNT:
        raise ProbeParameterError('count %d is outside 1-%d' % (params['count'], MAX_COUNT))
    if not params['name'] or not params['name'].strip():
        raise ProbeParameterError('name must not be empty')
    interface = params['interface']
    if ipv4_to_int(interface) is None:
        raise ProbeParameterError('interface %r is not an IPv4 address (use 0.0.0.0 for the routing default)' % interface)
    if interface != '0.0.0.0':
        try:
            present = has_address(interface)
        except OSError as error:
            raise ProbeParameterError('interface %s cannot be checked on this host: %s' % (interface, to_native(error)))
        if not present:
            raise ProbeParameterError('interface %s is not an address of this host (see "ip -4 addr"); '
                                      'use one of its addresses or 0.0.0.0' % interface)


class Probe:
    """One node's probe: listen on the group while sending its own datagrams, for a bounded time."""

    def __init__(self, group, port, ttl, interface, name, expect=(), duration=3.0, count=10, token='',
                 clock=time.monotonic):
        self.group = group
        self.port = port
        self.ttl = ttl
        self.interface = interface
        self.name = name
        self.expect = set(expect) - set([name])
        self.duration = duration
        self.interval = duration / count
        self.token = token
        self.clock = clock
        self.heard = {}          # name -> source address
        self.heard_by = set()
        self.errors = []
        self.sent = 0
        self.received = 0
        self.receiver = None
        self.sender = None
        self.send_failed = False

    # -- sockets --------------------------------------------------------------------------------------------
    def open_receiver(self):
        """The socket receiving the group; None (and an error recorded) when it cannot be opened."""
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM, socket.IPPROTO_UDP)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if hasattr(socket, 'SO_REUSEPORT'):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
            try:
                # Bound to the group address: only datagrams sent to this group arrive, not other traffic on the port.
                sock.bind((self.group, self.port))
            except OSError as error:
                hint = ''
                if error.errno == errno.EADDRINUSE:
                    hint = ' (a process holds the port without allowing it to be shared; probe another port)'
                self.errors.append('cannot bind %s:%d: %s%s' % (self.group, self.port, to_native(error), hint))
                sock.close()
                return None
            membership = socket.inet_aton(self.group) + socket.inet_aton(self.interface)
            try:
                sock.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, membership)
            except OSError as error:
                hint = ''
                if self.interface == '0.0.0.0' and error.errno == errno.ENODEV:
                    hint = ' (interface 0.0.0.0 needs a route for 224.0.0.0/4 or a default route)'
                self.errors.append('cannot join multicast group %s on interface %s: %s%s'
                                   % (self.group, self.interface, to_native(error), hint))
                sock.close()
                return None
        except Exception:
            sock.close()
            raise
        return sock

    def open_sender(self):
        """The socket sending to the group (from the interface when one is given)."""
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM, socket.IPPROTO_UDP)
        try:
            sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, self.ttl)
            sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_LOOP, 1)
            if self.interface != '0.0.0.0':
                sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(self.interface))
                sock.bind((self.interface, 0))
        except OSError as error:
            self.errors.append('cannot prepare sending from interface %s: %s' % (self.interface, to_native(error)))
            sock.close()
            return None
        return sock

    # -- datagrams ------------------------------------------------------------------------------------------
    def message(self, final=False):
        return json.dumps(dict(proto=PROTO, token=self.token, name=self.name, seq=self.sent,
                               heard=sorted(self.heard), final=final), sort_keys=True).encode('utf-8')

    def send(self, final=False):
        if self.sender is None:
            return
        try:
            self.sender.sendto(self.message(final), (self.group, self.port))
        except OSError as error:
            if not self.send_failed:
                hint = ''
                if self.interface == '0.0.0.0' and error.errno == errno.ENETUNREACH:
                    hint = ' (interface 0.0.0.0 needs a route for 224.0.0.0/4 or a default route)'
                self.errors.append('cannot send to %s:%d from interface %s: %s%s'
                                   % (self.group, self.port, self.interface, to_native(error), hint))
            self.send_failed = True
            return
        self.sent += 1

    def accept(self, data, address):
        """Take one received datagram; True when it told us something new (a new node, or it heard us)."""
        try:
            message = json.loads(data.decode('utf-8'))
        except (UnicodeDecodeError, ValueError):
            return False
        if not isinstance(message, dict) or message.get('proto') != PROTO:
            return False
        sender = message.get('name')
        if not isinstance(sender, str) or not sender or sender == self.name:
            return False
        if self.token and message.get('token') != self.token:
            return False
        self.received += 1
        news = False
        if sender not in self.heard:
            self.heard[sender] = address
            news = True
        heard = message.get('heard')
        if isinstance(heard, list) and self.name in heard and sender not in self.heard_by:
            self.heard_by.add(sender)
            news = True
        return news

    def complete(self):
        """Every expected node heard, and every one of them has heard this node."""
        return bool(self.expect) and self.expect <= set(self.heard) and self.expect <= self.heard_by

    # -- the run --------------------------------------------------------------------------------------------
    def run(self):
        started = self.clock()
        deadline = started + self.duration
        self.receiver = self.open_receiver()
        self.sender = self.open_sender()
        try:
            self.send()
            next_send = started + self.interval
            while not self.complete():
                if self.receiver is None and (self.sender is None or self.send_failed):
                    break  # can neither hear nor be heard: waiting proves nothing
                now = self.clock()
                if now >= deadline:
                    break
                if now >= next_send:
                    self.send()
                    next_send = now + self.interval
                    continue
                wait = max(0.0, min(next_send, deadline) - now)
                if self.receiver is None:
                    time.sleep(wait)
                    continue
                ready = select.select([self.receiver], [], [], wait)[0]
                if not ready:
                    continue
                try:
                    data, source = self.receiver.recvfrom(MAX_DATAGRAM)
                except OSError:
                    continue
                if self.accept(data, source[0]):
                    self.send()  # tell the others at once what we heard
            if self.complete():
                self.send(final=True)
        finally:
            for sock in (self.receiver, self.sender):
                if sock is not None:
                    sock.close()
        return self.result(self.clock() - started)

    def result(self, elapsed):
        missing = sorted(self.expect - set(self.heard))
        return dict(
            changed=False,
            ok=not missing and not self.errors,
            heard=sorted(self.heard),
            missing=missing,
            heard_by=sorted(self.heard_by),
            senders=dict(self.heard),
            errors=list(self.errors),
            sent=self.sent,
            received=self.received,
            elapsed=round(elapsed, 3),
            name=self.name,
            group=self.group,
            port=self.port,
            ttl=self.ttl,
            interface=self.interface,
            token=self.token,
        )


def main():
    argument_spec = dict(
        group=dict(type='str', default='232.0.0.1'),
        port=dict(type='int', default=11111),
        ttl=dict(type='int', default=1),
        interface=dict(type='str', default='0.0.0.0'),
        name=dict(type='str'),
        expect=dict(type='list', elements='str', default=[]),
        duration=dict(type='float', default=3.0),
        count=dict(type='int', default=10),
        token=dict(type='str', default='', no_log=False),
        fail_on_missing=dict(type='bool', default=True),
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    params = dict(module.params)
    if params['name'] is None:
        params['name'] = socket.gethostname()
    try:
        validate(params)
    except ProbeParameterError as error:
        module.fail_json(msg=to_native(error))
    probe = Probe(params['group'], params['port'], params['ttl'], params['interface'], params['name'],
                  expect=params['expect'], duration=params['duration'], count=params['count'], token=params['token'])
    result = probe.run()
    if not result['ok'] and params['fail_on_missing']:
        problems = []
        if result['missing']:
            problems.append('did not hear %s' % ', '.join(result['missing']))
        problems.extend(result['errors'])
        where = '%s on %s:%d (interface %s)' % (params['name'], params['group'], params['port'], params['interface'])
        module.fail_json(msg='%s: %s' % (where, '; '.join(problems)), **result)
    module.exit_json(**result)


if __name__ == '__main__':
    main()
