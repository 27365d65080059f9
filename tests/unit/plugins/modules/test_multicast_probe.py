# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of drweb.cluster.multicast_probe.

The network path is real: several probes run at once in threads on the loopback interface (interface 127.0.0.1,
TTL 0, an administratively scoped group 239.255.0.0/16 and a free port), so the datagrams never leave this host.
Failures the loopback cannot produce (no multicast route) are simulated with a fake socket; the lab test
(tests/integration/test_multicast_probe.py) produces them for real.
"""

from __future__ import annotations

import errno
import json
import random
import socket
import threading
import time

import pytest

import yaml

from ansible_collections.drweb.cluster.plugins.modules import multicast_probe
from ansible_collections.drweb.cluster.plugins.modules.multicast_probe import PROTO, Probe
from ansible_collections.drweb.cluster.tests.unit.plugins.modules.utils import (
    AnsibleFailJson,
    run_module,
)

LOOPBACK = '127.0.0.1'


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind((LOOPBACK, 0))
        return sock.getsockname()[1]


@pytest.fixture
def endpoint():
    """A group and port of this test only, on the loopback interface."""
    return dict(group='239.255.%d.%d' % (random.randint(1, 254), random.randint(1, 254)), port=free_port(),
                ttl=0, interface=LOOPBACK)


def local(endpoint, **extra):
    """Module args probing on the loopback endpoint."""
    args = dict(endpoint)
    args.update(extra)
    return args


def run_probes(endpoint, names, expect=None, stagger=0.0, **options):
    """Run one Probe per name at once (each in a thread, started stagger seconds apart); name -> result."""
    results = {}
    options.setdefault('duration', 2.0)

    def work(name):
        results[name] = Probe(endpoint['group'], endpoint['port'], endpoint['ttl'], endpoint['interface'], name,
                              expect=names if expect is None else expect, **options).run()

    threads = []
    for name in names:
        thread = threading.Thread(target=work, args=(name,))
        thread.start()
        threads.append(thread)
        time.sleep(stagger)
    for thread in threads:
        thread.join(timeout=30)
    assert set(results) == set(names)
    return results


def fail(args):
    with pytest.raises(AnsibleFailJson) as failure:
        run_module(multicast_probe, args)
    return failure.value.result


# ---------------------------------------------------------------------------------------------------------------
# Real datagrams on the loopback interface
# ---------------------------------------------------------------------------------------------------------------
def test_three_nodes_hear_each_other_and_stop_early(endpoint):
    names = ['node1', 'node2', 'node3']
    results = run_probes(endpoint, names, duration=5.0)
    for name in names:
        result = results[name]
        others = sorted(set(names) - {name})
        assert result['ok'] is True, result
        assert result['heard'] == others
        assert result['missing'] == []
        assert result['errors'] == []
        assert result['senders'] == dict((other, LOOPBACK) for other in others)
        assert result['changed'] is False
        assert result['elapsed'] < 4.0, 'a complete probe stops before its duration'
    assert any(results[name]['heard_by'] == sorted(set(names) - {name}) for name in names)


def test_nodes_started_apart_within_duration_still_hear_each_other(endpoint):
    results = run_probes(endpoint, ['node1', 'node2'], stagger=0.6, duration=3.0, count=10)
    assert results['node1']['heard'] == ['node2']
    assert results['node2']['heard'] == ['node1']


def test_missing_node_is_named_after_the_whole_duration(endpoint):
    results = run_probes(endpoint, ['node1', 'node2'], expect=['node1', 'node2', 'ghost'], duration=0.6, count=3)
    for name, other in (('node1', 'node2'), ('node2', 'node1')):
        assert results[name]['heard'] == [other]
        assert results[name]['missing'] == ['ghost']
        assert results[name]['ok'] is False
        assert results[name]['elapsed'] >= 0.55
        assert results[name]['sent'] >= 3


def test_other_token_is_not_counted(endpoint):
    results = {}

    def work(name, token):
        results[name] = Probe(endpoint['group'], endpoint['port'], 0, LOOPBACK, name, expect=['a', 'b'],
                              duration=0.5, count=5, token=token).run()

    threads = [threading.Thread(target=work, args=args) for args in (('a', 'run-1'), ('b', 'run-2'))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert results['a']['heard'] == [] and results['a']['missing'] == ['b']
    assert results['b']['heard'] == [] and results['b']['missing'] == ['a']


def test_without_expect_listens_for_the_whole_duration(endpoint):
    results = run_probes(endpoint, ['a', 'b'], expect=[], duration=0.5, count=2)
    for name, other in (('a', 'b'), ('b', 'a')):
        assert results[name]['heard'] == [other]
        assert results[name]['missing'] == []
        assert results[name]['ok'] is True
        assert results[name]['elapsed'] >= 0.45


def test_port_shared_with_a_running_server_socket(endpoint):
    """A process already on the port with SO_REUSEADDR (as drwcsd's double binds it) does not stop the probe."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as server:
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind((endpoint['group'], endpoint['port']))
        results = run_probes(endpoint, ['node1', 'node2'], duration=3.0)
    assert results['node1']['heard'] == ['node2'] and results['node1']['errors'] == []
    assert results['node2']['heard'] == ['node1'] and results['node2']['errors'] == []


def test_port_held_without_sharing_is_reported(endpoint):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as holder:
        holder.bind((endpoint['group'], endpoint['port']))
        result = Probe(endpoint['group'], endpoint['port'], 0, LOOPBACK, 'node1', expect=['node2'], duration=0.3).run()
    assert result['ok'] is False
    assert len(result['errors']) == 1
    assert 'cannot bind %s:%d' % (endpoint['group'], endpoint['port']) in result['errors'][0]
    assert 'Address already in use' in result['errors'][0]
    assert 'probe another port' in result['errors'][0]


def test_datagrams_are_the_documented_json(endpoint):
    """A listener sees the probe's JSON: proto, token, name, heard."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as listener:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((endpoint['group'], endpoint['port']))
        listener.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP,
                            socket.inet_aton(endpoint['group']) + socket.inet_aton(LOOPBACK))
        listener.settimeout(5)
        result = Probe(endpoint['group'], endpoint['port'], 0, LOOPBACK, 'node1', duration=0.2, count=2,
                       token='t0k').run()
        message = json.loads(listener.recv(65535).decode('utf-8'))
    assert result['sent'] >= 1
    assert message['proto'] == PROTO
    assert message['token'] == 't0k'
    assert message['name'] == 'node1'
    assert message['heard'] == []


# ---------------------------------------------------------------------------------------------------------------
# The module
# ---------------------------------------------------------------------------------------------------------------
def test_module_alone_fails_naming_the_missing_nodes(endpoint):
    result = fail(local(endpoint, name='node1', expect=['node1', 'node2', 'node3'], duration=0.3, count=2))
    assert result['msg'].startswith('node1 on %s:%d (interface 127.0.0.1): did not hear node2, node3'
                                    % (endpoint['group'], endpoint['port']))
    assert result['missing'] == ['node2', 'node3']
    assert result['ok'] is False


def test_module_returns_ok_false_without_fail_on_missing(endpoint):
    result = run_module(multicast_probe, local(endpoint, name='node1', expect=['node2'], duration=0.3,
                                               fail_on_missing=False))
    assert result['ok'] is False
    assert result['missing'] == ['node2']
    assert 'failed' not in result


def test_module_in_check_mode_runs_the_probe(endpoint):
    result = run_module(multicast_probe, local(endpoint, name='node1', duration=0.2, count=2), check_mode=True)
    assert result['changed'] is False
    assert result['ok'] is True
    assert result['sent'] >= 1
    assert (result['group'], result['port'], result['ttl'], result['interface']) == \
        (endpoint['group'], endpoint['port'], 0, LOOPBACK)


def test_module_name_defaults_to_the_host_name(endpoint):
    result = run_module(multicast_probe, local(endpoint, duration=0.1, count=1))
    assert result['name'] == socket.gethostname()


def test_module_two_nodes_in_parallel(endpoint):
    """Two module runs at once, as Ansible runs the task on every Server."""
    results = {}

    def work(name):
        results[name] = multicast_probe.Probe(endpoint['group'], endpoint['port'], 0, LOOPBACK, name,
                                              expect=['node1', 'node2'], duration=3.0).run()
    thread = threading.Thread(target=work, args=('node2',))
    thread.start()
    result = run_module(multicast_probe, local(endpoint, name='node1', expect=['node1', 'node2'], duration=3.0))
    thread.join(timeout=30)
    assert result['heard'] == ['node2'] and result['ok'] is True
    assert results['node2']['heard'] == ['node1']


def test_documented_defaults_are_the_cluster_defaults():
    options = yaml.safe_load(multicast_probe.DOCUMENTATION)['options']
    assert (options['group']['default'], options['port']['default'], options['ttl']['default'],
            options['interface']['default'], options['duration']['default']) == ('232.0.0.1', 11111, 1, '0.0.0.0', 3.0)


# ---------------------------------------------------------------------------------------------------------------
# Validation: a clear error naming the option, before anything is sent
# ---------------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize('args, words', [
    (dict(group='10.0.0.1'), ['group', '10.0.0.1', '224.0.0.0/4']),
    (dict(group='240.0.0.1'), ['group', '240.0.0.1']),
    (dict(group='223.255.255.255'), ['group']),
    (dict(group='cluster.example.com'), ['group', 'cluster.example.com']),
    (dict(group='232.0.0'), ['group']),
    (dict(group='232.0.0.256'), ['group']),
    (dict(port=0), ['port 0', '1-65535']),
    (dict(port=65536), ['port 65536', '1-65535']),
    (dict(port=-5), ['port -5']),
    (dict(ttl=256), ['ttl 256']),
    (dict(ttl=-1), ['ttl -1']),
    (dict(duration=0), ['duration']),
    (dict(duration=61), ['duration', '60']),
    (dict(count=0), ['count 0']),
    (dict(name=' '), ['name']),
    (dict(interface='eth0'), ['interface', 'eth0', 'not an IPv4 address']),
    (dict(interface='192.0.2.77'), ['interface 192.0.2.77', 'not an address of this host']),
], ids=str)
def test_invalid_options_fail_naming_the_option(args, words, monkeypatch):
    sent = []
    monkeypatch.setattr(multicast_probe.Probe, 'run', lambda self: sent.append(self) or {})
    full = dict(name='node1')
    full.update(args)
    result = fail(full)
    for word in words:
        assert word in result['msg']
    assert sent == [], 'nothing may be sent before the options are valid'


def test_group_boundaries_are_accepted():
    for group in ('224.0.0.1', '232.0.0.1', '239.255.255.255'):
        multicast_probe.validate(dict(group=group, port=1, ttl=0, duration=0.1, count=1, name='n', interface='0.0.0.0'))


def test_interface_on_the_host_is_accepted():
    multicast_probe.validate(dict(group='232.0.0.1', port=65535, ttl=255, duration=60, count=1000, name='n',
                                  interface=LOOPBACK))
    assert multicast_probe.interface_present(LOOPBACK) is True
    assert multicast_probe.interface_present('192.0.2.77') is False


# ---------------------------------------------------------------------------------------------------------------
# What the loopback cannot produce: no route for 224.0.0.0/4 (simulated)
# ---------------------------------------------------------------------------------------------------------------
class NoRouteSocket:
    """A socket of a host without any multicast route: joining and sending fail as the kernel fails them."""

    def __init__(self, *args):
        self.args = args

    def setsockopt(self, level, option, value):
        if (level, option) == (socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP):
            raise OSError(errno.ENODEV, 'No such device')

    def bind(self, address):
        pass

    def sendto(self, data, address):
        raise OSError(errno.ENETUNREACH, 'Network is unreachable')

    def close(self):
        pass


def test_no_multicast_route_is_reported_and_stops_at_once(monkeypatch):
    monkeypatch.setattr(multicast_probe.socket, 'socket', NoRouteSocket)
    started = time.monotonic()
    result = Probe('232.0.0.1', 11111, 1, '0.0.0.0', 'node3', expect=['node1', 'node3'], duration=5).run()
    assert time.monotonic() - started < 1, 'a node that can neither hear nor send stops at once'
    assert result['ok'] is False
    assert result['missing'] == ['node1']
    assert result['sent'] == 0
    assert result['errors'] == [
        'cannot join multicast group 232.0.0.1 on interface 0.0.0.0: [Errno 19] No such device '
        '(interface 0.0.0.0 needs a route for 224.0.0.0/4 or a default route)',
        'cannot send to 232.0.0.1:11111 from interface 0.0.0.0: [Errno 101] Network is unreachable '
        '(interface 0.0.0.0 needs a route for 224.0.0.0/4 or a default route)',
    ]


def test_module_fails_with_the_errors(monkeypatch):
    monkeypatch.setattr(multicast_probe.socket, 'socket', NoRouteSocket)
    result = fail(dict(name='node3', expect=['node1', 'node2', 'node3'], duration=1))
    assert 'node3 on 232.0.0.1:11111 (interface 0.0.0.0): did not hear node1, node2' in result['msg']
    assert 'No such device' in result['msg'] and 'Network is unreachable' in result['msg']


# ---------------------------------------------------------------------------------------------------------------
# Datagram handling
# ---------------------------------------------------------------------------------------------------------------
def datagram(**fields):
    message = dict(proto=PROTO, token='t', name='node2', heard=[])
    message.update(fields)
    return json.dumps(message).encode('utf-8')


def test_accept_ignores_what_is_not_this_run():
    probe = Probe('232.0.0.1', 11111, 1, '0.0.0.0', 'node1', expect=['node2'], token='t')
    assert probe.accept(b'\xff\xfe not json', '10.0.0.2') is False
    assert probe.accept(b'[1, 2]', '10.0.0.2') is False
    assert probe.accept(datagram(proto='drwcsd-double-cluster/1'), '10.0.0.2') is False
    assert probe.accept(datagram(token='other'), '10.0.0.2') is False
    assert probe.accept(datagram(name='node1'), '10.0.0.1') is False
    assert probe.accept(datagram(name=''), '10.0.0.2') is False
    assert probe.received == 0 and probe.heard == {}


def test_accept_records_senders_and_who_heard_us():
    probe = Probe('232.0.0.1', 11111, 1, '0.0.0.0', 'node1', expect=['node1', 'node2'], token='t')
    assert probe.accept(datagram(), '10.0.0.2') is True
    assert probe.complete() is False
    assert probe.accept(datagram(), '10.0.0.2') is False
    assert probe.accept(datagram(heard=['node1']), '10.0.0.2') is True
    assert probe.complete() is True
    assert probe.heard == {'node2': '10.0.0.2'} and probe.heard_by == {'node2'} and probe.received == 3


def test_without_token_any_run_counts():
    probe = Probe('232.0.0.1', 11111, 1, '0.0.0.0', 'node1')
    assert probe.accept(datagram(token='whatever'), '10.0.0.2') is True
