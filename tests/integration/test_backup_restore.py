# Copyright (c) drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""playbooks/backup.yml and playbooks/restore.yml on the lab: a cluster destroyed and rebuilt from its backup.

One converged cluster; three stations registered through node1's agent port; backup.yml with the secret files
vault-encrypted. Then, while the cluster still runs, a copy of the set with one changed byte is refused by restore.yml
before anything changes, naming the file. restore_database.yml puts the common database back under the running
cluster: refused without drweb_restore_database_overwrite, and (like restore.yml) while another run holds the
cluster's run lock, changing nothing; with it, stations registered after the backup are gone, the backed-up ones are
there, every Server was started again one at a time and serves, the key set and passwd-salt are unchanged. The Servers
are uninstalled (the database left as it is): restore.yml refuses the non-empty database, naming
drweb_restore_database_overwrite, and changes nothing in it. Then the whole lab is wiped (no Server, no database, no
role, no DNS record) and restore.yml rebuilds the cluster from the set: same key and certificate fingerprints and
passwd-salt on every Server, the same dbuuid, the same stations, the administrator logs in with the former password
(the double checks it salted with passwd-salt), and check.yml is clean and reports the backup's age. No converge of
its own when the previous module hands its cluster over (conftest shared_cluster); the rebuilt cluster, as site.yml
leaves it with the former identity, is handed over to the next module.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import stat

import pytest
import yaml

from conftest import CLUSTER_VARS, UNINSTALL_SERVER

# restore.yml rebuilds what the module wipes: the cluster site.yml leaves, with the former key set, passwd-salt and
# database (check.yml clean is asserted); a failed test hands nothing over
pytestmark = pytest.mark.keeps_converged_cluster

NODES = ("node1", "node2", "node3")
ETC = "/var/opt/drwcs/etc"
KEY_FILES = ("drwcsd.pri", "drwcsd.pub", "drwcsd-certificate.pem")
STATIONS = ("backup-station-1", "backup-station-2", "backup-station-3")
_CLUSTER = yaml.safe_load(open(CLUSTER_VARS, encoding="utf-8"))["all"]  # pylint: disable=consider-using-with
DB_NAME = _CLUSTER["vars"]["drweb_db_name"]
ADMIN_PASSWORD = _CLUSTER["children"]["drweb_servers"]["vars"]["drweb_admin_password"]
VAULT_PASSWORD = "backup-test-vault-password"
LOCK = "/var/lib/drweb-cluster/run.lock"   # the run lock, on the lab's database host
LATE_STATIONS = ("after-backup-1", "after-backup-2")


def sh(lab_exec, host, command, **kwargs):
    proc = lab_exec(host, command, **kwargs)
    assert proc.returncode == 0, "%s: %s%s" % (host, proc.stdout, proc.stderr)
    return proc.stdout


def identity(lab_exec):
    """node -> (sha256 of the three key files, sha256 of the passwd-salt value), read on the Servers."""
    found = {}
    for node in NODES:
        sums = sh(lab_exec, node, "cd %s && sha256sum %s" % (ETC, " ".join(KEY_FILES))).split()[0::2]
        salt = re.search(r'<passwd-salt value="([^"]*)"', sh(lab_exec, node, "cat %s/drwcsd.conf" % ETC)).group(1)
        found[node] = (tuple(sums), hashlib.sha256(salt.encode()).hexdigest())
    return found


def sql(lab_exec, db_host, statement):
    return sh(lab_exec, db_host, ["runuser", "-u", "postgres", "--", "psql", "-X", "-At", "-v", "ON_ERROR_STOP=1",
                                  "-d", DB_NAME, "-c", statement]).strip()


def database(lab_exec, db_host):
    """(dbuuid, station names) of the common database."""
    return (sql(lab_exec, db_host, "SELECT dbuuid FROM dbstruct"),
            sorted(sql(lab_exec, db_host, "SELECT name FROM stations").split()))


def login_accepted(lab_exec, node, password=ADMIN_PASSWORD):
    """Whether the Web API accepts the administrator login with ``password`` (summary.ds: head.status)."""
    out = sh(lab_exec, node, "curl -sk --max-time 10 -u admin:%s 'https://127.0.0.1:9081/api/server/summary.ds?format=json'"
             % password)
    return json.loads(out)["head"]["status"] is True


def pids(lab_exec):
    return {node: lab_exec(node, "cat /var/opt/drwcs/run/drwcsd.pid 2>/dev/null").stdout.strip() for node in NODES}


def flat(text):
    return " ".join(text.split())


def lock_record(lab_exec, db_host):
    proc = lab_exec(db_host, "cat %s" % LOCK)
    return json.loads(proc.stdout) if proc.returncode == 0 else None


def register(lab_exec, names):
    lines = "".join("REGISTER %s\n" % name for name in names) + "QUIT\n"
    out = sh(lab_exec, "node1", "nc -q 5 127.0.0.1 2193", input=lines)
    assert out.count("OK ") == len(names), out


def servers_state(lab_exec):
    """node -> the Server's pid and the SHA-256 of its configuration and key files."""
    return {node: sh(lab_exec, node, "cat /var/opt/drwcs/run/drwcsd.pid; cd %s && sha256sum drwcsd.conf download.conf %s"
                     % (ETC, " ".join(KEY_FILES))) for node in NODES}


@pytest.fixture(scope="module")
def backed_up(converged_cluster, ansible_playbook, lab_exec, lab_groups, tmp_path_factory):  # pylint: disable=unused-argument
    """The converged cluster with three stations, and backup.yml's run, set folder and what the cluster was."""
    db_host = lab_groups["drweb_database"][0]
    register(lab_exec, STATIONS)
    folder = tmp_path_factory.mktemp("backups")
    password_file = folder / "vault-password"
    password_file.write_text(VAULT_PASSWORD)
    backups = folder / "sets"
    servers_before = servers_state(lab_exec)
    conf = sh(lab_exec, "node1", "cat %s/drwcsd.conf" % ETC)
    private = sh(lab_exec, "node1", "cat %s/drwcsd.pri" % ETC)
    secrets = (re.search(r'<passwd-salt value="([^"]*)"', conf).group(1),
               "".join(line for line in private.splitlines() if "-----" not in line)[:40],
               _CLUSTER["vars"]["drweb_db_password"])
    run = ansible_playbook("playbooks/backup.yml", "--vault-id", "backup@%s" % password_file,
                           extra=dict(drweb_backup_dir=str(backups), drweb_backup_encrypt=True,
                                      drweb_backup_vault_id="backup", drweb_backup_keep=2))
    assert run.returncode == 0, run.output[-6000:]
    [name] = os.listdir(backups)
    return dict(run=run, set=backups / name, secrets=secrets, servers_before=servers_before,
                servers_after=servers_state(lab_exec), backups=backups, password_file=password_file,
                identity=identity(lab_exec), database=database(lab_exec, db_host), db_host=db_host)


def test_backup_set_is_private_encrypted_and_complete(backed_up, lab_exec):
    folder, run = backed_up["set"], backed_up["run"]
    # read-only for the Servers: none restarted, no managed file changed
    assert backed_up["servers_after"] == backed_up["servers_before"]
    manifest = json.loads((folder / "manifest.json").read_text())
    files = manifest["files"]
    assert {"database.pgc", "keys/drwcsd.pri", "keys/drwcsd.pub", "keys/drwcsd-certificate.pem", "keys/passwd-salt",
            "licence/lab-agent.key"} <= set(files)
    assert {"servers/%s/%s" % (node, name) for node in NODES for name in ("drwcsd.conf", "download.conf")} <= set(files)
    for path in [folder] + list(folder.rglob("*")):
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode == (0o700 if path.is_dir() else 0o600), (path, oct(mode))
    for relpath, info in files.items():
        data = (folder / relpath).read_bytes()
        assert info["sha256"] == hashlib.sha256(data).hexdigest()
        assert data.startswith(b"$ANSIBLE_VAULT;1.2;AES256;backup") == info["secret"], relpath
    # the manifest records the cluster as it ran
    keys, salt = backed_up["identity"]["node1"]
    assert (manifest["fingerprint"]["private_key"], manifest["fingerprint"]["public_key"],
            manifest["fingerprint"]["certificate"]) == keys
    assert manifest["passwd_salt_sha256"] == salt and manifest["dbuuid"] == backed_up["database"][0]
    assert manifest["product_version"] == _CLUSTER["children"]["drweb_servers"]["vars"]["drweb_version"]
    assert manifest["collection_version"] and manifest["servers"] == list(NODES) and manifest["encrypted"] is True
    # no secret in the output: the salt, the private key, the database password
    for secret in backed_up["secrets"]:
        assert secret not in run.output


def test_damaged_set_is_refused_before_any_change_naming_the_file(backed_up, ansible_playbook, lab_exec, tmp_path):
    damaged = tmp_path / backed_up["set"].name
    shutil.copytree(backed_up["set"], damaged)
    certificate = damaged / "keys" / "drwcsd-certificate.pem"
    data = bytearray(certificate.read_bytes())
    data[len(data) // 2] ^= 0x01
    certificate.write_bytes(bytes(data))
    before = (pids(lab_exec), database(lab_exec, backed_up["db_host"]))
    run = ansible_playbook("playbooks/restore.yml", "--vault-id", "backup@%s" % backed_up["password_file"],
                           extra=dict(drweb_restore_from=str(damaged)))
    assert run.returncode != 0
    assert "keys/drwcsd-certificate.pem: SHA-256" in run.output and "the file was changed or damaged" in run.output
    assert all(counts["changed"] == 0 for counts in run.recap.values()), run.recap
    assert (pids(lab_exec), database(lab_exec, backed_up["db_host"])) == before


def restore_database(ansible_playbook, backed_up, **extra):
    return ansible_playbook("playbooks/restore_database.yml", "--vault-id", "backup@%s" % backed_up["password_file"],
                            extra=dict(drweb_restore_from=str(backed_up["set"]), **extra))


def test_database_only_restore_is_refused_without_the_overwrite_variable(backed_up, ansible_playbook, lab_exec):
    db_host = backed_up["db_host"]
    before = (pids(lab_exec), database(lab_exec, db_host))
    run = restore_database(ansible_playbook, backed_up)
    assert run.returncode != 0
    text = flat(run.output)
    assert "cannot replace the running cluster's database" in text, run.output[-4000:]
    assert "set drweb_restore_database_overwrite: true" in text and "Nothing was changed." in text
    assert "PLAY [Stop every Server" not in run.output
    assert all(counts["changed"] == 0 for counts in run.recap.values()), run.recap
    assert (pids(lab_exec), database(lab_exec, db_host)) == before
    assert lock_record(lab_exec, db_host) is None, "the refused run left its lock"


def test_restores_are_refused_while_another_run_holds_the_lock(backed_up, ansible_playbook, lab_exec):
    db_host = backed_up["db_host"]
    holder = dict(run_id="f" * 32, controller="other-controller", user="alice", pid=4242, pid_start=1, boot_id="x",
                  playbook="site.yml", operation="site", started="2026-12-05T10:00:00Z")
    sh(lab_exec, db_host, "mkdir -p %s && cat > %s" % (os.path.dirname(LOCK), LOCK), input=json.dumps(holder))
    try:
        before = (pids(lab_exec), database(lab_exec, db_host))
        for run in (restore_database(ansible_playbook, backed_up, drweb_restore_database_overwrite=True),
                    ansible_playbook("playbooks/restore.yml", "--vault-id", "backup@%s" % backed_up["password_file"],
                                     extra=dict(drweb_restore_from=str(backed_up["set"]),
                                                drweb_restore_database_overwrite=True))):
            assert run.returncode != 0
            text = flat(run.output)
            assert ("Another changing run holds this cluster's run lock (%s, %s): site.yml (site) by "
                    "alice@other-controller, ansible-playbook pid 4242, since 2026-12-05T10:00:00Z" % (db_host, LOCK)) in text, \
                run.output[-4000:]
            assert "It was taken from another controller" in text and "Nothing was changed." in text
            assert all(counts["changed"] == 0 for counts in run.recap.values()), run.recap
            assert (pids(lab_exec), database(lab_exec, db_host)) == before
            assert lock_record(lab_exec, db_host) == holder, "the refused run touched the holder's lock"
    finally:
        sh(lab_exec, db_host, "rm -f %s" % LOCK)


def test_database_only_restore_puts_the_backed_up_database_back_under_the_running_cluster(
        backed_up, ansible_playbook, lab_exec):
    db_host = backed_up["db_host"]
    register(lab_exec, LATE_STATIONS)    # data the backup does not hold
    assert set(LATE_STATIONS) <= set(database(lab_exec, db_host)[1])
    before = pids(lab_exec)
    run = restore_database(ansible_playbook, backed_up, drweb_restore_database_overwrite=True)
    assert run.returncode == 0, run.output[-8000:]
    # the database as backed up: same dbuuid, the backed-up stations, none registered since
    assert database(lab_exec, db_host) == backed_up["database"]
    # every Server stopped, then started one at a time in inventory order, each serving before the next
    starts = [chunk for chunk in run.output.split("\n\n")
              if chunk.startswith("TASK [drweb.cluster._server : Start drwcsd where it is stopped]")]
    assert [re.findall(r"^changed: \[(node\d)\]", chunk, re.MULTILINE) for chunk in starts] == [[node] for node in NODES], starts
    after = pids(lab_exec)
    assert all(after.values()) and all(after[node] != before[node] for node in NODES), (before, after)
    for node in NODES:
        assert login_accepted(lab_exec, node), node
    # the cluster kept its identity; the run released its lock; no secret in the output
    assert identity(lab_exec) == backed_up["identity"]
    assert lock_record(lab_exec, db_host) is None
    for secret in backed_up["secrets"]:
        assert secret not in run.output


def test_restore_refuses_a_database_that_is_not_empty(backed_up, ansible_playbook, lab_exec):
    for node in NODES:   # the Servers gone, their database left as it is
        sh(lab_exec, node, UNINSTALL_SERVER, timeout=120)
    tables = sql(lab_exec, backed_up["db_host"], "SELECT count(*) FROM stations")
    run = ansible_playbook("playbooks/restore.yml", "--vault-id", "backup@%s" % backed_up["password_file"],
                           extra=dict(drweb_restore_from=str(backed_up["set"])))
    assert run.returncode != 0
    assert "is not empty" in run.output and "drweb_restore_database_overwrite" in run.output, run.output[-3000:]
    assert database(lab_exec, backed_up["db_host"]) == backed_up["database"]
    assert sql(lab_exec, backed_up["db_host"], "SELECT count(*) FROM stations") == tables


@pytest.fixture(scope="module")
def restored(backed_up, ansible_playbook, pristine_lab, shared_cluster):
    pristine_lab()   # no Server, no database, no role, no DNS record: the cluster is gone
    run = ansible_playbook("playbooks/restore.yml", "--vault-id", "backup@%s" % backed_up["password_file"],
                           extra=dict(drweb_restore_from=str(backed_up["set"])))
    assert run.returncode == 0, run.output[-8000:]
    shared_cluster.adopt(run)   # built from a pristine lab: offered to the next module unless a test fails
    return run


def test_restored_cluster_has_the_former_identity_database_and_stations(backed_up, restored, lab_exec):
    assert "cluster identity: new cluster, the provided key set" in restored.output
    # site.yml's preflight, imported, took the run's own lock again (not refused as another run); released at the end
    assert "holds this cluster's run lock" not in restored.output
    assert lock_record(lab_exec, backed_up["db_host"]) is None
    for secret in backed_up["secrets"]:
        assert secret not in restored.output
    now = identity(lab_exec)
    assert now == {node: backed_up["identity"]["node1"] for node in NODES}
    assert database(lab_exec, backed_up["db_host"]) == backed_up["database"]
    assert set(STATIONS) <= set(backed_up["database"][1])
    # the administrator logs in with the former password: the double checks it salted with passwd-salt
    for node in NODES:
        assert login_accepted(lab_exec, node), node
        assert not login_accepted(lab_exec, node, "not-the-password"), node


def test_check_is_clean_after_the_restore_and_reports_the_backup(backed_up, restored, ansible_playbook, tmp_path):  # pylint: disable=unused-argument
    run = ansible_playbook("playbooks/check.yml", extra=dict(drweb_backup_dir=str(backed_up["backups"]),
                                                             drweb_check_report_path=str(tmp_path / "check.json"),
                                                             drweb_check_metrics_path=str(tmp_path / "check.prom")))
    assert run.returncode == 0, run.output[-6000:]
    assert "last backup: %s" % backed_up["set"].name in run.output
    # the report and the metrics a monitoring system reads carry the same set and its age (minutes, not hours)
    latest = json.loads((tmp_path / "check.json").read_text())["backup"]["latest"]
    assert latest["name"] == backed_up["set"].name and 0 <= latest["age_seconds"] < 3600, latest
    age = re.search(r'^drweb_cluster_backup_age_seconds\{cluster="[^"]+"\} (\d+)$', (tmp_path / "check.prom").read_text(), re.M)
    assert age and 0 <= int(age.group(1)) < 3600
