# Copyright (c) drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Safe rollouts on the lab, as an administrator would check them.

* One run at a time: two site.yml runs started 2 s apart on a pristine lab - one converges, the other refuses in its
  first play naming the holder of the run lock (controller, pid, since when), and never reaches an installer. The
  winner's cluster is the one the module's other tests share.
* A member that cannot start (an unknown switch in its options file, which drwcsd refuses) during the restarts of
  rotate_certificate.yml, of the keys role, of the licence role and of the config role: the run fails naming it, why
  (what its start answered, the last lines of its log) and the Servers not touched, and every other member keeps
  running its old process (its PID unchanged). rotate_certificate.yml releases its lock when it fails.
* A killed run leaves its lock: the next run is refused saying the lock is stale, and breaks it only with
  drweb_lock_break=true - that run (site.yml, as the failures above advise) then converges the cluster again.
* upgrade.yml: an unusable backup folder on node2 refuses the upgrade before any Server stops; a backup that fails
  after the stop starts every Server again on its old version and names the node.
* add_node.yml with a new node whose installation fails: no DNS record for it, no member restarted.

The lab is pristine again at the end of the module (it does not hand its cluster over).
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import time

import pytest
import yaml

from conftest import CLUSTER_VARS, UNINSTALL_SERVER, PlaybookRun, recap, start_playbook  # pylint: disable=import-error

with open(CLUSTER_VARS, encoding="utf-8") as _handle:
    _CLUSTER = yaml.safe_load(_handle)["all"]
CLUSTER_NAME = _CLUSTER["children"]["drweb_servers"]["vars"]["drweb_cluster_name"]
NODES = ["node1", "node2", "node3"]
OPTIONS = "/etc/opt/drweb.com/software/drwcsd"      # the options file the init script sources (DRWCS_ADDOPT)
PID_FILE = "/var/opt/drwcs/run/drwcsd.pid"
LOCK = "/var/lib/drweb-cluster/run.lock"             # on db1, the lab's database host
MARKER = "/etc/opt/drweb.com/software/drweb-esuite.remove"
BACKUP_DIR = "/var/opt/drwcs/backup"
BAD_SWITCH = "-no-such-switch"


def flat(text: str) -> str:
    return " ".join(text.split())


def finish(proc: subprocess.Popen, timeout: float = 1500) -> PlaybookRun:
    output, unused_err = proc.communicate(timeout=timeout)
    return PlaybookRun(proc.returncode, output, recap(output))


def pid_of(lab_exec, node: str) -> str | None:
    """The running Server's PID, None when it does not run."""
    proc = lab_exec(node, "pid=$(cat %s 2>/dev/null) && kill -0 \"$pid\" 2>/dev/null && echo \"$pid\"" % PID_FILE)
    return proc.stdout.strip() or None


def pids(lab_exec) -> dict:
    return {node: pid_of(lab_exec, node) for node in NODES}


def make_unstartable(lab_exec, node: str) -> None:
    """An unknown switch in the node's options file: drwcsd refuses it, so the Server cannot start any more (the
    running process is not affected until it is restarted)."""
    proc = lab_exec(node, "[ -e {0}.rollouts ] || cp -p {0} {0}.rollouts; sed -i 's/^DRWCS_ADDOPT=.*/DRWCS_ADDOPT={1}/' {0}; "
                          "grep -c '^DRWCS_ADDOPT={1}$' {0}".format(OPTIONS, BAD_SWITCH))
    assert proc.stdout.strip() == "1", proc.stdout + proc.stderr


def make_startable(lab_exec, node: str, start: bool = False) -> None:
    proc = lab_exec(node, "[ ! -e {0}.rollouts ] || mv {0}.rollouts {0}; ! grep -q -- '{1}' {0}".format(OPTIONS, BAD_SWITCH))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    if start:
        proc = lab_exec(node, "sh /etc/init.d/drwcsd start", timeout=120)
        assert proc.returncode == 0 and pid_of(lab_exec, node), proc.stdout + proc.stderr


def lock_record(lab_exec) -> dict | None:
    proc = lab_exec("db1", "cat %s" % LOCK)
    return json.loads(proc.stdout) if proc.returncode == 0 else None


def assert_stopped_at(run: PlaybookRun, node: str, untouched: list, what: str = "restart") -> str:
    """The run failed at node, saying why (drwcsd's refusal of the switch) and which Servers it did not touch."""
    assert run.returncode not in (0, None), run.output[-4000:]
    text = flat(run.output)
    assert re.search(r"%s: drwcsd does not serve after its %s" % (node, what), text), run.output[-6000:]
    assert "unknown switch %s" % BAD_SWITCH in text, run.output[-6000:]           # why: what its start answered
    assert "Last lines of /var/opt/drwcs/log/drwcsd.log" in text, run.output[-6000:]
    assert "Not touched (still running as they were): %s." % (", ".join(untouched) or "none") in text, run.output[-6000:]
    return text


@pytest.fixture(scope="module")
def cluster(request, pristine_lab, lab_inventory, lab_exec, shared_cluster):
    """Two site.yml runs started 2 s apart on a pristine lab; the one that converges is the module's cluster."""
    pristine_lab()
    first = start_playbook("playbooks/site.yml", lab_inventory)
    time.sleep(2)
    second = start_playbook("playbooks/site.yml", lab_inventory)
    runs = {first.pid: finish(first), second.pid: finish(second)}
    winners = [pid for pid, run in runs.items() if run.returncode == 0]
    assert len(winners) == 1, {pid: run.output[-3000:] for pid, run in runs.items()}
    winner, loser = winners[0], [pid for pid in runs if pid not in winners][0]
    shared_cluster.adopt(runs[winner])
    yield dict(runs=runs, winner=winner, loser=loser, pids=pids(lab_exec))
    for node in NODES:
        lab_exec(node, "[ ! -e {0}.rollouts ] || mv {0}.rollouts {0}".format(OPTIONS))
    shared_cluster.release(request)


def test_of_two_site_runs_2s_apart_one_converges_and_the_other_refuses_naming_the_lock(cluster, lab_exec):
    won, lost = cluster["runs"][cluster["winner"]], cluster["runs"][cluster["loser"]]
    text = flat(lost.output)
    assert re.search(r"Another changing run holds this cluster's run lock \(db1, %s\): site\.yml \(site\) by \S+@\S+, "
                     r"ansible-playbook pid %d, since \S+Z \(\d+ s ago\)" % (re.escape(LOCK), cluster["winner"]), text), \
        lost.output[-4000:]
    assert "It still runs on this controller: wait for it to finish." in text and "Nothing was changed." in text
    # refused in its first play: it never reached the database, the installer or any later play, and changed nothing
    assert "PLAY [The common database exists" not in lost.output and "Run the installer" not in lost.output
    assert all(counts["changed"] == 0 for counts in lost.recap.values()), lost.recap
    # the winner installed each node exactly once
    installs = [chunk for chunk in won.output.split("\n\n") if chunk.startswith("TASK [drweb.cluster.install : Run the installer")]
    assert len(installs) == 1, installs
    assert sorted(re.findall(r"^changed: \[(node\d)\]", installs[0], re.MULTILINE)) == NODES, installs
    assert all(cluster["pids"].values()), cluster["pids"]
    assert lock_record(lab_exec) is None, "the converged run left its lock"


def test_rotate_certificate_stops_at_a_member_that_cannot_start_and_leaves_the_others_running(
        cluster, lab_exec, ansible_playbook):
    before = pids(lab_exec)
    make_unstartable(lab_exec, "node1")
    run = ansible_playbook("playbooks/rotate_certificate.yml", timeout=900)
    text = assert_stopped_at(run, "node1", ["node2", "node3"])
    assert "Done before it (running, serving): none." in text
    assert "then run playbooks/site.yml: it restarts the Servers whose new files still wait on disk" in text
    after = pids(lab_exec)
    assert after["node1"] is None, "node1 cannot start"
    assert {node: after[node] for node in ("node2", "node3")} == {node: before[node] for node in ("node2", "node3")}, \
        "a Server after node1 was restarted"
    assert lock_record(lab_exec) is None, "the failed run did not release its lock"
    cluster["pids"] = after


def test_a_keys_restart_stops_at_a_member_that_cannot_start(cluster, lab_exec, ansible_playbook):
    # the new certificate waits on every node's disk (marked for a restart): the keys role restarts them in order
    before = pids(lab_exec)
    run = ansible_playbook("tests/integration/playbooks/keys.yml", timeout=900)
    assert_stopped_at(run, "node1", ["node2", "node3"])
    assert pids(lab_exec) == before


def test_a_licence_restart_stops_at_a_member_that_cannot_start(cluster, lab_exec, ansible_playbook):
    # every Server started without the licence key in the common database: the licence role adds it and restarts them
    make_startable(lab_exec, "node1", start=True)
    proc = lab_exec("db1", ["runuser", "-u", "postgres", "--", "psql", "-X", "-d", "drwcs", "-v", "ON_ERROR_STOP=1", "-c",
                            "DELETE FROM available_keys"])
    assert proc.returncode == 0, proc.stderr
    for node in NODES:
        proc = lab_exec(node, "sh /etc/init.d/drwcsd restart", timeout=120)
        assert proc.returncode == 0, (node, proc.stdout, proc.stderr)
    make_unstartable(lab_exec, "node1")
    before = pids(lab_exec)
    run = ansible_playbook("tests/integration/playbooks/license.yml", timeout=900)
    assert_stopped_at(run, "node1", ["node2", "node3"])
    after = pids(lab_exec)
    assert after["node1"] is None
    assert {node: after[node] for node in ("node2", "node3")} == {node: before[node] for node in ("node2", "node3")}


def test_a_configuration_restart_stops_at_a_member_that_cannot_start(cluster, lab_exec, ansible_playbook):
    make_startable(lab_exec, "node1", start=True)
    make_unstartable(lab_exec, "node1")
    before = pids(lab_exec)
    run = ansible_playbook("tests/integration/playbooks/config.yml", extra={"drweb_cluster_multicast_ttl": 2}, timeout=900)
    assert_stopped_at(run, "node1", ["node2", "node3"], what="start")
    after = pids(lab_exec)
    assert after["node1"] is None
    assert {node: after[node] for node in ("node2", "node3")} == {node: before[node] for node in ("node2", "node3")}
    # node2 and node3 keep their configuration: the change stopped at node1
    for node in ("node2", "node3"):
        assert 'ttl="2"' not in lab_exec(node, "cat /var/opt/drwcs/etc/drwcsd.conf").stdout, node


def test_a_killed_run_leaves_a_stale_lock_broken_only_with_drweb_lock_break(
        cluster, lab_inventory, lab_exec, ansible_playbook):
    make_startable(lab_exec, "node1")
    killed = start_playbook("playbooks/site.yml", lab_inventory)
    deadline = time.monotonic() + 180
    while lock_record(lab_exec) is None and time.monotonic() < deadline and killed.poll() is None:
        time.sleep(0.3)
    os.killpg(killed.pid, signal.SIGKILL)
    killed.communicate(timeout=60)
    stale = lock_record(lab_exec)
    assert stale is not None and stale["pid"] == killed.pid, stale
    # refused, saying the lock is stale and how to break it; the lock is left as it was
    refused = ansible_playbook("playbooks/site.yml", timeout=900)
    assert refused.returncode != 0
    text = flat(refused.output)
    assert re.search(r"run lock \(db1, %s\): site\.yml \(site\) by \S+, ansible-playbook pid %d, since " % (re.escape(LOCK), killed.pid),
                     text), refused.output[-4000:]
    assert "That process no longer runs on this controller: the lock is stale" in text
    assert "-e drweb_lock_break=true" in text
    assert lock_record(lab_exec) == stale
    assert all(counts["changed"] == 0 for counts in refused.recap.values()), refused.recap
    # broken with the variable: the run (site.yml, as the failed rollouts advised) converges the cluster again
    healed = ansible_playbook("playbooks/site.yml", extra={"drweb_lock_break": True}, timeout=1500)
    assert healed.returncode == 0, healed.output[-6000:]
    assert "drweb_lock_break: broke the run lock (db1, %s) held by site.yml (site)" % LOCK in flat(healed.output)
    assert lock_record(lab_exec) is None
    assert all(pid_of(lab_exec, node) for node in NODES)
    certificates = {lab_exec(node, "sha256sum /var/opt/drwcs/etc/drwcsd-certificate.pem").stdout.split()[0] for node in NODES}
    assert len(certificates) == 1, certificates
    cluster["pids"] = pids(lab_exec)


def test_upgrade_refuses_an_unusable_backup_folder_before_any_server_stops(cluster, lab_exec, ansible_playbook):
    before = pids(lab_exec)
    # node2's backup folder on a file system with no room (a 64 KiB tmpfs mounted over it)
    proc = lab_exec("node2", "mount -t tmpfs -o size=64k drweb-rollouts-full %s" % BACKUP_DIR)
    assert proc.returncode == 0, proc.stderr
    try:
        run = ansible_playbook("playbooks/upgrade.yml", extra={"drweb_version": "13.00.1"}, timeout=900)
    finally:
        lab_exec("node2", "umount %s" % BACKUP_DIR)
    assert run.returncode != 0
    text = flat(run.output)
    assert re.search(r"Refusing to upgrade: the backup cannot be written on node2; no Server was stopped\. node2: "
                     r"%s has 0 MiB free, the backup needs about \d+ MiB" % BACKUP_DIR, text), run.output[-4000:]
    assert "Stop drwcsd" not in run.output
    assert pids(lab_exec) == before
    assert lock_record(lab_exec) is None


def test_a_backup_failing_after_the_stop_starts_every_server_again_on_its_old_version(cluster, lab_inventory, lab_exec):
    proc = start_playbook("playbooks/upgrade.yml", lab_inventory, "-e", "drweb_version=13.00.1")
    # once the Servers are being stopped, node2's backup folder becomes a file (the folder moved aside): the upgrade
    # backup folder inside it cannot be created, so its backup fails after the stop
    output = []
    for line in proc.stdout:
        output.append(line)
        if line.startswith("PLAY [Stop all the Servers"):
            sabotage = lab_exec("node2", "mkdir -p {0} && mv {0} {0}.aside && touch {0}".format(BACKUP_DIR))
            assert sabotage.returncode == 0, sabotage.stderr
    proc.wait(timeout=900)
    text = flat("".join(output))
    try:
        assert proc.returncode != 0, text[-4000:]
        assert "TASK [drweb.cluster._server : Stop drwcsd]" in "".join(output)
        assert re.search(r"The upgrade stopped before any package was installed: the backup failed on node2 \(node2 - "
                         r"Create the upgrade backup folder: [^)]*\)\. Every stopped Server was started again on its old "
                         r"version\.", text), text[-4000:]
        for node in NODES:
            state = lab_exec(node, "sh %s --version; sh /etc/init.d/drwcsd status >/dev/null && echo running" % MARKER).stdout.split()
            assert state == ["13.00.0", "running"], (node, state)
        assert lock_record(lab_exec) is None
    finally:
        lab_exec("node2", "if [ -d {0}.aside ]; then rm -f {0} && mv {0}.aside {0}; fi".format(BACKUP_DIR))
        for node in NODES:
            lab_exec(node, "rm -rf /var/tmp/drweb-install")


def test_add_node_with_a_new_node_failing_its_install_publishes_no_record_for_it(  # pylint: disable=too-many-arguments
        cluster, lab_exec, lab_hosts, lab_groups, ansible_playbook, tmp_path):
    def records() -> list:
        proc = lab_exec(lab_groups["drweb_dns"][0], ["dig", "+short", "@127.0.0.1", CLUSTER_NAME, "A"])
        return sorted(proc.stdout.split())
    # the update-zone host offered as a new Server; its installation fails (a file where the product's folder goes)
    new = lab_groups["drweb_update_zone"][0]
    extra = tmp_path / "new_node.yml"
    extra.write_text(yaml.safe_dump({"all": {"children": {"drweb_servers": {"hosts": {new: {"drweb_new_node": True}}}}}}))
    assert lab_exec(new, "[ ! -e /opt/drwcs ] && touch /opt/drwcs").returncode == 0
    before_records, before = records(), pids(lab_exec)
    assert before_records == sorted(lab_hosts[node]["ansible_host"] for node in NODES)
    try:
        run = ansible_playbook("playbooks/add_node.yml", "-i", str(extra), timeout=900)
    finally:
        lab_exec(new, "rm -rf /opt/drwcs /var/tmp/drweb-install; " + UNINSTALL_SERVER, timeout=120)
    assert run.returncode != 0
    assert re.search(r"fatal: \[%s\]" % new, run.output), run.output[-4000:]
    assert "installation failed" in run.output, run.output[-4000:]
    assert lab_hosts[new]["ansible_host"] not in records()
    assert records() == before_records
    assert pids(lab_exec) == before, "a member was restarted"
    assert "PLAY [The cluster name with a record for every Server" not in run.output
    assert lock_record(lab_exec) is None
