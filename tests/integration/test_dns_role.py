# Copyright (c) drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The dns role against the lab's BIND (dns1, zone drweb.test, TSIG-signed dynamic updates).

What an administrator checks: ``dig`` from a Server returns exactly the Servers' addresses for the cluster name, a
second run changes nothing, ``--check --diff`` predicts without touching DNS, a stale record is removed,
verify-only mode names what is wrong, bad inputs fail naming the variable before DNS changes, and ``-vvv`` never
shows the TSIG secret. Each test starts from a DNS state it sets itself with ``nsupdate`` on dns1.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PLAYBOOK = REPO / "tests" / "integration" / "playbooks" / "dns.yml"
CLUSTER_VARS = REPO / "tests" / "lab" / "cluster.yml"
NAME = "esuite.drweb.test"
RECAP_RE = re.compile(r"^(\S+)\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", re.M)
PUBLISH_ANY = "Publish one record per Server"


def run_playbook(inventory: str, *args: str, extra: dict | None = None) -> subprocess.CompletedProcess:
    """ansible-playbook tests/integration/playbooks/dns.yml on the lab, with extra vars as JSON."""
    command = ["ansible-playbook", "-i", inventory, "-i", str(CLUSTER_VARS), str(PLAYBOOK)] + list(args)
    if extra is not None:
        command += ["-e", json.dumps(extra)]
    env = dict(os.environ, ANSIBLE_CONFIG=str(REPO / "ansible.cfg"), ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0")
    return subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=300, check=False)


def recap(proc: subprocess.CompletedProcess) -> dict[str, dict[str, int]]:
    """host -> {ok, changed, unreachable, failed} from the PLAY RECAP."""
    return {host: dict(ok=int(ok), changed=int(changed), unreachable=int(unreachable), failed=int(failed))
            for host, ok, changed, unreachable, failed in RECAP_RE.findall(proc.stdout)}


def output(proc: subprocess.CompletedProcess) -> str:
    """stdout and stderr of a run."""
    return proc.stdout + proc.stderr


def flat(proc: subprocess.CompletedProcess) -> str:
    """The output with all whitespace runs (the callback's line folding) made one space."""
    return " ".join(output(proc).split())


@pytest.fixture(scope="module", autouse=True)
def collection_installed():
    """ansible.cfg finds this checkout as drweb.cluster through .build/collections."""
    subprocess.run(["bash", str(REPO / "tests" / "setup" / "collection_path.sh")], check=True)


@pytest.fixture(scope="module")
def dns(lab_inventory, lab_vars, lab_groups, lab_hosts, lab_exec):  # pylint: disable=redefined-outer-name
    """The lab's DNS facts and helpers to set and read the cluster name's records."""
    class Dns:
        inventory = lab_inventory
        server = lab_vars["lab_dns_server"]
        secret = lab_vars["lab_tsig_key_secret"]
        key = "%s:%s:%s" % (lab_vars["lab_tsig_key_algorithm"], lab_vars["lab_tsig_key_name"], lab_vars["lab_tsig_key_secret"])
        servers = sorted(lab_hosts[name]["ansible_host"] for name in lab_groups["drweb_servers"])
        stray = ".".join(lab_vars["lab_subnet"].split("/")[0].split(".")[:3] + ["99"])

        def set_records(self, addresses, ttl=60):
            """Make the A record set of the cluster name exactly addresses (nsupdate on dns1, TSIG-signed)."""
            lines = ["server %s" % self.server, "zone %s" % lab_vars["lab_dns_zone"], "update delete %s. A" % NAME]
            lines += ["update add %s. %d IN A %s" % (NAME, ttl, address) for address in addresses]
            lines += ["send", ""]
            proc = lab_exec("dns1", ["nsupdate", "-y", self.key], input="\n".join(lines))
            assert proc.returncode == 0, proc.stdout + proc.stderr
            assert self.dig() == sorted(addresses)

        def dig(self, host="node2"):
            """What an administrator sees: dig +short on a Server, sorted."""
            proc = lab_exec(host, ["dig", "+short", "%s" % NAME, "@%s" % self.server])
            assert proc.returncode == 0, proc.stdout + proc.stderr
            return sorted(proc.stdout.split())

        def dig6(self, host="node2"):
            """dig +short AAAA on a Server, sorted."""
            proc = lab_exec(host, ["dig", "+short", NAME, "AAAA", "@%s" % self.server])
            assert proc.returncode == 0, proc.stdout + proc.stderr
            return sorted(proc.stdout.split())

        def set_records6(self, addresses):
            """Make the AAAA record set of the cluster name exactly addresses."""
            lines = ["server %s" % self.server, "zone %s" % lab_vars["lab_dns_zone"], "update delete %s. AAAA" % NAME]
            lines += ["update add %s. 60 IN AAAA %s" % (NAME, address) for address in addresses]
            proc = lab_exec("dns1", ["nsupdate", "-y", self.key], input="\n".join(lines + ["send", ""]))
            assert proc.returncode == 0, proc.stdout + proc.stderr

        def ttls(self, host="node2"):
            proc = lab_exec(host, ["dig", "+noall", "+answer", NAME, "@%s" % self.server])
            return sorted({int(line.split()[1]) for line in proc.stdout.splitlines() if line.strip()})

    yield Dns()
    # leave the lab converged for whatever runs next
    Dns().set_records(Dns.servers)
    Dns().set_records6([])


def test_converge_publishes_one_record_per_server_then_changes_nothing(dns):
    dns.set_records([])
    first = run_playbook(dns.inventory)
    assert first.returncode == 0, output(first)
    assert sum(host["changed"] for host in recap(first).values()) == 1, output(first)
    assert dns.dig("node2") == dns.servers
    assert dns.dig("node3") == dns.servers
    assert dns.ttls() == [60]

    second = run_playbook(dns.inventory)
    assert second.returncode == 0, output(second)
    counts = recap(second)
    assert set(counts) == {"node1", "node2", "node3"}
    assert all(host["changed"] == 0 and host["failed"] == 0 for host in counts.values()), output(second)
    assert "resolves at %s to exactly the Servers" % dns.server in " ".join(second.stdout.split())


def test_check_diff_predicts_removing_a_stale_record_without_changing_dns(dns):
    dns.set_records(dns.servers + [dns.stray])
    proc = run_playbook(dns.inventory, "--check", "--diff")
    assert proc.returncode == 0, output(proc)
    assert recap(proc)["node1"]["changed"] == 1, output(proc)
    assert "-%s" % dns.stray in proc.stdout
    for address in dns.servers:
        assert " %s" % address in proc.stdout
    assert dns.dig() == sorted(dns.servers + [dns.stray]), "check mode must not change DNS"


def test_check_mode_on_a_converged_name_reports_no_change(dns):
    dns.set_records(dns.servers)
    proc = run_playbook(dns.inventory, "--check", "--diff")
    assert proc.returncode == 0, output(proc)
    assert all(host["changed"] == 0 for host in recap(proc).values()), output(proc)


def test_record_of_a_removed_server_is_removed_and_ttl_fixed(dns):
    dns.set_records(dns.servers[:2] + [dns.stray], ttl=300)
    proc = run_playbook(dns.inventory)
    assert proc.returncode == 0, output(proc)
    assert dns.dig() == dns.servers
    assert dns.ttls() == [60]


def test_verify_only_fails_naming_missing_and_extra_addresses(dns):
    wrong = dns.servers[:2] + [dns.stray]
    dns.set_records(wrong)
    proc = run_playbook(dns.inventory, extra={"drweb_dns_manage": False})
    assert proc.returncode != 0, output(proc)
    text = flat(proc)
    assert "missing: %s" % dns.servers[2] in text
    assert "extra: %s" % dns.stray in text
    assert "drweb_dns_manage is false" in text
    assert all(host["changed"] == 0 for host in recap(proc).values())
    assert dns.dig() == sorted(wrong), "verify-only mode must not change DNS"


def test_verify_only_passes_on_a_correct_name(dns):
    dns.set_records(dns.servers)
    proc = run_playbook(dns.inventory, extra={"drweb_dns_manage": False, "drweb_dns_tsig_key_secret": ""})
    assert proc.returncode == 0, output(proc)
    assert all(host["changed"] == 0 for host in recap(proc).values())


@pytest.mark.parametrize("extra, words", [
    ({"drweb_cluster_name": ""}, ["drweb_cluster_name is empty"]),
    ({"drweb_cluster_name": "esuite drweb.test"}, ["drweb_cluster_name 'esuite drweb.test' is not a valid DNS name"]),
    ({"drweb_cluster_name": "esuite"}, ["drweb_cluster_name 'esuite' is not a valid DNS name", "at least one dot"]),
    ({"drweb_cluster_name": "x" * 64 + ".drweb.test"}, ["is not a valid DNS name", "1-63"]),
    ({"drweb_dns_ttl": -1}, ["drweb_dns_ttl '-1' is not a TTL"]),
    ({"drweb_dns_ttl": "soon"}, ["drweb_dns_ttl 'soon' is not a TTL"]),
    ({"drweb_dns_zone": "example.com"}, ["drweb_dns_zone 'example.com'", "contains drweb_cluster_name"]),
    ({"drweb_dns_server_address": "node.example.com"},
     ["node1: drweb_dns_server_address 'node.example.com' is not an IP address", "drweb_dns_server_address6"]),
    ({"drweb_dns_ipv6": "maybe"}, ["drweb_dns_ipv6 'maybe' is not a boolean"]),
    ({"drweb_dns_tsig_key_secret": ""}, ["drweb_dns_tsig_key_secret (NOT SET)"]),
    ({"drweb_dns_tsig_key_algorithm": "sha1"}, ["drweb_dns_tsig_key_algorithm", "got: sha1"]),
    ({"drweb_dns_manage": "perhaps"}, ["drweb_dns_manage 'perhaps' is not a boolean"]),
], ids=lambda value: json.dumps(value) if isinstance(value, dict) else None)
def test_bad_input_fails_naming_the_variable_and_leaves_dns_unchanged(dns, extra, words):
    before = dns.servers[:2] + [dns.stray]
    dns.set_records(before)
    proc = run_playbook(dns.inventory, extra=extra)
    assert proc.returncode != 0, output(proc)
    text = flat(proc)
    for word in words:
        assert word in text, text
    assert "TASK [drweb.cluster.dns : %s" % PUBLISH_ANY not in text, "nothing may run after a bad input"
    assert dns.dig() == sorted(before)


def test_verbose_output_never_shows_the_tsig_secret(dns):
    dns.set_records([dns.stray])
    proc = run_playbook(dns.inventory, "-vvv", "--diff")
    assert proc.returncode == 0, output(proc)
    assert dns.dig() == dns.servers, "the update really ran (and carried the secret)"
    text = flat(proc)
    assert dns.secret not in text
    assert dns.secret.rstrip("=")[:16] not in text


def test_wrong_tsig_secret_fails_clearly_without_showing_it(dns):
    dns.set_records([dns.stray])
    wrong = "V3JvbmdTZWNyZXRXcm9uZ1NlY3JldFdyb25nU2VjcmV0"
    proc = run_playbook(dns.inventory, "-vvv", extra={"drweb_dns_tsig_key_secret": wrong})
    assert proc.returncode != 0, output(proc)
    text = flat(proc)
    assert "The update of %s at %s:53" % (NAME, dns.server) in text
    assert "TSIG" in text
    assert wrong not in text and dns.secret not in text
    assert dns.dig() == [dns.stray]


def test_with_ipv6_a_server_with_an_ipv6_address_gets_an_aaaa_record(dns, lab_hosts):
    """drweb_dns_ipv6: each Server's own IPv6 address (the lab's veths carry one) under the cluster name as AAAA, next
    to the A records; a stale AAAA record goes; a second run changes nothing; without the option AAAA is left alone."""
    dns.set_records(dns.servers)
    stale = lab_hosts["dns1"]["lab_address6"]
    dns.set_records6([stale])
    expected = sorted(lab_hosts[name]["lab_address6"] for name in ("node1", "node2", "node3"))
    proc = run_playbook(dns.inventory, "--diff", extra={"drweb_dns_ipv6": True})
    assert proc.returncode == 0, output(proc)
    assert dns.dig6("node3") == expected
    assert dns.dig() == dns.servers
    assert "-%s" % stale in proc.stdout and "+%s" % expected[0] in proc.stdout
    again = run_playbook(dns.inventory, extra={"drweb_dns_ipv6": True})
    assert again.returncode == 0, output(again)
    assert all(host["changed"] == 0 for host in recap(again).values()), output(again)
    # without the option the role neither publishes nor removes AAAA records
    dns.set_records6([stale])
    proc = run_playbook(dns.inventory)
    assert proc.returncode == 0, output(proc)
    assert dns.dig6() == [stale]


def test_with_srv_the_cluster_gets_exactly_one_srv_record_to_its_name(dns, lab_exec, lab_vars):
    """drweb_dns_srv: _drwcs._tcp.<zone> SRV 0 0 2193 <cluster name>. - what an Agent's lookup finds; a wrong record
    is replaced; a second run changes nothing; --check --diff predicts without touching DNS; a bad port is refused
    naming the variable; without the option SRV records are left alone."""
    owner = "_drwcs._tcp.%s" % lab_vars["lab_dns_zone"]

    def dig_srv(host="node3"):
        proc = lab_exec(host, ["dig", "+short", owner, "SRV", "@%s" % dns.server])
        assert proc.returncode == 0, proc.stdout + proc.stderr
        return sorted(line.strip() for line in proc.stdout.splitlines() if line.strip())

    def set_srv(values):
        lines = ["server %s" % dns.server, "zone %s" % lab_vars["lab_dns_zone"], "update delete %s. SRV" % owner]
        lines += ["update add %s. 60 IN SRV %s" % (owner, value) for value in values]
        proc = lab_exec("dns1", ["nsupdate", "-y", dns.key], input="\n".join(lines + ["send", ""]))
        assert proc.returncode == 0, proc.stdout + proc.stderr

    dns.set_records(dns.servers)
    wrong = "0 0 2194 node1.%s." % lab_vars["lab_dns_zone"]
    set_srv([wrong])
    try:
        checked = run_playbook(dns.inventory, "--check", "--diff", extra={"drweb_dns_srv": True})
        assert checked.returncode == 0, output(checked)
        assert "+60 IN SRV 0 0 2193 %s." % NAME in checked.stdout and "-60 IN SRV %s" % wrong in checked.stdout, output(checked)
        assert dig_srv() == [wrong], "--check changed DNS"

        proc = run_playbook(dns.inventory, extra={"drweb_dns_srv": True})
        assert proc.returncode == 0, output(proc)
        assert dig_srv() == ["0 0 2193 %s." % NAME]
        assert dns.dig() == dns.servers
        again = run_playbook(dns.inventory, extra={"drweb_dns_srv": True})
        assert again.returncode == 0, output(again)
        assert all(host["changed"] == 0 for host in recap(again).values()), output(again)

        bad = run_playbook(dns.inventory, extra={"drweb_dns_srv": True, "drweb_dns_srv_port": 70000})
        assert bad.returncode != 0 and "drweb_dns_srv_port '70000' is not a port number" in flat(bad), output(bad)

        set_srv([wrong])
        untouched = run_playbook(dns.inventory)
        assert untouched.returncode == 0, output(untouched)
        assert dig_srv() == [wrong], "without drweb_dns_srv the role changed the SRV record"
    finally:
        set_srv([])
