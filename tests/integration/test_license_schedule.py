# Copyright (c) drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""drweb.cluster.license and drweb.cluster.schedule on the lab (issue 8, vendor items 6a and 7).

First, on Servers installed on their embedded databases with the common database still empty, site.yml --check
--diff predicts the key through drwcsd initdb and no restart for it, and changes nothing; site.yml killed inside the
database initialisation (the primary holding the private copy of drwcsd.conf with the database password) leaves that
copy, which the next run removes, saying so, before it converges - no file but drwcsd.conf then holds the password on
any node. Then one converged cluster
(site.yml on a pristine lab, the lab's key tests/drwcsd_double/build/lab-agent.key). Licence (issue 8's Done-when):
drwcsd initdb on the primary loaded the key (its log says so), every Server lists it in its Web API keys.ds, and no
Server was restarted for it - each Server's one start with the key is the one it is running now (the primary's after
initdb, the others' when they were switched to the common database), and the licence role changed nothing; a second
run changes nothing and restarts nothing; a file that is not a key, an expired key and an unreachable database fail
with a message naming the variable, with the database's keys and every Server's process unchanged. The SQL path: a
second key, not in the database, is predicted by --check --diff (key numbers only, nothing changed), then added and
picked up by every Server, restarted one at a time (never two down together), each exactly once.
Schedule: each of the five exclusive tasks is enabled on exactly one Server (node1: the lab's database is on db1,
the nodes tie on CPUs x memory, inventory order decides), the site report names it; drweb_scheduler_host: node3
moves all five in one run and the next run changes nothing; --limit does not change the default choice;
drweb_schedule_exclude moves the tasks off the excluded node; an unreachable database fails naming drweb_db_*,
with nothing changed. The lab is pristine again at the end (converged_cluster).
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading

import pytest
import yaml

from conftest import CLUSTER_VARS, start_playbook

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
DOUBLE_SRC = os.path.join(REPO, "tests", "drwcsd_double", "src")
LAB_KEY = os.path.join(REPO, "tests", "drwcsd_double", "build", "lab-agent.key")
LICENCE = "tests/integration/playbooks/license.yml"
DATABASE = "tests/integration/playbooks/database.yml"
SITE = "playbooks/site.yml"
SCHEDULE = "tests/integration/playbooks/schedule.yml"
NODES = ("node1", "node2", "node3")
LOG = "/var/opt/drwcs/log/drwcsd.log"
PIDFILE = "/var/opt/drwcs/run/drwcsd.pid"
EXCLUSIVE = ("Purge Old Data", "Backup sensitive data", "Purge old stations", "Purge expired stations", "Purge unsent IS events")
# keys.ds of the node's own Web API (JSON): the key ids the running Server uses
KEYS_DS = r"""
import base64, json, ssl, sys, urllib.request
context = ssl.create_default_context(); context.check_hostname = False; context.verify_mode = ssl.CERT_NONE
request = urllib.request.Request('https://127.0.0.1:9081/api/server/keys.ds?format=json',
                                 headers={'Authorization': 'Basic ' + base64.b64encode(sys.argv[1].encode()).decode()})
print(json.dumps([key['id'] for key in json.load(urllib.request.urlopen(request, context=context, timeout=10))['data']['keys']]))
"""
# a start of the double: "<YYYYMMDD.HHMMSS.mmm> ii [ pid] Server starting"; keys it loaded: "licence: N key(s) loaded: ids"
LINE = re.compile(r"^(?P<stamp>\d{8}\.\d{6}\.\d{3}) \S+ \[\s*(?P<pid>\d+)\] (?P<text>.*)$")


def make_key(path, number, expires="20301231"):
    """A key file signed for the double (python3 -m drwcsd_double.licence make)."""
    proc = subprocess.run([sys.executable, "-m", "drwcsd_double.licence", "make", "--number", number, "--expires", expires, path],
                          env=dict(os.environ, PYTHONPATH=DOUBLE_SRC), capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr


@pytest.fixture(scope="module")
def cluster(converged_cluster, lab_exec, lab_vars, lab_groups):  # pylint: disable=unused-argument
    """Helpers over the converged cluster."""

    class Cluster:
        run = converged_cluster
        admin = "admin:drweb-lab-admin"

        @staticmethod
        def keys(node):
            proc = lab_exec(node, ["python3", "-c", KEYS_DS, Cluster.admin])
            assert proc.returncode == 0, "%s keys.ds: %s" % (node, proc.stderr)
            return json.loads(proc.stdout)

        @staticmethod
        def pid(node):
            return lab_exec(node, "cat %s" % PIDFILE).stdout.strip()

        @staticmethod
        def log(node):
            """(stamp, pid, text) of every log line."""
            lines = lab_exec(node, "cat %s" % LOG).stdout.splitlines()
            return [(m.group("stamp"), m.group("pid"), m.group("text")) for m in map(LINE.match, lines) if m]

        @staticmethod
        def sql(statement):
            db_host = lab_groups["drweb_database"][0]
            proc = lab_exec(db_host, ["runuser", "-u", "postgres", "--", "psql", "-X", "-At", "-F", "|", "-v", "ON_ERROR_STOP=1",
                                      "-d", "drwcs", "-c", statement])
            assert proc.returncode == 0, proc.stderr
            return [line.split("|") for line in proc.stdout.splitlines() if line]

        @staticmethod
        def server_ids():
            ids = {}
            for node in NODES:
                proc = lab_exec(node, "sed -n 's/.*<id value=\"\\([^\"]*\\)\".*/\\1/p' /var/opt/drwcs/etc/drwcsd.conf | head -1")
                ids[node] = proc.stdout.strip()
            return ids

        @staticmethod
        def scheduler_nodes():
            """Task name -> the nodes whose Server has it enabled."""
            by_id = dict((server_id, node) for node, server_id in Cluster.server_ids().items())
            rows = Cluster.sql("SELECT name, server_id FROM server_schedule WHERE enabled = 1 ORDER BY name, server_id")
            result = dict((name, []) for name in EXCLUSIVE)
            for name, server_id in rows:
                if name in result:
                    result[name].append(by_id.get(server_id, server_id))
            return result

        @staticmethod
        def key_rows():
            return Cluster.sql("SELECT id FROM available_keys ORDER BY id")

    return Cluster


def flat(text):
    """Playbook output as one line: the YAML callback folds long messages and doubles single quotes."""
    return " ".join(text.split()).replace("''", "'")


def licence_starts(log):
    """(start stamp, ready stamp, stop stamp before it, pid, keys loaded) of each Server start in a log."""
    starts, last_stop = [], None
    for stamp, pid, text in log:
        if text.startswith("Server stopping") or text.startswith("Server restarting"):
            last_stop = stamp
        elif text.startswith("licence: "):
            starts.append(dict(stop=last_stop, pid=pid, loaded=text, ready=None))
        elif text.startswith("Server started") and starts and starts[-1]["pid"] == pid:
            starts[-1]["ready"] = stamp
    return starts


def play_output(output, title):
    """The part of a playbook's output that belongs to the play whose name starts with title."""
    start = output.index("PLAY [" + title)
    end = output.find("PLAY [", start + 1)
    return output[start:end if end >= 0 else len(output)]


def test_check_mode_on_a_fresh_build_predicts_the_key_through_initdb(pristine_lab, ansible_playbook, lab_exec, lab_groups):
    """Servers installed on their embedded databases, the common database empty: --check --diff tells the initdb path."""
    pristine_lab()
    ready = ansible_playbook(DATABASE, "--tags", "prepare,install,keys,config")
    assert ready.returncode == 0, ready.output[-4000:]
    pids = dict((node, lab_exec(node, "cat %s" % PIDFILE).stdout.strip()) for node in NODES)
    run = ansible_playbook(DATABASE, LICENCE, "--check", "--diff")
    assert run.returncode == 0, run.output[-4000:]
    text = flat(run.output)
    assert re.search(r"would initialise the common database \S+ \(drwcsd initdb, loading licence key 0110000001 from "
                     r"drweb_license_key\)", text), run.output[-4000:]
    licence = flat(play_output(run.output, "Add the licence key"))
    assert ("licence key 0110000001 would be loaded into the common database drwcs@" in licence
            and "by drwcsd initdb on node1 (database role); every Server would start with it - nothing would be added and "
            "no Server restarted for it" in licence), licence
    assert "would restart" not in licence and "changed:" not in licence, licence
    assert common_tables(lab_exec, lab_groups) == 0
    assert dict((node, lab_exec(node, "cat %s" % PIDFILE).stdout.strip()) for node in NODES) == pids


# The task of the database initialisation (roles/database/tasks/initialise.yml) that starts once the primary's private
# copy of drwcsd.conf names the common database with its password, three tasks before drwcsd initdb.
INITIALISATION_UNDER_WAY = "Check again that the common database is empty and get the drwcsd command lines"
SECRET_DIR = "/run/drweb-cluster-secrets"


def common_tables(lab_exec, lab_groups):
    """How many tables the common database holds (0: empty, as before the first Server's initdb)."""
    proc = lab_exec(lab_groups["drweb_database"][0], ["runuser", "-u", "postgres", "--", "psql", "-X", "-At", "-d", "drwcs", "-c",
                                                      "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"])
    assert proc.returncode == 0, proc.stderr
    return int(proc.stdout.strip())


# Made on every node before the test's runs: a file they create, write, rename or chmod gets a later status-change time
# (ctime, which no tool sets back - unlike the modification time, which cp -p and tar keep).
SCAN_STAMP = "/var/tmp/drwtest-secret-scan-stamp"


def files_holding(lab_exec, node, text):
    """The files under the folders a run writes to that hold text and were created or changed since SCAN_STAMP: the
    Server's folders, /run, /var/tmp, root's home (not /tmp: a lab host shares it with the machine, where the checkout
    and its cluster.yml may live). Only those files are read: root's home also holds the machine's toolchains
    (gigabytes, minutes to read on a loaded machine), which no run writes to."""
    proc = lab_exec(node, ["sh", "-c", 'find /run /var/tmp /var/opt/drwcs /etc/opt /root -type f -cnewer "$2" -print0 2>/dev/null '
                                       '| xargs -0 -r grep -lF -D skip -e "$1" 2>/dev/null; true',
                           "files-holding", text, SCAN_STAMP], timeout=300)
    assert proc.returncode == 0, proc.stderr
    return sorted(proc.stdout.split())


def test_a_run_killed_inside_the_database_initialisation_leaves_no_secret_file_after_the_next_run(
        ansible_playbook, lab_exec, lab_inventory, lab_groups):
    """Where the previous test left the lab (Servers on their embedded databases, the common database empty), site.yml
    is killed - SIGKILL to the controller's whole process group, its "always" cleanup never runs - while the primary
    holds the run's private copy of drwcsd.conf with the database password, before drwcsd initdb. The next run (the
    stale run lock broken as its refusal says) removes the leftovers and says so, initialises the common database and
    converges; afterwards the only file on any node that the two runs created or changed and that holds the database
    password is drwcsd.conf."""
    assert common_tables(lab_exec, lab_groups) == 0, "the common database should still be empty here"
    password = yaml.safe_load(open(CLUSTER_VARS, encoding="utf-8"))["all"]["vars"]["drweb_db_password"]  # pylint: disable=consider-using-with
    # the files this test's runs create or change are the ones searched for the password (an earlier module may have
    # left files the wipe does not remove; they are not this test's)
    for node in NODES:
        proc = lab_exec(node, "touch %s" % SCAN_STAMP)
        assert proc.returncode == 0, proc.stderr
    # (each task's banner printed when the task starts, not with its first result)
    killed = start_playbook(SITE, lab_inventory, ANSIBLE_DISPLAY_SKIPPED_HOSTS="1")
    watchdog = threading.Timer(600, os.killpg, (killed.pid, signal.SIGKILL))   # bounded: never outlives 10 min
    watchdog.start()
    seen = []
    try:
        for line in killed.stdout:
            seen.append(line)
            if INITIALISATION_UNDER_WAY in line:
                os.killpg(killed.pid, signal.SIGKILL)
                break
    finally:
        watchdog.cancel()
        if killed.poll() is None:
            os.killpg(killed.pid, signal.SIGKILL)
        killed.communicate(timeout=60)
    assert INITIALISATION_UNDER_WAY in "".join(seen), "site.yml never reached the initialisation:\n" + "".join(seen)[-4000:]
    # what the killed run left: the private copy of drwcsd.conf with the database password, the common database empty
    left = set(files_holding(lab_exec, "node1", password))
    assert left == {"%s/drwcsd.conf" % SECRET_DIR}, left
    assert common_tables(lab_exec, lab_groups) == 0, "drwcsd initdb ran before the kill"

    healed = ansible_playbook(SITE, extra={"drweb_lock_break": True}, timeout=1500)
    assert healed.returncode == 0, healed.output[-6000:]
    text = flat(healed.output)
    assert "node1: removed the temporary secret files an interrupted run left behind: %s" % SECRET_DIR in text, healed.output[-6000:]
    assert common_tables(lab_exec, lab_groups) > 0, "the common database was not initialised"
    assert "initdb: database initialised" in lab_exec("node1", "cat %s" % LOG).stdout
    for node in NODES:
        added = set(files_holding(lab_exec, node, password))
        assert added == {"/var/opt/drwcs/etc/drwcsd.conf"}, (node, added)
        assert lab_exec(node, "test -e %s" % SECRET_DIR).returncode != 0, node
        assert lab_exec(node, "sh /etc/init.d/drwcsd status >/dev/null 2>&1").returncode == 0, "%s does not run" % node


def test_every_server_uses_the_licence_key_after_site_yml(cluster):
    for node in NODES:
        assert cluster.keys(node) == ["0110000001"], node
    assert [row[0] for row in cluster.key_rows()] == ["0110000001"]
    assert re.search(r"licence key: 0110000001 \(expires 2030-12-31\), loaded by drwcsd initdb on node1; used by: node1, "
                     r"node2, node3", flat(cluster.run.output)), cluster.run.output[-3000:]


def test_initdb_loaded_the_key_and_no_server_was_restarted_for_it(cluster):
    # the primary: initdb of the common database (the installer's initdb of the embedded one came before) loaded the key,
    # and the Server's only start with the key (after that initdb) is the running one
    log = cluster.log("node1")
    initdb = [(stamp, text) for stamp, unused_pid, text in log if text.startswith("initdb: database initialised: PostgreSQL")]
    assert len(initdb) == 1 and "licence key loaded" in initdb[0][1], log
    for node in NODES:
        starts = licence_starts(cluster.log(node))
        with_key = [start for start in starts if "0110000001" in start["loaded"]]
        # one start with the key - the start on the common database - and it is the process running now: not restarted
        assert len(with_key) == 1, (node, starts)
        assert with_key[0]["pid"] == cluster.pid(node), (node, starts)
        assert all("0110000001" not in start["loaded"] for start in starts[:starts.index(with_key[0])]), (node, starts)
    node1_start = [start for start in licence_starts(log) if "0110000001" in start["loaded"]][0]
    assert node1_start["ready"] is not None and node1_start["ready"] > initdb[0][0], (initdb, node1_start)
    # what the licence role said and did: nothing to add, no restart, no change
    licence = play_output(cluster.run.output, "The licence key added on one Server")
    assert "was loaded into the common database" in flat(licence) and "by drwcsd initdb on node1 in this run" in flat(licence)
    assert "changed:" not in licence and "Restart drwcsd" not in licence, licence
    assert re.search(r"Restart the Servers that do not use the key yet[^\n]*\*+\n(skipping: \[node\d\]\n)+", licence), licence


def test_each_exclusive_task_runs_on_exactly_one_server_node1_by_default(cluster):
    assert cluster.scheduler_nodes() == dict((name, ["node1"]) for name in EXCLUSIVE)
    # the other tasks of the default schedule stay enabled everywhere
    updates = cluster.sql("SELECT count(*) FROM server_schedule WHERE name = 'Update' AND enabled = 1")
    assert updates == [["3"]]
    assert re.search(r"scheduler host \(exclusive tasks\): node1 - no Server is on the database host [0-9.]+; it is the most "
                     r"productive \(\d+ CPU x \d+ MB, tied with node2, node3, first in inventory order\)", flat(cluster.run.output))


def test_a_second_run_changes_nothing_and_restarts_nothing(cluster, ansible_playbook):
    pids = dict((node, cluster.pid(node)) for node in NODES)
    run = ansible_playbook(LICENCE, SCHEDULE)
    assert run.returncode == 0, run.output[-4000:]
    assert run.changed() == 0, run.recap
    assert dict((node, cluster.pid(node)) for node in NODES) == pids


@pytest.mark.parametrize("what, content, words", [
    ("not a key", "this is not a licence key\n", "is not a Dr.Web licence key"),
    ("expired", None, "expired on 2020-01-01"),
])
def test_a_bad_key_file_fails_naming_the_variable_and_changes_nothing(cluster, ansible_playbook, what, content, words):
    pids = dict((node, cluster.pid(node)) for node in NODES)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "agent.key")
        if content is None:
            make_key(path, "0110000002", expires="20200101")
        else:
            with open(path, "w", encoding="utf-8") as handle:
                handle.write(content)
        run = ansible_playbook(LICENCE, extra={"drweb_license_key": path})
    assert run.returncode != 0, what
    assert "drweb_license_key '%s'" % path in flat(run.output) and words in flat(run.output), run.output[-3000:]
    assert cluster.key_rows() == [["0110000001"]]
    assert dict((node, cluster.pid(node)) for node in NODES) == pids


def test_an_unreachable_database_fails_naming_the_variables_and_changes_nothing(cluster, ansible_playbook):
    pids = dict((node, cluster.pid(node)) for node in NODES)
    before = cluster.scheduler_nodes()
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "agent.key")
        make_key(path, "0110000003")
        licence = ansible_playbook(LICENCE, extra={"drweb_license_key": path, "drweb_db_port": 1})
    assert licence.returncode != 0
    assert "drweb_license_key '%s' was not added on node1" % path in flat(licence.output)
    assert "Connection refused (check drweb_db_host / drweb_db_port" in flat(licence.output), licence.output[-3000:]
    schedule = ansible_playbook(SCHEDULE, extra={"drweb_scheduler_host": "node2", "drweb_db_port": 1})
    assert schedule.returncode != 0
    assert "cannot read the Server schedules from the common database drweb_db_*" in flat(schedule.output), schedule.output[-3000:]
    assert cluster.key_rows() == [["0110000001"]]
    assert cluster.scheduler_nodes() == before
    assert dict((node, cluster.pid(node)) for node in NODES) == pids


def test_moving_the_scheduler_host_converges_in_one_run(cluster, ansible_playbook):
    run = ansible_playbook(SCHEDULE, "--diff", extra={"drweb_scheduler_host": "node3"})
    assert run.returncode == 0, run.output[-4000:]
    assert "exclusive tasks on node3: drweb_scheduler_host names it" in flat(run.output)
    assert cluster.scheduler_nodes() == dict((name, ["node3"]) for name in EXCLUSIVE)
    again = ansible_playbook(SCHEDULE, extra={"drweb_scheduler_host": "node3"})
    assert again.returncode == 0 and again.changed() == 0, again.recap


def test_limit_does_not_change_the_default_choice(cluster, ansible_playbook):
    run = ansible_playbook(SCHEDULE, "--limit", "node2")
    assert run.returncode == 0, run.output[-4000:]
    assert "exclusive tasks on node1: no Server is on the database host" in flat(run.output)
    assert cluster.scheduler_nodes() == dict((name, ["node1"]) for name in EXCLUSIVE)


def test_the_exclusive_tasks_are_matched_however_the_schedule_capitalises_them(cluster, ansible_playbook):
    """The vendor's chapter writes "Purge Old Data", a schedule may say "Purge old data": the same task, either way."""
    ids = cluster.server_ids()

    def rows():
        return dict((server_id, (name, enabled)) for server_id, name, enabled in cluster.sql(
            "SELECT server_id, name, enabled FROM server_schedule WHERE task_id = 'purge_old_data'"))
    try:
        # node2 holds it as "Purge old data", enabled (a second holder); node1, the chosen one, as "PURGE OLD DATA", disabled
        cluster.sql("UPDATE server_schedule SET name = 'Purge old data', enabled = 1 "
                    "WHERE task_id = 'purge_old_data' AND server_id = '%s'" % ids["node2"])
        cluster.sql("UPDATE server_schedule SET name = 'PURGE OLD DATA', enabled = 0 "
                    "WHERE task_id = 'purge_old_data' AND server_id = '%s'" % ids["node1"])
        run = ansible_playbook(SCHEDULE)
        assert run.returncode == 0, run.output[-4000:]
        after = rows()
        assert after[ids["node2"]] == ("Purge old data", "0"), after      # disabled, its name kept
        assert after[ids["node1"]] == ("PURGE OLD DATA", "1"), after      # enabled, its name kept
        assert after[ids["node3"]] == ("Purge Old Data", "0"), after
        again = ansible_playbook(SCHEDULE)
        assert again.returncode == 0 and again.changed() == 0, again.recap
    finally:
        cluster.sql("UPDATE server_schedule SET name = 'Purge Old Data' WHERE task_id = 'purge_old_data'")
    assert cluster.scheduler_nodes() == dict((name, ["node1"]) for name in EXCLUSIVE)


def test_an_excluded_node_loses_the_tasks(cluster, ansible_playbook):
    run = ansible_playbook(SCHEDULE, extra={"drweb_schedule_exclude": ["node1"]})
    assert run.returncode == 0, run.output[-4000:]
    assert "exclusive tasks on node2" in flat(run.output) and "excluded: node1" in flat(run.output)
    assert cluster.scheduler_nodes() == dict((name, ["node2"]) for name in EXCLUSIVE)
    refused = ansible_playbook(SCHEDULE, extra={"drweb_schedule_exclude": ["node1"], "drweb_scheduler_host": "node1"})
    assert refused.returncode != 0 and "drweb_scheduler_host 'node1' is excluded by drweb_schedule_exclude" in flat(refused.output)
    assert cluster.scheduler_nodes() == dict((name, ["node2"]) for name in EXCLUSIVE)


def test_a_second_key_is_added_the_sql_way_and_every_server_uses_both(cluster, ansible_playbook):
    """The SQL path: a key that is not in a running cluster's database."""
    pids = dict((node, cluster.pid(node)) for node in NODES)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "agent.key")
        make_key(path, "0110000004")
        with open(path, encoding="utf-8") as handle:
            signature = [line for line in handle if line.startswith("Value=")][0].strip()
        extra = {"drweb_license_key": path, "drweb_license_host": "node2"}
        # --check --diff: the addition (key numbers only) and a restart of every Server, and nothing changed
        checked = ansible_playbook(LICENCE, "--check", "--diff", extra=extra)
        assert checked.returncode == 0, checked.output[-4000:]
        assert "would be added to the common database" in flat(checked.output) and "through node2" in flat(checked.output)
        assert "+0110000004" in checked.output, checked.output[-4000:]
        for node in NODES:
            assert "would restart %s so that its Server reads the licence key" % node in flat(checked.output), node
        assert cluster.key_rows() == [["0110000001"]]
        assert dict((node, cluster.pid(node)) for node in NODES) == pids
        run = ansible_playbook(LICENCE, "-v", "--diff", extra=extra)
        assert run.returncode == 0, run.output[-4000:]
        assert "was added to the common database" in flat(run.output) and "through node2" in flat(run.output)
        for node in NODES:
            assert sorted(cluster.keys(node)) == ["0110000001", "0110000004"], node
        again = ansible_playbook(LICENCE, extra=extra)
    assert again.returncode == 0 and again.changed() == 0, again.recap
    assert signature not in flat(run.output) and signature[len("Value="):] not in flat(run.output)   # the key content is never shown
    assert signature[len("Value="):] not in flat(checked.output)
    # each Server restarted exactly once for the new key, one at a time (never two down together)
    windows = []
    for node in NODES:
        starts = licence_starts(cluster.log(node))
        with_key = [start for start in starts if "0110000004" in start["loaded"]]
        assert len(with_key) == 1, (node, starts)
        assert with_key[0]["stop"] is not None and with_key[0]["ready"] is not None, (node, starts)
        assert with_key[0]["pid"] == cluster.pid(node) != pids[node]
        windows.append((with_key[0]["stop"], with_key[0]["ready"], node))
    windows.sort()
    for (unused_stop, ready, node), (next_stop, unused_ready, next_node) in zip(windows, windows[1:]):
        assert ready <= next_stop, "%s went down before %s served again: %s" % (next_node, node, windows)
