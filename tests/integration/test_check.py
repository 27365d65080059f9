# Copyright (c) drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""playbooks/check.yml, the read-only drift report (issue 9), and site.yml's repository play (issue 7) on the lab.

One converged cluster (site.yml on a pristine lab, the update zone on zone1 serving the two revisions lab.py up
seeds). In order: site.yml brought every Server to the zone's newest revision and reports it; check.yml exits 0 with
a clean table and JSON, changes no file and restarts no Server (also with --check and --limit); an edited Server
address in node2's download.conf is named (node2, server address) with a non-zero exit; node3 forced back to the
revision its package shipped is named (node3, repository), site.yml brings it back, after which check.yml is clean.
Every test puts back what it changed (the download.conf edit, node3's revision through site.yml, the schedule row), so
the module keeps the converged cluster for the next module (conftest shared_cluster).
"""

from __future__ import annotations

import json
import pathlib
import re
import shutil
import subprocess

import jsonschema
import pytest

from conftest import CLUSTER_VARS

NODES = ("node1", "node2", "node3")
ETC = "/var/opt/drwcs/etc"
REPOSITORY = "/var/opt/drwcs/repository"
PID = "/var/opt/drwcs/run/drwcsd.pid"
# what check.yml must not touch: the managed files, the key files, the repository markers and source files
WATCHED = ("%s/drwcsd.conf %s/download.conf %s/drwcsd.pri %s/drwcsd.pub %s/certificate.pem %s/*/.current %s/.url"
           % (ETC, ETC, ETC, ETC, ETC, REPOSITORY, REPOSITORY))

SCHEMA = json.loads((pathlib.Path(__file__).resolve().parents[2] / "playbooks" / "schemas" / "check_report.schema.json")
                    .read_text(encoding="utf-8"))
ITEMS = ("server", "version", "keys", "dbuuid", "drwcsd.conf", "server address", "database", "repository", "peers")

pytestmark = pytest.mark.keeps_converged_cluster   # every test undoes what it changes


def state(lab_exec) -> dict:
    """node -> (sha256sum of the watched files, the Server's pid, the files' mtimes)."""
    found = {}
    for node in NODES:
        proc = lab_exec(node, "sha256sum %s; stat -c '%%n %%Y' %s; cat %s" % (WATCHED, WATCHED, PID))
        assert proc.returncode == 0, proc.stderr
        found[node] = proc.stdout
    return found


def check(ansible_playbook, tmp_path, *args, extra=None, inventories=None):
    """Run check.yml with its JSON report and metrics file under tmp_path; returns (run, report or None)."""
    path, metrics = tmp_path / "check.json", tmp_path / "check.prom"
    for stale in (path, metrics):
        if stale.exists():
            stale.unlink()
    run = ansible_playbook("playbooks/check.yml", *args, inventories=inventories,
                           extra=dict({"drweb_check_report_path": str(path), "drweb_check_metrics_path": str(metrics)},
                                      **(extra or {})))
    report = json.loads(path.read_text(encoding="utf-8")) if path.exists() else None
    return run, report


def metrics(tmp_path) -> dict:
    """The metrics file check() had check.yml write, after promtool accepted it: {(name, labels): value}."""
    path = tmp_path / "check.prom"
    assert path.is_file(), "check.yml wrote no metrics file"
    assert shutil.which("promtool"), "promtool missing: tests/setup/setup.sh installs Debian's prometheus package"
    linted = subprocess.run(["promtool", "check", "metrics"], input=path.read_text(encoding="utf-8"), capture_output=True,
                            text=True, timeout=60, check=False)
    assert linted.returncode == 0, linted.stdout + linted.stderr
    found = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            name, labels, value = re.match(r'^([a-z_]+)\{(.*)\} (\S+)$', line).groups()
            found[(name, tuple(sorted(re.findall(r'([a-z_]+)="((?:[^"\\]|\\.)*)"', labels))))] = float(value)
    return found


def series(found: dict, name: str) -> dict:
    """{labels without cluster: value} of one metric."""
    return {tuple(label for label in labels if label[0] != "cluster"): value
            for (metric, labels), value in found.items() if metric == "drweb_cluster_" + name}


def test_site_brings_every_server_to_the_newest_zone_revision(converged_cluster, lab_exec, lab_vars):
    newest = lab_vars["lab_update_zone_revisions"][-1]
    for node in NODES:
        proc = lab_exec(node, "cd %s && for p in [0-9][0-9]-*; do echo \"$p $(cat $p/.current)\"; done" % REPOSITORY)
        revisions = dict(line.split() for line in proc.stdout.splitlines())
        assert revisions and set(revisions.values()) == {newest}, (node, revisions)
        assert lab_exec(node, "cat %s/.url" % REPOSITORY).stdout.strip() == lab_vars["lab_update_zone_url"]
    assert "repository revisions (product -> revision per Server)" in converged_cluster.output
    assert "all 3 nodes hold the same revisions of 4 products" in converged_cluster.output
    assert "10-drwbases  %s  %s  %s" % (newest, newest, newest) in converged_cluster.output


def test_site_prints_no_deprecation_warning(converged_cluster):
    # a deprecated option (a module alias, a removed setting) warns on every run and breaks with the next major
    # release of the collection that deprecated it
    assert "PLAY RECAP" in converged_cluster.output, converged_cluster.output[-2000:]
    lines = [line for line in converged_cluster.output.splitlines() if "[DEPRECATION WARNING]" in line]
    assert not lines, "\n".join(lines)


def test_clean_cluster_reports_no_drift_and_changes_nothing(  # pylint: disable=unused-argument
        converged_cluster, ansible_playbook, lab_exec, lab_vars, tmp_path):
    before = state(lab_exec)
    run, report = check(ansible_playbook, tmp_path)
    assert run.returncode == 0, run.output[-5000:]
    assert "no drift: every Server as the roles leave it" in run.output
    assert run.changed() == 0, run.recap
    assert report and report["ok"] is True and report["drift"] == [], report
    assert report["members"] == list(NODES) and report["limited"] is False
    for node in NODES:
        items = report["nodes"][node]["items"]
        assert {name for name, item in items.items() if item["ok"] is not True} == set(), (node, items)
        # every Server reads the one common database (dbstruct.dbuuid)
        assert items["dbuuid"]["value"] is not None
        assert items["dbuuid"]["value"] == report["nodes"]["node1"]["items"]["dbuuid"]["value"]
        assert items["server address"]["value"] == "esuite.drweb.test"
        assert items["peers"]["value"] == ",".join(sorted(set(NODES) - {node}))
        assert set(items["repository"]["revisions"].values()) == {lab_vars["lab_update_zone_revisions"][-1]}
    assert report["dns"]["ok"] is True and len(report["dns"]["value"]) == 3
    assert report["scheduler"]["ok"] is True and report["scheduler"]["value"] == ["node1"], report["scheduler"]
    assert len(report["scheduler"]["tasks"]) == 5 and all(hosts == ["node1"] for hosts in report["scheduler"]["tasks"].values())
    # the report follows its schema; the metrics say the same: every drift series 0, every Server up and attached
    jsonschema.validate(report, SCHEMA)
    assert (report["status"], report["exit_code"], report["warnings"]) == ("ok", 0, [])
    found = metrics(tmp_path)
    drift = series(found, "drift")
    assert set(drift) == {(("item", item), ("server", node)) for node in NODES for item in ITEMS} | {
        (("item", "dns"), ("server", "")), (("item", "scheduler"), ("server", ""))}, sorted(drift)
    assert set(drift.values()) == {0.0}
    for name in ("server_up", "server_readable", "database_attached", "database_uuid_match"):
        assert series(found, name) == {(("server", node),): 1.0 for node in NODES}, name
    assert series(found, "server_version_info") == {(("server", node), ("version", "13.00.0")): 1.0 for node in NODES}
    assert set(series(found, "exclusive_task_owners").values()) == {1.0} and len(series(found, "exclusive_task_owners")) == 5
    assert len(series(found, "repository_revision_age_seconds")) == 3 * 4
    assert series(found, "check_status") == {(): 0.0} and series(found, "check_duration_seconds")[()] > 0
    # the lab's key (the double's agent.key) runs to 2030-12-31: years left, no warning
    assert [value > 365 * 86400 for value in series(found, "licence_expiry_seconds").values()] == [True]
    # read-only also in check mode and under --limit, which still compares the whole cluster
    checked, checked_report = check(ansible_playbook, tmp_path, "--check", "--diff")
    assert checked.returncode == 0 and checked.changed() == 0, checked.output[-5000:]
    assert checked_report["ok"] is True
    limited, limited_report = check(ansible_playbook, tmp_path, "--limit", "node1")
    assert limited.returncode == 0, limited.output[-5000:]
    assert limited_report["limited"] is True and limited_report["checked"] == ["node1"]
    assert limited_report["nodes"]["node2"]["items"]["drwcsd.conf"]["ok"] is None
    assert limited_report["nodes"]["node2"]["items"]["repository"]["ok"] is True
    assert limited_report["nodes"]["node1"]["items"]["drwcsd.conf"]["ok"] is True
    assert state(lab_exec) == before


def test_edited_download_conf_is_named(converged_cluster, ansible_playbook, lab_exec, tmp_path):  # pylint: disable=unused-argument
    conf = "%s/download.conf" % ETC
    saved = lab_exec("node2", "cp -p %s /tmp/download.conf.saved && sed -i 's/host=\"esuite.drweb.test\"/host=\"10.9.9.9\"/' %s" % (conf, conf))
    assert saved.returncode == 0, saved.stderr
    try:
        before = state(lab_exec)
        run, report = check(ansible_playbook, tmp_path)
        assert run.returncode != 0
        assert "node2: server address: 10.9.9.9, expected esuite.drweb.test" in run.output, run.output[-4000:]
        assert report["ok"] is False
        assert report["drift"] == ["node2: server address: 10.9.9.9, expected esuite.drweb.test"]
        assert report["nodes"]["node2"]["items"]["server address"]["ok"] is False
        assert report["nodes"]["node1"]["items"]["server address"]["ok"] is True
        assert (report["status"], report["exit_code"]) == ("drift", 2)
        # drift=1 for exactly that Server and item
        drift = series(metrics(tmp_path), "drift")
        assert [labels for labels, value in drift.items() if value == 1] == [(("item", "server address"), ("server", "node2"))]
        assert state(lab_exec) == before      # reported, not repaired
    finally:
        restored = lab_exec("node2", "cp -p /tmp/download.conf.saved %s && rm -f /tmp/download.conf.saved" % conf)
        assert restored.returncode == 0, restored.stderr


def test_node_forced_back_is_reported_and_fixed_by_site(converged_cluster, ansible_playbook, lab_exec, lab_vars, tmp_path):  # pylint: disable=unused-argument
    newest = lab_vars["lab_update_zone_revisions"][-1]
    shipped = [name for name in lab_exec("node3", "ls %s/10-drwbases" % REPOSITORY).stdout.split() if name != newest]
    assert len(shipped) == 1, shipped      # the revision the package shipped, older than the zone's
    forced = lab_exec("node3", "echo %s > %s/10-drwbases/.current && kill -USR1 $(cat %s)" % (shipped[0], REPOSITORY, PID))
    assert forced.returncode == 0, forced.stderr
    run, report = check(ansible_playbook, tmp_path)
    assert run.returncode != 0
    assert "node3: repository: differs: 10-drwbases, expected same revisions on every Server" in run.output, run.output[-4000:]
    assert report["drift"] == ["node3: repository: differs: 10-drwbases, expected same revisions on every Server"]
    assert report["nodes"]["node3"]["items"]["repository"]["revisions"]["10-drwbases"] == shipped[0]
    assert "10-drwbases: node3 holds revision %s, expected %s" % (shipped[0], newest) in report["repository"]["messages"]
    fixed = ansible_playbook("playbooks/site.yml")
    assert fixed.returncode == 0, fixed.output[-5000:]
    assert fixed.recap["node3"]["changed"] >= 1
    assert fixed.recap["node1"]["changed"] == 0 and fixed.recap["node2"]["changed"] == 0, fixed.recap
    assert lab_exec("node3", "cat %s/10-drwbases/.current" % REPOSITORY).stdout.strip() == newest
    again, again_report = check(ansible_playbook, tmp_path)
    assert again.returncode == 0, again.output[-4000:]
    assert again_report["ok"] is True


def test_a_second_server_running_an_exclusive_task_is_named(  # pylint: disable=unused-argument
        converged_cluster, ansible_playbook, lab_exec, lab_groups, tmp_path):
    """Vendor prescription 7: an exclusive task enabled on a second Server (as the Control Center would leave it) is drift."""
    def sql(statement):
        proc = lab_exec(lab_groups["drweb_database"][0], ["runuser", "-u", "postgres", "--", "psql", "-X", "-At", "-v",
                                                          "ON_ERROR_STOP=1", "-d", "drwcs", "-c", statement])
        assert proc.returncode == 0, proc.stderr
        return proc.stdout.strip()
    server = sql("SELECT server_id FROM server_schedule WHERE name = 'Purge Old Data' AND enabled = 0 ORDER BY server_id LIMIT 1")
    assert server, "no Server with Purge Old Data disabled"
    sql("UPDATE server_schedule SET enabled = 1 WHERE name = 'Purge Old Data' AND server_id = '%s'" % server)
    try:
        run, report = check(ansible_playbook, tmp_path)
        assert run.returncode != 0
        assert report["scheduler"]["ok"] is False
        assert len(report["scheduler"]["tasks"]["Purge Old Data"]) == 2, report["scheduler"]
        line = [entry for entry in report["drift"] if entry.startswith("cluster: scheduler: ")]
        assert len(line) == 1 and "Purge Old Data on node" in line[0] and "+" in line[0] and "expected all five on one Server" in line[0], report["drift"]
        assert "cluster: scheduler: " in run.output
    finally:
        sql("UPDATE server_schedule SET enabled = 0 WHERE name = 'Purge Old Data' AND server_id = '%s'" % server)


def test_a_server_reading_another_database_is_named_by_its_dbuuid(  # pylint: disable=unused-argument
        converged_cluster, ansible_playbook, lab_exec, lab_groups, tmp_path):
    """Servers share one database exactly when they read the same dbstruct.dbuuid: node3's configuration pointed at
    another PostgreSQL database (same server, same role) is drift named by node and dbuuid. The running Server keeps
    its database; its drwcsd.conf is put back before anything could stop it (the Server writes its own back at stop)."""
    other = "5a1e0c3d-0000-4000-8000-00000000beef"
    database_host = lab_groups["drweb_database"][0]

    def psql(statement, database="postgres"):
        proc = lab_exec(database_host, ["runuser", "-u", "postgres", "--", "psql", "-X", "-At", "-v", "ON_ERROR_STOP=1",
                                        "-d", database, "-c", statement])
        assert proc.returncode == 0, proc.stderr
        return proc.stdout.strip()
    psql("CREATE DATABASE drwcs_other OWNER drwcs")
    conf = "%s/drwcsd.conf" % ETC
    original = lab_exec("node3", ["cat", conf]).stdout
    assert original.count('dbname="drwcs"') == 1, original
    try:
        psql("CREATE TABLE dbstruct (dbver INTEGER NOT NULL, dbuuid VARCHAR(36)); ALTER TABLE dbstruct OWNER TO drwcs; "
             "INSERT INTO dbstruct VALUES (522, '%s')" % other, "drwcs_other")
        common = psql("SELECT dbuuid FROM dbstruct", "drwcs")
        proc = lab_exec("node3", ["python3", "-c", "import sys; p = sys.argv[1]; t = open(p).read(); "
                                  "open(p, 'w').write(t.replace('dbname=\"drwcs\"', 'dbname=\"drwcs_other\"'))", conf])
        assert proc.returncode == 0, proc.stderr
        run, report = check(ansible_playbook, tmp_path)
        assert run.returncode != 0
        expected = "node3: dbuuid: %s, expected %s" % (other, common)
        assert expected in report["drift"], report["drift"]
        assert expected in run.output
        assert report["nodes"]["node3"]["items"]["database"]["ok"] is False
        assert "reads database %s, the common one is %s" % (other, common) in report["nodes"]["node3"]["items"]["database"]["value"]
        assert report["nodes"]["node1"]["items"]["dbuuid"]["ok"] is True
    finally:
        lab_exec("node3", ["python3", "-c", "import sys; open(sys.argv[1], 'w').write(sys.stdin.read())", conf], input=original)
        assert lab_exec("node3", ["cat", conf]).stdout == original
        psql("DROP DATABASE drwcs_other")


def test_a_licence_expiring_within_the_threshold_is_a_warning(  # pylint: disable=unused-argument
        converged_cluster, ansible_playbook, tmp_path):
    # the lab's key expires 2030-12-31: a threshold of 5000 days puts it within, nothing else differs
    run, report = check(ansible_playbook, tmp_path, extra={"drweb_check_licence_warning_days": 5000})
    assert run.returncode != 0, run.output[-3000:]
    assert "Warning (exit_code 1" in run.output, run.output[-3000:]
    assert report["ok"] is True and report["drift"] == []
    assert (report["status"], report["exit_code"]) == ("warning", 1)
    assert len(report["warnings"]) == 1, report["warnings"]
    assert re.match(r"^licence key \S+: expires in \d+(\.\d)? days \(warning within 5000\)$", report["warnings"][0])
    jsonschema.validate(report, SCHEMA)
    found = metrics(tmp_path)
    assert [labels[0] for labels in series(found, "warning")] == [("kind", "licence_expiry")]
    assert series(found, "check_status") == {(): 1.0} and series(found, "check_warnings") == {(): 1.0}
    assert set(series(found, "drift").values()) == {0.0}


def test_an_unreachable_member_is_reported_as_not_read(  # pylint: disable=unused-argument
        converged_cluster, ansible_playbook, lab_inventory, tmp_path):
    # node3's ssh port closed for this run only: ssh is refused, nothing on the lab changes
    closed = tmp_path / "node3-unreachable.yml"
    closed.write_text("all:\n  hosts:\n    node3:\n      ansible_port: 1\n", encoding="utf-8")
    run, report = check(ansible_playbook, tmp_path, inventories=[lab_inventory, CLUSTER_VARS, str(closed)])
    assert run.returncode != 0, run.output[-3000:]
    assert "Cannot read node3 (exit_code 3" in run.output, run.output[-3000:]
    assert report, run.output[-5000:]
    assert (report["status"], report["exit_code"]) == ("unreadable", 3)
    node3 = report["nodes"]["node3"]
    assert node3["readable"] is False
    assert node3["items"]["server"]["ok"] is False and node3["items"]["server"]["value"].startswith("not read: ")
    assert any(line.startswith("node3: server: not read: ") for line in report["drift"]), report["drift"]
    # the members that answered are still compared, their own items clean
    for node in ("node1", "node2"):
        items = report["nodes"][node]["items"]
        assert report["nodes"][node]["readable"] is True
        assert all(items[name]["ok"] is True for name in ("server", "version", "keys", "dbuuid", "drwcsd.conf", "database")), items
    jsonschema.validate(report, SCHEMA)
    readable = {(("server", "node1"),): 1.0, (("server", "node2"),): 1.0, (("server", "node3"),): 0.0}
    assert series(metrics(tmp_path), "server_readable") == readable
