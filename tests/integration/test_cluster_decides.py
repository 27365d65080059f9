# Copyright (c) drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The running cluster decides (drweb.cluster.preflight, drweb.cluster.cluster_plan) on the lab's converged cluster.

What an administrator of a running cluster checks after routine operations that used to destroy one: the cluster's
key and certificate fingerprints and passwd-salt digest stay the same, the Servers that were not the subject of the
operation keep running with the same PIDs, every Server stays on the common database, and check.yml is clean.

In order: refusals that must change nothing (another database named by drweb_db_*, a late role's variable of the
wrong type - refused in the first play of site.yml and of every playbook that plays the roles, a partial --limit for
a certificate rotation or a multicast change, provided keys that are not the cluster's); a reversed inventory order
together with -e drweb_config_database_mode=embedded (neither changes anything any more); a rebuilt primary (node1
wiped as an OS reinstall would) rejoins with the cluster's identity; a rebuilt node2 and a node3 reinstalled with
stations of its own: refused before any file of node3 changes, then rejoined when drweb_allow_data_loss names node3.
The module leaves the cluster converged (conftest shared_cluster).
"""

from __future__ import annotations

import hashlib
import json
import os
import re

import pytest
import yaml

NODES = ("node1", "node2", "node3")
ETC = "/var/opt/drwcs/etc"
KEY_FILES = ("drwcsd.pri", "drwcsd.pub", "drwcsd-certificate.pem")
PID = "/var/opt/drwcs/run/drwcsd.pid"
UNINSTALL = ("[ -x /etc/init.d/drwcsd ] && sh /etc/init.d/drwcsd stop >/dev/null 2>&1; "
             "rm -rf /opt/drwcs /var/opt/drwcs /etc/init.d/drwcsd /etc/opt/drweb.com; "
             "userdel drwcs >/dev/null 2>&1; groupdel drwcs >/dev/null 2>&1; true")
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CLUSTER_VARS = os.path.join(REPO, "tests", "lab", "cluster.yml")
# the lab hosts see the checkout at the same path (their root is an overlay of this machine's)
PACKAGE = os.path.join(REPO, "tests", "drwcsd_double", "build", "drweb-13.00.0-esuite-server-linux-x86_64.run")
REFUSED = "Refusing to change the cluster; nothing was changed on any host"

pytestmark = pytest.mark.keeps_converged_cluster   # every test leaves the cluster converged


def identity(lab_exec, node) -> dict:
    """The node's key files' SHA-256 and its passwd-salt digest (what the Agents and the common database trust)."""
    proc = lab_exec(node, "cd %s && sha256sum %s && grep -o '<passwd-salt value=\"[^\"]*\"' drwcsd.conf"
                    % (ETC, " ".join(KEY_FILES)))
    assert proc.returncode == 0, (node, proc.stdout, proc.stderr)
    lines = proc.stdout.splitlines()
    files = {line.split()[1]: line.split()[0] for line in lines[:3]}
    return dict(files=files, salt=hashlib.sha256(lines[3].encode()).hexdigest())


def pid(lab_exec, node):
    proc = lab_exec(node, "sh /etc/init.d/drwcsd status >/dev/null 2>&1 && cat %s" % PID)
    return proc.stdout.strip() if proc.returncode == 0 else None


def on_common_database(lab_exec, node) -> bool:
    conf = lab_exec(node, "cat %s/drwcsd.conf" % ETC).stdout
    return "<pgsql " in conf and "<sqlite" not in conf


def cluster_state(lab_exec, nodes=NODES) -> dict:
    return {node: dict(identity=identity(lab_exec, node), pid=pid(lab_exec, node),
                       external=on_common_database(lab_exec, node)) for node in nodes}


def check_clean(ansible_playbook, tmp_path):
    path = tmp_path / "check.json"
    run = ansible_playbook("playbooks/check.yml", extra={"drweb_check_report_path": str(path)})
    assert run.returncode == 0, run.output[-6000:]
    report = json.loads(path.read_text(encoding="utf-8"))
    assert report["ok"] is True and report["drift"] == [], report["drift"]
    return report


def changed_tasks(output, host) -> list:
    """The names of the tasks that reported a change on host (for messages)."""
    tasks, current = [], None
    for line in output.splitlines():
        if line.startswith("TASK ["):
            current = line
        elif line.startswith("changed: [%s" % host) and current:
            tasks.append(current)
    return tasks


def changed_per_run_of(output, task) -> list:
    """For each time the task ran (its header, in order), the set of hosts it reported changed on (skipped, ok and
    empty runs left out): the Servers a batch of a rolling change changed together."""
    runs, current = [], None
    for line in output.splitlines():
        if line.startswith("TASK ["):
            current = set() if line.startswith("TASK [%s]" % task) else None
            if current is not None:
                runs.append(current)
        elif current is not None and line.startswith("changed: ["):
            current.add(line[len("changed: ["):].split("]")[0].split(" ")[0])
    return [hosts for hosts in runs if hosts]


def extra_inventory(tmp_path, name, hosts_vars) -> str:
    """An inventory source adding host variables to members of drweb_servers (as a user's host_vars would)."""
    path = tmp_path / name
    path.write_text(yaml.safe_dump({"all": {"children": {"drweb_servers": {"hosts": hosts_vars}}}}), encoding="utf-8")
    return str(path)


@pytest.fixture(scope="module")
def cluster(converged_cluster, lab_exec):  # pylint: disable=unused-argument
    """The converged cluster and its state before the module."""
    state = cluster_state(lab_exec)
    first = state["node1"]["identity"]
    assert all(state[node]["identity"] == first and state[node]["pid"] and state[node]["external"] for node in NODES), state
    return state


def assert_unchanged(lab_exec, before, nodes=NODES):
    after = cluster_state(lab_exec, nodes)
    for node in nodes:
        assert after[node] == before[node], (node, before[node], after[node])


# --- the build from nothing ------------------------------------------------------------------------------------------

def test_a_cluster_built_from_nothing_changes_its_new_servers_together(converged_cluster, lab_groups):
    """Every Server of a cluster built from nothing is installed by the run: none serves an agent yet, so each step
    stops and starts them together (one batch), not one at a time; the primary still joins the common database alone,
    before the others."""
    servers = set(lab_groups["drweb_servers"])
    primary = lab_groups["drweb_servers"][0]
    output = converged_cluster.output
    assert changed_per_run_of(output, "drweb.cluster.config : Merge the managed sections into drwcsd.conf") == [servers]
    database = changed_per_run_of(output, "drweb.cluster.config : Merge the database section into drwcsd.conf")
    assert database and database[-1] == servers - {primary}, database
    assert all(hosts == {primary} for hosts in database[:-1]), database


# --- refusals: nothing changes ----------------------------------------------------------------------------------------

def test_another_database_named_by_drweb_db_is_refused(cluster, ansible_playbook, lab_exec):
    run = ansible_playbook("playbooks/site.yml", extra={"drweb_db_name": "drwcs_other"})
    assert run.returncode != 0 and REFUSED in run.output, run.output[-4000:]
    assert "never moves a cluster to another database" in run.output
    assert "/drwcs_other" in run.output and run.changed() == 0
    assert_unchanged(lab_exec, cluster)


def test_a_late_roles_wrong_type_is_refused_in_the_first_play(cluster, ansible_playbook, lab_exec):
    # the repository role plays after keys, config and the database: its variables are checked with every other
    # role's before the members are read, in the first play, and the lock is released
    run = ansible_playbook("playbooks/site.yml", extra={"drweb_repository_update_timeout": "soon",
                                                        "drweb_repository_update": "perhaps"})
    assert run.returncode != 0, run.output[-4000:]
    assert "Validation of arguments failed for repository (before anything changed):" in run.output, run.output[-4000:]
    assert ("repository: argument 'drweb_repository_update_timeout' is of type str and we were unable to convert to int"
            in run.output), run.output[-4000:]
    assert "repository: argument 'drweb_repository_update' is of type str and we were unable to convert to bool" in run.output
    assert "PLAY [What each host needs" not in run.output   # no later play began
    assert "Validating arguments against arg spec" not in run.output   # the preflight's own entry points too
    assert run.changed() == 0
    assert lab_exec("db1", "test -e /var/lib/drweb-cluster/run.lock").returncode != 0   # the next run is not blocked
    assert_unchanged(lab_exec, cluster)


@pytest.mark.parametrize("playbook, extra, entry_point, message", [
    ("playbooks/add_node.yml", {"drweb_repository_update_timeout": "soon"}, "repository",
     "repository: argument 'drweb_repository_update_timeout' is of type str and we were unable to convert to int"),
    ("playbooks/remove_node.yml", {"drweb_dns_exclude": {"node9": "10.0.0.9"}}, "dns",
     "dns: argument 'drweb_dns_exclude' is of type dict and we were unable to convert to list"),
    ("playbooks/update_parent_failover.yml", {"drweb_update_source": "ftp"}, "repository",
     "repository: value of drweb_update_source must be one of: gus, zone, parent, , got: ftp"),
    ("playbooks/upgrade.yml", {"drweb_upgrade_backup_reserve_mb": "lots"}, "upgrade:preflight",
     "upgrade:preflight: argument 'drweb_upgrade_backup_reserve_mb' is of type str and we were unable to convert to int"),
])
def test_every_playbook_refuses_a_late_roles_wrong_value_in_its_first_play(  # pylint: disable=too-many-arguments
        cluster, ansible_playbook, lab_exec, playbook, extra, entry_point, message):
    # add_node, remove_node, update_parent_failover and upgrade check the variables of every role entry point they
    # play with the preflight, before the members are read: nothing changes and the lock is released
    run = ansible_playbook(playbook, extra=extra)
    assert run.returncode != 0, run.output[-4000:]
    assert "Validation of arguments failed for %s (before anything changed):" % entry_point in run.output, run.output[-4000:]
    assert message in run.output, run.output[-4000:]
    assert "Validating arguments against arg spec" not in run.output   # no role validated itself before
    assert run.output.count("PLAY [") == 1   # no later play began
    assert run.changed() == 0
    assert lab_exec("db1", "test -e /var/lib/drweb-cluster/run.lock").returncode != 0   # the next run is not blocked
    assert_unchanged(lab_exec, cluster)


@pytest.mark.parametrize("playbook, limit, extra", [
    ("playbooks/rotate_certificate.yml", "node1", None),
    ("playbooks/site.yml", "node2", {"drweb_cluster_multicast_port": 11112}),
])
def test_a_cluster_wide_change_to_part_of_the_cluster_is_refused(cluster, ansible_playbook, lab_exec, playbook, limit, extra):
    run = ansible_playbook(playbook, "--limit", limit, extra=extra)
    assert run.returncode != 0 and REFUSED in run.output, run.output[-4000:]
    left_out = ", ".join(node for node in NODES if node != limit)
    assert "--limit leaves out %s, which are running" % left_out in run.output, run.output[-4000:]
    assert run.changed() == 0
    assert_unchanged(lab_exec, cluster)
    assert "11112" not in lab_exec(limit, "cat %s/drwcsd.conf" % ETC).stdout


def test_provided_keys_that_are_not_the_clusters_are_refused(cluster, ansible_playbook, lab_exec, tmp_path):
    cryptography = pytest.importorskip("cryptography")  # noqa: F841  pylint: disable=unused-variable
    import datetime  # pylint: disable=import-outside-toplevel
    from cryptography import x509  # pylint: disable=import-outside-toplevel
    from cryptography.hazmat.primitives import hashes, serialization  # pylint: disable=import-outside-toplevel
    from cryptography.hazmat.primitives.asymmetric import ec  # pylint: disable=import-outside-toplevel
    from cryptography.x509.oid import NameOID  # pylint: disable=import-outside-toplevel
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "another cluster")])
    now = datetime.datetime.now(datetime.timezone.utc)
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                   .serial_number(1).not_valid_before(now).not_valid_after(now + datetime.timedelta(days=30))
                   .sign(key, hashes.SHA256()))
    files = {"drwcsd.pri": key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                             serialization.NoEncryption()),
             "drwcsd.pub": key.public_key().public_bytes(serialization.Encoding.PEM,
                                                         serialization.PublicFormat.SubjectPublicKeyInfo),
             "drwcsd-certificate.pem": certificate.public_bytes(serialization.Encoding.PEM)}
    for file_name, data in files.items():
        (tmp_path / file_name).write_bytes(data)
        (tmp_path / file_name).chmod(0o600)
    run = ansible_playbook("playbooks/site.yml", extra={
        "drweb_keys_source": "provided", "drweb_keys_private": str(tmp_path / "drwcsd.pri"),
        "drweb_keys_public": str(tmp_path / "drwcsd.pub"), "drweb_keys_certificate": str(tmp_path / "drwcsd-certificate.pem")})
    assert run.returncode != 0 and REFUSED in run.output, run.output[-4000:]
    assert "drweb_keys_private, drweb_keys_public, drweb_keys_certificate are not the cluster's" in run.output
    assert cluster["node1"]["identity"]["files"]["drwcsd.pri"][:10] in run.output
    assert "PRIVATE KEY" not in run.output
    assert_unchanged(lab_exec, cluster)


# --- nothing a variable or the inventory order says changes the running cluster --------------------------------------

def test_reordered_inventory_and_an_embedded_database_mode_change_nothing(cluster, ansible_playbook, lab_exec, lab_inventory,
                                                                          tmp_path):
    with open(lab_inventory, encoding="utf-8") as handle:
        inventory = yaml.safe_load(handle)
    servers = inventory["all"]["children"]["drweb_servers"]
    servers["hosts"] = dict(reversed(list(servers["hosts"].items())))   # node3 first: the default primary now
    reordered = tmp_path / "reordered.yml"
    reordered.write_text(yaml.safe_dump(inventory, sort_keys=False), encoding="utf-8")
    run = ansible_playbook("playbooks/site.yml", inventories=[str(reordered), CLUSTER_VARS],
                           extra={"drweb_config_database_mode": "embedded"})
    assert run.returncode == 0, run.output[-6000:]
    assert run.changed() == 0, run.recap
    assert re.search(r"cluster identity: held by node3, node2, node1 \(taken from node3\)", run.output), run.output[-6000:]
    assert_unchanged(lab_exec, cluster)


# --- rebuilt members rejoin with the cluster's identity ---------------------------------------------------------------

def test_a_rebuilt_primary_rejoins_with_the_clusters_identity(cluster, ansible_playbook, lab_exec, tmp_path):
    assert lab_exec("node1", UNINSTALL, timeout=120).returncode == 0   # the OS reinstalled: no Server, no keys
    # a dry run shows the plan and changes nothing
    dry = ansible_playbook("playbooks/site.yml", "--check", "--diff")
    assert dry.returncode == 0, dry.output[-6000:]
    assert re.search(r"node1\s+absent\s+no\s+receive\s+receive\s+yes\s+switch", dry.output), dry.output[-6000:]
    assert lab_exec("node1", "test -e /opt/drwcs").returncode != 0
    assert_unchanged(lab_exec, cluster, ("node2", "node3"))
    run = ansible_playbook("playbooks/site.yml")
    assert run.returncode == 0, run.output[-6000:]
    assert re.search(r"node1\s+absent\s+no\s+receive\s+receive\s+yes\s+switch", run.output), run.output[-6000:]
    # the members that were not rebuilt are not restarted and their files do not change (assert_unchanged); the
    # only changes reported on them are the cluster-wide writes they make for the cluster (its schedule rows)
    for node in ("node2", "node3"):
        assert all("schedule" in task for task in changed_tasks(run.output, node)), changed_tasks(run.output, node)
    after = cluster_state(lab_exec)
    assert after["node1"]["identity"] == cluster["node1"]["identity"]   # the cluster's keys and salt, not new ones
    assert after["node1"]["external"] and after["node1"]["pid"]
    assert_unchanged(lab_exec, cluster, ("node2", "node3"))
    cluster.update(after)
    check_clean(ansible_playbook, tmp_path)


def test_a_node_with_data_of_its_own_is_refused_before_any_of_its_files_changes(
        cluster, ansible_playbook, lab_exec):
    # node2 rebuilt (empty), node3 reinstalled standalone by someone and already serving Agents of its own
    for node in ("node2", "node3"):
        assert lab_exec(node, UNINSTALL, timeout=120).returncode == 0
    proc = lab_exec("node3", ["/bin/sh", PACKAGE, "--", "--non-interactive"], timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    lines = "".join("REGISTER own-%02d\n" % number for number in range(3)) + "QUIT\n"
    assert lab_exec("node3", "nc -q 5 127.0.0.1 2193", input=lines).stdout.count("OK ") == 3
    node3_files = lab_exec("node3", "cd %s && sha256sum drwcsd.conf download.conf %s" % (ETC, " ".join(KEY_FILES))).stdout
    node3_pid = pid(lab_exec, "node3")
    run = ansible_playbook("playbooks/site.yml")
    assert run.returncode != 0 and REFUSED in run.output, run.output[-4000:]
    assert "node3 holds data of its own (3 station(s)" in run.output and "drweb_allow_data_loss" in run.output
    assert run.changed() == 0
    assert lab_exec("node3", "cd %s && sha256sum drwcsd.conf download.conf %s" % (ETC, " ".join(KEY_FILES))).stdout == node3_files
    assert pid(lab_exec, "node3") == node3_pid
    assert lab_exec("node2", "test -e /opt/drwcs").returncode != 0   # nothing installed anywhere either
    assert pid(lab_exec, "node1") == cluster["node1"]["pid"]


def test_rebuilt_members_rejoin_when_the_data_loss_is_named(cluster, ansible_playbook, lab_exec, tmp_path):
    run = ansible_playbook("playbooks/site.yml", extra={"drweb_allow_data_loss": "node3"})
    assert run.returncode == 0, run.output[-6000:]
    assert all("schedule" in task for task in changed_tasks(run.output, "node1")), changed_tasks(run.output, "node1")
    after = cluster_state(lab_exec)
    for node in ("node2", "node3"):
        assert after[node]["identity"] == cluster["node1"]["identity"] and after[node]["external"], (node, after[node])
    assert after["node1"]["pid"] == cluster["node1"]["pid"]
    # node2, installed by this run, goes first; node3 ran before the run (with Agents of its own): alone, after it
    for task in ("Merge the managed sections into drwcsd.conf", "Merge the database section into drwcsd.conf"):
        assert changed_per_run_of(run.output, "drweb.cluster.config : " + task) == [{"node2"}, {"node3"}], task
    cluster.update(after)
    report = check_clean(ansible_playbook, tmp_path)
    assert report["scheduler"]["ok"] is True and len(report["scheduler"]["value"]) == 1
