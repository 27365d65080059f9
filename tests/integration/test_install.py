# Copyright (c) drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""drweb.cluster.install (main) on the lab: bad input refused before any change, a fresh install of 13.00.0 on
three nodes, a second run with changed=0, and a node on another version refused with the node -> version table."""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PLAYBOOK = os.path.join(REPO, "tests", "integration", "playbooks", "install.yml")
CLUSTER_VARS = os.path.join(REPO, "tests", "lab", "cluster.yml")
BUILD = os.path.join(REPO, "tests", "drwcsd_double", "build")
NODES = ("node1", "node2", "node3")
UNINSTALL = ("[ -x /etc/init.d/drwcsd ] && sh /etc/init.d/drwcsd stop >/dev/null 2>&1; "
             "rm -rf /opt/drwcs /var/opt/drwcs /etc/init.d/drwcsd /etc/opt/drweb.com /var/tmp/drweb-install; true")
# What an administrator compares to see that nothing changed on a node
FINGERPRINT = ("cd / && sha256sum etc/opt/drweb.com/software/drweb-esuite.remove var/opt/drwcs/etc/drwcsd.conf "
               "opt/drwcs/bin/drwcsd 2>&1; sh /etc/init.d/drwcsd status >/dev/null 2>&1; echo status=$?")


def package(version: str) -> str:
    return os.path.join(BUILD, "drweb-%s-esuite-server-linux-x86_64.run" % version)


def playbook(inventory: str, *extra: str, path: str = PLAYBOOK) -> subprocess.CompletedProcess:
    """ansible-playbook against the lab with the lab cluster's variables; extra: more arguments."""
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(REPO, "ansible.cfg"), ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0")
    command = ["ansible-playbook", "-i", inventory, "-i", CLUSTER_VARS, path] + list(extra)
    return subprocess.run(command, capture_output=True, text=True, timeout=600, env=env, cwd=REPO, check=False)


def recap(output: str) -> dict:
    """host -> {ok, changed, unreachable, failed, ...} from the PLAY RECAP."""
    counts = {}
    for host, fields in re.findall(r"^(\S+)\s+:\s+(ok=.*)$", output, re.MULTILINE):
        counts[host] = {key: int(value) for key, value in re.findall(r"(\w+)=(\d+)", fields)}
    return counts


@pytest.fixture(scope="module", autouse=True)
def clean_nodes(lab_inventory, lab_exec):  # pylint: disable=unused-argument
    """Every node starts and ends this module without the Server."""
    assert os.path.exists(package("13.00.0")), "build the double's packages first: python tests/drwcsd_double/build.py"
    for node in NODES:
        lab_exec(node, UNINSTALL)
    yield
    for node in NODES:
        lab_exec(node, UNINSTALL)


def installed_anywhere(lab_exec) -> list:
    return [node for node in NODES if lab_exec(node, "test -e /opt/drwcs || test -e /etc/opt/drweb.com").returncode == 0]


def test_a_missing_package_is_refused_naming_the_variable(lab_inventory, lab_exec):
    result = playbook(lab_inventory, "-e", "drweb_package=/nonexistent/drweb-13.00.0-esuite-server-linux-x86_64.run")
    assert result.returncode != 0
    assert "drweb_package cannot be used: /nonexistent/drweb-13.00.0-esuite-server-linux-x86_64.run does not exist" in result.stdout
    assert installed_anywhere(lab_exec) == []


def test_an_unreadable_package_is_refused(lab_inventory, lab_exec, tmp_path):
    unreadable = tmp_path / "drweb-13.00.0-esuite-server-linux-x86_64.run"
    unreadable.mkdir()  # root reads any file; a directory in its place cannot be read as a package
    result = playbook(lab_inventory, "-e", "drweb_package=%s" % unreadable)
    assert result.returncode != 0
    assert "drweb_package cannot be used: cannot read %s" % unreadable in result.stdout
    assert installed_anywhere(lab_exec) == []


def test_a_checksum_mismatch_is_refused(lab_inventory, lab_exec):
    result = playbook(lab_inventory, "-e", "drweb_package=%s" % package("13.00.0"), "-e", "drweb_package_checksum=sha256:" + "0" * 64)
    assert result.returncode != 0
    assert "does not match drweb_package_checksum" in result.stdout
    assert installed_anywhere(lab_exec) == []


def test_drweb_version_disagreeing_with_the_package_is_refused(lab_inventory, lab_exec):
    result = playbook(lab_inventory, "-e", "drweb_package=%s" % package("13.00.0"), "-e", "drweb_version=13.00.1")
    assert result.returncode != 0
    assert "drweb_version is 13.00.1 but drweb_package drweb-13.00.0-esuite-server-linux-x86_64.run is release 13.00.0" in result.stdout
    assert installed_anywhere(lab_exec) == []


def test_a_malformed_drweb_version_is_refused(lab_inventory, lab_exec):
    result = playbook(lab_inventory, "-e", "drweb_package=%s" % package("13.00.0"), "-e", "drweb_version=13.1")
    assert result.returncode != 0
    assert "drweb_version must be the Dr.Web Server release every node runs, written MM.mm.p" in result.stdout
    assert installed_anywhere(lab_exec) == []


def test_check_mode_predicts_the_install_and_installs_nothing(lab_inventory, lab_exec, tmp_path):
    # any name given with drweb_package: the release is read from the package's header
    renamed = tmp_path / "esuite-server.run"
    shutil.copyfile(package("13.00.0"), renamed)
    result = playbook(lab_inventory, "-e", "drweb_package=%s" % renamed, "--check", "--diff")
    assert result.returncode == 0, result.stdout + result.stderr
    counts = recap(result.stdout)
    assert all(counts[node]["changed"] > 0 for node in NODES), counts
    assert "would install Dr.Web Server 13.00.0 from esuite-server.run" in result.stdout
    assert installed_anywhere(lab_exec) == []
    # a file that names no release, in its header or its name, is refused naming the variable
    nameless = tmp_path / "server.run"
    nameless.write_bytes(b"#!/bin/sh\nexit 0\n")
    refused = playbook(lab_inventory, "-e", "drweb_package=%s" % nameless, "--check")
    assert refused.returncode != 0
    assert "drweb_package server.run names no Dr.Web Server release" in " ".join(refused.stdout.split())


def test_a_fresh_install_puts_13_00_0_on_every_node_and_a_second_run_changes_nothing(lab_inventory, lab_exec):
    # the package named with its build stamp, as release strings read (13.00.0.202005090)
    stamped = os.path.join(BUILD, "drweb-13.00.0.202005090-esuite-server-linux-x86_64.run")
    first = playbook(lab_inventory, "-e", "drweb_package=%s" % stamped)
    assert first.returncode == 0, first.stdout[-4000:] + first.stderr
    assert all(recap(first.stdout)[node]["changed"] > 0 for node in NODES)
    for node in NODES:
        state = lab_exec(node, "sh /etc/opt/drweb.com/software/drweb-esuite.remove --version; sh /etc/init.d/drwcsd status; "
                               "python3 -c 'import socket; socket.create_connection((\"127.0.0.1\", 9081), 2)' && echo webapi-up; "
                               "ls /var/tmp/drweb-install")
        assert "13.00.0" in state.stdout and "is running" in state.stdout and "webapi-up" in state.stdout, (node, state.stdout)
        assert ".run" not in state.stdout, "the copied package is removed after the install"
    # the admin password given to the installer (lab cluster.yml) is not in the output
    assert "drweb-lab-admin" not in first.stdout
    second = playbook(lab_inventory, "-e", "drweb_package=%s" % package("13.00.0"))
    assert second.returncode == 0, second.stdout[-4000:]
    assert all(recap(second.stdout)[node]["changed"] == 0 for node in NODES), recap(second.stdout)
    assert re.search(r"node2\s+13\.00\.0\s+13\.00\.0\.202005090\s+webapi\s+yes", second.stdout), "node -> version table"


def test_a_node_on_another_version_is_refused_with_the_table_and_nothing_changes(lab_inventory, lab_exec):
    upgraded = lab_exec("node2", "sh %s -- --non-interactive" % package("13.00.1"), timeout=120)
    assert upgraded.returncode == 0, upgraded.stdout + upgraded.stderr
    before = {node: lab_exec(node, FINGERPRINT).stdout for node in NODES}
    result = playbook(lab_inventory, "-e", "drweb_package=%s" % package("13.00.0"))
    assert result.returncode != 0
    assert "Refusing to install: every Server must run drweb_version=13.00.0, but node2 run(s) another" in result.stdout
    assert re.search(r"node2\s+13\.00\.1\s+13\.00\.1\.202310121", result.stdout), "the table shows node2's version"
    assert re.search(r"node1\s+13\.00\.0\s+13\.00\.0\.202005090", result.stdout)
    assert all(recap(result.stdout)[node]["changed"] == 0 for node in NODES)
    after = {node: lab_exec(node, FINGERPRINT).stdout for node in NODES}
    assert after == before
    assert "status=0" in after["node2"], "the node on the other version is left running"
