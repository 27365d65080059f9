# Copyright (c) drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""docs/getting-started.md followed step by step against the lab, outside the checkout.

The page's files (``<!-- file: PATH -->`` blocks) are written as the page shows them, with the lab's values put in
for the page's example ones (SUBSTITUTIONS: host names, addresses, the sudo account, the lab's secrets, the update
zone, the cluster name); its commands (``<!-- step: NAME -->`` blocks) run as shown, with bash, in a project folder
under a temporary directory, with HOME there too (the vault passphrase file). The lab's only additions are its
connection settings (the controller namespace's ProxyCommand and the lab key: real hosts are reached directly).

One converge: the collection tarball is built and installed into the project's ./collections (--no-deps: the
dependencies come from the ansible package, as the page says), the secrets and the licence key are vault-encrypted,
the FQCN playbook drweb.cluster.site runs as the unprivileged drwops with sudo, prerequisites on (nothing to install
in the lab: the hosts already have the packages, so no package manager is called) and the firewall on. Then the
cluster is checked as a user would: drweb.cluster.check clean, every Server on the release and serving, logins were
drwops's only, no deprecation warning, and a port not in the firewall's list is closed from another host while the
listed ones answer. Before that converge, the prerequisites refusal: a Server whose interpreter lacks the libraries
is refused naming the packages, nothing changed. The module leaves the lab pristine (no Server, database, record,
firewall table)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest
import yaml

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PAGE = os.path.join(REPO, "docs", "getting-started.md")
VENV_BIN = os.path.dirname(sys.executable)
RELEASE = "13.00.1"
PACKAGE = "drweb-%s-esuite-server-linux-x86_64.run" % RELEASE
PAGE_HOSTS = {"drweb1": "node1", "drweb2": "node2", "drweb3": "node3", "pg1": "db1", "ns1": "dns1"}
SERVERS = ("node1", "node2", "node3")
FIREWALLED = SERVERS + ("db1",)
NFT_FILE = "/etc/nftables.d/drweb-cluster.nft"
REMOVE_FIREWALL = ("nft delete table inet drweb_cluster 2>/dev/null; rm -f %s; "
                   "sed -i '\\|include \"%s\"|d' /etc/nftables.conf 2>/dev/null; true" % (NFT_FILE, NFT_FILE))
CLOSED_PORT = 8443   # not in the firewall's list; a listener is started there on node1


def page_blocks(kind: str) -> dict:
    """{name: text} of the page's ``<!-- kind: name -->`` fenced blocks."""
    with open(PAGE, encoding="utf-8") as handle:
        text = handle.read()
    pattern = re.compile(r"<!-- %s: (\S+) -->\n```[a-z]*\n(.*?)```" % kind, re.DOTALL)
    return dict(pattern.findall(text))


def substitutions(lab_vars: dict, lab_hosts: dict) -> list:
    """(page's example value, lab value), applied in order."""
    cluster = yaml.safe_load(open(os.path.join(REPO, "tests", "lab", "cluster.yml"), encoding="utf-8"))["all"]  # pylint: disable=consider-using-with
    servers_vars = cluster["children"]["drweb_servers"]["vars"]
    pairs = [("192.0.2.%d" % n, lab_hosts[name]["ansible_host"]) for n, name in ((11, "node1"), (12, "node2"), (13, "node3"))]
    pairs += [("192.0.2.2", lab_vars["lab_postgres_host"]), ("192.0.2.3", lab_vars["lab_dns_server"])]
    pairs += list(PAGE_HOSTS.items())
    pairs += [
        ("ansible_user: admin", "ansible_user: %s" % lab_vars["lab_sudo_user"]),
        ("esuite.example.com", servers_vars["drweb_cluster_name"]),
        ("http://updates.example.com/drweb/", lab_vars["lab_update_zone_url"]),
        # the lab's update zone serves fixed revisions of 2025: their age is no news in the lab
        ("drweb_check_repository_warning_hours: 48", "drweb_check_repository_warning_hours: 0"),
        ("drweb_database_admin_user: postgres", "drweb_database_admin_user: %s" % lab_vars["lab_postgres_superuser"]),
        ("drweb_dns_tsig_key_name: drweb-cluster", "drweb_dns_tsig_key_name: %s" % lab_vars["lab_tsig_key_name"]),
        ("drweb_dns_tsig_key_algorithm: hmac-sha256", "drweb_dns_tsig_key_algorithm: %s" % lab_vars["lab_tsig_key_algorithm"]),
        ("change-me-admin", servers_vars["drweb_admin_password"]),
        ("change-me-db", cluster["vars"]["drweb_db_password"]),
        ("change-me-postgres", lab_vars["lab_postgres_password"]),
        ("change-me-base64-secret==", lab_vars["lab_tsig_key_secret"]),
    ]
    return pairs


def substitute(text: str, pairs: list) -> str:
    for page, lab in pairs:
        text = re.sub(r"(?<![\w.])%s(?![\w])" % re.escape(page), lambda unused_match, lab=lab: str(lab), text)
    return text


class Project:
    """The project folder of the page (its parent holds the tarball), HOME beside it."""

    def __init__(self, root):
        self.root = root
        self.dir = root / "drweb-site"
        self.home = root / "home"
        self.dir.mkdir()
        self.home.mkdir()

    def env(self) -> dict:
        env = {key: value for key, value in os.environ.items() if not key.startswith("ANSIBLE_")}
        env.update(HOME=str(self.home), PATH=VENV_BIN + os.pathsep + env.get("PATH", ""), ANSIBLE_NOCOLOR="1",
                   ANSIBLE_FORCE_COLOR="0")
        return env

    def bash(self, script: str, timeout: float = 1500) -> subprocess.CompletedProcess:
        return subprocess.run(["bash", "-euo", "pipefail", "-c", script], cwd=str(self.dir), env=self.env(),
                              capture_output=True, text=True, timeout=timeout, check=False)


def run_step(project: Project, name: str, timeout: float = 1500) -> subprocess.CompletedProcess:
    steps = page_blocks("step")
    assert name in steps, "docs/getting-started.md has no step %s" % name
    return project.bash(steps[name], timeout=timeout)


@pytest.fixture(scope="module")
def project(tmp_path_factory, pristine_lab, lab_vars, lab_hosts, lab_exec, lab_inventory):  # pylint: disable=redefined-outer-name
    """The page's project, built from the tarball, written and encrypted as the page says; the lab pristine before
    and after (no firewall table left either)."""
    pristine_lab()
    for host in FIREWALLED:
        lab_exec(host, REMOVE_FIREWALL)
    for host in SERVERS:   # Ansible's remote folder of the sudo account appears with this module's logins only
        lab_exec(host, "rm -rf /home/%s/.ansible" % lab_vars["lab_sudo_user"])
    root = tmp_path_factory.mktemp("getting-started")
    assert not str(root).startswith(REPO)
    made = Project(root)
    build = subprocess.run([os.path.join(VENV_BIN, "ansible-galaxy"), "collection", "build", "--output-path", str(root)],
                           cwd=REPO, capture_output=True, text=True, timeout=300, check=False)
    assert build.returncode == 0, build.stdout + build.stderr
    tarballs = [name for name in os.listdir(root) if name.endswith(".tar.gz")]
    assert tarballs == ["drweb-cluster-0.1.0.tar.gz"], tarballs
    installed = run_step(made, "install", timeout=300)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    pairs = substitutions(lab_vars, lab_hosts)
    for path, text in page_blocks("file").items():
        target = made.dir / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(substitute(text, pairs))
    # the lab's connection settings (its controller namespace and key): real hosts are reached directly
    lab_all = yaml.safe_load(open(lab_inventory, encoding="utf-8"))["all"]["vars"]  # pylint: disable=consider-using-with
    (made.dir / "inventory" / "group_vars" / "all" / "lab_connection.yml").write_text(yaml.safe_dump({
        key: lab_all[key] for key in ("ansible_ssh_private_key_file", "ansible_ssh_common_args", "ansible_python_interpreter")}))
    # "Copy the package and the key into files/"
    (made.dir / "files").mkdir()
    build_dir = os.path.join(REPO, "tests", "drwcsd_double", "build")
    (made.dir / "files" / PACKAGE).write_bytes(open(os.path.join(build_dir, PACKAGE), "rb").read())  # pylint: disable=consider-using-with
    (made.dir / "files" / "agent.key").write_bytes(open(os.path.join(build_dir, "lab-agent.key"), "rb").read())  # pylint: disable=consider-using-with
    encrypted = run_step(made, "vault", timeout=120)
    assert encrypted.returncode == 0, encrypted.stdout + encrypted.stderr
    yield made
    pristine_lab()
    for host in FIREWALLED:
        lab_exec(host, REMOVE_FIREWALL)


def test_the_collection_is_installed_from_the_tarball_outside_the_checkout(project):  # pylint: disable=redefined-outer-name
    manifest = project.dir / "collections" / "ansible_collections" / "drweb" / "cluster" / "MANIFEST.json"
    assert json.loads(manifest.read_text())["collection_info"]["version"] == "0.1.0"
    listed = project.bash("ansible-galaxy collection list drweb.cluster")
    assert str(project.dir / "collections") in listed.stdout, listed.stdout + listed.stderr
    assert (project.dir / "collections" / "ansible_collections" / "drweb" / "cluster" / "LICENSE").is_file()


def test_the_secrets_and_the_key_are_vault_encrypted(project):  # pylint: disable=redefined-outer-name
    for path in ("inventory/group_vars/all/vault.yml", "files/agent.key"):
        assert (project.dir / path).read_text().startswith("$ANSIBLE_VAULT;"), path
    assert oct((project.home / ".drweb-vault-pass").stat().st_mode & 0o777) == "0o600"


def test_a_server_without_the_libraries_is_refused_naming_the_packages(project, lab_exec):  # pylint: disable=redefined-outer-name
    # an interpreter that has neither psycopg nor the rest: pyenv's, outside the system's packages
    pyenv = subprocess.run(["bash", "-c", "ls -d $(pyenv root)/versions/3.11.*/bin/python3 | head -1"], capture_output=True,
                           text=True, check=False).stdout.strip()
    assert pyenv, "no pyenv Python 3.11 on this machine"
    assert lab_exec("node2", [pyenv, "-c", "import psycopg2"]).returncode != 0, "that interpreter has psycopg2"
    run = project.bash("ansible-playbook drweb.cluster.site -e drweb_prerequisites_install=false "
                       "-e '{\"ansible_python_interpreter\": \"%s\"}' --limit node2" % pyenv, timeout=600)
    output = run.stdout + run.stderr
    assert run.returncode != 0, output[-3000:]
    assert re.search(r"node2 lacks psycopg or psycopg2.*install the packages python3-psycopg2", output, re.DOTALL), output[-3000:]
    assert "Nothing was changed" in output
    assert lab_exec("node2", "test -e /opt/drwcs").returncode != 0, "something was installed on node2"
    assert lab_exec("node2", "nft list table inet drweb_cluster").returncode != 0, "the firewall was loaded on node2"


@pytest.fixture(scope="module")
def converged(project):  # pylint: disable=redefined-outer-name
    """drweb.cluster.site as the page runs it (the only converge of the module)."""
    run = run_step(project, "site")
    output = run.stdout + run.stderr
    assert run.returncode == 0, output[-8000:]
    return output


def test_site_converges_as_the_sudo_user_with_prerequisites_and_firewall(converged, lab_exec, lab_vars):  # pylint: disable=redefined-outer-name
    assert re.search(r"node1\s+:\s+ok=\d+\s+changed=[1-9]", converged), converged[-3000:]
    assert "same version everywhere: yes" in converged and "same keys and certificate everywhere: yes" in converged
    # nothing to install in the lab: the check ran, its installation step was reached and skipped on every host, and
    # the package manager was never called
    assert "TASK [drweb.cluster.prerequisites : Check for the libraries and commands this host's part of the cluster needs]" \
        in converged
    installing = converged.split("TASK [drweb.cluster.prerequisites : Install the missing packages and check again]")
    assert len(installing) == 2, "the prerequisites role's installation step is not in the output"
    step = installing[1].split("\nTASK [")[0]
    assert all("skipping: [%s]" % host in step for host in SERVERS) and "included:" not in step, step
    assert "TASK [drweb.cluster.prerequisites : Install the missing packages (Debian, Ubuntu)]" not in converged
    assert not re.search(r"changed: \[\S+\].*\n.*Install the missing packages", converged)
    lines = [line for line in converged.splitlines() if "[DEPRECATION WARNING]" in line]
    assert not lines, lines
    for host in SERVERS:
        # Ansible logged in as the sudo account (its remote folder, owned by it) and became root for the work
        owner = lab_exec(host, "stat -c %%U /home/%s/.ansible" % lab_vars["lab_sudo_user"])
        assert owner.stdout.strip() == lab_vars["lab_sudo_user"], (host, owner.stdout, owner.stderr)
        assert lab_exec(host, "stat -c %%U %s" % NFT_FILE).stdout.strip() == "root", host
        assert lab_exec(host, "sh /etc/init.d/drwcsd status").returncode == 0, host
        assert lab_exec(host, "nft list table inet drweb_cluster").returncode == 0, host


def test_check_reports_no_drift(project, converged):  # pylint: disable=redefined-outer-name,unused-argument
    run = run_step(project, "check", timeout=600)
    assert run.returncode == 0, (run.stdout + run.stderr)[-5000:]
    assert (project.dir / "check.json").is_file(), (run.stdout + run.stderr)[-3000:]
    report = json.loads((project.dir / "check.json").read_text())
    assert report["ok"] is True and report["drift"] == [], report
    assert report["members"] == list(SERVERS)
    for node in SERVERS:
        assert report["nodes"][node]["items"]["version"]["value"] == RELEASE, report["nodes"][node]["items"]["version"]


def test_a_port_not_in_the_list_is_closed(converged, lab_exec, lab_hosts, lab_vars):  # pylint: disable=redefined-outer-name,unused-argument
    node1 = lab_hosts["node1"]["ansible_host"]
    started = lab_exec("node1", "timeout 30 nc -l -k -p %d >/dev/null 2>&1 </dev/null & echo $!" % CLOSED_PORT, timeout=15)
    listener = started.stdout.strip()
    assert listener.isdigit(), started.stdout + started.stderr
    try:
        # the listener answers on node1 itself (loopback is accepted) ...
        local = lab_exec("node1", "for i in 1 2 3 4 5 6 7 8 9 10; do nc -z -w 1 127.0.0.1 %d && exit 0; sleep 0.3; done; exit 1"
                         % CLOSED_PORT, timeout=30)
        assert local.returncode == 0, "the listener on node1 does not run"
        # ... and is dropped from node2, while the Server port and the Control Center answer
        closed = lab_exec("node2", "timeout 5 nc -z -w 2 %s %d" % (node1, CLOSED_PORT), timeout=15)
        assert closed.returncode != 0, "port %d of node1 answers from node2" % CLOSED_PORT
        for port in (2193, 9080):
            assert lab_exec("node2", "timeout 5 nc -z -w 2 %s %d" % (node1, port), timeout=15).returncode == 0, port
        # PostgreSQL on db1: the Servers only
        database = lab_vars["lab_postgres_host"]
        assert lab_exec("node1", "timeout 5 nc -z -w 2 %s 5432" % database, timeout=15).returncode == 0
        assert lab_exec("dns1", "timeout 5 nc -z -w 2 %s 5432" % database, timeout=15).returncode != 0
    finally:
        lab_exec("node1", "kill %s 2>/dev/null; true" % listener, timeout=15)


def test_probe_reads_one_server_as_the_page_says(project, converged):  # pylint: disable=redefined-outer-name,unused-argument
    run = project.bash("ansible-playbook drweb.cluster.probe --limit node1 -e drweb_probe_report=$PWD/probe-node1.txt", timeout=600)
    assert run.returncode == 0, (run.stdout + run.stderr)[-4000:]
    report = (project.dir / "probe-node1.txt").read_text()
    assert "node1" in report and oct((project.dir / "probe-node1.txt").stat().st_mode & 0o777) == "0o600"
