# Copyright (c) drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""playbooks/remove_node.yml on the lab: the cluster site.yml builds (converged_cluster), then the last Server (node3
in a 3-node lab) is taken out of it - what an administrator would check afterwards: the other Servers hear each other
and not it, the cluster name resolves to the others' addresses only, the removed Server is stopped and disabled, its
data is still in the common database, a rerun changes nothing. Bad values of drweb_remove_node are refused first,
naming the variable, with nothing changed. The lab is pristine again after the module (converged_cluster)."""

from __future__ import annotations

import os
import re
from xml.etree import ElementTree

import pytest
import yaml

CLUSTER_VARS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "lab", "cluster.yml")

with open(CLUSTER_VARS, encoding="utf-8") as _handle:
    _CLUSTER = yaml.safe_load(_handle)["all"]
ADMIN_PASSWORD = _CLUSTER["children"]["drweb_servers"]["vars"]["drweb_admin_password"]
CLUSTER_NAME = _CLUSTER["children"]["drweb_servers"]["vars"]["drweb_cluster_name"]
DB_NAME = _CLUSTER["vars"]["drweb_db_name"]
CONF = "/var/opt/drwcs/etc/drwcsd.conf"
PLAYBOOK = "playbooks/remove_node.yml"
EXCLUSIVE_TASKS = ("Purge Old Data", "Backup sensitive data", "Purge old stations", "Purge expired stations",
                   "Purge unsent IS events")  # module_utils/drwcsd.py EXCLUSIVE_SCHEDULE_TASKS


@pytest.fixture(scope="module")
def cluster(converged_cluster, lab_groups, lab_exec, ansible_playbook):  # pylint: disable=unused-argument
    """The converged cluster, with stations registered on the Server that is removed later, and that Server's init
    script registered to start at boot - as the product's installer is expected to do (product-facts 1.11, a GUESS;
    the drwcsd double's installer leaves no boot links, so the test makes them)."""
    servers = lab_groups["drweb_servers"]
    removed = servers[-1]
    proc = lab_exec(removed, "update-rc.d -f drwcsd remove >/dev/null; update-rc.d drwcsd defaults >/dev/null && ls /etc/rc2.d")
    assert proc.returncode == 0 and re.search(r"^S\d\ddrwcsd$", proc.stdout, re.MULTILINE), proc.stdout + proc.stderr
    # the removed Server runs the exclusive schedule tasks (drweb_scheduler_host), so remove_node.yml must move them
    moved = ansible_playbook("tests/integration/playbooks/schedule.yml", extra={"drweb_scheduler_host": removed})
    assert moved.returncode == 0, moved.output[-4000:]
    lines = "".join("REGISTER remove-%02d\n" % number for number in range(5)) + "QUIT\n"
    proc = lab_exec(removed, "nc -q 5 127.0.0.1 2193", input=lines)
    assert proc.stdout.count("OK ") == 5, proc.stdout + proc.stderr
    return dict(servers=servers, removed=removed, remaining=servers[:-1])


def server_id(lab_exec, host):
    out = lab_exec(host, "cat %s" % CONF).stdout
    match = re.search(r'<id value="([^"]+)"', out)
    assert match, out
    return match.group(1)


def peers(lab_exec, host):
    """The ids of the cluster peers the Server hears (summary.ds of its Web API)."""
    out = lab_exec(host, "curl -sk --max-time 10 -u admin:%s https://127.0.0.1:9081/api/server/summary.ds" % ADMIN_PASSWORD).stdout
    root = ElementTree.fromstring(out)
    return sorted(peer.get("id") for peer in root.findall("server-summary/cluster/peer"))


def dns_addresses(lab_exec, lab_groups, lab_vars):
    out = lab_exec(lab_groups["drweb_dns"][0], ["dig", "+short", "@%s" % lab_vars["lab_dns_server"], CLUSTER_NAME, "A"]).stdout
    return sorted(out.split())


def sql(lab_exec, lab_groups, statement):
    proc = lab_exec(lab_groups["drweb_database"][0], ["runuser", "-u", "postgres", "--", "psql", "-X", "-At", "-v",
                                                      "ON_ERROR_STOP=1", "-d", DB_NAME, "-c", statement])
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


def schedule_holders(lab_exec, lab_groups, ids):
    """Exclusive task name -> the hosts whose schedule has it enabled (the double's server_schedule table)."""
    names = {server: host for host, server in ids.items()}
    rows = sql(lab_exec, lab_groups, "SELECT name, server_id FROM server_schedule WHERE enabled <> 0 ORDER BY name, server_id")
    holders = {}
    for line in rows.splitlines():
        name, server = line.split("|")
        holders.setdefault(name, []).append(names.get(server, server))
    return {name: hosts for name, hosts in holders.items() if name in EXCLUSIVE_TASKS}


def running(lab_exec, host):
    return lab_exec(host, "sh /etc/init.d/drwcsd status >/dev/null 2>&1").returncode == 0


@pytest.mark.parametrize("value, message", [
    ("", "drweb_remove_node is not set"),
    ("node9", "drweb_remove_node node9 is not a member of drweb_servers"),
    ("node1", "drweb_remove_node node1 is drweb_primary_host"),
])
def test_bad_values_are_refused_naming_the_variable(cluster, ansible_playbook, lab_exec, lab_groups, lab_vars, value, message):
    before = dns_addresses(lab_exec, lab_groups, lab_vars)
    run = ansible_playbook(PLAYBOOK, extra={"drweb_remove_node": value})
    assert run.returncode != 0, run.output
    assert message in run.output and "nothing was changed" in run.output, run.output
    assert run.changed() == 0, run.output
    assert len(before) == len(cluster["servers"])
    assert dns_addresses(lab_exec, lab_groups, lab_vars) == before
    assert all(running(lab_exec, host) for host in cluster["servers"])


def test_check_mode_predicts_the_removal_and_changes_nothing(cluster, ansible_playbook, lab_exec, lab_groups, lab_vars):
    run = ansible_playbook(PLAYBOOK, "--check", "--diff", extra={"drweb_remove_node": cluster["removed"]})
    assert run.returncode == 0, run.output[-6000:]
    assert run.recap[cluster["removed"]]["changed"] == 2, run.output[-6000:]      # stop, disable
    assert re.search(r"changed: \[%s\]" % cluster["removed"], run.output.split("Disable its init script")[1]), run.output[-6000:]
    assert len(dns_addresses(lab_exec, lab_groups, lab_vars)) == len(cluster["servers"])
    assert running(lab_exec, cluster["removed"])
    assert re.search(r"^S\d\ddrwcsd$", lab_exec(cluster["removed"], "ls /etc/rc2.d").stdout, re.MULTILINE)


def test_remove_node_detaches_the_server_and_keeps_its_data(cluster, ansible_playbook, lab_exec, lab_groups, lab_vars, lab_hosts):
    removed, remaining = cluster["removed"], cluster["remaining"]
    ids = {host: server_id(lab_exec, host) for host in cluster["servers"]}
    stations = sql(lab_exec, lab_groups, "SELECT count(*) FROM stations WHERE server_id = '%s'" % ids[removed])
    assert stations == "5"
    assert schedule_holders(lab_exec, lab_groups, ids) == dict.fromkeys(EXCLUSIVE_TASKS, [removed])
    total = sql(lab_exec, lab_groups, "SELECT count(*) FROM stations")

    run = ansible_playbook(PLAYBOOK, extra={"drweb_remove_node": removed})
    assert run.returncode == 0, run.output[-6000:]
    # the remaining Servers hear each other and not the removed one
    for host in remaining:
        assert peers(lab_exec, host) == sorted(ids[other] for other in remaining if other != host), host
    # the cluster name resolves to the remaining Servers only
    assert dns_addresses(lab_exec, lab_groups, lab_vars) == sorted(lab_hosts[host]["ansible_host"] for host in remaining)
    # the removed Server is stopped and does not start at boot
    assert not running(lab_exec, removed)
    links = lab_exec(removed, "ls /etc/rc2.d /etc/rc3.d /etc/rc4.d /etc/rc5.d | grep drwcsd || true").stdout.split()
    assert links and all(link.startswith("K") for link in links), links      # disabled: stop links only
    # its data stays in the common database, served by the others
    assert sql(lab_exec, lab_groups, "SELECT count(*) FROM srv_names WHERE osid = '%s'" % ids[removed]) == "1"
    assert sql(lab_exec, lab_groups, "SELECT count(*) FROM stations WHERE server_id = '%s'" % ids[removed]) == stations
    assert sql(lab_exec, lab_groups, "SELECT count(*) FROM stations") == total
    station = sql(lab_exec, lab_groups, "SELECT id FROM stations WHERE server_id = '%s' LIMIT 1" % ids[removed])
    answer = lab_exec(remaining[0], "nc -q 5 127.0.0.1 2193", input="HELLO %s\nQUIT\n" % station).stdout
    assert answer.startswith("OK %s" % station), answer
    assert "still holds %s's data (5 station(s))" % removed in run.output
    # the exclusive tasks moved off the removed Server, all five to one remaining Server
    holders = schedule_holders(lab_exec, lab_groups, ids)
    assert set(holders) == set(EXCLUSIVE_TASKS), holders
    assert len({tuple(hosts) for hosts in holders.values()}) == 1, holders
    assert len(holders[EXCLUSIVE_TASKS[0]]) == 1 and holders[EXCLUSIVE_TASKS[0]][0] in remaining, holders


def test_a_rerun_changes_nothing(cluster, ansible_playbook, lab_exec, lab_groups, lab_vars):
    run = ansible_playbook(PLAYBOOK, extra={"drweb_remove_node": cluster["removed"]})
    assert run.returncode == 0, run.output[-6000:]
    assert run.changed() == 0, run.output[-6000:]
    assert not running(lab_exec, cluster["removed"])
    assert len(dns_addresses(lab_exec, lab_groups, lab_vars)) == len(cluster["remaining"])


def test_a_removed_server_marked_in_the_inventory_stays_out(cluster, ansible_playbook, lab_exec, lab_groups, lab_vars,
                                                            lab_hosts, lab_inventory, tmp_path):
    """After remove_node.yml the user marks the host (drweb_removed: true): site.yml leaves it stopped and out of DNS."""
    removed, remaining = cluster["removed"], cluster["remaining"]
    marked = tmp_path / "removed.yml"
    marked.write_text(yaml.safe_dump({"all": {"children": {"drweb_servers": {"hosts": {removed: {"drweb_removed": True}}}}}}),
                      encoding="utf-8")
    run = ansible_playbook("playbooks/site.yml", inventories=[lab_inventory, CLUSTER_VARS, str(marked)])
    assert run.returncode == 0, run.output[-6000:]
    assert re.search(r"%s\s+removed\s+left out: marked drweb_removed" % removed, run.output), run.output[-6000:]
    assert removed not in run.recap or run.recap[removed]["changed"] == 0, run.recap
    assert not running(lab_exec, removed)
    assert dns_addresses(lab_exec, lab_groups, lab_vars) == sorted(lab_hosts[host]["ansible_host"] for host in remaining)
    assert "%s Server(s)" % len(remaining) in run.output
