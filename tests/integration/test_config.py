# Copyright (c) drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The config role in the lab (issue 11): vendor prescriptions 2 (common Server name) and 3 (cluster protocol).

Three nodes get a fresh install of the drwcsd double (each with its own id, salt and keys, cluster protocol off);
tests/integration/playbooks/config.yml then runs drweb.cluster.config. The tests build on each other, in file
order: converge -> what the files hold -> peers -> re-converge (changed=0, no restart) -> --check --diff on a port
change -> the port change itself (one node at a time) -> bad inputs. The module fixture removes the double again.

Every command on a node runs through ``lab_exec`` (nsenter); Ansible reaches the nodes over the lab's ssh. Nothing
is sent from the machine's own network namespace.
"""
# pylint: disable=redefined-outer-name

from __future__ import annotations

import base64
import importlib.util
import json
import os
import re
import subprocess
import sys
import tempfile
import time

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
DOUBLE = os.path.join(REPO, "tests", "drwcsd_double")
CLUSTER_VARS = os.path.join(REPO, "tests", "lab", "cluster.yml")
NODES = ("node1", "node2", "node3")
ETC = "/var/opt/drwcs/etc"
CONF = ETC + "/drwcsd.conf"
DOWNLOAD = ETC + "/download.conf"
PIDFILE = "/var/opt/drwcs/run/drwcsd.pid"
LOG = "/var/opt/drwcs/log/drwcsd.log"
ADMIN_PASSWORD = "root"  # the double's installer default (the setup playbook passes none)
CLUSTER_NAME = "esuite.drweb.test"  # tests/lab/cluster.yml
MANAGED_CONF = ("/drwcsd/cluster", "/drwcsd/protocols", "/drwcsd/passwd-salt")
MANAGED_DOWNLOAD = ("/download-config/server",)
CLEAN = ("[ -x /etc/init.d/drwcsd ] && sh /etc/init.d/drwcsd stop >/dev/null 2>&1; "
         "rm -rf /opt/drwcs /var/opt/drwcs /etc/init.d/drwcsd /etc/opt/drweb.com /var/tmp/drwconf-test; "
         "userdel drwcs >/dev/null 2>&1; groupdel drwcs >/dev/null 2>&1; true")

# The module's own span finder, to compare files minus the managed elements.
_SPEC = importlib.util.spec_from_file_location("xml_fragments_under_test", os.path.join(REPO, "plugins", "modules", "xml_fragments.py"))
xml_fragments = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(xml_fragments)

# The shared database (database role, later) holds the admin password hash made with the primary's salt. Until the
# nodes are attached to it, node2 and node3 still use their own embedded database, whose hash was made with their own
# salt, so their admin login stops working once the role gives them the primary's salt (the double checks it as the
# product would, product-facts 2.6). To ask their Web API, the test re-hashes their local admin password the way the
# shared database has it. Runs as the Server account, on the Server's own database file.
REHASH_ADMIN = r"""
import hashlib, re, sqlite3, sys
salt = re.search(r'<passwd-salt value="([^"]*)"', open("/var/opt/drwcs/etc/drwcsd.conf", encoding="utf-8").read()).group(1)
with sqlite3.connect("/var/opt/drwcs/database.sqlite", timeout=30) as db:
    db.execute("UPDATE admins SET password = ?, salted = 1 WHERE login = 'admin'",
               (hashlib.sha256(("%s:%s" % (salt, sys.argv[1])).encode()).hexdigest(),))
"""


# ---------------------------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------------------------
def sh(lab_exec, host, cmd, input=None, ok=True):  # pylint: disable=redefined-builtin
    result = lab_exec(host, cmd, timeout=120, input=input)
    if ok:
        assert result.returncode == 0, "%s: %s failed (%d):\n%s%s" % (host, cmd, result.returncode, result.stdout, result.stderr)
    return result


def read(lab_exec, host, path):
    """Bytes of a file on a node."""
    return base64.b64decode(sh(lab_exec, host, "base64 -w0 %s" % path).stdout)


def files(lab_exec):
    """{node: (drwcsd.conf bytes, download.conf bytes)}."""
    return {node: (read(lab_exec, node, CONF), read(lab_exec, node, DOWNLOAD)) for node in NODES}


def without_managed(data, paths):
    """The file's bytes with the managed elements cut out (a marker where each was)."""
    root = xml_fragments.parse(data, "test")
    spans = []
    for path in paths:
        element = xml_fragments.find(root, xml_fragments.parse_path(path, "test"), path)
        if element is not None:
            spans.append((element.start, element.end))
    out, last = [], 0
    for start, end in sorted(spans):
        out.append(data[last:start])
        last = end
    out.append(data[last:])
    return b"<managed/>".join(out)


def element(data, path):
    root = xml_fragments.parse(data, "test")
    found = xml_fragments.find(root, xml_fragments.parse_path(path, "test"), path)
    return found.as_dict() if found is not None else None


def pids(lab_exec):
    return {node: sh(lab_exec, node, "cat %s" % PIDFILE).stdout.strip() for node in NODES}


def summary(lab_exec, host):
    out = sh(lab_exec, host, "curl -sk --max-time 10 -u admin:%s 'https://127.0.0.1:9081/api/server/summary.ds?format=json'"
             % ADMIN_PASSWORD).stdout
    return json.loads(out)


def peers_of(lab_exec, host, want, timeout=20):
    """The cluster block of a node's summary.ds once it hears `want` peers (or after timeout)."""
    deadline = time.monotonic() + timeout
    while True:
        reply = summary(lab_exec, host)
        assert reply["head"]["status"], "%s: summary.ds refused: %s" % (host, reply.get("error"))
        cluster = reply["data"]["cluster"]
        if len(cluster["peers"]) >= want or time.monotonic() > deadline:
            return reply["head"]["server"]["uuid"], cluster
        time.sleep(1)


def recap(stdout):
    """{host: {ok, changed, failed, ...}} from the PLAY RECAP."""
    counts = {}
    for host, fields in re.findall(r"^(\S+)\s+:\s+(ok=.*)$", stdout, re.MULTILINE):
        counts[host] = {key: int(value) for key, value in re.findall(r"(\w+)=(\d+)", fields)}
    return counts


def log_events(lab_exec, host):
    """(timestamp, 'stopping'|'started') of the Server log, in order."""
    out = sh(lab_exec, host, "cat %s" % LOG).stdout
    events = []
    for stamp, what in re.findall(r"^(\d{8}\.\d{6}\.\d{3}) \S+ \[\s*\d+\] Server (stopping|started):?", out, re.MULTILINE):
        events.append((stamp, what))
    return events


@pytest.fixture(scope="module")
def run_playbook(lab_inventory):
    """Run a playbook of tests/integration/playbooks against the lab; returns the CompletedProcess."""
    env = dict(os.environ)
    env["ANSIBLE_CONFIG"] = os.path.join(REPO, "ansible.cfg")
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    env["ANSIBLE_FORCE_COLOR"] = "0"
    env["ANSIBLE_NOCOLOR"] = "1"

    def run(name, *args):
        command = ["ansible-playbook", "-i", lab_inventory, "-i", CLUSTER_VARS, os.path.join(HERE, "playbooks", name)] + list(args)
        return subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=900, check=False)
    return run


@pytest.fixture(scope="module")
def package():
    """The double's 13.00.0 package, built into a temp dir (the shared build/ folder is left alone)."""
    out = tempfile.mkdtemp(prefix="drwconf-build-")
    subprocess.run([sys.executable, os.path.join(DOUBLE, "build.py"), "--out", out], check=True, capture_output=True)
    return os.path.join(out, "drweb-13.00.0-esuite-server-linux-x86_64.run")


@pytest.fixture(scope="module")
def installed(run_playbook, package, lab_exec):
    """A fresh double on node1..node3; removed again at the end of the module (nodes left as found)."""
    result = run_playbook("config_setup.yml", "-e", "config_package=%s" % package)
    assert result.returncode == 0, result.stdout + result.stderr
    before = files(lab_exec)
    yield before
    for node in NODES:
        lab_exec(node, CLEAN, timeout=120)


@pytest.fixture(scope="module")
def converged(installed, run_playbook, lab_exec):
    """The role run once on the fresh installs."""
    started = time.monotonic()
    result = run_playbook("config.yml")
    seconds = time.monotonic() - started
    assert result.returncode == 0, result.stdout + result.stderr
    return {"result": result, "before": installed, "after": files(lab_exec), "seconds": seconds}


# ---------------------------------------------------------------------------------------------------------------
# --check --diff on the fresh installs predicts the first run, hides the salts, changes nothing
# ---------------------------------------------------------------------------------------------------------------
def test_check_diff_predicts_first_run_without_secrets(installed, run_playbook, lab_exec):
    pids_before = pids(lab_exec)
    result = run_playbook("config.yml", "--check", "--diff")
    out = result.stdout + result.stderr
    assert result.returncode == 0, out
    assert out.count('-    <on multicast-group="232.0.0.1" port="2194" interface="0.0.0.0" ttl="1"/>') == 3
    assert out.count('+    <on multicast-group="232.0.0.1" port="11111" interface="0.0.0.0" ttl="1"/>') == 3
    assert out.count('-      <protocol name="CLUSTER"/>') == 3
    assert out.count('+  <server host="%s" port="2193"/>' % CLUSTER_NAME) == 3
    # node2 and node3 get node1's salt: the diff shows that the element changes, never a salt value
    assert out.count('-  <passwd-salt value="********#1"/>') == 2 and out.count('+  <passwd-salt value="********#2"/>') == 2
    for node in NODES:
        salt = element(installed[node][0], "/drwcsd/passwd-salt")["attributes"]["value"]
        assert salt not in out, node
    assert files(lab_exec) == installed, "check mode wrote nothing"
    assert pids(lab_exec) == pids_before, "check mode restarted nothing"


# ---------------------------------------------------------------------------------------------------------------
# Converge
# ---------------------------------------------------------------------------------------------------------------
def test_converge_changes_every_node(converged):
    counts = recap(converged["result"].stdout)
    assert set(counts) == set(NODES)
    # per node: stop, drwcsd.conf merge, download.conf merge, start
    assert all(counts[node]["changed"] == 4 and counts[node]["failed"] == 0 for node in NODES), counts
    print("first converge: %.1f s" % converged["seconds"])


def test_only_managed_elements_changed(converged):
    for node in NODES:
        conf_before, download_before = converged["before"][node]
        conf_after, download_after = converged["after"][node]
        assert conf_after != conf_before
        assert without_managed(conf_before, MANAGED_CONF) == without_managed(conf_after, MANAGED_CONF), node
        assert without_managed(download_before, MANAGED_DOWNLOAD) == without_managed(download_after, MANAGED_DOWNLOAD), node
        # what an administrator would look at: the comments, the odd spacing, the unmanaged <mailer>, own <id>
        for line in (b"<!-- mail notifications (not managed by drweb.cluster) -->",
                     b'  <mailer from="drwcsd@localhost"  server="127.0.0.1" port="25" user="" password="" starttls="yes"',
                     b'<transport  port="2193" name="drwcs"   ip="0.0.0.0"', b"<!-- leave the rest alone -->"):
            assert line in conf_after or line in download_after, (node, line)


def test_files_keep_owner_and_mode(converged, lab_exec):  # pylint: disable=unused-argument
    for node in NODES:
        assert sh(lab_exec, node, "stat -c '%U:%G %a' " + CONF).stdout.split() == ["drwcs:drwcs", "600"]
        assert sh(lab_exec, node, "stat -c '%U:%G %a' " + DOWNLOAD).stdout.split() == ["drwcs:drwcs", "644"]


def test_cluster_settings_and_server_address(converged):
    ids, salts = set(), set()
    primary_salt = element(converged["before"]["node1"][0], "/drwcsd/passwd-salt")["attributes"]["value"]
    for node in NODES:
        conf, download = converged["after"][node]
        on = element(conf, "/drwcsd/cluster/on")["attributes"]
        assert on == {"multicast-group": "232.0.0.1", "port": "11111", "interface": "0.0.0.0", "ttl": "1"}
        disabled = [child["attributes"]["name"] for child in element(conf, "/drwcsd/protocols/disabled")["children"]]
        assert disabled == ["MSNAPSHV"], "CLUSTER enabled, the rest of the disabled list kept"
        assert element(download, "/download-config/server")["attributes"] == {"host": CLUSTER_NAME, "port": "2193"}
        own_id = element(conf, "/drwcsd/id")["attributes"]["value"]
        assert own_id == element(converged["before"][node][0], "/drwcsd/id")["attributes"]["value"], "<id> never touched"
        ids.add(own_id)
        salts.add(element(conf, "/drwcsd/passwd-salt")["attributes"]["value"])
    assert len(ids) == 3
    assert salts == {primary_salt}


def test_each_server_lists_the_other_two_as_peers(converged, lab_exec):  # pylint: disable=unused-argument
    for node in NODES[1:]:
        sh(lab_exec, node, "runuser -u drwcs -- /usr/bin/python3 - %s" % ADMIN_PASSWORD, input=REHASH_ADMIN)
    uuids = {}
    clusters = {}
    for node in NODES:
        uuids[node], clusters[node] = peers_of(lab_exec, node, 2)
    for node in NODES:
        cluster = clusters[node]
        assert cluster["enabled"] == "yes" and cluster["active"] == "yes" and cluster["port"] == 11111, cluster
        assert {peer["id"] for peer in cluster["peers"]} == {uuids[other] for other in NODES if other != node}, cluster
        for peer in cluster["peers"]:
            # what this role unifies is no longer flagged (keys are the keys role's: not asserted here)
            assert "passwd-salt" not in peer["differs"] and "download" not in peer["differs"], peer


# ---------------------------------------------------------------------------------------------------------------
# Re-converge: nothing changes, nothing restarts (also with the empty strings an AWX survey sends)
# ---------------------------------------------------------------------------------------------------------------
def test_second_run_changes_nothing(converged, run_playbook, lab_exec):
    pids_before = pids(lab_exec)
    events_before = {node: log_events(lab_exec, node) for node in NODES}
    started = time.monotonic()
    result = run_playbook("config.yml", "-e", "drweb_cluster_multicast_group=", "-e", "drweb_cluster_multicast_port=",
                          "-e", "drweb_cluster_multicast_ttl=", "-e", "drweb_cluster_interface=", "-e", "drweb_restart_strategy=")
    seconds = time.monotonic() - started
    assert result.returncode == 0, result.stdout + result.stderr
    counts = recap(result.stdout)
    assert all(counts[node]["changed"] == 0 for node in NODES), counts
    assert pids(lab_exec) == pids_before
    assert {node: log_events(lab_exec, node) for node in NODES} == events_before
    assert files(lab_exec) == converged["after"]
    print("second converge (changed=0): %.1f s" % seconds)


# ---------------------------------------------------------------------------------------------------------------
# --check --diff on a port change: the diff, without secrets, and nothing changed
# ---------------------------------------------------------------------------------------------------------------
def test_check_diff_predicts_port_change(converged, run_playbook, lab_exec):
    pids_before = pids(lab_exec)
    result = run_playbook("config.yml", "--check", "--diff", "-e", "drweb_cluster_multicast_port=11112")
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout + result.stderr
    assert out.count('-    <on multicast-group="232.0.0.1" port="11111" interface="0.0.0.0" ttl="1"/>') == 3
    assert out.count('+    <on multicast-group="232.0.0.1" port="11112" interface="0.0.0.0" ttl="1"/>') == 3
    assert "--- before: /var/opt/drwcs/etc/download.conf" not in out, "download.conf does not change"
    salt = element(converged["after"]["node1"][0], "/drwcsd/passwd-salt")["attributes"]["value"]
    assert salt not in out
    counts = recap(result.stdout)
    # would stop (predicted) and merge drwcsd.conf on every node
    assert all(counts[node]["changed"] == 2 for node in NODES), counts
    assert files(lab_exec) == converged["after"], "check mode wrote nothing"
    assert pids(lab_exec) == pids_before, "check mode restarted nothing"


# ---------------------------------------------------------------------------------------------------------------
# The port change itself: one node at a time, the cluster re-forms, unmanaged bytes still as installed
# ---------------------------------------------------------------------------------------------------------------
def test_port_change_restarts_one_node_at_a_time(converged, run_playbook, lab_exec):
    pids_before = pids(lab_exec)
    seen = {node: len(log_events(lab_exec, node)) for node in NODES}
    started = time.monotonic()
    result = run_playbook("config.yml", "-e", "drweb_cluster_multicast_port=11112")
    seconds = time.monotonic() - started
    assert result.returncode == 0, result.stdout + result.stderr
    counts = recap(result.stdout)
    # stop, drwcsd.conf merge, start (download.conf is already right)
    assert all(counts[node]["changed"] == 3 for node in NODES), counts
    after_pids = pids(lab_exec)
    assert all(after_pids[node] != pids_before[node] for node in NODES)
    windows = []
    for node in NODES:
        new = log_events(lab_exec, node)[seen[node]:]
        assert [what for _stamp, what in new] == ["stopping", "started"], (node, new)
        windows.append((new[0][0], new[1][0], node))
    # in play order, each node serving again before the next one stops
    assert [node for _s, _e, node in sorted(windows)] == list(NODES)
    for (_s1, end1, node1), (start2, _e2, node2) in zip(windows, windows[1:]):
        assert end1 < start2, "%s started at %s, after %s stopped at %s" % (node1, end1, node2, start2)
    uuids, clusters = {}, {}
    for node in NODES:
        uuids[node], clusters[node] = peers_of(lab_exec, node, 2)
    for node in NODES:
        assert clusters[node]["port"] == 11112
        assert {peer["id"] for peer in clusters[node]["peers"]} == {uuids[o] for o in NODES if o != node}
    now = files(lab_exec)
    for node in NODES:
        assert without_managed(converged["before"][node][0], MANAGED_CONF) == without_managed(now[node][0], MANAGED_CONF)
        assert without_managed(converged["before"][node][1], MANAGED_DOWNLOAD) == without_managed(now[node][1], MANAGED_DOWNLOAD)
    print("port change, serial over 3 nodes: %.1f s; windows %s" % (seconds, windows))


def test_parallel_strategy_stops_all_then_starts_all(converged, run_playbook, lab_exec):
    seen = {node: len(log_events(lab_exec, node)) for node in NODES}
    result = run_playbook("config.yml", "-e", "drweb_cluster_multicast_port=11111", "-e", "drweb_restart_strategy=parallel")
    assert result.returncode == 0, result.stdout + result.stderr
    counts = recap(result.stdout)
    assert all(counts[node]["changed"] == 3 for node in NODES), counts
    stops, starts = [], []
    for node in NODES:
        new = log_events(lab_exec, node)[seen[node]:]
        assert [what for _stamp, what in new] == ["stopping", "started"], (node, new)
        stops.append(new[0][0])
        starts.append(new[1][0])
    assert max(stops) < min(starts), "every changed node is stopped before any starts again (parallel)"
    for node in NODES:
        assert peers_of(lab_exec, node, 2)[1]["port"] == 11111
    assert files(lab_exec) == converged["after"], "back on the first converge's files, byte for byte"


# ---------------------------------------------------------------------------------------------------------------
# Bad input: refused with a message naming the variable, files byte-identical, no restart
# ---------------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("extra, variable", [
    (["-e", "drweb_cluster_multicast_group=10.1.2.3"], "drweb_cluster_multicast_group"),
    (["-e", "drweb_cluster_multicast_port=70000"], "drweb_cluster_multicast_port"),
    (["-e", "drweb_cluster_multicast_ttl=0"], "drweb_cluster_multicast_ttl"),
    (["-e", "drweb_cluster_interface=10.219.254.254"], "drweb_cluster_interface"),
    (["-e", "drweb_cluster_name=bad_name!"], "drweb_cluster_name"),
    (["-e", '{"drweb_cluster_name": ""}'], "drweb_cluster_name"),
])
def test_bad_input_refused_before_any_change(converged, run_playbook, lab_exec, extra, variable):  # pylint: disable=unused-argument
    files_before = files(lab_exec)
    pids_before = pids(lab_exec)
    result = run_playbook("config.yml", *extra)
    out = result.stdout + result.stderr
    assert result.returncode != 0, out
    assert variable in out
    assert "Stop drwcsd" not in out and "Merge the managed sections" not in out
    assert files(lab_exec) == files_before
    assert pids(lab_exec) == pids_before
