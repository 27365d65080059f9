# Copyright (c) drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""drweb.cluster.keys on the lab (issue 5, vendor prescription 1: the same drwcsd.pri, drwcsd.pub and
drwcsd-certificate.pem on every Server).

Three fresh installs of the drwcsd double, each with its OWN key set and the cluster protocol on (the double then
flags every peer whose drwcsd.pub or certificate differs). In order: provided sets that do not belong together, a
corrupt PEM and an unreadable file are refused, naming the variable, with every node unchanged; the role makes the
three nodes hold node1's set (identical fingerprints, private key 0600, no key mismatch among peers, only node2 and
node3 restarted); a second run changes nothing and restarts nothing; node2's certificate replaced by hand is reported
by the drift check and repaired by the next run, whose -vvv --diff output holds no byte of the files; a certificate
rotation gives every node the same, higher certificate version, restarting them one at a time; a vault-encrypted
provided set reaches every node. The double is removed at the end: the nodes are left as found.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import json
import os
import re
import subprocess
import sys
import tempfile
import time

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
DOUBLE = os.path.join(REPO, "tests", "drwcsd_double")
CLUSTER_VARS = os.path.join(REPO, "tests", "lab", "cluster.yml")
NODES = ("node1", "node2", "node3")
ETC = "/var/opt/drwcs/etc"
FILES = {"private_key": ETC + "/drwcsd.pri", "public_key": ETC + "/drwcsd.pub", "certificate": ETC + "/drwcsd-certificate.pem"}
LOG = "/var/opt/drwcs/log/drwcsd.log"
BACKUP = "/var/opt/drwcs/backup"
CLEAN = ("[ -x /etc/init.d/drwcsd ] && sh /etc/init.d/drwcsd stop >/dev/null 2>&1; "
         "rm -rf /opt/drwcs /var/opt/drwcs /etc/init.d/drwcsd /etc/opt/drweb.com /var/tmp/drwkeys-test; "
         "userdel drwcs >/dev/null 2>&1; groupdel drwcs >/dev/null 2>&1; true")
# The double's Web API summary.ds (admin/root, the installer's default) with its <cluster> extension: the peers this
# Server hears and what differs between each of them and this Server.
PEERS = r"""
import base64, json, ssl, urllib.request
context = ssl.create_default_context(); context.check_hostname = False; context.verify_mode = ssl.CERT_NONE
request = urllib.request.Request('https://127.0.0.1:9081/api/server/summary.ds?format=json',
                                 headers={'Authorization': 'Basic ' + base64.b64encode(b'admin:root').decode()})
print(json.dumps(json.load(urllib.request.urlopen(request, context=context, timeout=10))['data']['cluster']['peers']))
"""
CERTIFICATE_VERSION = ("python3 -c \"from cryptography import x509; "
                       "print(x509.load_pem_x509_certificate(open('%s', 'rb').read()).serial_number)\"" % FILES["certificate"])


def load_double_keys():
    """The double's key formats (tests/drwcsd_double/src/drwcsd_double/keys.py), to make provided sets."""
    spec = importlib.util.spec_from_file_location("drwcsd_double_keys", os.path.join(DOUBLE, "src", "drwcsd_double", "keys.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


KEYS = load_double_keys()


def new_set():
    """A key set in the double's format: {private_key, public_key, certificate} -> text."""
    private_text = KEYS.generate_private_key_text()
    with tempfile.NamedTemporaryFile("w", suffix=".pri") as handle:
        handle.write(private_text)
        handle.flush()
        key = KEYS.load_private_key(handle.name)
    return {"private_key": private_text, "public_key": KEYS.public_key_text(key), "certificate": KEYS.certificate_text(key, 1)}


def corrupt(text: str) -> str:
    """The PEM with one base64 line damaged, the armour intact."""
    lines = text.splitlines(True)
    index = next(i for i, line in enumerate(lines) if line.startswith("-----BEGIN")) + 1
    lines[index] = "A" * 10 + "!!!!" + lines[index][14:]
    return "".join(lines)


def secrets_of(texts) -> list[str]:
    """What must never appear in output: every base64 line of the PEM bodies, each whole body, and the base64 of each
    whole file (what slurp returns)."""
    pieces = []
    for text in texts:
        for match in re.finditer(r"-----BEGIN [A-Z ]+-----\r?\n(.*?)-----END", text, re.S):
            lines = [line.strip() for line in match.group(1).splitlines() if line.strip()]
            pieces.extend(line for line in lines if len(line) >= 16)
            pieces.append("".join(lines))
        encoded = base64.b64encode(text.encode("ascii")).decode("ascii")
        pieces.extend(encoded[i:i + 40] for i in range(0, len(encoded) - 40, 40))
    return pieces


def recap(output: str) -> dict:
    """host -> {ok, changed, unreachable, failed, ...} from the PLAY RECAP."""
    counts = {}
    for host, fields in re.findall(r"^(\S+)\s+:\s+(ok=.*)$", output, re.MULTILINE):
        counts[host] = {key: int(value) for key, value in re.findall(r"(\w+)=(\d+)", fields)}
    return counts


# ---------------------------------------------------------------------------------------------------------------
# Fixtures
# ---------------------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def run_playbook(lab_inventory):
    """Run a playbook (tests/integration/playbooks/<name> or a path) against the lab; returns the CompletedProcess."""
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(REPO, "ansible.cfg"), ANSIBLE_FORCE_COLOR="0", ANSIBLE_NOCOLOR="1")
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")

    def run(name, *args):
        path = name if os.path.isabs(name) else os.path.join(HERE, "playbooks", name)
        command = ["ansible-playbook", "-i", lab_inventory, "-i", CLUSTER_VARS, path] + list(args)
        started = time.monotonic()
        result = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=900, check=False)
        result.seconds = time.monotonic() - started
        return result
    return run


@pytest.fixture(scope="module")
def installed(run_playbook, lab_exec, tmp_path_factory):
    """A fresh double on node1..node3, cluster protocol on; removed at the end of the module (nodes left as found)."""
    out = str(tmp_path_factory.mktemp("drwkeys-build"))
    subprocess.run([sys.executable, os.path.join(DOUBLE, "build.py"), "--out", out], check=True, capture_output=True)
    package = os.path.join(out, "drweb-13.00.0-esuite-server-linux-x86_64.run")
    result = run_playbook("keys_setup.yml", "-e", "keys_package=%s" % package)
    assert result.returncode == 0, result.stdout + result.stderr
    yield
    for node in NODES:
        lab_exec(node, CLEAN, timeout=120)


def node_files(lab_exec) -> dict:
    """node -> {file: sha256 or None}."""
    found = {}
    for node in NODES:
        proc = lab_exec(node, "cd %s && sha256sum drwcsd.pri drwcsd.pub drwcsd-certificate.pem" % ETC)
        sums = dict(reversed(line.split()) for line in proc.stdout.splitlines() if line.strip())
        found[node] = {name: sums.get(os.path.basename(path)) for name, path in FILES.items()}
    return found


def read_set(lab_exec, node) -> dict:
    """The three files of a node as text (for the output searches)."""
    return {name: lab_exec(node, "cat %s" % path).stdout for name, path in FILES.items()}


def starts(lab_exec) -> dict:
    """node -> how many times drwcsd started (the double logs 'Server starting' at each start)."""
    return {node: int(lab_exec(node, "grep -c 'Server starting' %s || true" % LOG).stdout.strip() or 0) for node in NODES}


def certificate_versions(lab_exec) -> dict:
    return {node: int(lab_exec(node, CERTIFICATE_VERSION).stdout.strip()) for node in NODES}


def peers(lab_exec, node) -> list:
    proc = lab_exec(node, ["python3", "-c", PEERS])
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def wait_for_peers(lab_exec, expect_differences: bool, timeout: float = 20) -> dict:
    """node -> peers, once every node hears the two others and (not) any key or certificate difference."""
    deadline = time.monotonic() + timeout
    while True:
        heard = {node: peers(lab_exec, node) for node in NODES}
        key_diffs = {node: sorted({d for peer in found for d in peer["differs"] if d in ("key", "certificate")})
                     for node, found in heard.items()}
        complete = all(len(found) == 2 for found in heard.values())
        if complete and all(bool(diffs) == expect_differences for diffs in key_diffs.values()):
            return heard
        if time.monotonic() > deadline:
            return heard
        time.sleep(1)


@pytest.fixture(scope="module")
def before(installed, lab_exec):  # pylint: disable=unused-argument
    """The nodes' own key sets right after installation."""
    return node_files(lab_exec)


def provided_args(tmp_path, key_set: dict) -> list:
    """-e arguments giving key_set as drweb_keys_source=provided files under tmp_path."""
    paths = {}
    for name, text in key_set.items():
        path = tmp_path / ("provided-" + os.path.basename(FILES[name]))
        path.write_text(text)
        paths[name] = str(path)
    return ["-e", json.dumps({"drweb_keys_source": "provided", "drweb_keys_private": paths["private_key"],
                              "drweb_keys_public": paths["public_key"], "drweb_keys_certificate": paths["certificate"]})]


# ---------------------------------------------------------------------------------------------------------------
# Before the role: three different sets, and bad input refused with nothing changed
# ---------------------------------------------------------------------------------------------------------------
def test_each_fresh_install_has_its_own_key_set_and_the_peers_notice(before, lab_exec):
    assert len({json.dumps(files, sort_keys=True) for files in before.values()}) == 3, before
    heard = wait_for_peers(lab_exec, expect_differences=True)
    for node, found in heard.items():
        assert len(found) == 2, (node, found)
        assert all({"key", "certificate"} <= set(peer["differs"]) for peer in found), (node, found)


def _mismatched_public(key_set):
    return dict(key_set, public_key=new_set()["public_key"])


def _certificate_of_another_key(key_set):
    return dict(key_set, certificate=new_set()["certificate"])


def _corrupt_certificate(key_set):
    return dict(key_set, certificate=corrupt(key_set["certificate"]))


def _corrupt_private_key(key_set):
    return dict(key_set, private_key=corrupt(key_set["private_key"]))


@pytest.mark.parametrize("damage, message", [
    (_mismatched_public, r"drweb_keys_public \(\S+provided-drwcsd\.pub\) is not the public key of drweb_keys_private"),
    (_certificate_of_another_key, r"drweb_keys_certificate \(\S+\) was not made for drweb_keys_private"),
    (_corrupt_certificate, r"drweb_keys_certificate \(\S+\): holds a corrupt PEM certificate"),
    (_corrupt_private_key, r"drweb_keys_private \(\S+\): holds a corrupt PEM private key"),
], ids=["public-key-of-another-key", "certificate-for-another-key", "corrupt-certificate", "corrupt-private-key"])
def test_a_bad_provided_set_is_refused_naming_the_variable(before, run_playbook, lab_exec, tmp_path, damage, message):
    result = run_playbook("keys.yml", *provided_args(tmp_path, damage(new_set())))
    assert result.returncode != 0
    assert re.search(message, result.stdout), result.stdout[-3000:]
    assert "nothing was changed" in result.stdout
    assert node_files(lab_exec) == before
    assert all(counts["changed"] == 0 for counts in recap(result.stdout).values()), recap(result.stdout)


def test_an_unreadable_provided_file_is_refused_naming_the_variable(before, run_playbook, lab_exec, tmp_path):
    args = provided_args(tmp_path, new_set())
    (tmp_path / "provided-drwcsd.pri").unlink()
    result = run_playbook("keys.yml", *args)
    assert result.returncode != 0
    assert re.search(r"drweb_keys_private \(\S+provided-drwcsd\.pri\) cannot be read on the controller", result.stdout), \
        result.stdout[-3000:]
    assert node_files(lab_exec) == before


# ---------------------------------------------------------------------------------------------------------------
# Converge (drweb_keys_source=generate): node1's set everywhere
# ---------------------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def predicted(before, run_playbook, lab_exec):
    """--check --diff on the fresh installs: what the first run would change (and nothing changed)."""
    result = run_playbook("keys.yml", "--check", "--diff")
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr
    assert node_files(lab_exec) == before
    return result


@pytest.fixture(scope="module")
def converged(predicted, run_playbook, lab_exec):  # pylint: disable=unused-argument
    started_before = starts(lab_exec)
    result = run_playbook("keys.yml")
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr
    print("first run: %.1f s" % result.seconds)
    return {"result": result, "starts_before": started_before, "starts_after": starts(lab_exec), "after": node_files(lab_exec)}


def test_check_mode_predicted_the_first_run_and_changed_nothing(predicted, converged, before):
    predicted_counts, counts = recap(predicted.stdout), recap(converged["result"].stdout)
    changed = {node for node, count in counts.items() if count["changed"]}
    assert changed == {"node2", "node3"}
    assert {node for node, count in predicted_counts.items() if count["changed"]} == changed
    flat = " ".join(predicted.stdout.split())  # the YAML callback folds long lines
    for node in ("node2", "node3"):  # the diff names each file with its SHA-256 now and after, never the file
        for name, path in FILES.items():
            assert "%s: %s -> %s" % (path, before[node][name], before["node1"][name]) in flat
    assert "-----BEGIN" not in predicted.stdout


def test_every_node_holds_the_primary_s_set(converged, before):
    assert all(files == before["node1"] for files in converged["after"].values()), converged["after"]
    assert "Every cluster member holds the same key set" in converged["result"].stdout


def test_the_private_key_is_0600_and_the_files_belong_to_the_server_account(converged, lab_exec):  # pylint: disable=unused-argument
    for node in NODES:
        listing = lab_exec(node, "stat -c '%%n %%a %%U %%G' %s" % " ".join(FILES.values())).stdout.split("\n")
        modes = {line.split()[0]: tuple(line.split()[1:]) for line in listing if line.strip()}
        assert modes[FILES["private_key"]] == ("600", "drwcs", "drwcs"), (node, modes)
        assert modes[FILES["public_key"]] == ("644", "drwcs", "drwcs"), (node, modes)
        assert modes[FILES["certificate"]] == ("644", "drwcs", "drwcs"), (node, modes)


def test_only_the_changed_servers_restarted_and_the_peers_agree(converged, lab_exec):
    restarted = {node: converged["starts_after"][node] - converged["starts_before"][node] for node in NODES}
    assert restarted == {"node1": 0, "node2": 1, "node3": 1}
    heard = wait_for_peers(lab_exec, expect_differences=False)
    for node, found in heard.items():
        assert len(found) == 2, (node, found)
        assert not any({"key", "certificate"} & set(peer["differs"]) for peer in found), (node, found)


def test_the_replaced_files_are_kept_as_a_dated_backup(converged, before, lab_exec):  # pylint: disable=unused-argument
    for node in ("node2", "node3"):
        proc = lab_exec(node, "cd %s && sha256sum keys-*/drwcsd.pri keys-*/drwcsd.pub keys-*/drwcsd-certificate.pem" % BACKUP)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        assert re.search(r"keys-\d{8}T\d{6}Z/drwcsd\.pri", proc.stdout)
        kept = {os.path.basename(path): digest for digest, path in (line.split() for line in proc.stdout.splitlines())}
        assert kept == {os.path.basename(path): before[node][name] for name, path in FILES.items()}


def test_a_second_run_changes_and_restarts_nothing(converged, run_playbook, lab_exec):
    result = run_playbook("keys.yml")
    assert result.returncode == 0, result.stdout[-5000:]
    counts = recap(result.stdout)
    assert set(counts) == set(NODES)
    assert all(count["changed"] == 0 and count["failed"] == 0 for count in counts.values()), counts
    assert starts(lab_exec) == converged["starts_after"]
    print("second run: %.1f s" % result.seconds)


def test_check_mode_on_a_converged_cluster_predicts_nothing(converged, run_playbook):  # pylint: disable=unused-argument
    result = run_playbook("keys.yml", "--check", "--diff")
    assert result.returncode == 0, result.stdout[-5000:]
    assert all(count["changed"] == 0 for count in recap(result.stdout).values()), recap(result.stdout)


# ---------------------------------------------------------------------------------------------------------------
# Drift: node2's certificate replaced by hand
# ---------------------------------------------------------------------------------------------------------------
def test_drift_is_reported_and_repaired_without_showing_key_material(converged, run_playbook, lab_exec):
    # node2's own first certificate (kept in its backup folder by the first run) put back by hand
    lab_exec("node2", "cp %s/keys-*/drwcsd-certificate.pem %s && chown drwcs:drwcs %s"
             % (BACKUP, FILES["certificate"], FILES["certificate"]))
    drifted = node_files(lab_exec)
    drifted_certificate = read_set(lab_exec, "node2")["certificate"]
    assert drifted["node2"]["certificate"] != drifted["node1"]["certificate"]

    check = run_playbook("keys_verify.yml")
    assert check.returncode != 0
    assert re.search(r"node2: drwcsd-certificate\.pem was not made for drwcsd\.pri", check.stdout), check.stdout[-3000:]
    assert "the members hold 2 different key sets" in check.stdout
    assert re.search(r"node2\s+%s\s+%s\s+%s" % (drifted["node2"]["private_key"][:16], drifted["node2"]["public_key"][:16],
                                                drifted["node2"]["certificate"][:16]), check.stdout)
    assert node_files(lab_exec) == drifted  # the check changes nothing

    started = starts(lab_exec)
    repair = run_playbook("keys.yml", "-vvv", "--diff")
    assert repair.returncode == 0, repair.stdout[-5000:]
    assert node_files(lab_exec) == converged["after"]
    counts = recap(repair.stdout)
    assert counts["node2"]["changed"] > 0 and counts["node1"]["changed"] == 0 and counts["node3"]["changed"] == 0, counts
    assert {node: count - started[node] for node, count in starts(lab_exec).items()} == {"node1": 0, "node2": 1, "node3": 0}

    output = repair.stdout + repair.stderr
    material = list(read_set(lab_exec, "node1").values()) + [drifted_certificate]
    assert all("-----BEGIN" in text for text in material) and len(secrets_of(material)) > 20
    assert "-----BEGIN" not in output
    leaked = [piece for piece in secrets_of(material) if piece in output]
    assert leaked == []
    assert run_playbook("keys_verify.yml").returncode == 0


# ---------------------------------------------------------------------------------------------------------------
# Rotation (playbooks/rotate_certificate.yml)
# ---------------------------------------------------------------------------------------------------------------
def test_rotation_gives_every_node_the_same_higher_certificate_version(converged, run_playbook, lab_exec):
    versions = certificate_versions(lab_exec)
    files = node_files(lab_exec)
    started = starts(lab_exec)
    result = run_playbook(os.path.join(REPO, "playbooks", "rotate_certificate.yml"))
    assert result.returncode == 0, result.stdout[-5000:]
    print("rotation: %.1f s" % result.seconds)

    rotated = node_files(lab_exec)
    new_versions = certificate_versions(lab_exec)
    assert all(new_versions[node] > max(versions.values()) for node in NODES), (versions, new_versions)
    assert len(set(new_versions.values())) == 1
    assert len({json.dumps(found, sort_keys=True) for found in rotated.values()}) == 1
    assert rotated["node1"]["certificate"] != files["node1"]["certificate"]
    assert rotated["node1"]["private_key"] == files["node1"]["private_key"]  # the same private key
    assert rotated["node1"]["public_key"] == files["node1"]["public_key"]
    # the old certificate is kept on the primary as a dated backup
    kept = lab_exec("node1", "sha256sum %s/keys-*/drwcsd-certificate.pem" % BACKUP).stdout
    assert files["node1"]["certificate"] in kept
    # every Server restarted once, one at a time: no two stop..started intervals overlap
    assert {node: count - started[node] for node, count in starts(lab_exec).items()} == {node: 1 for node in NODES}
    windows = []
    for node in NODES:
        log = lab_exec(node, "grep -E 'Server (stopping|started)' %s | tail -n 2" % LOG).stdout.split("\n")
        stamps = [line.split()[0] for line in log if line.strip()]
        assert len(stamps) == 2, (node, log)
        windows.append(tuple(stamps))
    windows.sort()
    assert all(windows[i][1] <= windows[i + 1][0] for i in range(len(windows) - 1)), windows
    heard = wait_for_peers(lab_exec, expect_differences=False)
    assert all(len(found) == 2 and not any({"key", "certificate"} & set(p["differs"]) for p in found)
               for found in heard.values()), heard


# ---------------------------------------------------------------------------------------------------------------
# A vault-encrypted provided set
# ---------------------------------------------------------------------------------------------------------------
def test_a_vault_encrypted_provided_set_reaches_every_node(converged, run_playbook, lab_exec, tmp_path):  # pylint: disable=unused-argument
    from ansible.parsing.vault import VaultLib, VaultSecret  # pylint: disable=import-outside-toplevel

    key_set = new_set()
    password = tmp_path / "vault-password"
    password.write_text("drwkeys-test-vault\n")
    vault = VaultLib([("default", VaultSecret(b"drwkeys-test-vault"))])
    paths = {}
    for name, text in key_set.items():  # only the ciphertext is ever written
        path = tmp_path / ("vault-" + os.path.basename(FILES[name]))
        path.write_bytes(vault.encrypt(text.encode("ascii")))
        paths[name] = str(path)
    extra = json.dumps({"drweb_keys_source": "provided", "drweb_keys_private": paths["private_key"],
                        "drweb_keys_public": paths["public_key"], "drweb_keys_certificate": paths["certificate"]})
    result = run_playbook("keys.yml", "-e", extra, "--vault-password-file", str(password), "-vvv", "--diff")
    assert result.returncode == 0, result.stdout[-5000:]
    expected = {name: hashlib.sha256(text.encode("ascii")).hexdigest() for name, text in key_set.items()}
    assert all(files == expected for files in node_files(lab_exec).values())
    output = result.stdout + result.stderr
    assert "-----BEGIN" not in output
    assert len(secrets_of(key_set.values())) > 20
    assert [piece for piece in secrets_of(key_set.values()) if piece in output] == []
    heard = wait_for_peers(lab_exec, expect_differences=False)
    assert all(len(found) == 2 and not any({"key", "certificate"} & set(p["differs"]) for p in found)
               for found in heard.values()), heard
