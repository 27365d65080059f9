# Copyright (c) drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The drwcsd test double in the lab: three Servers from the 13.00.0 package hear each other over multicast.

Every command runs inside a lab host (``lab_exec``: nsenter through ``lab.py exec``); nothing is sent from the
machine's own network namespace. The tests of this module build on each other, in file order:

1. the 13.00.0 package installed on node1..node3 (fresh install, Server started by the installer);
2. the cluster protocol enabled on all three: each summary.ds lists the other two as peers;
3. stations registered on each node, stored under that node's Server id;
4. node1 and node2 moved to a common PostgreSQL database on db1 (exportdb / importdb), the update zone on zone1;
5. importdb on the common database erases what the other Server stored there;
6. node2 upgraded to 13.00.1 (upgradedb on the common database): node1, still 13.00.0, can no longer start.

The module fixture leaves every node as it found it (Server stopped, files, user and database removed).
"""
# pylint: disable=redefined-outer-name

from __future__ import annotations

import base64
import io
import json
import os
import secrets
import subprocess
import sys
import tarfile
import tempfile
import time

import pytest

DOUBLE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "drwcsd_double")
sys.path.insert(0, os.path.join(DOUBLE, "src"))

from drwcsd_double import zone  # noqa: E402  pylint: disable=wrong-import-position

ADMIN_PASSWORD = "lab-" + secrets.token_hex(6)
DB_NAME = "drwcs_double_test"
DB_USER = "drwcs_double"
DB_PASSWORD = "pw-" + secrets.token_hex(6)
ETC = "/var/opt/drwcs/etc"
CLEAN = ("[ -x /etc/init.d/drwcsd ] && /etc/init.d/drwcsd stop >/dev/null 2>&1; "
         "rm -rf /opt/drwcs /var/opt/drwcs /etc/init.d/drwcsd /etc/opt/drweb.com /tmp/drweb-*.run /tmp/*.es; "
         "userdel drwcs >/dev/null 2>&1; groupdel drwcs >/dev/null 2>&1; true")

# edits drwcsd.conf in place on a node: argv = mode [value]
EDIT_CONF = r"""
import re, sys
path = "/var/opt/drwcs/etc/drwcsd.conf"
text = open(path, encoding="utf-8").read()
mode = sys.argv[1]
if mode == "cluster-on":
    text = text.replace('      <protocol name="CLUSTER"/>\n', "")
elif mode == "pgsql":
    text = re.sub(r"<sqlite [^>]*/>", sys.argv[2], text)
elif mode == "salt":
    text = re.sub(r'<passwd-salt value="[^"]*"/>', '<passwd-salt value="%s"/>' % sys.argv[2], text)
open(path, "w", encoding="utf-8").write(text)
"""

AGENT = r"""
import socket, sys
with socket.create_connection(("127.0.0.1", 2193), timeout=10) as sock:
    sock.sendall("".join(line + "\n" for line in sys.argv[1:]).encode())
    handle = sock.makefile("r", encoding="utf-8")
    for _ in sys.argv[1:]:
        print(handle.readline().strip())
"""

PG_QUERY = r"""
import json, os, sys, psycopg
with psycopg.connect(host=os.environ["PGHOST"], user=os.environ["PGUSER"], password=os.environ["PGPASSWORD"],
                     dbname=os.environ["PGDATABASE"], connect_timeout=5) as conn:
    print(json.dumps(conn.execute(sys.argv[1]).fetchall()))
"""


@pytest.fixture(scope="module")
def double_packages(tmp_path_factory):
    """The two .run packages, built into a temp dir."""
    out = str(tmp_path_factory.mktemp("drwcsd-double-build"))
    subprocess.run([sys.executable, os.path.join(DOUBLE, "build.py"), "--out", out], check=True, capture_output=True)
    return {v: os.path.join(out, "drweb-%s-esuite-server-linux-x86_64.run" % v) for v in ("13.00.0", "13.00.1")}


def sh(lab_exec, host, cmd, timeout=120, input=None, ok=True):  # pylint: disable=redefined-builtin
    """Run a command on a lab host; assert success unless ok is False."""
    result = lab_exec(host, cmd, timeout=timeout, input=input)
    if ok:
        assert result.returncode == 0, "%s: %s failed (%d):\n%s%s" % (host, cmd, result.returncode, result.stdout, result.stderr)
    return result


def py(lab_exec, host, script, *args, ok=True, env=""):
    """Run a Python snippet with the host's system Python."""
    quoted = " ".join("'%s'" % a.replace("'", "'\\''") for a in args)
    return sh(lab_exec, host, "%s /usr/bin/python3 - %s" % (env, quoted), input=script, ok=ok)


def copy(lab_exec, host, local, remote, mode="0644"):
    """Copy a local file to a lab host (base64 over the exec channel)."""
    with open(local, "rb") as handle:
        data = base64.b64encode(handle.read()).decode("ascii")
    sh(lab_exec, host, "base64 -d > %s && chmod %s %s" % (remote, mode, remote), input=data)


def summary(lab_exec, host, password=ADMIN_PASSWORD):
    """summary.ds (JSON) asked on the node itself."""
    out = sh(lab_exec, host, "curl -sk -u admin:%s 'https://127.0.0.1:9081/api/server/summary.ds?format=json'" % password).stdout
    return json.loads(out)


def conf_value(lab_exec, host, element):
    """value attribute of a top-level drwcsd.conf element."""
    out = sh(lab_exec, host, "sed -n 's/.*<%s value=\"\\([^\"]*\\)\".*/\\1/p' %s/drwcsd.conf" % (element, ETC)).stdout
    return out.strip().splitlines()[0]


def wait_until(predicate, timeout=20.0, interval=0.5):
    """Poll predicate() until truthy; returns it, or fails."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail("condition not met within %.0f s" % timeout)
        time.sleep(interval)


@pytest.fixture(scope="module")
def cluster(lab_groups, lab_exec, lab_vars, double_packages):
    """node1..node3 with the 13.00.0 package installed; everything removed afterwards."""
    nodes = lab_groups["drweb_servers"][:3]
    if len(nodes) < 3:
        pytest.skip("the lab needs 3 nodes")
    state = {"nodes": nodes, "ids": {}}
    try:
        for node in nodes:
            sh(lab_exec, node, CLEAN)
            copy(lab_exec, node, double_packages["13.00.0"], "/tmp/drweb-13.00.0-esuite-server-linux-x86_64.run", "0755")
            out = sh(lab_exec, node, "sh /tmp/drweb-13.00.0-esuite-server-linux-x86_64.run -- --non-interactive --admin-password=%s"
                     % ADMIN_PASSWORD).stdout
            assert "Dr.Web Server 13.00.0 installed" in out and "Server started" in out
            state["ids"][node] = conf_value(lab_exec, node, "id")
        yield state
    finally:
        for node in nodes:
            lab_exec(node, CLEAN, timeout=60)
        lab_exec("db1", "runuser -u postgres -- psql -XAtc 'DROP DATABASE IF EXISTS %s' -c 'DROP ROLE IF EXISTS %s'" % (DB_NAME, DB_USER),
                 timeout=60)
        lab_exec(lab_vars.get("lab_update_zone_host", "zone1"), "rm -rf %s/double" % lab_vars["lab_update_zone_root"], timeout=60)


def test_fresh_install_on_three_nodes(cluster, lab_exec):
    """Each node runs its own Server: own id, drwcs user, LSB status 0, Web API answering, cluster protocol off."""
    ids = cluster["ids"]
    assert len(set(ids.values())) == 3
    for node in cluster["nodes"]:
        assert sh(lab_exec, node, "/etc/init.d/drwcsd status").returncode == 0
        assert sh(lab_exec, node, "stat -c '%U %a' /var/opt/drwcs/etc/drwcsd.pri").stdout.split() == ["drwcs", "600"]
        assert sh(lab_exec, node, "ps -o user= -p $(cat /var/opt/drwcs/run/drwcsd.pid)").stdout.strip() == "drwcs"
        assert "VERSION=13.00.0" in sh(lab_exec, node, "cat /etc/opt/drweb.com/software/drweb-esuite.remove").stdout
        data = summary(lab_exec, node)
        assert data["head"]["status"] is True
        assert data["data"]["uuid"] == ids[node] and data["data"]["version"] == "13.00.0.202005090"
        assert data["data"]["cluster"]["enabled"] == "no"


def test_cluster_protocol_peers(cluster, lab_exec):
    """With the cluster protocol enabled on all three, every summary.ds lists the other two as peers."""
    nodes, ids = cluster["nodes"], cluster["ids"]
    for node in nodes:
        sh(lab_exec, node, "/etc/init.d/drwcsd stop")
        py(lab_exec, node, EDIT_CONF, "cluster-on")
        sh(lab_exec, node, "/etc/init.d/drwcsd start")
    for node in nodes:
        expected = {ids[n] for n in nodes if n != node}

        def heard(node=node, expected=expected):
            peers = summary(lab_exec, node)["data"]["cluster"]["peers"]
            return peers if {p["id"] for p in peers} == expected else None
        for peer in wait_until(heard):
            # every node generated its own keys and salt: the double flags them
            assert {"key", "certificate", "passwd-salt"} <= set(peer["differs"])
            assert peer["version"] == "13.00.0.202005090"
        log = sh(lab_exec, node, "cat /var/opt/drwcs/log/drwcsd.log").stdout
        assert "cluster: joined multicast group 232.0.0.1" in log
        assert all("cluster: peer %s" % peer_id in log for peer_id in expected)


def test_stations_are_stored_under_each_servers_id(cluster, lab_exec):
    """REGISTER on the agent port: the station belongs to the Server that registered it."""
    for index, node in enumerate(cluster["nodes"]):
        names = ["%s-ws%d" % (node, i) for i in range(index + 1)]
        replies = py(lab_exec, node, AGENT, *["REGISTER " + n for n in names]).stdout.split("\n")
        assert all(r.startswith("OK ") for r in replies if r), replies
        assert summary(lab_exec, node)["data"]["stations"]["total"] == index + 1


def test_common_postgresql_database(cluster, lab_exec, lab_vars):
    """node1 moves its data into a PostgreSQL database on db1 (exportdb/importdb); node2 attaches with node1's salt."""
    node1, node2 = cluster["nodes"][:2]
    sh(lab_exec, "db1", "runuser -u postgres -- psql -XAtc \"CREATE ROLE %s LOGIN PASSWORD '%s'\" -c 'CREATE DATABASE %s OWNER %s'"
       % (DB_USER, DB_PASSWORD, DB_NAME, DB_USER))
    pgsql = ('<pgsql dbname="%s" host="%s" port="5432" user="%s" password="%s" options="" requiressl="no" temp_tablespaces="" '
             'default_transaction_isolation=""/>' % (DB_NAME, lab_vars["lab_postgres_host"], DB_USER, DB_PASSWORD))
    sh(lab_exec, node1, "/etc/init.d/drwcsd stop && /etc/init.d/drwcsd exportdb /tmp/node1.es")
    py(lab_exec, node1, EDIT_CONF, "pgsql", pgsql)
    assert "REPLACED" in sh(lab_exec, node1, "/etc/init.d/drwcsd importdb /tmp/node1.es").stderr
    sh(lab_exec, node1, "/etc/init.d/drwcsd start")
    salt = conf_value(lab_exec, node1, "passwd-salt")
    sh(lab_exec, node2, "/etc/init.d/drwcsd stop")
    py(lab_exec, node2, EDIT_CONF, "pgsql", pgsql)
    py(lab_exec, node2, EDIT_CONF, "salt", salt)
    sh(lab_exec, node2, "/etc/init.d/drwcsd start")
    py(lab_exec, node2, AGENT, "REGISTER shared-ws")
    assert summary(lab_exec, node1)["data"]["stations"]["total"] == 1
    assert summary(lab_exec, node2)["data"]["stations"]["total"] == 1
    env = "PGHOST=%s PGUSER=%s PGPASSWORD=%s PGDATABASE=%s" % (lab_vars["lab_postgres_host"], DB_USER, DB_PASSWORD, DB_NAME)
    cluster["pgenv"] = env
    rows = json.loads(py(lab_exec, node1, PG_QUERY, "SELECT server_id, COUNT(*) FROM stations GROUP BY server_id ORDER BY 1", env=env).stdout)
    assert sorted(map(tuple, rows)) == sorted([(cluster["ids"][node1], 1), (cluster["ids"][node2], 1)])


def test_update_from_the_lab_zone(cluster, lab_exec, lab_vars):
    """A repository update of node1 from the lab's update zone (zone1)."""
    node1 = cluster["nodes"][0]
    with tempfile.TemporaryDirectory() as tmp:
        zone.make_zone(os.path.join(tmp, "double"), revisions=["20240101000000", "20240601000000"])
        data = io.BytesIO()
        with tarfile.open(fileobj=data, mode="w:gz") as tar:
            tar.add(os.path.join(tmp, "double"), arcname="double")
    host = lab_vars.get("lab_update_zone_host", "zone1")
    sh(lab_exec, host, "base64 -d | tar -xzf - -C %s" % lab_vars["lab_update_zone_root"], input=base64.b64encode(data.getvalue()).decode())
    url = lab_vars["lab_update_zone_url"].rstrip("/") + "/double"
    sh(lab_exec, node1, "echo %s > /var/opt/drwcs/repository/.url" % url)
    task = sh(lab_exec, node1, "curl -sk -u admin:%s 'https://127.0.0.1:9081/api/server/tasks.ds?task-id=update_repositories'"
              % ADMIN_PASSWORD).stdout
    assert 'status="success"' in task
    wait_until(lambda: "update finished" in sh(lab_exec, node1, "cat /var/opt/drwcs/log/drwcsd.log").stdout)
    revisions = {p["code"]: p["revision"] for p in summary(lab_exec, node1)["data"]["repository"]}
    assert revisions["10-drwbases"] == "20240601000000"


def test_importdb_erases_the_common_database(cluster, lab_exec):
    """Importing node3's own export into the common database wipes node1's and node2's stations (and admin)."""
    node1, node2, node3 = cluster["nodes"]
    sh(lab_exec, node3, "/etc/init.d/drwcsd stop && /etc/init.d/drwcsd exportdb /tmp/node3.es")
    copy_back = sh(lab_exec, node3, "base64 /tmp/node3.es").stdout
    sh(lab_exec, node1, "base64 -d > /tmp/node3.es", input=copy_back)
    sh(lab_exec, node1, "/etc/init.d/drwcsd stop")
    sh(lab_exec, node2, "/etc/init.d/drwcsd stop")
    assert "all previous contents erased" in sh(lab_exec, node1, "/etc/init.d/drwcsd importdb /tmp/node3.es").stderr
    rows = json.loads(py(lab_exec, node1, PG_QUERY, "SELECT server_id, COUNT(*) FROM stations GROUP BY server_id", env=cluster["pgenv"]).stdout)
    assert [tuple(r) for r in rows] == [(cluster["ids"][node3], 3)]
    # the imported admin password hash is salted with node3's <passwd-salt>: the Servers of the common database take it
    salt = conf_value(lab_exec, node3, "passwd-salt")
    for node in (node1, node2):
        py(lab_exec, node, EDIT_CONF, "salt", salt)


def test_upgraded_common_database_stops_older_servers(cluster, lab_exec, double_packages):
    """node2 upgraded to 13.00.1 upgrades the common database; node1 (13.00.0) then refuses to start."""
    node1, node2 = cluster["nodes"][:2]
    copy(lab_exec, node2, double_packages["13.00.1"], "/tmp/drweb-13.00.1-esuite-server-linux-x86_64.run", "0755")
    out = sh(lab_exec, node2, "sh /tmp/drweb-13.00.1-esuite-server-linux-x86_64.run -- --non-interactive").stdout
    assert "upgraded to 13.00.1" in out
    log2 = sh(lab_exec, node2, "cat /var/opt/drwcs/log/drwcsd.log").stdout
    assert "upgradedb: database schema upgraded 522 -> 542" in log2
    assert summary(lab_exec, node2)["data"]["version"] == "13.00.1.202310121"
    assert conf_value(lab_exec, node2, "id") == cluster["ids"][node2]
    refused = sh(lab_exec, node1, "/etc/init.d/drwcsd start", ok=False)
    assert refused.returncode == 3
    log1 = sh(lab_exec, node1, "cat /var/opt/drwcs/log/drwcsd.log").stdout
    assert "database schema version 542 does not match this Server 13.00.0 (expects 522)" in log1
    assert sh(lab_exec, node1, "/etc/init.d/drwcsd status", ok=False).returncode == 3
