# Copyright (c) drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""playbooks/site.yml launched the way AWX launches a job template: `ansible-runner run` on a private data dir shaped
like AWX's - project/ (the checkout), inventory/ (the lab's hosts and the cluster's group_vars), env/extravars made
of the survey's answers (awx/surveys/site.json; an optional question left empty is sent as "", as AWX sends it) and
of what the custom credential types inject (awx/credential_types/). The job must succeed, the cluster must be built
(every Server running and hearing the others, the cluster name resolving to all of them), and no secret may appear in
the job's output. The lab is pristine before the module; the cluster the job built is handed over to the next module
that uses converged_cluster when this module passed and leaves it converged (conftest shared_cluster), else the lab is
pristine again after it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from xml.etree import ElementTree

import pytest
import yaml
from conftest import PlaybookRun, recap

pytestmark = pytest.mark.keeps_converged_cluster   # the job builds the cluster; the tests only read it

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CLUSTER_VARS = os.path.join(REPO, "tests", "lab", "cluster.yml")
RUNNER = os.path.join(REPO, ".venv", "bin", "ansible-runner")
with open(CLUSTER_VARS, encoding="utf-8") as _handle:
    _CLUSTER = yaml.safe_load(_handle)["all"]
SERVERS_VARS = _CLUSTER["children"]["drweb_servers"]["vars"]


def survey_answers(version, package):
    """What AWX sends for the site survey: the required questions answered, every optional one left empty ("")."""
    with open(os.path.join(REPO, "awx", "surveys", "site.json"), encoding="utf-8") as handle:
        spec = json.load(handle)["spec"]
    given = {"drweb_version": version, "drweb_package": package}
    answers = {}
    for question in spec:
        if question["required"]:
            answers[question["variable"]] = given[question["variable"]]
        else:
            answers[question["variable"]] = ""
    return answers


def credential_extra_vars(inputs):
    """What the custom credential types inject, filled from the inputs a user typed into the credentials."""
    injected = {}
    for name in ("drweb_database.yml", "drweb_admin.yml"):
        with open(os.path.join(REPO, "awx", "credential_types", name), encoding="utf-8") as handle:
            injectors = yaml.safe_load(handle)["injectors"]["extra_vars"]
        for variable, template in injectors.items():
            injected[variable] = inputs[template.strip("{} ")]
    return injected


def display_text(stdout: str) -> str:
    """The job's output as ansible-playbook prints it: with -j, ansible-runner's stdout artifact holds one JSON event per
    line, each with the text it displayed (a module sharing the cluster reads the build's output as text)."""
    lines = []
    for line in stdout.splitlines():
        try:
            event = json.loads(line)
        except ValueError:
            lines.append(line)
            continue
        if isinstance(event, dict) and event.get("stdout"):
            lines.append(event["stdout"].replace("\r\n", "\n"))
    return "\n".join(lines)


@pytest.fixture(scope="module")
def job(request, pristine_lab, shared_cluster, lab_inventory, lab_vars, tmp_path_factory):  # pylint: disable=too-many-arguments,too-many-positional-arguments
    """The site job run by ansible-runner on a pristine lab; its cluster is offered to the next module (see above)."""
    pristine_lab()
    data = tmp_path_factory.mktemp("awx-job")
    os.symlink(REPO, data / "project")                 # AWX: the project's checkout
    (data / "inventory").mkdir()
    shutil.copy(lab_inventory, data / "inventory" / "hosts.yml")
    # the cluster's settings as group_vars in the inventory, without the secrets the credentials inject
    cluster = yaml.safe_load(open(CLUSTER_VARS, encoding="utf-8"))  # pylint: disable=consider-using-with
    secrets = {key: cluster["all"]["vars"].pop(key) for key in ("drweb_db_user", "drweb_db_password")}
    secrets["drweb_admin_password"] = cluster["all"]["children"]["drweb_servers"]["vars"].pop("drweb_admin_password")
    with open(data / "inventory" / "cluster.yml", "w", encoding="utf-8") as handle:
        yaml.safe_dump(cluster, handle)
    (data / "env").mkdir()
    package = SERVERS_VARS["drweb_package"].replace("{{ lab_repo_root }}", lab_vars["lab_repo_root"]).replace(
        "{{ drweb_version }}", SERVERS_VARS["drweb_version"])
    extravars = dict(survey_answers(SERVERS_VARS["drweb_version"], package),
                     **credential_extra_vars({"db_user": secrets["drweb_db_user"], "db_password": secrets["drweb_db_password"],
                                              "admin_password": secrets["drweb_admin_password"]}))
    with open(data / "env" / "extravars", "w", encoding="utf-8") as handle:
        json.dump(extravars, handle)
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(REPO, "ansible.cfg"), ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0",
               PATH=os.path.join(REPO, ".venv", "bin") + os.pathsep + os.environ.get("PATH", ""))
    proc = subprocess.run([RUNNER, "run", str(data), "-p", "playbooks/site.yml", "--ident", "site", "-j"], env=env,
                          capture_output=True, text=True, timeout=1500, check=False)
    artifacts = data / "artifacts" / "site"
    if proc.returncode == 0 and (artifacts / "rc").is_file() and (artifacts / "rc").read_text().strip() == "0":
        # the same cluster site.yml builds from the cluster's group_vars (the survey's optional answers are empty = unset)
        output = display_text((artifacts / "stdout").read_text())
        shared_cluster.adopt(PlaybookRun(0, output, recap(output)))
    yield dict(proc=proc, data=data, extravars=extravars, secrets=secrets)
    shared_cluster.release(request)


def test_the_extravars_are_awx_shaped(job):
    extravars = job["extravars"]
    assert extravars["drweb_package_checksum"] == "" and extravars["drweb_restart_strategy"] == ""
    assert extravars["drweb_allow_data_loss"] == ""
    assert set(job["secrets"]) <= set(extravars)


def test_the_site_job_succeeds(job):
    artifacts = job["data"] / "artifacts" / "site"
    status = (artifacts / "status").read_text().strip()
    rc = (artifacts / "rc").read_text().strip()
    assert (status, rc) == ("successful", "0"), job["proc"].stdout[-6000:] + job["proc"].stderr[-2000:]
    failed = [event for event in map(json.loads, job["proc"].stdout.splitlines()) if event.get("event") == "runner_on_failed"
              and not event.get("event_data", {}).get("ignore_errors")]
    assert not failed, failed[:1]


def test_the_cluster_is_converged(job, lab_exec, lab_groups, lab_vars, lab_hosts):  # pylint: disable=unused-argument
    servers = lab_groups["drweb_servers"]
    for host in servers:
        out = lab_exec(host, "curl -sk --max-time 10 -u admin:%s https://127.0.0.1:9081/api/server/summary.ds"
                       % job["secrets"]["drweb_admin_password"]).stdout
        root = ElementTree.fromstring(out)
        assert root.get("status") == "true", out
        assert len(root.findall("server-summary/cluster/peer")) == len(servers) - 1, (host, out)
        assert "<pgsql " in lab_exec(host, "cat /var/opt/drwcs/etc/drwcsd.conf").stdout, host
    answer = lab_exec(lab_groups["drweb_dns"][0], ["dig", "+short", "@%s" % lab_vars["lab_dns_server"],
                                                   SERVERS_VARS["drweb_cluster_name"], "A"]).stdout.split()
    assert sorted(answer) == sorted(lab_hosts[host]["ansible_host"] for host in servers)


def test_no_secret_is_in_the_job_output(job):
    artifacts = job["data"] / "artifacts" / "site"
    texts = [job["proc"].stdout, (artifacts / "stdout").read_text()]
    for name, secret in job["secrets"].items():
        if name == "drweb_db_user":
            continue
        for text in texts:
            assert secret not in text, name
