# Copyright (c) drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""playbooks/probe.yml on the cluster site.yml builds (converged_cluster): one report file on the controller with the
-help texts of drwcsd and drwsign, the configuration files, the database's table names and summary.ds of every
Server - and none of the secrets the Servers hold (database and admin passwords, passwd-salt, the private key). The
probe changes nothing, in check mode neither (asserted), so the module keeps the converged cluster for the next module
(conftest shared_cluster); run alone, the lab is pristine again after it."""

from __future__ import annotations

import os
import re

import pytest
import yaml

CLUSTER_VARS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "lab", "cluster.yml")
with open(CLUSTER_VARS, encoding="utf-8") as _handle:
    _CLUSTER = yaml.safe_load(_handle)["all"]
DB_PASSWORD = _CLUSTER["vars"]["drweb_db_password"]
ADMIN_PASSWORD = _CLUSTER["children"]["drweb_servers"]["vars"]["drweb_admin_password"]
CONF = "/var/opt/drwcs/etc/drwcsd.conf"

pytestmark = pytest.mark.keeps_converged_cluster   # read-only


@pytest.fixture(scope="module")
def report(converged_cluster, ansible_playbook, tmp_path_factory, lab_exec, lab_groups):  # pylint: disable=unused-argument
    """The probe run in check mode (it must work there: nothing on the nodes changes) and its report."""
    path = str(tmp_path_factory.mktemp("probe") / "probe-report.txt")
    before = {host: lab_exec(host, "sha256sum %s; ls -l --time-style=+%%s /var/opt/drwcs/etc" % CONF).stdout
              for host in lab_groups["drweb_servers"]}
    run = ansible_playbook("playbooks/probe.yml", "--check", extra={"drweb_probe_report": path})
    assert run.returncode == 0, run.output[-6000:]
    assert run.changed() == 0, run.output[-6000:]
    assert {host: lab_exec(host, "sha256sum %s; ls -l --time-style=+%%s /var/opt/drwcs/etc" % CONF).stdout
            for host in lab_groups["drweb_servers"]} == before
    with open(path, encoding="utf-8") as handle:
        text = handle.read()
    assert oct(os.stat(path).st_mode & 0o777) == "0o600"
    return dict(text=text, output=run.output, path=path)


def test_the_report_holds_what_settles_the_touch_points(report, lab_groups):
    text = report["text"]
    assert "Probe report of %d Server(s): %s" % (len(lab_groups["drweb_servers"]), report["path"]) in report["output"]
    for host in lab_groups["drweb_servers"]:
        assert "== %s (" % host in text, host
    # the usage texts of both programs, run where the install role's server_facts paths say they are
    assert text.count("--- /opt/drwcs/bin/drwcsd -help  (exit code 0)") == len(lab_groups["drweb_servers"]), text[:3000]
    assert text.count("--- /opt/drwcs/bin/drwsign -help  (exit code 0)") == len(lab_groups["drweb_servers"])
    assert re.search(r"(?i)usage:?\s+drwcsd", text), text[:3000]
    assert "genkey" in text and "gencert" in text                    # drwsign's verbs
    # the common database's tables, read through each Server's own database section
    tables = re.findall(r"^tables \(\d+\): (.*)$", text, re.MULTILINE)
    assert len(tables) == len(lab_groups["drweb_servers"]), text
    for line in tables:
        for table in ("dbstruct", "servers", "stations", "available_keys"):
            assert table in line.split(", "), line
    assert "--- database the Server is configured for: external" in text
    # one database: the same dbuuid from every Server, and its documented table list (priority | subsystem | tabname | ...)
    dbuuids = set(re.findall(r"^dbuuid: (\S+)$", text, re.MULTILINE))
    assert len(dbuuids) == 1 and len(next(iter(dbuuids))) == 36, dbuuids
    assert text.count("tables_list (") == len(lab_groups["drweb_servers"]), text[:3000]
    assert re.search(r"^  0 \| Metadata \| dbstruct \| ", text, re.MULTILINE), text[:3000]
    assert re.search(r"^  \d+ \| \S+ \| server_schedule \| ", text, re.MULTILINE)
    # the configuration files and summary.ds
    assert "--- /var/opt/drwcs/etc/drwcsd.conf\n<?xml" in text
    assert "--- /var/opt/drwcs/etc/download.conf\n" in text
    assert "<server-summary>" in text and "not read:" not in text.split("--- Web API summary.ds")[1][:200]


def test_no_secret_is_in_the_report_or_the_output(report, lab_exec, lab_groups):
    secrets = {"database password": DB_PASSWORD, "admin password": ADMIN_PASSWORD}
    for host in lab_groups["drweb_servers"]:
        conf = lab_exec(host, "cat %s" % CONF).stdout
        salt = re.search(r'<passwd-salt value="([^"]+)"', conf)
        assert salt, conf
        secrets["%s passwd-salt" % host] = salt.group(1)
        # a line of the key's base64 body (the file starts with "; ..." comment lines and the PEM armour)
        body = lab_exec(host, "grep -v -e ----- -e '^;' /var/opt/drwcs/etc/drwcsd.pri | head -1").stdout.strip()
        assert len(body) >= 40, body
        secrets["%s private key" % host] = body
    for what, secret in secrets.items():
        assert secret not in report["text"], what
        assert secret not in report["output"], what
    assert 'password="********"' in report["text"] and '<passwd-salt value="********"' in report["text"]
