# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Speed of playbooks/site.yml on the lab: three ratios, each measured in one run (issue 10).

    export DRWLAB_PREFIX=... DRWLAB_SUBNET=... DRWLAB_STATE=...     # your lab, as for the tests
    .venv/bin/python bench/cluster_speed.py floor   [--runs 3] [--converged]  # ping vs idempotent re-run (3 nodes)
    .venv/bin/python bench/cluster_speed.py check   [--runs 3]       # --check on a converged cluster vs re-run
    .venv/bin/python bench/cluster_speed.py scaling [--large 12]     # pristine -> site.yml on 3 vs 12 nodes
    .venv/bin/python bench/cluster_speed.py monitor [--runs 3] [--converged]  # ping vs check.yml (3 nodes)
    .venv/bin/python bench/cluster_speed.py all     [--profile]      # floor, check, scaling

* floor: ``ansible drweb_servers -m ping`` and an idempotent re-run of site.yml on the same converged 3-node
  cluster, alternately, --runs times; the medians, their ratio (target <= 4x) and the tasks executed per host on the
  re-run (ok + failed from the recap: every task that ran, skipped ones not counted; skipped shown apart).
* check: ``site.yml --check`` on the converged cluster vs the idempotent re-run, alternately.
* scaling: the lab with 3 nodes, pristine (no Server, no common database, no DNS record), full site.yml; then the lab
  with --large nodes (``lab.py down`` + ``up --nodes N``), the same; the ratio (target: N nodes <= 2x 3 nodes). The
  lab is left with 3 nodes, pristine.

* monitor: ``ansible drweb_servers -m ping`` and ``playbooks/check.yml`` on the same converged cluster, alternately;
  the medians and their ratio (target <= 3x: cheap enough to run every few minutes). check.yml must report no drift
  (rc 0; its warning thresholds are set to 0 so an old lab zone revision does not count).

--profile adds ansible.posix.profile_tasks to the re-runs and keeps every log under bench/output/ (git-ignored).
The 1-, 5- and 15-minute load averages are printed with every figure: other jobs may share the CPUs. Not a test:
nothing fails on a slow machine; a run that fails (rc != 0) is reported and stops the benchmark.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
OUTPUT = REPO / "bench" / "output"
LAB_PY = REPO / "tests" / "lab" / "lab.py"
CLUSTER_VARS = REPO / "tests" / "lab" / "cluster.yml"
sys.path.insert(0, str(REPO / "tests" / "integration"))
from conftest import PG_CTL, PG_DATA, UNINSTALL_SERVER, recap  # noqa: E402  pylint: disable=wrong-import-position

PYTHON = sys.executable
BIN = Path(PYTHON).parent


def load() -> str:
    """The load averages, as printed next to every figure."""
    with open("/proc/loadavg", encoding="ascii") as handle:
        return " ".join(handle.read().split()[:3])


def state_dir() -> Path:
    for name in ("DRWLAB_PREFIX", "DRWLAB_SUBNET", "DRWLAB_STATE"):
        if not os.environ.get(name):
            sys.exit("set DRWLAB_PREFIX, DRWLAB_SUBNET and DRWLAB_STATE (your own lab) first")
    return Path(os.environ["DRWLAB_STATE"]).resolve()


def lab(*args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    proc = subprocess.run([PYTHON, str(LAB_PY)] + list(args), capture_output=True, text=True, timeout=timeout, check=False)
    if proc.returncode != 0:
        sys.exit("lab.py %s failed: %s%s" % (" ".join(args), proc.stdout, proc.stderr))
    return proc


def env(profile: bool) -> dict:
    # Python's default, bytecode kept: what an administrator's controller does; --no-bytecode: none written, as on a
    # controller with PYTHONDONTWRITEBYTECODE (the collection's filters and every library are then compiled again on
    # every run, unless bytecode written earlier is still beside their sources)
    result = dict(os.environ, ANSIBLE_CONFIG=str(REPO / "ansible.cfg"), ANSIBLE_NOCOLOR="1",
                  PATH=str(BIN) + os.pathsep + os.environ.get("PATH", ""))
    result.pop("PYTHONDONTWRITEBYTECODE", None)
    if NO_BYTECODE:
        result["PYTHONDONTWRITEBYTECODE"] = "1"
    if profile:
        result.update(ANSIBLE_CALLBACKS_ENABLED="ansible.posix.profile_tasks", PROFILE_TASKS_TASK_OUTPUT_LIMIT="400")
    return result


def timed(label: str, argv: list[str], profile: bool = False, must_pass: bool = True) -> dict:
    """Run argv from the checkout; its wall time, recap and load average; the log under bench/output/."""
    before = load()
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    proc = subprocess.run(argv, cwd=REPO, env=env(profile), capture_output=True, text=True, timeout=3600, check=False)
    seconds = time.monotonic() - started
    # the controller's CPU: the command and every process it waited for (Ansible's workers, ssh), not the managed hosts'
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - children.ru_utime) + (after.ru_stime - children.ru_stime)
    OUTPUT.mkdir(parents=True, exist_ok=True)
    log = OUTPUT / ("%s-%s.log" % (time.strftime("%Y%m%dT%H%M%S"), label))
    log.write_text(proc.stdout + proc.stderr)
    result = {"label": label, "seconds": round(seconds, 2), "controller_cpu_seconds": round(cpu, 2), "rc": proc.returncode,
              "load_before": before, "load_after": load(), "recap": recap(proc.stdout), "log": str(log.relative_to(REPO))}
    print("  %-22s %7.2f s  controller CPU %7.2f s  rc=%d  load %s -> %s  (%s)" % (
        label, seconds, cpu, proc.returncode, before, result["load_after"], result["log"]), flush=True)
    if must_pass and proc.returncode != 0:
        sys.exit("%s failed (rc %d), see %s" % (label, proc.returncode, log))
    return result


def inventories() -> list[str]:
    return ["-i", str(state_dir() / "inventory.yml"), "-i", str(CLUSTER_VARS)]


def site(label: str, *args: str, profile: bool = False) -> dict:
    return timed(label, [str(BIN / "ansible-playbook")] + inventories() + [str(REPO / "playbooks" / "site.yml")] + list(args),
                 profile=profile)


def ping(label: str) -> dict:
    return timed(label, [str(BIN / "ansible")] + inventories() + ["drweb_servers", "-m", "ansible.builtin.ping"])


def lab_exec(host: str, command: str, timeout: float = 120) -> None:
    lab("exec", host, "--", "sh", "-c", command, timeout=timeout)


def pristine(nodes: list[str]) -> None:
    """As tests/integration/conftest.py pristine_lab(): no Server, no common database, no DNS record."""
    cluster = yaml.safe_load(CLUSTER_VARS.read_text())
    database, role = cluster["all"]["vars"]["drweb_db_name"], cluster["all"]["vars"]["drweb_db_user"]
    name = cluster["all"]["children"]["drweb_servers"]["vars"]["drweb_cluster_name"]
    for node in nodes:
        lab_exec(node, UNINSTALL_SERVER)
    lab_exec("db1", "runuser -u postgres -- {0} -D {1} status >/dev/null 2>&1 || runuser -u postgres -- {0} -D {1} "
             "-l /var/log/postgresql/lab.log -w -t 60 start >/dev/null 2>&1 </dev/null".format(PG_CTL, PG_DATA))
    for statement in ("DROP DATABASE IF EXISTS %s WITH (FORCE)" % database, "DROP ROLE IF EXISTS %s" % role):
        lab("exec", "db1", "--", "runuser", "-u", "postgres", "--", "psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-c", statement)
    inventory = yaml.safe_load((state_dir() / "inventory.yml").read_text())["all"]["vars"]
    update = "server %s\nzone %s\nupdate delete %s. A\nsend\n" % (inventory["lab_dns_server"], inventory["lab_dns_zone"], name)
    key = "%s:%s:%s" % (inventory["lab_tsig_key_algorithm"], inventory["lab_tsig_key_name"], inventory["lab_tsig_key_secret"])
    proc = subprocess.run([PYTHON, str(LAB_PY), "exec", "dns1", "--", "nsupdate", "-y", key], input=update, capture_output=True,
                          text=True, timeout=60, check=False)
    if proc.returncode != 0:
        sys.exit("nsupdate failed: %s" % proc.stderr)


def nodes_of_lab() -> list[str]:
    inventory = yaml.safe_load((state_dir() / "inventory.yml").read_text())
    return list(inventory["all"]["children"]["drweb_servers"]["hosts"])


CONVERGED = []
ASSUME_CONVERGED = []
NO_BYTECODE = []


def ensure_converged(profile: bool) -> None:
    """site.yml once per benchmark process (it exits if that fails); --converged: the lab already holds the cluster."""
    if not CONVERGED and not ASSUME_CONVERGED:
        CONVERGED.append(site("converge", profile=profile))


def tasks_per_host(run: dict) -> dict:
    return {host: {"executed": counts["ok"] + counts["failed"], "changed": counts["changed"], "skipped": counts["skipped"]}
            for host, counts in run["recap"].items()}


def median(runs: list[dict]) -> float:
    return round(statistics.median(run["seconds"] for run in runs), 2)


def floor(args: argparse.Namespace) -> dict:
    print("floor: ansible -m ping vs idempotent site.yml re-run (%d nodes, %d alternations)" % (len(nodes_of_lab()), args.runs))
    ensure_converged(args.profile)
    pings, reruns = [], []
    for index in range(args.runs):
        pings.append(ping("ping-%d" % index))
        reruns.append(site("rerun-%d" % index, profile=args.profile))
    changed = sum(host["changed"] for run in reruns for host in run["recap"].values())
    cpu = round(statistics.median(run["controller_cpu_seconds"] for run in reruns), 2)
    result = {"ping_s": median(pings), "rerun_s": median(reruns), "ratio": round(median(reruns) / median(pings), 2),
              "rerun_controller_cpu_s": cpu, "rerun_changed": changed, "tasks_per_host": tasks_per_host(reruns[-1]),
              "runs": pings + reruns}
    print("floor: ping %.2f s, re-run %.2f s (controller CPU %.2f s), ratio %.2fx (target <= 4x); changed on re-runs: %d" % (
        result["ping_s"], result["rerun_s"], cpu, result["ratio"], changed))
    print("       tasks per host on a re-run: %s" % json.dumps(result["tasks_per_host"]))
    return result


def check(args: argparse.Namespace) -> dict:
    print("check: site.yml --check on a converged cluster vs the idempotent re-run (%d alternations)" % args.runs)
    ensure_converged(args.profile)
    checks, reruns = [], []
    for index in range(args.runs):
        checks.append(site("check-%d" % index, "--check", profile=args.profile))
        reruns.append(site("rerun-%d" % index, profile=args.profile))
    result = {"check_s": median(checks), "rerun_s": median(reruns), "ratio": round(median(checks) / median(reruns), 2),
              "check_changed": sum(host["changed"] for run in checks for host in run["recap"].values()),
              "runs": checks + reruns}
    print("check: --check %.2f s, re-run %.2f s, ratio %.2fx; changed predicted on a converged cluster: %d" % (
        result["check_s"], result["rerun_s"], result["ratio"], result["check_changed"]))
    return result


def monitor(args: argparse.Namespace) -> dict:
    print("monitor: ansible -m ping vs check.yml on a converged cluster (%d nodes, %d alternations)" % (
        len(nodes_of_lab()), args.runs))
    ensure_converged(args.profile)
    pings, checks = [], []
    report = OUTPUT / "check-report.json"
    for index in range(args.runs):
        pings.append(ping("ping-%d" % index))
        checks.append(timed("check.yml-%d" % index, [str(BIN / "ansible-playbook")] + inventories() + [
            str(REPO / "playbooks" / "check.yml"), "-e", json.dumps({
                "drweb_check_report_path": str(report), "drweb_check_metrics_path": str(OUTPUT / "check.prom"),
                "drweb_check_licence_warning_days": 0, "drweb_check_repository_warning_hours": 0})], profile=args.profile))
    result = {"ping_s": median(pings), "check_s": median(checks), "ratio": round(median(checks) / median(pings), 2),
              "tasks_per_host": tasks_per_host(checks[-1]), "runs": pings + checks}
    print("monitor: ping %.2f s, check.yml %.2f s, ratio %.2fx (target <= 3x)" % (
        result["ping_s"], result["check_s"], result["ratio"]))
    print("         tasks per host: %s" % json.dumps(result["tasks_per_host"]))
    return result


def scaling(args: argparse.Namespace) -> dict:
    print("scaling: pristine -> site.yml on 3 vs %d nodes" % args.large)
    runs = {}
    for count in (3, args.large):
        lab("down")
        lab("up", "--nodes", str(count))
        pristine(nodes_of_lab())
        runs[count] = site("converge-%d-nodes" % count, profile=args.profile)
        CONVERGED.clear()
    if args.large != 3:
        lab("down")
        lab("up", "--nodes", "3")
    small, large = runs[3]["seconds"], runs[args.large]["seconds"]
    result = {"small_s": small, "large_s": large, "ratio": round(large / small, 2), "runs": list(runs.values())}
    print("scaling: 3 nodes %.2f s, %d nodes %.2f s, ratio %.2fx (target <= 2x)" % (small, args.large, large, result["ratio"]))
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("what", choices=["floor", "check", "monitor", "scaling", "all"])
    parser.add_argument("--runs", type=int, default=3, help="alternations of the two sides of a ratio (medians)")
    parser.add_argument("--large", type=int, default=12, help="node count of the large lab (scaling)")
    parser.add_argument("--profile", action="store_true", help="profile_tasks on every site.yml run")
    parser.add_argument("--no-bytecode", action="store_true",
                        help="Python writes and reads no bytecode (PYTHONDONTWRITEBYTECODE): each Ansible worker compiles "
                             "the collection's plugins again")
    parser.add_argument("--converged", action="store_true",
                        help="the lab already holds a converged cluster: no first site.yml (floor, check; a re-run "
                             "that changes something shows it in the changed count)")
    args = parser.parse_args()
    if args.no_bytecode:
        NO_BYTECODE.append(True)
    if args.converged:
        ASSUME_CONVERGED.append(True)
    state_dir()
    lab("up")
    results = {"started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "cpus": os.cpu_count()}
    for what in (("floor", "check", "scaling") if args.what == "all" else (args.what,)):
        results[what] = {"floor": floor, "check": check, "monitor": monitor, "scaling": scaling}[what](args)
    OUTPUT.mkdir(parents=True, exist_ok=True)
    out = OUTPUT / ("cluster_speed-%s.json" % time.strftime("%Y%m%dT%H%M%S"))
    out.write_text(json.dumps(results, indent=1))
    print("results: %s" % out.relative_to(REPO))
    return 0


if __name__ == "__main__":
    sys.exit(main())
