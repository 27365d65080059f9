# Copyright (c) drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The lab itself: hosts, isolation, multicast, PostgreSQL, DNS, update zone, network safety, down/up.

Order: ``test_down_leaves_nothing_then_up_again`` is marked ``lab_cycle``; conftest.py moves every ``lab_cycle``
test to the very end of the session (whatever module it is in), so all other tests run against the lab first and
the cycle leaves a fresh lab up for whatever runs next.  ``-m lab_cycle`` runs it alone, ``-m "not lab_cycle"``
skips it.
"""

from __future__ import annotations

import base64
import ipaddress
import json
import os
import re
import secrets
import selectors
import subprocess
import time

import pytest

RECEIVER = r"""
import socket, struct, sys
group, port, token, timeout = sys.argv[1], int(sys.argv[2]), sys.argv[3], float(sys.argv[4])
sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM, socket.IPPROTO_UDP)
sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
sock.bind((group, port))
# join on whatever interface the routing table picks for the group (the lab's 224.0.0.0/4 route)
sock.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, struct.pack("4s4s", socket.inet_aton(group), socket.inet_aton("0.0.0.0")))
print("listening", flush=True)
sock.settimeout(timeout)
try:
    while True:
        data, src = sock.recvfrom(4096)
        if data.decode(errors="replace") == token:
            print("got %s from %s" % (token, src[0]), flush=True)
            break
except socket.timeout:
    print("timeout", flush=True)
    sys.exit(1)
"""

SENDER = r"""
import socket, sys, time
group, port, token = sys.argv[1], int(sys.argv[2]), sys.argv[3]
sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM, socket.IPPROTO_UDP)
sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 1)
# no IP_MULTICAST_IF: like a plain application, rely on the host's multicast route
for _ in range(5):
    sock.sendto(token.encode(), (group, port))
    time.sleep(0.2)
print("sent", flush=True)
"""

PSYCOPG = r"""
import os, psycopg
with psycopg.connect(host=os.environ["PGHOST"], port=5432, user="postgres", password=os.environ["PGPASSWORD"],
                     dbname="postgres", connect_timeout=5) as conn:
    print(conn.execute("SELECT 1").fetchone()[0])
"""


def nodes_of(lab_groups: dict) -> list[str]:
    """The drweb_servers hosts in inventory order."""
    nodes = lab_groups["drweb_servers"]
    assert nodes, "the inventory has no drweb_servers host"
    return nodes


def all_hosts(lab_groups: dict) -> list[str]:
    """Every lab host."""
    return [h for hosts in lab_groups.values() for h in hosts]


def test_inventory_has_the_lab_groups(lab_groups, lab_hosts, lab_vars):
    """The groups the playbooks use, each host with its lab address."""
    assert lab_groups["drweb_database"] == ["db1"]
    assert lab_groups["drweb_dns"] == ["dns1"]
    assert lab_groups["drweb_update_zone"] == ["zone1"]
    assert nodes_of(lab_groups) == ["node%d" % i for i in range(1, lab_vars["lab_nodes"] + 1)]
    subnet = ipaddress.ip_network(lab_vars["lab_subnet"])
    addresses = [ipaddress.ip_address(v["ansible_host"]) for v in lab_hosts.values()]
    assert all(a in subnet for a in addresses)
    assert len(set(addresses)) == len(addresses)
    assert lab_hosts["dns1"]["ansible_host"] == lab_vars["lab_dns_server"]
    assert "ProxyCommand" in lab_vars["ansible_ssh_common_args"]


def test_tsig_secret_is_base64_holding_plus_slash_and_padding(lab_vars):
    """The lab's TSIG secret decodes to 32 bytes and holds '+', '/' and '=': the DNS tests and the fault matrix's
    search for secrets then cover every character base64 adds to letters and digits (a lab made before this rule:
    lab.py down, then up)."""
    secret = lab_vars["lab_tsig_key_secret"]
    assert len(base64.b64decode(secret, validate=True)) == 32
    assert "+" in secret and "/" in secret and secret.endswith("="), "lab TSIG secret lacks + / or =: %s" % secret


def test_every_host_reachable_by_ssh_as_root(lab_groups, lab_host):
    """testinfra over the inventory's ssh settings logs in as root on every host."""
    failures = {}
    for name in all_hosts(lab_groups):
        result = lab_host(name).run("id -un")
        if result.rc != 0 or result.stdout.strip() != "root":
            failures[name] = (result.rc, result.stdout, result.stderr)
    assert not failures


def test_hostnames_are_distinct_and_match_inventory(lab_groups, lab_host):
    """Each host has its own UTS namespace with hostname = inventory name."""
    names = all_hosts(lab_groups)
    seen = {name: lab_host(name).check_output("hostname") for name in names}
    assert seen == {name: name for name in names}
    assert len(set(seen.values())) == len(names)


def test_each_host_has_its_own_root(lab_groups, lab_host):
    """A file written on node1's / is absent on another host's and on the machine's own /."""
    first = nodes_of(lab_groups)[0]
    other = nodes_of(lab_groups)[1] if len(nodes_of(lab_groups)) > 1 else "db1"
    marker = "/root/drwlab-marker-%s" % secrets.token_hex(4)
    node1 = lab_host(first)
    try:
        node1.run_expect([0], "echo %s > %s" % (first, marker))
        assert node1.file(marker).content_string.strip() == first
        assert not lab_host(other).file(marker).exists
        assert not os.path.exists(marker), "a host wrote through to the machine's real /"
    finally:
        node1.run("rm -f %s" % marker)


def test_hosts_file_and_resolver_point_at_the_lab(lab_groups, lab_hosts, lab_host, lab_vars):
    """/etc/hosts lists every lab host; /etc/resolv.conf points at dns1."""
    node1 = lab_host(nodes_of(lab_groups)[0])
    for name, hostvars in lab_hosts.items():
        assert node1.check_output("getent hosts %s" % name).split()[0] == hostvars["ansible_host"]
    assert "nameserver %s" % lab_vars["lab_dns_server"] in node1.file("/etc/resolv.conf").content_string


def _read_line(proc: subprocess.Popen, deadline: float) -> str:
    """One stdout line of a background process, or '' at the deadline."""
    with selectors.DefaultSelector() as sel:
        sel.register(proc.stdout, selectors.EVENT_READ)
        if not sel.select(timeout=max(0.0, deadline - time.monotonic())):
            return ""
    return proc.stdout.readline().strip()


def test_multicast_from_node1_reaches_every_other_host(lab_groups, lab_spawn, lab_exec):
    """A UDP datagram to 232.0.0.1:11111 sent on node1 is received on every other lab host."""
    sender = nodes_of(lab_groups)[0]
    receivers = [h for h in all_hosts(lab_groups) if h != sender]
    token = "drwlab-mcast-%s" % secrets.token_hex(4)
    procs = {h: lab_spawn(h, ["/usr/bin/python3", "-c", RECEIVER, "232.0.0.1", "11111", token, "10"]) for h in receivers}
    try:
        deadline = time.monotonic() + 15
        listening = {h: _read_line(p, deadline) for h, p in procs.items()}
        assert listening == {h: "listening" for h in receivers}
        sent = lab_exec(sender, ["/usr/bin/python3", "-c", SENDER, "232.0.0.1", "11111", token], timeout=20)
        assert sent.returncode == 0, sent.stderr
        got = {}
        for host, proc in procs.items():
            out, err = proc.communicate(timeout=20)
            got[host] = (proc.returncode, out.strip().splitlines()[-1:], err.strip()[-300:])
        assert {h: g[0] for h, g in got.items()} == {h: 0 for h in receivers}, got
        assert all(g[1] and g[1][0].startswith("got %s" % token) for g in got.values()), got
    finally:
        for proc in procs.values():
            if proc.poll() is None:
                proc.kill()
                proc.communicate()


def test_psycopg_on_node1_reaches_postgresql_on_db1(lab_groups, lab_host, lab_vars):
    """Debian's psycopg on node1 logs into db1's PostgreSQL 15 with the lab password; a wrong one is refused."""
    node1 = lab_host(nodes_of(lab_groups)[0])
    ok = node1.run("PGHOST=%s PGPASSWORD=%s /usr/bin/python3 -c %s", lab_vars["lab_postgres_host"], lab_vars["lab_postgres_password"], PSYCOPG)
    assert ok.rc == 0, ok.stderr
    assert ok.stdout.strip() == "1"
    bad = node1.run("PGHOST=%s PGPASSWORD=%s /usr/bin/python3 -c %s", lab_vars["lab_postgres_host"], "not-the-password", PSYCOPG)
    assert bad.rc != 0
    assert "password authentication failed" in bad.stderr


def test_postgresql_15_listens_on_db1(lab_host, lab_vars):
    """db1 runs Debian's PostgreSQL 15 on its lab address; the postgres OS user gets in over the local socket."""
    db1 = lab_host("db1")
    version = db1.check_output("runuser -u postgres -- psql -XAtc 'SHOW server_version'")
    assert version.startswith("15.")
    assert db1.socket("tcp://%s:5432" % lab_vars["lab_postgres_host"]).is_listening


def _nsupdate(host, lab_vars: dict, secret: str, lines: list[str]):
    """Run nsupdate on a testinfra host with a TSIG key."""
    script = "\n".join(["server %s" % lab_vars["lab_dns_server"], "zone %s" % lab_vars["lab_dns_zone"]] + lines + ["send", ""])
    key = "%s:%s:%s" % (lab_vars["lab_tsig_key_algorithm"], lab_vars["lab_tsig_key_name"], secret)
    return host.run("echo %s | nsupdate -t 5 -y %s", script, key)


def test_nsupdate_on_node1_with_lab_key_resolves_on_node2(lab_groups, lab_host, lab_vars):
    """A TSIG-signed dynamic update from node1 is served by dns1 to node2; an update with a wrong key is refused."""
    nodes = nodes_of(lab_groups)
    node1, node2 = lab_host(nodes[0]), lab_host(nodes[1] if len(nodes) > 1 else "db1")
    label = "t-%s" % secrets.token_hex(4)
    fqdn = "%s.%s" % (label, lab_vars["lab_dns_zone"])
    dig = "dig +short +time=2 +tries=2 @%s %s A"
    try:
        added = _nsupdate(node1, lab_vars, lab_vars["lab_tsig_key_secret"], ["update delete %s A" % fqdn, "update add %s 60 A 10.213.0.99" % fqdn])
        assert added.rc == 0, added.stdout + added.stderr
        assert node2.check_output(dig, lab_vars["lab_dns_server"], fqdn) == "10.213.0.99"
        wrong = base64.b64encode(secrets.token_bytes(32)).decode("ascii")
        forged = _nsupdate(node1, lab_vars, wrong, ["update add forged-%s 60 A 10.213.0.98" % fqdn])
        assert forged.rc != 0
        assert node2.check_output(dig, lab_vars["lab_dns_server"], "forged-" + fqdn) == ""
    finally:
        _nsupdate(node1, lab_vars, lab_vars["lab_tsig_key_secret"], ["update delete %s A" % fqdn])


def test_lab_hosts_resolve_in_the_lab_zone(lab_groups, lab_host, lab_hosts, lab_vars):
    """dns1 answers for every lab host in the lab zone."""
    node = lab_host(nodes_of(lab_groups)[-1])
    for name, hostvars in lab_hosts.items():
        fqdn = "%s.%s" % (name, lab_vars["lab_dns_zone"])
        assert node.check_output("dig +short +time=2 +tries=2 @%s %s A", lab_vars["lab_dns_server"], fqdn) == hostvars["ansible_host"]


def test_update_zone_serves_a_file_to_node3(lab_groups, lab_host, lab_vars):
    """A file put under the update zone root on zone1 is downloaded by node3 over HTTP."""
    nodes = nodes_of(lab_groups)
    zone1, client = lab_host("zone1"), lab_host(nodes[2] if len(nodes) > 2 else nodes[-1])
    name = "lab-test-%s.txt" % secrets.token_hex(4)
    content = "served by zone1 %s" % secrets.token_hex(8)
    target = "%s/%s" % (lab_vars["lab_update_zone_root"], name)
    try:
        zone1.run_expect([0], "echo %s > %s", content, target)
        got = client.run("curl -fsS --max-time 5 %s", lab_vars["lab_update_zone_url"] + name)
        assert got.rc == 0, got.stderr
        assert got.stdout.strip() == content
        index = client.run("curl -fsS --max-time 5 %s", lab_vars["lab_update_zone_url"] + "index.txt")
        assert index.rc == 0 and "update zone" in index.stdout
    finally:
        zone1.run("rm -f %s", target)


def test_update_zone_serves_the_seeded_revisions(lab_groups, lab_host, lab_vars, lab_py):
    """From lab.py up on (and after zone-reset), the zone serves every product in two revisions, newest last."""
    assert lab_py("zone-reset").returncode == 0
    seeded = lab_vars["lab_update_zone_revisions"]
    assert len(seeded) == 2 and seeded == sorted(seeded)
    client = lab_host(nodes_of(lab_groups)[-1])
    products = client.run("curl -fsS --max-time 5 %s", lab_vars["lab_update_zone_url"] + "products.txt")
    assert products.rc == 0, products.stderr
    assert products.stdout.split() == ["05-drwmeta", "10-drwbases", "20-drwcs", "80-drwnews"]
    for product in products.stdout.split():
        revisions = client.run("curl -fsS --max-time 5 %s", lab_vars["lab_update_zone_url"] + product + "/revisions.txt")
        assert revisions.rc == 0 and revisions.stdout.split() == seeded, (product, revisions.stdout, revisions.stderr)


def test_root_namespace_blackholes_the_lab_and_has_no_lab_address(lab_vars):
    """While the lab is up the machine's own namespace has the blackhole route and no lab address."""
    subnet = ipaddress.ip_network(lab_vars["lab_subnet"])
    blackhole = str(subnet.supernet(new_prefix=16))
    routes = subprocess.run(["ip", "route", "show", "type", "blackhole"], capture_output=True, text=True, check=True, timeout=10).stdout
    assert "blackhole %s" % blackhole in routes
    addrs = subprocess.run(["ip", "-4", "-o", "addr", "show"], capture_output=True, text=True, check=True, timeout=10).stdout
    assert not [a for a in re.findall(r"inet (\S+)/", addrs) if ipaddress.ip_address(a) in subnet]
    # the same for the lab's IPv6 prefix
    prefix = ipaddress.ip_network(lab_vars["lab_ipv6_prefix"])
    routes6 = subprocess.run(["ip", "-6", "route", "show", "type", "blackhole"], capture_output=True, text=True, check=True, timeout=10).stdout
    assert "blackhole %s" % prefix in routes6
    addrs6 = subprocess.run(["ip", "-6", "-o", "addr", "show"], capture_output=True, text=True, check=True, timeout=10).stdout
    assert not [a for a in re.findall(r"inet6 (\S+)/", addrs6) if ipaddress.ip_address(a) in prefix]


def test_exec_runs_inside_the_host(lab_groups, lab_exec):
    """lab.py exec enters the host: its hostname, its own /, its lab address."""
    name = nodes_of(lab_groups)[0]
    result = lab_exec(name, "hostname; ip -4 -o addr show dev eth0", timeout=20)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == name


def _state(lab_vars: dict) -> dict:
    with open(os.path.join(lab_vars["lab_state_dir"], "state.json"), encoding="utf-8") as handle:
        return json.load(handle)


def test_up_again_is_fast_and_changes_nothing(lab_py, lab_vars):
    """A second 'up' finds the lab up and leaves every host process as it was."""
    before = {h["name"]: h["pid"] for h in _state(lab_vars)["hosts"]}
    started = time.monotonic()
    result = lab_py("up")
    elapsed = time.monotonic() - started
    assert result.returncode == 0, result.stderr
    assert "already up" in result.stdout
    assert elapsed < 5
    assert {h["name"]: h["pid"] for h in _state(lab_vars)["hosts"]} == before


@pytest.mark.parametrize("nodes", ["0", "13", "-1"])
def test_up_rejects_node_counts_outside_1_to_12(lab_py, lab_vars, nodes):
    """--nodes outside 1..12 is refused with a clear message and the lab is untouched."""
    before = _state(lab_vars)
    result = lab_py("up", "--nodes", nodes)
    assert result.returncode != 0
    assert "between 1 and 12" in result.stderr
    assert _state(lab_vars) == before


def test_up_with_another_node_count_says_to_run_down(lab_py, lab_vars):
    """'up --nodes M' on a lab of N != M nodes refuses, names the way out, and changes nothing."""
    before = _state(lab_vars)
    other = before["nodes"] + 1 if before["nodes"] < 12 else before["nodes"] - 1
    result = lab_py("up", "--nodes", str(other))
    assert result.returncode != 0
    assert "down" in result.stderr and "--recreate" in result.stderr
    assert _state(lab_vars) == before


def _lab_pids(prefix: str) -> set[str]:
    """Pids of every process inside this lab's network namespaces (other labs on the machine are not ours)."""
    netns = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True, check=True, timeout=10).stdout
    pids = set()
    for name in netns.split():
        if name.startswith(prefix + "-"):
            listed = subprocess.run(["ip", "netns", "pids", name], capture_output=True, text=True, check=False, timeout=10)
            pids.update(listed.stdout.split())
    return pids


def _ipv6_prefix(subnet: str) -> ipaddress.IPv6Network:
    """The lab's IPv6 /48 for its IPv4 subnet (tests/lab/lab.py ipv6_prefix)."""
    first, second = ipaddress.ip_network(subnet).network_address.packed[:2]
    return ipaddress.IPv6Network("fd64:%x::/48" % (first * 256 + second))


HOLDERS = "/run/drweb-lab-blackholes"


def _holders_dir(subnet: str) -> str:
    return os.path.join(HOLDERS, str(ipaddress.ip_network(subnet).supernet(new_prefix=16)).replace("/", "_"))


def _other_holders(prefix: str, subnet: str) -> list:
    """Other labs (prefixes) of the same /16 that hold its blackhole and still have namespaces."""
    try:
        holders = os.listdir(_holders_dir(subnet))
    except FileNotFoundError:
        return []
    namespaces = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True, check=True, timeout=10).stdout.split()
    return [other for other in holders if other != prefix and any(name.startswith(other + "-") for name in namespaces)]


def _leftovers(prefix: str, subnet: str, state_dir: str, lab_pids: frozenset = frozenset()) -> dict:
    """Everything of this lab still visible from the root namespace.

    Processes count as the lab's when they were inside its namespaces before ``down`` (``lab_pids``) or name its
    state directory on their command line; labs of other prefixes running on the same machine are not counted.
    """
    netns = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True, check=True, timeout=10).stdout
    routes = subprocess.run(["ip", "route", "show", "table", "all"], capture_output=True, text=True, check=True, timeout=10).stdout
    net_head = ".".join(subnet.split(".")[:3]) + "."
    with open("/proc/self/mountinfo", encoding="utf-8") as handle:
        mounts = [line.split()[4] for line in handle]
    procs = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open("/proc/%s/cmdline" % entry, "rb") as handle:
                    cmdline = handle.read().replace(b"\0", b" ").decode("utf-8", "replace")
                with open("/proc/%s/stat" % entry, "rb") as handle:
                    zombie = handle.read().rsplit(b")", 1)[1].split()[0] == b"Z"
            except (OSError, IndexError):
                continue
            if not zombie and (entry in lab_pids or state_dir + "/" in cmdline or "netns exec %s-" % prefix in cmdline):
                procs.append("%s %s" % (entry, cmdline))
    # another lab of the same /16 still running holds the shared blackholes (tests/lab/lab.py hold_blackhole)
    shared = _other_holders(prefix, subnet)
    return {
        "namespaces": [n for n in netns.split() if n.startswith(prefix + "-")],
        "routes": [r for r in routes.splitlines() if net_head in r and not (shared and r.startswith("blackhole "))]
        + [r for r in subprocess.run(["ip", "-6", "route", "show", "table", "all"], capture_output=True, text=True, check=True,
                                     timeout=10).stdout.splitlines() if r.startswith("blackhole fd64:")
           and ipaddress.ip_network(r.split()[1]).overlaps(_ipv6_prefix(subnet)) and not shared],
        "mounts": [m for m in mounts if m.startswith("/run/netns/%s-" % prefix) or m.startswith(state_dir + "/")],
        "processes": procs,
    }


@pytest.mark.lab_cycle
def test_down_leaves_nothing_then_up_again(lab_py, lab_vars, lab_inventory, lab_groups, lab_host):
    """'down' removes every namespace, route, mount and process of the lab (twice: idempotent); 'up' restores it."""
    prefix, subnet, state_dir = lab_vars["lab_prefix"], lab_vars["lab_subnet"], lab_vars["lab_state_dir"]
    assert _leftovers(prefix, subnet, state_dir)["namespaces"], "the lab should be up before the cycle"
    lab_pids = frozenset(_lab_pids(prefix))
    assert lab_pids, "the lab's hosts should have processes before the cycle"
    down = lab_py("down")
    assert down.returncode == 0, down.stderr
    deadline = time.monotonic() + 5
    left = _leftovers(prefix, subnet, state_dir, lab_pids)
    while any(left.values()) and time.monotonic() < deadline:
        time.sleep(0.1)
        left = _leftovers(prefix, subnet, state_dir, lab_pids)
    assert left == {"namespaces": [], "routes": [], "mounts": [], "processes": []}
    assert not os.path.exists(lab_inventory)
    again = lab_py("down")
    assert again.returncode == 0, again.stderr
    assert _leftovers(prefix, subnet, state_dir, lab_pids) == left
    up = lab_py("up", "--nodes", str(lab_vars["lab_nodes"]))
    assert up.returncode == 0, up.stderr
    assert os.path.exists(lab_inventory)
    first = nodes_of(lab_groups)[0]
    assert lab_host(first).check_output("hostname") == first


@pytest.mark.lab_cycle
def test_down_keeps_the_blackhole_while_another_lab_of_the_same_16_runs(lab_py, lab_vars, lab_inventory):
    """Labs of two prefixes on one /16 share its blackhole: the first one down must not make the other's addresses
    routable from the root namespace. A stand-in for the other lab: a namespace of another prefix holding the routes."""
    prefix, subnet = lab_vars["lab_prefix"], lab_vars["lab_subnet"]
    other = ("zz" + prefix)[:10]
    blackhole = str(ipaddress.ip_network(subnet).supernet(new_prefix=16))
    holder = os.path.join(_holders_dir(subnet), other)
    assert os.path.exists(os.path.join(_holders_dir(subnet), prefix)), "the running lab should hold its blackhole"

    def routes() -> tuple[str, str]:
        return (subprocess.run(["ip", "route", "show", "type", "blackhole"], capture_output=True, text=True, check=True,
                               timeout=10).stdout,
                subprocess.run(["ip", "-6", "route", "show", "type", "blackhole"], capture_output=True, text=True,
                               check=True, timeout=10).stdout)

    subprocess.run(["ip", "netns", "add", other + "-ctl"], check=True, timeout=10)
    try:
        with open(holder, "w", encoding="utf-8"):
            pass
        down = lab_py("down")
        assert down.returncode == 0, down.stderr
        assert "blackhole %s kept" % blackhole in down.stdout + down.stderr
        ipv4, ipv6 = routes()
        assert "blackhole %s" % blackhole in ipv4, "down removed the blackhole another lab still needs"
        assert str(_ipv6_prefix(subnet)) in ipv6
    finally:
        subprocess.run(["ip", "netns", "del", other + "-ctl"], check=False, timeout=10)
        up = lab_py("up", "--nodes", str(lab_vars["lab_nodes"]))
    assert up.returncode == 0, up.stderr
    assert os.path.exists(lab_inventory)
    # the other lab gone, the holder it left behind counts no more: the last "down" of the /16 removes the routes
    assert other not in _other_holders(prefix, subnet)
