# Copyright (c) drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""drweb.cluster.repository, repository_version and repository_drift on the lab (issue 7, vendor prescription 5:
the same repository version on every Server).

Three fresh installs of the drwcsd double; zone1 serves a GUS-like update zone made with the double's zone generator.
In order: bad input is refused naming the variable, nothing changed; the role in zone mode brings every Server to the
zone's revision (first R1, then R2 once it is published - two revisions), a second run changes nothing; --check
predicts no change; a re-run on the converged cluster starts no update on any Server (summary.ds: no update launched
by the administrator), pointed at GUS neither (the Servers' own Update task is relied on, and the run says so);
node3 forced back to R1 (its distributed-revision marker, reread by the Server on SIGUSR1) is named by the read-only
check (module + filter) and by --check as the Server that would be updated; the role updates it, and only it; hybrid mode with node1 as parent brings node2 and
node3 to node1's revisions (R3, which node1 took from the zone) through node1; with node1's Server down,
playbooks/update_parent_failover.yml makes node2 parent and R4 reaches node3 through it. The double is removed at the
end and the zone serves the revisions lab.py up seeds again.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
DOUBLE = os.path.join(REPO, "tests", "drwcsd_double")
CLUSTER_VARS = os.path.join(REPO, "tests", "lab", "cluster.yml")
NODES = ("node1", "node2", "node3")
REPOSITORY = "/var/opt/drwcs/repository"
PRODUCTS = ("05-drwmeta", "10-drwbases", "20-drwcs", "80-drwnews")
R1, R2, R3, R4 = "20250101000000", "20250201000000", "20250301000000", "20250401000000"
LOG = "/var/opt/drwcs/log/drwcsd.log"
CLEAN = ("[ -x /etc/init.d/drwcsd ] && sh /etc/init.d/drwcsd stop >/dev/null 2>&1; "
         "rm -rf /opt/drwcs /var/opt/drwcs /etc/init.d/drwcsd /etc/opt/drweb.com /var/tmp/drwrepo-test; "
         "userdel drwcs >/dev/null 2>&1; groupdel drwcs >/dev/null 2>&1; true")
# The double's Web API summary.ds, as an administrator would ask it: product -> revision the running Server holds.
SERVED = r"""
import base64, json, ssl, sys, urllib.request
context = ssl.create_default_context(); context.check_hostname = False; context.verify_mode = ssl.CERT_NONE
request = urllib.request.Request('https://127.0.0.1:9081/api/server/summary.ds?format=json',
                                 headers={'Authorization': 'Basic ' + base64.b64encode(('admin:' + sys.argv[1]).encode()).decode()})
data = json.load(urllib.request.urlopen(request, context=context, timeout=10))['data']
print(json.dumps({product['code']: product['revision'] for product in data['repository']}))
"""


# The repository updates each Server's Control Center shows: product -> [last update's source, its end (Unix seconds)].
LAST_UPDATES = SERVED.replace("product['revision']", "[product['last_update_src'], product['last_update_endtime']]")
BY_ADMIN = "Launched by the administrator"     # an update started through the Web API (tasks.ds), not by the schedule


def recap(output: str) -> dict:
    """host -> {ok, changed, unreachable, failed, ...} from the PLAY RECAP."""
    counts = {}
    for host, fields in re.findall(r"^(\S+)\s+:\s+(ok=.*)$", output, re.MULTILINE):
        counts[host] = {key: int(value) for key, value in re.findall(r"(\w+)=(\d+)", fields)}
    return counts


@pytest.fixture(scope="module")
def run_playbook(lab_inventory):
    """Run a playbook of tests/integration/playbooks against the lab; returns the CompletedProcess."""
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(REPO, "ansible.cfg"), ANSIBLE_FORCE_COLOR="0", ANSIBLE_NOCOLOR="1")
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    subprocess.run(["bash", os.path.join(REPO, "tests", "setup", "collection_path.sh")], check=True)

    def run(name, *args):
        path = name if os.path.isabs(name) else os.path.join(HERE, "playbooks", name)
        command = ["ansible-playbook", "-i", lab_inventory, "-i", CLUSTER_VARS, path] + list(args)
        result = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=900, check=False)
        result.output = result.stdout + result.stderr
        # the YAML result callback folds long messages: compare messages against the output with spaces collapsed
        result.flat = " ".join(result.output.split())
        return result
    return run


@pytest.fixture(scope="module")
def zone(lab_exec, lab_vars, lab_py):
    """Publish revisions in zone1's update zone with the double's generator, starting from an empty zone; at the end
    the zone serves the revisions lab.py up seeds again (lab.py zone-reset)."""
    root = lab_vars["lab_update_zone_root"]
    generator = "cd %s && python3 -m drwcsd_double.zone %s" % (os.path.join(lab_vars["lab_repo_root"], "tests", "drwcsd_double", "src"), root)

    def publish(revision):
        proc = lab_exec("zone1", "%s --revision %s" % (generator, revision))
        assert proc.returncode == 0, proc.stderr
    lab_exec("zone1", "rm -rf %s/products.txt %s/[0-9][0-9]-*" % (root, root))
    yield publish
    reset = lab_py("zone-reset")
    assert reset.returncode == 0, reset.stdout + reset.stderr


@pytest.fixture(scope="module")
def installed(run_playbook, lab_exec, tmp_path_factory):
    """A fresh, started double on node1..node3; removed at the end of the module (nodes left as found)."""
    out = str(tmp_path_factory.mktemp("drwrepo-build"))
    subprocess.run([sys.executable, os.path.join(DOUBLE, "build.py"), "--out", out], check=True, capture_output=True)
    result = run_playbook("repository_setup.yml", "-e", "repository_package=%s" % os.path.join(out, "drweb-13.00.0-esuite-server-linux-x86_64.run"))
    assert result.returncode == 0, result.output
    yield
    for node in NODES:
        lab_exec(node, CLEAN, timeout=120)


def on_disk(lab_exec) -> dict:
    """node -> product -> the revision its marker names (what an administrator reads with cat)."""
    found = {}
    for node in NODES:
        proc = lab_exec(node, "cd %s && for p in [0-9][0-9]-*; do printf '%%s %%s\\n' \"$p\" \"$(cat $p/.current)\"; done" % REPOSITORY)
        found[node] = dict(line.split() for line in proc.stdout.splitlines() if line.strip())
    return found


def served(lab_exec, lab_vars, node) -> dict:
    """product -> revision the node's running Server reports in summary.ds."""
    del lab_vars
    proc = lab_exec(node, ["python3", "-c", SERVED, "drweb-lab-admin"])
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def started_by_the_role(lab_exec, since: int) -> list:
    """The nodes where a repository update was started through the Web API at or after since (Unix seconds)."""
    started = []
    for node in NODES:
        proc = lab_exec(node, ["python3", "-c", LAST_UPDATES, "drweb-lab-admin"])
        assert proc.returncode == 0, proc.stderr
        if any(src == BY_ADMIN and int(end or 0) >= since for src, end in json.loads(proc.stdout).values()):
            started.append(node)
    return started


def node_clock(lab_exec) -> int:
    return int(lab_exec("node1", "date +%s").stdout.strip())


def all_at(lab_exec, lab_vars, revision, nodes=NODES):
    disk = on_disk(lab_exec)
    for node in nodes:
        assert disk[node] == dict.fromkeys(PRODUCTS, revision), "%s: %s" % (node, disk[node])
        assert served(lab_exec, lab_vars, node) == dict.fromkeys(PRODUCTS, revision), node


def test_bad_input_is_refused_naming_the_variable(installed, run_playbook, lab_exec):  # pylint: disable=unused-argument
    before = {node: lab_exec(node, "cat %s/.url" % REPOSITORY).stdout for node in NODES}
    cases = [
        (["-e", "drweb_update_source=mirror"], "drweb_update_source must be one of: gus, zone, parent"),
        (["-e", "drweb_update_zone_url="], "required with drweb_update_source=zone"),
        (["-e", "drweb_update_zone_url=zone1/update"], "drweb_update_zone_url must be the update zone's base URL"),
        (["-e", "drweb_update_source=parent"], "drweb_update_parent_host must name the parent Server"),
        (["-e", "drweb_admin_password="], "drweb_admin_password is required"),
    ]
    for args, message in cases:
        result = run_playbook("repository.yml", *args)
        assert result.returncode != 0, args
        assert message in result.output, (args, result.output[-3000:])
    assert {node: lab_exec(node, "cat %s/.url" % REPOSITORY).stdout for node in NODES} == before


def test_zone_mode_brings_every_server_to_the_zone_revision(installed, zone, run_playbook, lab_exec, lab_vars):  # pylint: disable=unused-argument
    zone(R1)
    first = run_playbook("repository.yml")
    assert first.returncode == 0, first.output[-5000:]
    all_at(lab_exec, lab_vars, R1)
    for node in NODES:
        assert lab_exec(node, "cat %s/.url" % REPOSITORY).stdout.strip() == lab_vars["lab_update_zone_url"]
    assert "all 3 nodes hold the same revisions of 4 products" in first.output
    # the zone publishes a second revision: every Server takes it, at the same time, the update reported as a change
    zone(R2)
    second = run_playbook("repository.yml")
    assert second.returncode == 0, second.output[-5000:]
    all_at(lab_exec, lab_vars, R2)
    assert all(recap(second.stdout)[node]["changed"] >= 1 for node in NODES)
    assert "(was %s)" % R1 in second.output
    for node in NODES:
        listed = lab_exec(node, "ls %s/10-drwbases" % REPOSITORY).stdout.split()
        assert R1 in listed and R2 in listed, listed


def test_second_run_and_check_mode_change_nothing(installed, zone, run_playbook, lab_exec, lab_vars):  # pylint: disable=unused-argument
    again = run_playbook("repository.yml")
    assert again.returncode == 0, again.output[-5000:]
    assert all(recap(again.stdout)[node]["changed"] == 0 for node in NODES), again.stdout[-2000:]
    check = run_playbook("repository.yml", "--check", "--diff")
    assert check.returncode == 0, check.output[-5000:]
    assert all(recap(check.stdout)[node]["changed"] == 0 for node in NODES)
    # a change of the source is predicted, with its diff, and not made
    predicted = run_playbook("repository.yml", "--check", "--diff", "-e", "drweb_update_source=gus")
    assert predicted.returncode == 0, predicted.output[-5000:]
    assert all(recap(predicted.stdout)[node]["changed"] == 1 for node in NODES)
    assert "+/update" in predicted.output and "-%s" % lab_vars["lab_update_zone_url"] in predicted.output
    for node in NODES:
        assert lab_exec(node, "cat %s/.url" % REPOSITORY).stdout.strip() == lab_vars["lab_update_zone_url"]


def test_rerun_on_a_converged_cluster_starts_no_update(installed, zone, run_playbook, lab_exec, lab_vars):  # pylint: disable=unused-argument
    since = node_clock(lab_exec)
    again = run_playbook("repository.yml")
    assert again.returncode == 0, again.output[-5000:]
    assert all(recap(again.stdout)[node]["changed"] == 0 for node in NODES), again.stdout[-2000:]
    assert ("No repository update needed: node1, node2, node3 (they hold the newest revisions the update zone offers)."
            in again.flat), again.output[-3000:]
    assert "Start the repository update" not in again.output
    # what an administrator sees in each Control Center: no update was started on any Server
    assert started_by_the_role(lab_exec, since) == []
    all_at(lab_exec, lab_vars, R2)


def test_gus_rerun_relies_on_the_servers_own_update_task(installed, zone, run_playbook, lab_exec, lab_vars):  # pylint: disable=unused-argument
    # pointed at GUS without an update (the lab has no way out to GUS), then a re-run: the Servers agree, GUS's revision
    # list cannot be read, so no update is started and the run says the Servers' own Update task brings new revisions
    switched = run_playbook("repository.yml", "-e", "drweb_update_source=gus", "-e", "drweb_repository_update=false")
    assert switched.returncode == 0, switched.output[-5000:]
    since = node_clock(lab_exec)
    again = run_playbook("repository.yml", "-e", "drweb_update_source=gus")
    assert again.returncode == 0, again.output[-5000:]
    assert all(recap(again.stdout)[node]["changed"] == 0 for node in NODES), again.stdout[-2000:]
    assert "No repository update needed: node1, node2, node3 (they hold the same revisions and the GUS revision list is " \
           "not read here: the Update task of each Server (Task Scheduler) brings new revisions from GUS)." in again.flat, \
        again.output[-3000:]
    assert started_by_the_role(lab_exec, since) == []
    # back to the zone: a source set in this run is updated from (nothing new there: nothing moves)
    back = run_playbook("repository.yml")
    assert back.returncode == 0, back.output[-5000:]
    assert "Repository update on node1, node2, node3 (its update source is set in this run)." in back.flat, back.output[-3000:]
    assert started_by_the_role(lab_exec, since) == list(NODES)
    all_at(lab_exec, lab_vars, R2)


def test_node_forced_back_is_named_and_fixed(installed, zone, run_playbook, lab_exec, lab_vars):  # pylint: disable=unused-argument
    clean = run_playbook("repository_check.yml", "-e", "check_content=true")
    assert clean.returncode == 0, clean.output[-3000:]
    assert "(content compared)" in clean.output
    # node3 goes back to R1 for 10-drwbases; the running Server rereads its repository on SIGUSR1 (product-facts 5.14)
    forced = lab_exec("node3", "echo %s > %s/10-drwbases/.current && kill -USR1 $(cat /var/opt/drwcs/run/drwcsd.pid)" % (R1, REPOSITORY))
    assert forced.returncode == 0, forced.stderr
    deadline = time.monotonic() + 10
    while served(lab_exec, lab_vars, "node3")["10-drwbases"] != R1 and time.monotonic() < deadline:
        time.sleep(0.5)
    assert served(lab_exec, lab_vars, "node3")["10-drwbases"] == R1
    check = run_playbook("repository_check.yml")
    assert check.returncode != 0
    assert "10-drwbases: node3 holds revision %s, expected %s" % (R1, R2) in check.output, check.output[-3000:]
    assert "odd node out: node3" in check.output
    assert "05-drwmeta: node" not in check.output      # only the product that differs is named
    # check mode names the Server that would be updated, and starts nothing
    since = node_clock(lab_exec)
    predicted = run_playbook("repository.yml", "--check")
    assert predicted.returncode == 0, predicted.output[-5000:]
    assert ("check mode, no update started - Repository update on node3 (behind the update zone: 10-drwbases %s -> %s)."
            % (R1, R2)) in predicted.flat, predicted.output[-3000:]
    assert started_by_the_role(lab_exec, since) == []
    assert on_disk(lab_exec)["node3"]["10-drwbases"] == R1
    fixed = run_playbook("repository.yml")
    assert fixed.returncode == 0, fixed.output[-5000:]
    all_at(lab_exec, lab_vars, R2)
    counts = recap(fixed.stdout)
    assert counts["node3"]["changed"] >= 1 and counts["node1"]["changed"] == 0 and counts["node2"]["changed"] == 0
    # only the Server that drifted was updated
    assert "No update needed on node1, node2 (they hold the newest revisions the update zone offers)." in fixed.flat
    assert started_by_the_role(lab_exec, since) == ["node3"]
    assert run_playbook("repository_check.yml").returncode == 0


def test_hybrid_mode_children_follow_the_parent(installed, zone, run_playbook, lab_exec, lab_vars, lab_hosts):  # pylint: disable=unused-argument
    zone(R3)
    result = run_playbook("repository.yml", "-e", "drweb_update_source=parent", "-e", "drweb_update_parent_host=node1")
    assert result.returncode == 0, result.output[-5000:]
    all_at(lab_exec, lab_vars, R3)
    parent_url = "drwcs://%s" % lab_hosts["node1"]["ansible_host"]
    assert lab_exec("node1", "cat %s/.url" % REPOSITORY).stdout.strip() == lab_vars["lab_update_zone_url"]
    for node in ("node2", "node3"):
        assert lab_exec(node, "cat %s/.url" % REPOSITORY).stdout.strip() == parent_url
        # the children took R3 from node1, not from the zone
        log = lab_exec(node, "grep 'update finished from' %s | tail -1" % LOG).stdout
        assert "update finished from %s" % parent_url in log and R3 in log, log
    # node1 updated first: its update finished before the children started theirs
    finished = lab_exec("node1", "grep 'update finished from' %s | tail -1 | cut -c1-19" % LOG).stdout.strip()
    started = min(lab_exec(node, "grep 'updating from drwcs' %s | tail -1 | cut -c1-19" % LOG).stdout.strip() for node in ("node2", "node3"))
    assert finished <= started, (finished, started)


def test_failover_makes_node2_parent_when_node1_is_down(installed, zone, run_playbook, lab_exec, lab_vars, lab_hosts):  # pylint: disable=unused-argument
    stopped = lab_exec("node1", "sh /etc/init.d/drwcsd stop")
    assert stopped.returncode == 0, stopped.stderr
    zone(R4)
    result = run_playbook(os.path.join(REPO, "playbooks", "update_parent_failover.yml"), "-e", "drweb_update_parent_host=node2")
    assert result.returncode == 0, result.output[-5000:]
    assert "left out (unreachable or not running): node1" in result.flat
    all_at(lab_exec, lab_vars, R4, nodes=("node2", "node3"))
    assert on_disk(lab_exec)["node1"] == dict.fromkeys(PRODUCTS, R3)      # the failed parent was not touched
    new_parent = "drwcs://%s" % lab_hosts["node2"]["ansible_host"]
    assert lab_exec("node2", "cat %s/.url" % REPOSITORY).stdout.strip() == lab_vars["lab_update_zone_url"]
    assert lab_exec("node3", "cat %s/.url" % REPOSITORY).stdout.strip() == new_parent
    log = lab_exec("node3", "grep 'update finished from' %s | tail -1" % LOG).stdout
    assert "update finished from %s" % new_parent in log and R4 in log, log
    # a new parent that is itself down is refused, naming it
    refused = run_playbook(os.path.join(REPO, "playbooks", "update_parent_failover.yml"), "-e", "drweb_update_parent_host=node1")
    assert refused.returncode != 0 and "the new parent node1 (drweb_update_parent_host) is not serving" in refused.flat
