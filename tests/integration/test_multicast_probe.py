# Copyright (c) drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""drweb.cluster.multicast_probe and the multicast_matrix filter on the lab's Servers (real multicast across the
lab bridge): all nodes hear each other; a node without the 224.0.0.0/4 route is named in every failing pair;
binding the interface address works without that route; a port shared with a running Server socket still
works; bad group, port and interface fail with a message naming the option.
"""

from __future__ import annotations

import ipaddress
import json
import os
import re
import subprocess
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PLAYBOOK = REPO / "tests" / "integration" / "playbooks" / "multicast_probe.yml"
CLUSTER_VARS = REPO / "tests" / "lab" / "cluster.yml"
RECAP_RE = re.compile(r"^(\S+)\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", re.M)
ROUTE = "224.0.0.0/4"


def run_playbook(inventory: str, *args: str, extra: dict | None = None) -> subprocess.CompletedProcess:
    """ansible-playbook tests/integration/playbooks/multicast_probe.yml on the lab."""
    command = ["ansible-playbook", "-i", inventory, "-i", str(CLUSTER_VARS), str(PLAYBOOK)] + list(args)
    if extra is not None:
        command += ["-e", json.dumps(extra)]
    env = dict(os.environ, ANSIBLE_CONFIG=str(REPO / "ansible.cfg"), ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0")
    return subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=300, check=False)


def flat(proc: subprocess.CompletedProcess) -> str:
    """stdout + stderr with whitespace runs (the callback's line folding) made one space."""
    return " ".join((proc.stdout + proc.stderr).split())


def recap(proc: subprocess.CompletedProcess) -> dict[str, dict[str, int]]:
    return {host: dict(ok=int(ok), changed=int(changed), unreachable=int(unreachable), failed=int(failed))
            for host, ok, changed, unreachable, failed in RECAP_RE.findall(proc.stdout)}


@pytest.fixture(scope="module", autouse=True)
def collection_installed():
    subprocess.run(["bash", str(REPO / "tests" / "setup" / "collection_path.sh")], check=True)


@pytest.fixture
def without_multicast_route(lab_exec):  # pylint: disable=redefined-outer-name
    """node3 loses its 224.0.0.0/4 route for the test; restored afterwards whatever happens."""
    proc = lab_exec("node3", ["ip", "route", "del", ROUTE])
    assert proc.returncode == 0, proc.stderr
    yield "node3"
    restored = lab_exec("node3", ["ip", "route", "replace", ROUTE, "dev", "eth0"])
    assert restored.returncode == 0, restored.stderr
    assert ROUTE in lab_exec("node3", ["ip", "route"]).stdout


def test_all_nodes_hear_each_other(lab_inventory):
    started = time.monotonic()
    proc = run_playbook(lab_inventory)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    text = flat(proc)
    assert "multicast 232.0.0.1:11111" in text
    for row in ("node1 - yes yes", "node2 yes - yes", "node3 yes yes -"):
        assert row in text
    assert "all 3 nodes hear each other" in text
    assert all(host["changed"] == 0 and host["failed"] == 0 for host in recap(proc).values())
    assert time.monotonic() - started < 30


def test_check_mode_runs_the_probe(lab_inventory):
    proc = run_playbook(lab_inventory, "--check")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "all 3 nodes hear each other" in flat(proc)


def test_node_without_multicast_route_is_named_in_every_pair(lab_inventory, without_multicast_route):
    proc = run_playbook(lab_inventory, extra={"multicast_probe_duration": 2})
    assert proc.returncode != 0, proc.stdout + proc.stderr
    text = flat(proc)
    assert "node1 - yes NO" in text and "node2 yes - NO" in text and "node3 NO NO -" in text
    assert ("pairs that cannot hear each other (sender -> receiver): node3 -> node1, node3 -> node2, "
            "node1 -> node3, node2 -> node3") in text
    assert "node3: cannot join multicast group 232.0.0.1 on interface 0.0.0.0" in text
    assert "No such device" in text and "Network is unreachable" in text
    assert "needs a route for 224.0.0.0/4" in text
    assert "heard by no other node: node3" in text


def test_interface_address_works_without_the_route(lab_inventory, without_multicast_route):
    """With drweb_cluster_interface = the node's own address the probe joins and sends by interface, not route."""
    proc = run_playbook(lab_inventory, extra={"drweb_cluster_interface": "{{ ansible_host }}"})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "all 3 nodes hear each other" in flat(proc)


def test_port_shared_with_a_running_server_socket(lab_inventory, lab_spawn):
    """A process already bound to the cluster port with SO_REUSEADDR (as the Server double does) on node1."""
    holder = lab_spawn("node1", ["/usr/bin/python3", "-c", (
        "import socket, time\n"
        "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
        "s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
        "s.bind(('232.0.0.1', 11111))\n"
        "s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, socket.inet_aton('232.0.0.1') + socket.inet_aton('0.0.0.0'))\n"
        "print('bound', flush=True)\n"
        "time.sleep(60)\n")])
    try:
        assert holder.stdout.readline().strip() == "bound"
        proc = run_playbook(lab_inventory)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        assert "all 3 nodes hear each other" in flat(proc)
    finally:
        holder.kill()
        holder.wait(timeout=10)


@pytest.mark.parametrize("extra, words", [
    ({"drweb_cluster_multicast_group": "10.1.2.3"}, ["group '10.1.2.3' is not an IPv4 multicast address (224.0.0.0/4"]),
    ({"drweb_cluster_multicast_group": "240.0.0.1"}, ["group '240.0.0.1' is not an IPv4 multicast address"]),
    ({"drweb_cluster_multicast_port": 70000}, ["port 70000 is outside 1-65535"]),
    ({"drweb_cluster_multicast_port": 0}, ["port 0 is outside 1-65535"]),
    ({"drweb_cluster_interface": "eth0"}, ["interface 'eth0' is not an IPv4 address"]),
    ({"drweb_cluster_interface": "UNUSED"}, ["is not an address of this host"]),
], ids=lambda value: json.dumps(value) if isinstance(value, dict) else None)
def test_bad_options_fail_naming_the_option(lab_inventory, lab_vars, extra, words):
    if extra.get("drweb_cluster_interface") == "UNUSED":
        unused = str(ipaddress.ip_network(lab_vars["lab_subnet"])[250])
        extra = {"drweb_cluster_interface": unused}
        words = ["interface %s is not an address of this host" % unused]
    proc = run_playbook(lab_inventory, extra=extra)
    assert proc.returncode != 0, proc.stdout + proc.stderr
    text = flat(proc)
    for word in words:
        assert word in text, text
    counts = recap(proc)
    assert all(counts[node]["failed"] == 1 for node in ("node1", "node2", "node3")), counts
