"""Run the project's test stages and print one closing line ``N passed, N failed``.

Usage (from the repository root, normally through ``make test``)::

    .venv/bin/python tests/run_tests.py all [--nodes 3]
    .venv/bin/python tests/run_tests.py lint|sanity|galaxy|units|unit|integration|molecule
    python3 tests/run_tests.py labs-down     # take down the labs the stages bring up (the usual one and the second)

Each stage counts its own results (pytest stages from their JUnit XML, ansible-test sanity per sanity test,
ansible-lint and Molecule as one check each, galaxy-importer as the checks listed in stage_galaxy); the closing line
sums them. Skipped tests are counted and shown:
they are never reported as passed. The exit status is non-zero when anything failed or a stage could not run.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree

REPO = Path(__file__).resolve().parent.parent
VENV_BIN = REPO / ".venv" / "bin"
OUTPUT = REPO / "tests" / "output" / "run"
SANITY_TREE = REPO / ".build" / "sanity" / "ansible_collections" / "drweb" / "cluster"
IMPORTER_VENV = REPO / ".build" / "importer"
IMPORTER_REQUIREMENTS = REPO / "tests" / "setup" / "importer-requirements.txt"
DIST = REPO / ".build" / "dist"
# This checkout as the installed drweb.cluster (tests/setup/collection_path.sh makes the link).
COLLECTION_LINK = REPO / ".build" / "collections" / "ansible_collections" / "drweb" / "cluster"
# The oldest ansible-core meta/runtime.yml's requires_ansible admits: the sanity stage runs it besides the .venv's.
# 2.19 is the oldest release its maintainers still support (security fixes until May 2027; 2.16-2.18 are end of life)
# and the first with the templating engine later releases keep; community.general 13 needs 2.18 or newer anyway.
OLDEST_ANSIBLE_CORE = "2.19.14"
# The interpreter ansible-test runs its controller-side checks with (the .venv's).
ANSIBLE_TEST_PYTHON = "%d.%d" % sys.version_info[:2]


@dataclass
class StageResult:
    """Counts of one stage."""

    name: str
    passed: int = 0
    failed: int = 0
    skipped: int = 0
    seconds: float = 0.0
    failures: list[str] = field(default_factory=list)


def environment() -> dict[str, str]:
    """Environment for every stage: the .venv first on PATH, this checkout as the installed collection."""
    env = dict(os.environ)
    env["PATH"] = "%s:%s" % (VENV_BIN, env.get("PATH", ""))
    env["ANSIBLE_CONFIG"] = str(REPO / "ansible.cfg")
    # Bytecode kept (Python's default): without it every process compiles what it imports - ansible-playbook's main
    # process the collection's filters (the preflight loads them there once), each worker of a playbook without the
    # preflight (a role's own playbook, Molecule) those filters again, and every library (docs/performance.md). It
    # goes beside the sources, where .gitignore keeps __pycache__ out of git, ansible-galaxy's build leaves it out and
    # the sanity tree (copied from git ls-files) never sees it. Not PYTHONPYCACHEPREFIX: that makes Python ignore the venv's own bytecode too.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.pop("ANSIBLE_COLLECTIONS_PATH", None)
    return env


# A stage run alongside another (the static stages during the lab stages, see main) writes its output to its log
# only: two stages printing at once would interleave line by line. Its log is shown when it fails.
QUIET = threading.local()


def run(command: list[str], log_name: str, cwd: Path = REPO, env: dict[str, str] | None = None) -> tuple[int, str]:
    """Run a command, tee its output to the terminal (unless the stage runs alongside another) and to
    tests/output/run/<log_name>.log."""
    OUTPUT.mkdir(parents=True, exist_ok=True)
    quiet = getattr(QUIET, "on", False)
    if not quiet:
        print("+ %s" % " ".join(command), flush=True)
    with subprocess.Popen(command, cwd=cwd, env=env or environment(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          stdin=subprocess.DEVNULL, text=True, errors="replace") as process:
        lines = []
        assert process.stdout is not None
        for line in process.stdout:
            if not quiet:
                sys.stdout.write(line)
            lines.append(line)
        process.wait()
    output = "".join(lines)
    # the log of a stage run alongside names the command first (the terminal does not show it)
    (OUTPUT / ("%s.log" % log_name)).write_text(("+ %s\n" % " ".join(command) if quiet else "") + output)
    sys.stdout.flush()
    return process.returncode, output


def count_junit(result: StageResult, paths: list[Path]) -> None:
    """Add the test cases of JUnit XML files to a stage result."""
    for path in paths:
        root = ElementTree.parse(path).getroot()
        for case in root.iter("testcase"):
            name = "%s::%s" % (case.get("classname", ""), case.get("name", ""))
            if case.find("failure") is not None or case.find("error") is not None:
                result.failed += 1
                result.failures.append(name)
            elif case.find("skipped") is not None:
                result.skipped += 1
            else:
                result.passed += 1


def pytest_stage(name: str, arguments: list[str], env: dict[str, str] | None = None) -> StageResult:
    """Run pytest with a JUnit report and count its cases. Its temporary files go to a base directory of its own, in
    the system's temporary folder, named after the stage and this checkout: two pytest runs at once must not share one
    (each cleans up old ones), and tests that build a project outside the checkout (test_getting_started) need it
    outside."""
    result = StageResult(name)
    junit = OUTPUT / ("%s.xml" % name)
    junit.unlink(missing_ok=True)
    basetemp = Path(tempfile.gettempdir()) / ("drweb-cluster-pytest-%s-%s" % (hashlib.sha256(str(REPO).encode()).hexdigest()[:8], name))
    returncode, unused_output = run([str(VENV_BIN / "pytest"), "-p", "no:cacheprovider", "-o", "junit_family=xunit2",
                                    "--junitxml=%s" % junit, "--basetemp=%s" % basetemp] + arguments, name, env=env)
    if junit.exists():
        count_junit(result, [junit])
    if returncode not in (0, 5) and result.failed == 0:
        result.failed += 1
        result.failures.append("%s: pytest exited %d without a failing test case (collection error?)" % (name, returncode))
    if result.passed + result.failed + result.skipped == 0:
        result.failed += 1
        result.failures.append("%s: no test ran" % name)
    return result


def stage_lint() -> StageResult:
    """ansible-lint, production profile, over the whole collection: one check."""
    result = StageResult("lint")
    subprocess.run(["bash", "tests/setup/collection_path.sh"], cwd=REPO, check=True)
    returncode, unused_output = run([str(VENV_BIN / "ansible-lint"), "--profile", "production", "--offline"], "lint")
    if returncode == 0:
        result.passed = 1
    else:
        result.failed = 1
        result.failures.append("ansible-lint --profile production")
    return result


def oldest_core_venv() -> Path:
    """.build/ansible-core-<floor>: the oldest ansible-core meta/runtime.yml admits (OLDEST_ANSIBLE_CORE), made once."""
    venv = REPO / ".build" / ("ansible-core-%s" % ".".join(OLDEST_ANSIBLE_CORE.split(".")[:2]))
    stamp = venv / ".ansible-core"
    if not (stamp.exists() and stamp.read_text().strip() == OLDEST_ANSIBLE_CORE):
        shutil.rmtree(venv, ignore_errors=True)
        subprocess.run([str(VENV_BIN / "python"), "-m", "venv", str(venv)], check=True)
        subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check",
                        "ansible-core==%s" % OLDEST_ANSIBLE_CORE], check=True)
        stamp.write_text(OLDEST_ANSIBLE_CORE + "\n")
    return venv


def stage_sanity() -> StageResult:
    """ansible-test sanity on a copy of the collection under ansible_collections/drweb/cluster, every test counted,
    with the ansible-core the collection is developed on (.venv) and with the oldest one meta/runtime.yml admits."""
    result = StageResult("sanity")
    runtime = (REPO / "meta" / "runtime.yml").read_text()
    floor = re.search(r"^requires_ansible:\s*['\"]?>=\s*([0-9.]+)", runtime, re.MULTILINE)
    oldest = ".".join(OLDEST_ANSIBLE_CORE.split(".")[:2])
    if not floor or ".".join(floor.group(1).split(".")[:2]) != oldest:
        result.failed += 1
        result.failures.append("sanity: meta/runtime.yml requires_ansible %s is not the tested floor >=%s.0"
                               % (floor.group(1) if floor else "(none)", oldest))
    for venv, label in ((REPO / ".venv", ""), (oldest_core_venv(), oldest)):
        sanity_run(result, venv, label)
    return result


def sanity_run(result: StageResult, venv: Path, label: str) -> None:
    """One ansible-test sanity run with the ansible-test of `venv`; its tests added to `result` (named with `label`)."""
    ansible_test = str(venv / "bin" / "ansible-test")
    suffix = "-%s" % label if label else ""
    subprocess.run(["bash", "tests/setup/ansible_test_tree.sh", str(venv)], cwd=REPO, check=True, stdout=subprocess.DEVNULL)
    unused_returncode, listing = run([ansible_test, "sanity", "--list-tests", "--python", ANSIBLE_TEST_PYTHON],
                                     "sanity-list" + suffix, cwd=SANITY_TREE)
    names = [line.strip() for line in listing.splitlines() if re.fullmatch(r"[a-z0-9-]+", line.strip())]
    returncode, output = run([ansible_test, "sanity", "--color", "no", "--python", ANSIBLE_TEST_PYTHON],
                             "sanity" + suffix, cwd=SANITY_TREE)
    failed = set(re.findall(r"^ERROR: Found \d+ ([a-z0-9-]+) issue", output, re.MULTILINE))
    failed |= set(re.findall(r"^ERROR: Sanity test '([a-z0-9-]+)' failed", output, re.MULTILINE))
    listed_failed = re.search(r"sanity test\(s\) listed below \(out of \d+\) failed:\n((?:\s+\S+\n?)+)", output)
    if listed_failed:
        failed |= set(listed_failed.group(1).split())
    skipped = set(re.findall(r"^WARNING: Skipping sanity test '([a-z0-9-]+)'", output, re.MULTILINE))
    failed_before = result.failed
    for name in names:
        if name in failed:
            result.failed += 1
            result.failures.append("sanity%s: %s" % (" (ansible-core %s)" % label if label else "", name))
        elif name in skipped:
            result.skipped += 1
        else:
            result.passed += 1
    if returncode != 0 and result.failed == failed_before:
        result.failed += 1
        result.failures.append("ansible-test sanity%s exited %d" % (suffix, returncode))
    if not names:
        result.failed += 1
        result.failures.append("ansible-test sanity%s listed no test" % suffix)


def importer_venv() -> Path:
    """.build/importer: galaxy-importer and what it calls, pinned (tests/setup/importer-requirements.txt); made once,
    remade when the pins change."""
    stamp = IMPORTER_VENV / ".requirements-sha256"
    want = hashlib.sha256(IMPORTER_REQUIREMENTS.read_bytes()).hexdigest()
    python = IMPORTER_VENV / "bin" / "python"
    if not (python.exists() and stamp.exists() and stamp.read_text().strip() == want):
        shutil.rmtree(IMPORTER_VENV, ignore_errors=True)
        subprocess.run([str(VENV_BIN / "python"), "-m", "venv", str(IMPORTER_VENV)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", "-r", str(IMPORTER_REQUIREMENTS)],
                       check=True)
        stamp.write_text(want + "\n")
    return IMPORTER_VENV / "bin"


def build_collection() -> Path:
    """The collection tarball as ansible-galaxy builds it from this checkout (galaxy.yml's build_ignore applied)."""
    shutil.rmtree(DIST, ignore_errors=True)
    DIST.mkdir(parents=True)
    subprocess.run([str(VENV_BIN / "ansible-galaxy"), "collection", "build", "--output-path", str(DIST)], cwd=REPO,
                   env=environment(), check=True, stdout=subprocess.DEVNULL)
    return next(DIST.glob("drweb-cluster-*.tar.gz"))


# What a user of the built collection must find in it, and what must never be shipped.
TARBALL_REQUIRED = ("LICENSE", "README.md", "CHANGELOG.rst", "changelogs/changelog.yaml", "meta/runtime.yml",
                    "playbooks/site.yml")
TARBALL_FORBIDDEN = re.compile(r"^(tests|\.venv|\.build|\.ci|bench|extensions)/|^ansible\.cfg$|^Makefile$|\.tar\.gz$")


def stage_galaxy() -> StageResult:
    """galaxy-importer - the importer Galaxy and Automation Hub run on an upload - on the built tarball, in its own
    venv, offline (its ansible-lint runs --offline; the collection's dependencies come from the ansible package).
    Five checks: the tarball holds what it must (licence text, changelog, a README per role) and nothing of the
    development tree; the import succeeds with no error; the import prints no warning (flake8, ansible-lint,
    ansible-doc - each is what a reviewer of the upload would act on); antsibull-docs lint-collection-docs passes (the
    reference `make docs` builds); antsibull-changelog lint passes."""
    result = StageResult("galaxy")
    importer_bin = importer_venv()
    tarball = build_collection()
    with tarfile.open(tarball) as archive:
        names = set(archive.getnames())
    roles = {name.split("/")[1] for name in names if name.startswith("roles/") and name.count("/") >= 2}
    missing = [name for name in TARBALL_REQUIRED if name not in names]
    missing += ["roles/%s/README.md" % role for role in sorted(roles) if "roles/%s/README.md" % role not in names]
    shipped = sorted(name for name in names if TARBALL_FORBIDDEN.search(name))
    if missing or shipped or not roles:
        result.failed += 1
        result.failures.append("galaxy: tarball %s lacks %s, ships %s" % (tarball.name, missing, shipped[:10]))
    else:
        result.passed += 1
    work = REPO / ".build" / "importer-run"
    shutil.rmtree(work, ignore_errors=True)
    (work / "tmp").mkdir(parents=True)
    config = work / "galaxy-importer.cfg"
    # Automation Hub's settings, flake8 on: every check the importer has that needs no container runtime
    config.write_text("[galaxy-importer]\nrun_ansible_doc = True\nrun_ansible_lint = True\noffline_ansible_lint = True\n"
                      "run_flake8 = True\ncheck_changelog = True\nrun_ansible_test = False\n"
                      "tmp_root_dir = %s\nansible_local_tmp = %s\n" % (work / "tmp", work / "ansible-tmp"))
    env = environment()
    env.update(PATH="%s:%s" % (importer_bin, os.environ.get("PATH", "")), GALAXY_IMPORTER_CONFIG=str(config))
    env.pop("ANSIBLE_CONFIG", None)
    returncode, output = run([str(importer_bin / "python"), "-m", "galaxy_importer.main", str(tarball)], "galaxy",
                             cwd=work, env=env)
    errors = [line for line in output.splitlines() if line.startswith("ERROR")]
    report = work / "importer_result.json"
    if returncode != 0 or errors or "Importer processing completed successfully" not in output or not report.exists():
        result.failed += 1
        result.failures.append("galaxy-importer: exit %d, %s" % (returncode, errors[:5] or "no success line"))
    else:
        contents = json.loads(report.read_text())["contents"]
        if not getattr(QUIET, "on", False):
            print("galaxy-importer: %d content items imported" % len(contents))
        result.passed += 1
    warnings = [line for line in output.splitlines() if line.startswith("WARNING")]
    if warnings:
        result.failed += 1
        result.failures.append("galaxy-importer warnings: %s" % "; ".join(warnings[:10]))
    else:
        result.passed += 1
    # the reference `make docs` builds: every plugin's and role's documentation renders (schema, markup, references
    # to options, return values and other plugins resolve) and docs/docsite/ is what antsibull-docs expects
    subprocess.run(["bash", "tests/setup/collection_path.sh"], cwd=REPO, check=True, stdout=subprocess.DEVNULL)
    returncode, output = run([str(VENV_BIN / "antsibull-docs"), "lint-collection-docs", "--plugin-docs",
                              "--validate-collection-refs", "dependent", str(COLLECTION_LINK)], "docs-lint")
    if returncode == 0 and not output.strip():
        result.passed += 1
    else:
        result.failed += 1
        result.failures.append("antsibull-docs lint-collection-docs (exit %d): %s" % (returncode, output.strip()[:800]))
    # the changelog Galaxy shows (CHANGELOG.rst comes from changelogs/changelog.yaml) and the fragments still to release
    returncode, output = run([str(VENV_BIN / "antsibull-changelog"), "lint"], "changelog-lint")
    if returncode == 0 and not output.strip():
        result.passed += 1
    else:
        result.failed += 1
        result.failures.append("antsibull-changelog lint: %s" % output.strip()[:500])
    return result


def stage_units() -> StageResult:
    """ansible-test units: the modules' and module_utils' unit tests, run the way collection CI runs them."""
    result = StageResult("units")
    subprocess.run(["bash", "tests/setup/ansible_test_tree.sh"], cwd=REPO, check=True, stdout=subprocess.DEVNULL)
    junit_dir = SANITY_TREE / "tests" / "output" / "junit"
    shutil.rmtree(junit_dir, ignore_errors=True)
    returncode, unused_output = run([str(VENV_BIN / "ansible-test"), "units", "--color", "no", "--python", ANSIBLE_TEST_PYTHON],
                                    "units", cwd=SANITY_TREE)
    count_junit(result, sorted(junit_dir.glob("*.xml")) if junit_dir.exists() else [])
    if returncode != 0 and result.failed == 0:
        result.failed += 1
        result.failures.append("ansible-test units exited %d" % returncode)
    if result.passed + result.failed + result.skipped == 0:
        result.failed += 1
        result.failures.append("units: no test ran")
    return result


def stage_unit() -> StageResult:
    """Plain pytest unit tests that are not collection plugins: the drwcsd test double's own tests."""
    return pytest_stage("unit", ["tests/drwcsd_double/tests"])


def lab(command: list[str], env: dict[str, str] | None = None) -> None:
    """Drive the lab CLI (bring up, take down); env: another lab's DRWLAB_* variables."""
    subprocess.run([sys.executable, "tests/lab/lab.py"] + command, cwd=REPO, check=True,
                   env=dict(os.environ, **(env or {})), stdout=subprocess.DEVNULL if getattr(QUIET, "on", False) else None)


# "all" runs the integration tests on two labs at once (a lab stage keeps about one of the two CPUs busy: its
# ansible-playbook controller; the Servers, PostgreSQL and ssh wait most of the time). The second lab runs these
# modules - none of the modules sharing one converged cluster (tests/integration/conftest.py SHARED_CLUSTER_MODULES),
# chosen so that both halves take about as long, the first one followed by Molecule, the second one preceded by the
# static stages; every other module runs on the first lab. Each module runs alone on any lab, so the split changes
# no assertion. "labs-down" (make lab-down, .ci/run's cleanup) takes this lab down too.
SECOND_LAB = {"DRWLAB_PREFIX": "drwlab2", "DRWLAB_SUBNET": "10.213.1.0/24",
              "DRWLAB_STATE": str(REPO / ".build" / "lab-2" / "state")}
SECOND_LAB_MODULES = ("test_fault_matrix.py", "test_license_schedule.py", "test_getting_started.py", "test_repository.py",
                      "test_keys.py", "test_upgrade.py", "test_install.py",
                      "test_double.py", "test_lab.py", "test_multicast_probe.py")


def stage_integration(nodes: int, leave_out: tuple = ()) -> StageResult:
    """End-to-end tests against the usual lab of network-namespace hosts: every module but the ones left out (those
    of the second lab)."""
    lab(["up", "--nodes", str(nodes)])
    ignored = ["--ignore=tests/integration/%s" % module for module in leave_out]
    return pytest_stage("integration", ["tests/integration", "-m", "not lab_cycle"] + ignored)


def stage_integration_second_lab(nodes: int) -> StageResult:
    """SECOND_LAB_MODULES on a lab of their own (its own prefix, subnet and state), taken down at the end."""
    env = dict(environment(), **SECOND_LAB)
    try:
        lab(["up", "--nodes", str(nodes)], env=SECOND_LAB)
        return pytest_stage("integration-2", ["tests/integration/%s" % module for module in SECOND_LAB_MODULES]
                            + ["-m", "not lab_cycle"], env=env)
    finally:
        lab(["down"], env=SECOND_LAB)


def stage_molecule() -> StageResult:
    """Molecule scenarios (default driver creating lab hosts, testinfra verifier): one check per scenario."""
    result = StageResult("molecule")
    scenarios = sorted(path.parent.name for path in (REPO / "extensions" / "molecule").glob("*/molecule.yml"))
    for scenario in scenarios:
        # Molecule links the lab's inventory before its create step runs: the lab must exist already (create's
        # own "lab.py up" is then a no-op), also after the previous scenario's destroy took it down.
        lab(["up", "--nodes", "3", "--recreate"])
        # Molecule's state of an earlier, interrupted run of the scenario (created, prepared) would make this run skip
        # its prepare step: every run starts from none.
        for stale in Path.home().glob(".ansible/tmp/molecule.*.%s" % scenario):
            shutil.rmtree(stale, ignore_errors=True)
        returncode, unused_output = run([str(VENV_BIN / "molecule"), "test", "-s", scenario], "molecule-%s" % scenario,
                                        cwd=REPO / "extensions")
        if returncode == 0:
            result.passed += 1
        else:
            result.failed += 1
            result.failures.append("molecule test -s %s" % scenario)
    return result


def stage_lab_cycle() -> StageResult:
    """Last: the lab comes down leaving nothing behind, twice in a row (tests marked lab_cycle)."""
    return pytest_stage("lab_cycle", ["tests/integration", "-m", "lab_cycle"])


STATIC_STAGES = ("lint", "sanity", "galaxy", "units", "unit")   # need no lab


def run_stage(stages: dict, name: str) -> StageResult:
    """One stage, timed; a stage that cannot run is one failure."""
    started = time.monotonic()
    try:
        result = stages[name]()
    except (subprocess.CalledProcessError, OSError, ElementTree.ParseError) as error:
        result = StageResult(name, failed=1, failures=["%s: could not run: %s" % (name, error)])
    result.seconds = time.monotonic() - started
    return result


def main() -> int:
    """Run the chosen stages and print the summary."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("stage", choices=["all", "lint", "sanity", "galaxy", "units", "unit", "integration", "molecule", "lab_cycle",
                                          "labs-down"])
    parser.add_argument("--nodes", type=int, default=3)
    arguments = parser.parse_args()
    if arguments.stage == "labs-down":
        # not a stage: take down every lab the stages bring up (make lab-down, .ci/run's cleanup). lab.py down acts on a
        # prefix, whichever checkout made the lab: the second lab only while this checkout's is up (its state.json is
        # here; lab.py writes it before the first namespace), so that a labs-down elsewhere never takes a running
        # make test's second lab away.
        status = 0
        for env in (None, SECOND_LAB) if (Path(SECOND_LAB["DRWLAB_STATE"]) / "state.json").exists() else (None,):
            try:
                lab(["down"], env=env)
            except subprocess.CalledProcessError as error:
                print("lab.py down%s failed: %s" % (" (%s)" % env["DRWLAB_PREFIX"] if env else "", error), file=sys.stderr)
                status = 1
        return status
    began = time.monotonic()
    stages = {
        "lint": stage_lint,
        "sanity": stage_sanity,
        "galaxy": stage_galaxy,
        "units": stage_units,
        "unit": stage_unit,
        "integration": lambda: stage_integration(arguments.nodes),
        "molecule": stage_molecule,
        "lab_cycle": stage_lab_cycle,
    }
    chosen = list(stages) if arguments.stage == "all" else [arguments.stage]
    if not (REPO / "tests" / "drwcsd_double" / "tests").is_dir():
        # The double's own suite is part of "all" once the double is in the tree.
        chosen = [name for name in chosen if name != "unit"]
    # "all": the static stages (no lab) run one after another in a thread while the lab stages run, followed in that
    # thread by the integration modules of the second lab (SECOND_LAB_MODULES), since a lab stage leaves about one of
    # the two CPUs idle (it waits on ssh, the Servers and PostgreSQL); the other integration modules, Molecule and the
    # lab cycle run on the usual lab meanwhile. DRWCLUSTER_TEST_SERIAL=1 runs every stage one after the other on one
    # lab instead.
    alongside = [name for name in chosen if name in STATIC_STAGES]
    if arguments.stage != "all" or os.environ.get("DRWCLUSTER_TEST_SERIAL") == "1" or len(alongside) == len(chosen):
        alongside = []
    elif "integration" in chosen:
        stages["integration"] = lambda: stage_integration(arguments.nodes, SECOND_LAB_MODULES)
        stages["integration-2"] = lambda: stage_integration_second_lab(arguments.nodes)
        chosen.insert(chosen.index("integration") + 1, "integration-2")
        alongside.append("integration-2")
    static_results: dict[str, StageResult] = {}

    def run_alongside() -> None:
        QUIET.on = True
        for name in alongside:
            try:
                static_results[name] = run_stage(stages, name)
            except Exception as error:  # pylint: disable=broad-except  # a thread's exception would be lost
                static_results[name] = StageResult(name, failed=1, failures=["%s: could not run: %r" % (name, error)])

    worker = threading.Thread(target=run_alongside, name="static-stages")
    if alongside:
        print("\n==== stages run alongside (output in tests/output/run/<stage>*.log): %s ====" % ", ".join(alongside),
              flush=True)
        worker.start()
    results = {}
    for name in chosen:
        if name == "lab_cycle" and alongside:
            worker.join()   # the lab cycle checks the root namespace with no other lab being built or torn down
        if name not in alongside:
            print("\n==== stage: %s ====" % name, flush=True)
            results[name] = run_stage(stages, name)
    if alongside:
        worker.join()
        for name in alongside:
            result = static_results[name]
            print("\n==== stage: %s (ran alongside, %.1f s) ====" % (name, result.seconds), flush=True)
            if result.failed:
                for log in sorted(OUTPUT.glob("%s.log" % name)) + sorted(OUTPUT.glob("%s-*.log" % name)):
                    print("---- %s (last 60 lines) ----" % log.name)
                    print("".join(log.read_text(errors="replace").splitlines(True)[-60:]), end="")
    results = [static_results[name] if name in static_results else results[name] for name in chosen]
    print("\n==== summary ====%s" % (" (%s ran alongside the others)" % ", ".join(alongside) if alongside else ""))
    for result in results:
        print("%-12s %4d passed %4d failed %4d skipped  %7.1f s"
              % (result.name, result.passed, result.failed, result.skipped, result.seconds))
        for failure in result.failures:
            print("    FAILED %s" % failure)
    passed = sum(result.passed for result in results)
    failed = sum(result.failed for result in results)
    skipped = sum(result.skipped for result in results)
    print("wall time %.1f s" % (time.monotonic() - began))
    print("%d passed, %d failed, %d skipped" % (passed, failed, skipped))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
