# Copyright (c) drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""playbooks/upgrade.yml on the lab: a 3-node 13.00.0 cluster on one common PostgreSQL database (db1) with the cluster
protocol on is taken to 13.00.1. Refused before any Server stops when a member is unreachable; a package failing on
node2 stops the play with a message naming the node left on a database it cannot use; a rerun with the good package
completes without re-stopping node1; the common database is upgraded exactly once; a further run changes nothing."""

from __future__ import annotations

import os
import re
import subprocess
import time

import pytest

from test_install import CLUSTER_VARS, NODES, REPO, UNINSTALL, package, playbook, recap  # pylint: disable=import-error

UPGRADE = os.path.join(REPO, "playbooks", "upgrade.yml")
DB_NAME = "drweb_upgrade_test"
DB_USER = "drweb_upgrade_test"
DB_PASSWORD = "upgrade-test-pw"
ADMIN_PASSWORD = "drweb-lab-admin"   # tests/lab/cluster.yml
STATE = "sh /etc/opt/drweb.com/software/drweb-esuite.remove --version; sh /etc/init.d/drwcsd status >/dev/null 2>&1; echo status=$?"


def upgrade(inventory: str, *extra: str) -> subprocess.CompletedProcess:
    """upgrade.yml with the test's own common database named (the preflight refuses drweb_db_* naming another)."""
    return playbook(inventory, "-e", "drweb_version=13.00.1", "-e", "drweb_db_name=%s" % DB_NAME,
                    "-e", "drweb_db_user=%s" % DB_USER, "-e", "drweb_db_password=%s" % DB_PASSWORD, *extra, path=UPGRADE)


def node_state(lab_exec, node: str) -> tuple:
    """(installed release, running) as an administrator reads them on the node."""
    lines = lab_exec(node, STATE).stdout.split()
    return lines[0], lines[-1] == "status=0"


def psql(lab_exec, sql: str) -> subprocess.CompletedProcess:
    return lab_exec("db1", ["runuser", "-u", "postgres", "--", "psql", "-v", "ON_ERROR_STOP=1", "-qAtc", sql])


def join_common_database(lab_exec, db_host: str) -> None:
    """What the database and config roles will do, by hand: every node on the common PostgreSQL database, initialised
    by node1, one key pair and certificate, one passwd-salt (so the admin password works everywhere) and the cluster
    protocol on - a cluster the preflight finds consistent."""
    for node in NODES:
        assert lab_exec(node, "sh /etc/init.d/drwcsd stop").returncode == 0
    # vendor prescription 1 by hand: node1's key pair and certificate on every node (mode and owner kept)
    for name in ("drwcsd.pri", "drwcsd.pub", "drwcsd-certificate.pem"):
        content = lab_exec("node1", "base64 -w0 /var/opt/drwcs/etc/%s" % name).stdout.strip()
        assert content, name
        for node in NODES[1:]:
            copy = lab_exec(node, "echo %s | base64 -d > /var/opt/drwcs/etc/%s" % (content, name))
            assert copy.returncode == 0, copy.stderr
    salt = lab_exec("node1", "sed -n 's/.*<passwd-salt value=\"\\([^\"]*\\)\".*/\\1/p' /var/opt/drwcs/etc/drwcsd.conf").stdout.strip()
    assert salt
    pgsql = '<pgsql dbname="%s" host="%s" port="5432" user="%s" password="%s"/>' % (DB_NAME, db_host, DB_USER, DB_PASSWORD)
    for node in NODES:
        edit = lab_exec(node, "sed -i -e 's|<sqlite [^>]*/>|%s|' -e 's|<passwd-salt value=\"[^\"]*\"/>|<passwd-salt value=\"%s\"/>|' "
                              "-e '/<protocol name=\"CLUSTER\"\\/>/d' /var/opt/drwcs/etc/drwcsd.conf" % (pgsql, salt))
        assert edit.returncode == 0, edit.stderr
    init = lab_exec("node1", "sh /etc/init.d/drwcsd initdb - - - %s" % ADMIN_PASSWORD, timeout=120)
    assert init.returncode == 0, init.stdout + init.stderr
    for node in NODES:
        started = lab_exec(node, "sh /etc/init.d/drwcsd start >/dev/null 2>&1; sh /etc/init.d/drwcsd status", timeout=60)
        assert "is running" in started.stdout, (node, started.stdout, lab_exec(node, "tail -5 /var/opt/drwcs/log/drwcsd.log").stdout)


@pytest.fixture(scope="module", autouse=True)
def cluster_on_13_00_0(lab_inventory, lab_exec, lab_hosts):
    """Three nodes on 13.00.0 (installed by the install role) sharing db1's database; uninstalled at the end."""
    assert os.path.exists(package("13.00.1")), "build the double's packages first: python tests/drwcsd_double/build.py"
    for node in NODES:
        lab_exec(node, UNINSTALL)
    lab_exec("db1", "rm -f /var/lib/drweb-cluster/run.lock")   # a run lock an interrupted earlier test left
    psql(lab_exec, "DROP DATABASE IF EXISTS %s" % DB_NAME)
    psql(lab_exec, "DROP ROLE IF EXISTS %s" % DB_USER)
    assert psql(lab_exec, "CREATE ROLE %s LOGIN PASSWORD '%s'" % (DB_USER, DB_PASSWORD)).returncode == 0
    assert psql(lab_exec, "CREATE DATABASE %s OWNER %s" % (DB_NAME, DB_USER)).returncode == 0
    installed = playbook(lab_inventory, "-e", "drweb_package=%s" % package("13.00.0"))
    assert installed.returncode == 0, installed.stdout[-3000:]
    join_common_database(lab_exec, lab_hosts["db1"]["ansible_host"])
    yield
    for node in NODES:
        lab_exec(node, UNINSTALL)
    psql(lab_exec, "DROP DATABASE IF EXISTS %s" % DB_NAME)
    psql(lab_exec, "DROP ROLE IF EXISTS %s" % DB_USER)


def test_an_unreachable_member_refuses_the_upgrade_before_any_server_stops(lab_inventory, lab_exec, lab_hosts, tmp_path):
    # node9: a cluster member at an unused lab address (reached, like every lab host, only through the lab's controller)
    subnet = lab_hosts["node1"]["ansible_host"].rsplit(".", 1)[0]
    extra = tmp_path / "node9.yml"
    extra.write_text("all:\n  children:\n    drweb_servers:\n      hosts:\n        node9: {ansible_host: %s.99, "
                     "ansible_ssh_extra_args: '-o ConnectTimeout=3'}\n" % subnet)
    pids = {node: lab_exec(node, "cat /var/opt/drwcs/run/drwcsd.pid").stdout for node in NODES}
    result = upgrade(lab_inventory, "-e", "drweb_package=%s" % package("13.00.1"), "-i", str(extra))
    assert result.returncode != 0
    # the preflight's refusal, before any play that changes anything
    assert "Refusing to change the cluster; nothing was changed on any host" in result.stdout, result.stdout[-4000:]
    assert "cannot read node9" in result.stdout, result.stdout[-4000:]
    for node in NODES:
        assert node_state(lab_exec, node) == ("13.00.0", True), node
        assert lab_exec(node, "cat /var/opt/drwcs/run/drwcsd.pid").stdout == pids[node], "%s was restarted" % node


def test_a_package_failing_on_node2_stops_the_upgrade_and_says_who_cannot_use_the_database(lab_inventory, lab_exec, tmp_path):
    # the same release's package, except that on node2 its installer fails before changing anything
    broken = tmp_path / "drweb-13.00.1-esuite-server-linux-x86_64.run"
    broken.write_text('#!/bin/sh\nif [ "$(hostname)" = node2 ]; then\n    echo "drweb-esuite: the installation package is damaged" >&2\n'
                      '    exit 1\nfi\nexec /bin/sh %s "$@"\n' % package("13.00.1"))
    result = upgrade(lab_inventory, "-e", "drweb_package=%s" % broken)
    assert result.returncode != 0
    assert "The upgrade of node2 to 13.00.1 FAILED (installer exit 1)" in result.stdout, result.stdout[-6000:]
    assert "the installation package is damaged" in result.stdout
    # node2 is left on 13.00.0 while the common database is already at 13.00.1's schema: the table says so
    assert re.search(r"node2\s+13\.00\.0 .*schema 542 \(release 13\.00\.0 needs 522: it CANNOT USE this database\)", result.stdout)
    assert "run playbooks/upgrade.yml again" in result.stdout
    assert node_state(lab_exec, "node1") == ("13.00.1", True)
    assert node_state(lab_exec, "node2") == ("13.00.0", False)
    assert node_state(lab_exec, "node3") == ("13.00.0", False), "the play stops at node2: node3 is not touched"


def test_a_rerun_with_the_good_package_completes_without_restopping_node1(lab_inventory, lab_exec):
    node1_pid = lab_exec("node1", "cat /var/opt/drwcs/run/drwcsd.pid").stdout
    started = time.monotonic()
    result = upgrade(lab_inventory, "-e", "drweb_package=%s" % package("13.00.1"))
    seconds = time.monotonic() - started
    assert result.returncode == 0, result.stdout[-5000:]
    print("resumed upgrade (node2, node3) took %.1f s" % seconds)
    for node in NODES:
        assert node_state(lab_exec, node) == ("13.00.1", True), node
    assert lab_exec("node1", "cat /var/opt/drwcs/run/drwcsd.pid").stdout == node1_pid, "node1 was stopped again"
    assert recap(result.stdout)["node1"]["changed"] == 0
    # every node answers on the Web API with the new version and hears both others (the play's own check)
    for node in NODES:
        assert re.search(r"%s runs 13\.00\.1\.202310121 \(webapi\) and hears 2 peer\(s\)" % node, result.stdout), node


def test_the_common_database_was_upgraded_exactly_once(lab_exec):
    logs = {node: lab_exec(node, "grep -h 'upgradedb:' /var/opt/drwcs/log/drwcsd.log").stdout for node in NODES}
    upgraded = [node for node, text in logs.items() if "schema upgraded 522 -> 542" in text]
    assert upgraded == ["node1"], logs
    assert all("up to date (542)" in logs[node] for node in ("node2", "node3")), logs


def test_backups_were_taken_before_the_upgrade(lab_exec):
    for node in NODES:
        listing = lab_exec(node, "stat -c '%n %a %U' /var/opt/drwcs/backup/*/*-upgrade-13.00.0-to-13.00.1/*").stdout
        assert "etc.tar.gz 600 drwcs" in listing, (node, listing)
    # the common database is exported once, by the first node, before any node upgraded it
    assert "database.dz" in lab_exec("node1", "ls /var/opt/drwcs/backup/*/*-upgrade-13.00.0-to-13.00.1").stdout
    assert "database.dz" not in lab_exec("node2", "ls /var/opt/drwcs/backup/*/*-upgrade-13.00.0-to-13.00.1").stdout


def test_a_further_run_changes_nothing(lab_inventory):
    result = upgrade(lab_inventory, "-e", "drweb_package=%s" % package("13.00.1"))
    assert result.returncode == 0, result.stdout[-3000:]
    assert all(recap(result.stdout)[node]["changed"] == 0 for node in NODES), recap(result.stdout)
    assert "Every node already runs 13.00.1: nothing to upgrade" in result.stdout


def test_site_install_refuses_the_upgraded_cluster_for_the_old_version(lab_inventory):
    # site.yml never downgrades: the install role with drweb_version 13.00.0 refuses the 13.00.1 cluster
    result = playbook(lab_inventory, "-e", "drweb_package=%s" % package("13.00.0"))
    assert result.returncode != 0
    assert "Refusing to install: every Server must run drweb_version=13.00.0, but node1, node2, node3 run(s)" in result.stdout
    assert CLUSTER_VARS
