# Copyright (c) drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixtures for integration tests against the lab (tests/lab, see tests/lab/README.md).

Fixtures (all session scoped):

* ``lab_inventory`` -- path of the lab's Ansible inventory; brings the lab up first (``lab.py up`` is idempotent and
  takes ~0.1 s when the lab is already up; ``DRWLAB_NODES`` chooses the node count of a new lab).
* ``lab_vars`` -- dict of the inventory's ``all`` vars (``lab_postgres_password``, ``lab_tsig_key_secret``, ...).
* ``lab_groups`` -- dict group name -> list of host names (``drweb_servers``, ``drweb_database``, ...).
* ``lab_hosts`` -- dict host name -> its inventory vars (``ansible_host``, ``lab_netns``).
* ``lab_host(name)`` -- a testinfra host connected through the inventory (ssh as root via the controller namespace).
* ``lab_exec(host, cmd, timeout=60, input=None)`` -- run ``cmd`` (str: through ``sh -c``; list: as argv) inside a
  lab host via ``lab.py exec`` (nsenter, no ssh); returns ``subprocess.CompletedProcess`` (text mode).
* ``lab_spawn(host, cmd)`` -- like ``lab_exec`` but returns a running ``subprocess.Popen`` (stdout/stderr pipes,
  text mode) for background work such as multicast receivers.  The caller waits for/kills it.
* ``lab_py(*args, timeout=120)`` -- run ``lab.py`` with arguments; returns ``subprocess.CompletedProcess``.
* ``start_playbook(playbook, lab_inventory, *args, **env)`` (importable) -- ansible-playbook in the background, in its own
  session (``os.killpg`` kills it with its workers); returns the ``subprocess.Popen`` (stdout and stderr as one pipe).
* ``ansible_playbook(playbook, *args, extra=None, inventories=None, env=None, timeout=900)`` -- run ansible-playbook
  from the checkout (ansible.cfg, no colour) against the lab inventory + tests/lab/cluster.yml (or the given
  ``inventories``); ``playbook`` is a path relative to the checkout or absolute; ``extra`` is a dict passed as one JSON
  ``-e``.  Returns a ``PlaybookRun`` (``returncode``, ``output`` = stdout + stderr, ``recap`` = {host: {ok, changed,
  unreachable, failed, skipped, rescued, ignored}}).  ``recap(text)`` is importable for other outputs.
* ``pristine_lab()`` -- put the lab back as ``lab.py up`` left it: no Dr.Web Server on any node, no common database
  or role and no run lock on db1 (PostgreSQL running), no A record for the cluster name on dns1, the update zone on zone1 serving
  exactly the seeded revisions (``lab_update_zone_revisions``, ``lab.py zone-reset``).  Modules call it before and after
  themselves so they can run in any order.
* ``converged_cluster`` (module scoped) -- the cluster ``playbooks/site.yml`` builds on a pristine lab: ``pristine_lab()``,
  then site.yml on every node (asserted to succeed); yields that ``PlaybookRun``; ``pristine_lab()`` again at the end of
  the module -- unless the module hands the cluster over (below), then the next module gets the same cluster and run.
* ``shared_cluster`` -- the hand-over of one converged cluster between modules (each full converge costs ~100 s).
  The modules of ``SHARED_CLUSTER_MODULES`` run one after the other, first in the session. A module marked
  ``keeps_converged_cluster`` promises to leave the cluster as it found it (read-only, or heals what it changes); when
  none of its tests failed and the next module in the session uses ``converged_cluster``, its end leaves the cluster
  converged and the next module's ``converged_cluster`` reuses it (after checking every Server still runs) instead of
  pristine -> site.yml. Any other end calls ``pristine_lab()``, and every ``pristine_lab()`` forgets the cluster, so
  a module never gets a cluster another module changed. ``shared_cluster.adopt(run)`` offers a cluster a module built
  itself from a pristine lab (test_awx_runner's ansible-runner job); ``shared_cluster.release(request)`` ends a
  module's use (hand over or pristine). Each module still runs alone: it then converges (and wipes) itself.

Tests marked ``lab_cycle`` take the lab down and up again: they are moved to the very end of the session so every
other test still finds its lab, and can be selected alone with ``-m lab_cycle`` or skipped with ``-m "not lab_cycle"``.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import subprocess
import sys

import pytest
import testinfra
import yaml

LAB_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "lab")
LAB_PY = os.path.join(LAB_DIR, "lab.py")
REPO = os.path.dirname(os.path.dirname(LAB_DIR))
CLUSTER_VARS = os.path.join(LAB_DIR, "cluster.yml")
LAB_STATE = os.path.abspath(os.environ.get("DRWLAB_STATE", os.path.join(LAB_DIR, "state")))

# The checkout as the installed collection (make collection links it there): tests that load a plugin's file directly
# (its module_utils imports are ansible_collections.drweb.cluster...) find them.
_COLLECTIONS = os.path.join(REPO, ".build", "collections")
if _COLLECTIONS not in sys.path:
    sys.path.insert(0, _COLLECTIONS)

# testinfra and Ansible call ansible-inventory / ansible-playbook by name: use the ones of this interpreter's venv
_BIN = os.path.dirname(sys.executable)
if _BIN not in os.environ.get("PATH", "").split(os.pathsep):
    os.environ["PATH"] = _BIN + os.pathsep + os.environ.get("PATH", "")


# Modules sharing one converged cluster (see shared_cluster), in the order they run, before every other module: the
# first builds the cluster from a pristine lab, the keepers (marked keeps_converged_cluster) leave it as they found it
# (test_backup_restore wipes it and hands over the cluster restore.yml rebuilds from its backup), the last one changes
# it for good and leaves the lab pristine.
SHARED_CLUSTER_MODULES = ("test_awx_runner.py", "test_probe.py", "test_check.py", "test_cluster_decides.py",
                          "test_backup_restore.py", "test_remove_node.py")
FAILED_MODULES: set = set()   # module node ids with a failed setup, test or teardown (no hand-over from them)


def pytest_configure(config):
    """Register the lab markers."""
    config.addinivalue_line("markers", "lab_cycle: takes the lab down and up again; always runs at the end of the session")
    config.addinivalue_line("markers", "keeps_converged_cluster: the module leaves the converged cluster as it found it, "
                                       "so it may be handed over to the next module (conftest shared_cluster)")


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(session, config, items):  # pylint: disable=unused-argument
    """Run the modules sharing one converged cluster first and one after the other, lab_cycle tests last."""
    def key(item):
        name = os.path.basename(str(item.fspath))
        shared = SHARED_CLUSTER_MODULES.index(name) if name in SHARED_CLUSTER_MODULES else len(SHARED_CLUSTER_MODULES)
        return (item.get_closest_marker("lab_cycle") is not None, shared)
    items.sort(key=key)


def pytest_runtest_logreport(report):
    """Remember the modules in which something failed: they do not hand their cluster over."""
    if report.failed:
        FAILED_MODULES.add(report.nodeid.split("::")[0])


def run_lab_py(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    """Run tests/lab/lab.py with the current interpreter."""
    return subprocess.run([sys.executable, LAB_PY] + list(args), capture_output=True, text=True, timeout=timeout, check=False)


def exec_argv(host: str, cmd) -> list[str]:
    """argv running cmd (str for sh -c, or list) inside a lab host."""
    argv = ["sh", "-c", cmd] if isinstance(cmd, str) else list(cmd)
    return [sys.executable, LAB_PY, "exec", host, "--"] + argv


def ensure_lab() -> str:
    """Bring the lab up (idempotent) and return the inventory path."""
    args = ["up"]
    if os.environ.get("DRWLAB_NODES"):
        args += ["--nodes", os.environ["DRWLAB_NODES"]]
    proc = run_lab_py(*args, timeout=300)
    if proc.returncode != 0:
        pytest.fail("lab.py %s failed (%d):\n%s%s" % (" ".join(args), proc.returncode, proc.stdout, proc.stderr), pytrace=False)
    inventory = os.path.join(LAB_STATE, "inventory.yml")
    assert os.path.exists(inventory), "lab.py up did not write %s" % inventory
    return inventory


@pytest.fixture(scope="session")
def lab_inventory() -> str:
    """Path of the inventory of a running lab."""
    return ensure_lab()


@pytest.fixture(scope="session")
def lab_inventory_data(lab_inventory) -> dict:  # pylint: disable=redefined-outer-name
    """The parsed inventory."""
    with open(lab_inventory, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


@pytest.fixture(scope="session")
def lab_vars(lab_inventory_data) -> dict:  # pylint: disable=redefined-outer-name
    """The inventory's all-group vars."""
    return dict(lab_inventory_data["all"]["vars"])


@pytest.fixture(scope="session")
def lab_groups(lab_inventory_data) -> dict:  # pylint: disable=redefined-outer-name
    """Group name -> host names."""
    return {name: list((group.get("hosts") or {}).keys()) for name, group in lab_inventory_data["all"]["children"].items()}


@pytest.fixture(scope="session")
def lab_hosts(lab_inventory_data) -> dict:  # pylint: disable=redefined-outer-name
    """Host name -> host vars (ansible_host, lab_netns)."""
    hosts = {}
    for group in lab_inventory_data["all"]["children"].values():
        hosts.update(group.get("hosts") or {})
    return hosts


@pytest.fixture(scope="session")
def lab_host(lab_inventory):  # pylint: disable=redefined-outer-name
    """Factory: name -> testinfra host reached over ssh through the lab inventory."""
    cache: dict = {}

    def get(name: str):
        if name not in cache:
            cache[name] = testinfra.get_host("ansible://" + name, ansible_inventory=lab_inventory)
        return cache[name]
    return get


@pytest.fixture(scope="session")
def lab_exec(lab_inventory):  # pylint: disable=redefined-outer-name,unused-argument
    """Run a command inside a lab host (nsenter through lab.py exec)."""
    def run(host: str, cmd, timeout: float = 60, input: str | None = None) -> subprocess.CompletedProcess:  # pylint: disable=redefined-builtin
        return subprocess.run(exec_argv(host, cmd), input=input, capture_output=True, text=True, timeout=timeout, check=False)
    return run


@pytest.fixture(scope="session")
def lab_spawn(lab_inventory):  # pylint: disable=redefined-outer-name,unused-argument
    """Start a command inside a lab host in the background; returns the Popen."""
    def spawn(host: str, cmd) -> subprocess.Popen:
        return subprocess.Popen(exec_argv(host, cmd), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,  # pylint: disable=consider-using-with
                                stderr=subprocess.PIPE, text=True)
    return spawn


@pytest.fixture(scope="session")
def lab_py():
    """Run lab.py with arguments."""
    return run_lab_py


RECAP_LINE = re.compile(r"^(\S+)\s+:\s+(ok=.*)$", re.MULTILINE)


def recap(text: str) -> dict:
    """{host: {ok, changed, unreachable, failed, skipped, rescued, ignored}} from an ansible-playbook PLAY RECAP."""
    counts = {}
    for host, fields in RECAP_LINE.findall(text):
        counts[host] = {key: int(value) for key, value in re.findall(r"(\w+)=(\d+)", fields)}
    return counts


@dataclasses.dataclass
class PlaybookRun:
    """What one ansible-playbook run gave."""

    returncode: int
    output: str
    recap: dict

    def changed(self) -> int:
        """Total changed tasks over all hosts."""
        return sum(host.get("changed", 0) for host in self.recap.values())


def ansible_environment(**overrides: str) -> dict:
    """Environment for ansible-* commands run from the checkout (its ansible.cfg, this venv, no colour)."""
    env = dict(os.environ)
    # bytecode kept, as in tests/run_tests.py's stages (the main process, and each worker of a playbook that plays the
    # roles without the preflight, would otherwise compile the collection's filter files again)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.update(ANSIBLE_CONFIG=os.path.join(REPO, "ansible.cfg"), ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0",
               PATH=_BIN + os.pathsep + env.get("PATH", ""))
    env.update(overrides)
    return env


def start_playbook(playbook: str, lab_inventory: str, *args: str, **env: str) -> subprocess.Popen:
    """ansible-playbook of the checkout against the lab, in the background: its own session (so that it can be killed
    with its workers, os.killpg), stdout and stderr as one text pipe; env: environment overrides."""
    command = ["ansible-playbook", "-i", lab_inventory, "-i", CLUSTER_VARS, os.path.join(REPO, playbook)] + list(args)
    return subprocess.Popen(command, cwd=REPO, env=ansible_environment(**env), stdout=subprocess.PIPE,  # pylint: disable=consider-using-with
                            stderr=subprocess.STDOUT, text=True, start_new_session=True)


@pytest.fixture(scope="session")
def ansible_playbook(lab_inventory):  # pylint: disable=redefined-outer-name
    """Run a playbook of the checkout against the lab (see the module docstring)."""
    def run(playbook: str, *args: str, extra: dict | None = None, inventories: list | None = None,
            env: dict | None = None, timeout: float = 900) -> PlaybookRun:
        command = ["ansible-playbook"]
        for inventory in inventories or [lab_inventory, CLUSTER_VARS]:
            command += ["-i", inventory]
        command.append(playbook if os.path.isabs(playbook) else os.path.join(REPO, playbook))
        if extra:
            command += ["-e", json.dumps(extra)]
        command += list(args)
        proc = subprocess.run(command, cwd=REPO, env=ansible_environment(**(env or {})), capture_output=True, text=True,
                              timeout=timeout, check=False)
        output = proc.stdout + proc.stderr
        return PlaybookRun(proc.returncode, output, recap(output))
    return run


# What pristine_lab() removes from a node: the Server, its files, its account (what the installer created).
UNINSTALL_SERVER = ("[ -x /etc/init.d/drwcsd ] && sh /etc/init.d/drwcsd stop >/dev/null 2>&1; "
                    "rm -rf /opt/drwcs /var/opt/drwcs /etc/init.d/drwcsd /etc/opt/drweb.com; "
                    "userdel drwcs >/dev/null 2>&1; groupdel drwcs >/dev/null 2>&1; true")
PG_CTL = "/usr/lib/postgresql/15/bin/pg_ctl"
PG_DATA = "/var/lib/postgresql/lab"  # tests/lab/lab.py PG_DATA
RUN_LOCK = "/var/lib/drweb-cluster/run.lock"  # the cluster's run lock on the database host (the preflight role's lock)


class SharedCluster:
    """One converged cluster handed from module to module (see the module docstring)."""

    def __init__(self, lab_exec, lab_groups):  # pylint: disable=redefined-outer-name
        self.run = None          # the PlaybookRun that built the current cluster, None: no cluster to share
        self.wipe = None         # pristine_lab(), set by that fixture
        self._exec, self._servers = lab_exec, lab_groups["drweb_servers"]

    def adopt(self, run: PlaybookRun) -> None:
        """Offer the cluster `run` built from a pristine lab (successfully) to the next module."""
        self.run = run

    def reusable(self) -> PlaybookRun | None:
        """The run of the handed-over cluster if every Server of it still runs, else None."""
        if self.run is None:
            return None
        for node in self._servers:
            if self._exec(node, "sh /etc/init.d/drwcsd status >/dev/null 2>&1").returncode != 0:
                return None
        return self.run

    def release(self, request) -> None:
        """End of a module's use: leave the cluster to the next module when allowed (see the module docstring), else
        make the lab pristine."""
        module = request.node
        items = request.session.items
        mine = [index for index, item in enumerate(items) if item.getparent(pytest.Module) is module]
        following = items[mine[-1] + 1] if mine and mine[-1] + 1 < len(items) else None
        if (self.run is not None and module.get_closest_marker("keeps_converged_cluster") is not None
                and module.nodeid not in FAILED_MODULES and following is not None
                and "converged_cluster" in following.fixturenames
                and following.get_closest_marker("lab_cycle") is None):
            return
        self.wipe()


@pytest.fixture(scope="session")
def shared_cluster(lab_exec, lab_groups) -> SharedCluster:  # pylint: disable=redefined-outer-name
    """The hand-over of one converged cluster between modules."""
    return SharedCluster(lab_exec, lab_groups)


@pytest.fixture(scope="session")
def pristine_lab(lab_exec, lab_vars, lab_groups, shared_cluster):  # pylint: disable=redefined-outer-name
    """Factory: put the lab back as lab.py up left it (see the module docstring)."""
    cluster = yaml.safe_load(open(CLUSTER_VARS, encoding="utf-8"))  # pylint: disable=consider-using-with
    servers_vars = cluster["all"]["children"]["drweb_servers"]["vars"]
    database, role = cluster["all"]["vars"]["drweb_db_name"], cluster["all"]["vars"]["drweb_db_user"]
    name = servers_vars["drweb_cluster_name"]

    def wipe() -> None:
        shared_cluster.run = None      # no cluster to hand over any more
        for node in lab_groups["drweb_servers"]:
            proc = lab_exec(node, UNINSTALL_SERVER, timeout=120)
            assert proc.returncode == 0, "%s: %s" % (node, proc.stderr)
        db_host = lab_groups["drweb_database"][0]
        # started again if a fault test stopped it
        proc = lab_exec(db_host, "runuser -u postgres -- {0} -D {1} status >/dev/null 2>&1 || runuser -u postgres -- {0} -D {1} "
                        "-l /var/log/postgresql/lab.log -w -t 60 start >/dev/null 2>&1 </dev/null".format(PG_CTL, PG_DATA), timeout=90)
        assert proc.returncode == 0, "PostgreSQL on %s does not start: %s" % (db_host, proc.stderr)
        # no run lock left by a run a failed test killed (the lock lives on the database host: drweb_lock_host)
        proc = lab_exec(db_host, "rm -f %s" % RUN_LOCK)
        assert proc.returncode == 0, proc.stderr
        for statement in ("DROP DATABASE IF EXISTS %s WITH (FORCE)" % database, "DROP ROLE IF EXISTS %s" % role):
            proc = lab_exec(db_host, ["runuser", "-u", "postgres", "--", "psql", "-X", "-v", "ON_ERROR_STOP=1", "-c", statement])
            assert proc.returncode == 0, "%s: %s" % (statement, proc.stderr)
        update = "server %s\nzone %s\nupdate delete %s. A\nsend\n" % (lab_vars["lab_dns_server"], lab_vars["lab_dns_zone"], name)
        key = "%s:%s:%s" % (lab_vars["lab_tsig_key_algorithm"], lab_vars["lab_tsig_key_name"], lab_vars["lab_tsig_key_secret"])
        proc = lab_exec(lab_groups["drweb_dns"][0], ["nsupdate", "-y", key], input=update)
        assert proc.returncode == 0, "nsupdate: %s%s" % (proc.stdout, proc.stderr)
        # the update zone serves exactly the revisions lab.py up seeds (a module may have published others)
        proc = run_lab_py("zone-reset")
        assert proc.returncode == 0, "lab.py zone-reset: %s%s" % (proc.stdout, proc.stderr)
    shared_cluster.wipe = wipe
    return wipe


@pytest.fixture(scope="module")
def converged_cluster(request, pristine_lab, ansible_playbook, shared_cluster):  # pylint: disable=redefined-outer-name
    """The cluster site.yml builds on a pristine lab (or the one the previous module handed over); the lab is pristine
    again after the module unless it hands the cluster over."""
    run = shared_cluster.reusable()
    if run is None:
        pristine_lab()
        run = ansible_playbook("playbooks/site.yml")
        assert run.returncode == 0, run.output[-6000:]
        shared_cluster.adopt(run)
    yield run
    shared_cluster.release(request)
