# Copyright (c) drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The common external database (issue 6) in the lab: drweb.cluster.database (prepare, attach), database_status,
playbooks/add_node.yml.

The tests run in file order and build on each other, as an administrator would: the database is prepared on db1, the
Servers are installed on their embedded databases and configured, every way attaching must be refused is tried (and
nothing may change), the switch is interrupted half-way and completed by a rerun, the result is checked, repeated, and
finally a new Server is added to the running cluster. The last member of drweb_servers plays the new node (node4 in a
4-node lab - `DRWLAB_NODES=4` - as in the issue; node3 in a 3-node lab): it is a member of drweb_servers from the start,
as in a user's inventory, with no Server installed; until it is added the playbooks run with `--limit` leaving it out
(the roles leave an uninstalled member outside the run out of their cluster-wide checks).

The module starts from clean nodes and leaves them clean: the drwcsd double is removed from every node, and the
common database and its role are dropped on db1, before and after.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import tempfile
import time
from xml.etree import ElementTree

import pytest
import yaml

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CLUSTER_VARS = os.path.join(REPO, "tests", "lab", "cluster.yml")
PLAYBOOK = os.path.join(REPO, "tests", "integration", "playbooks", "database.yml")
REPOSITORY_PLAYBOOK = os.path.join(REPO, "tests", "integration", "playbooks", "repository.yml")
STATUS_PLAYBOOK = os.path.join(REPO, "tests", "integration", "playbooks", "database_status.yml")
ADD_NODE = os.path.join(REPO, "playbooks", "add_node.yml")
PACKAGE = os.path.join(REPO, "tests", "drwcsd_double", "build", "drweb-13.00.0-esuite-server-linux-x86_64.run")
BUILD = os.path.join(REPO, "tests", "drwcsd_double", "build.py")

CONF = "/var/opt/drwcs/etc/drwcsd.conf"
EMBEDDED = "/var/opt/drwcs/database.sqlite"
PRIVATE_KEY = "/var/opt/drwcs/etc/drwcsd.pri"
PID_FILE = "/var/opt/drwcs/run/drwcsd.pid"
LOG = "/var/opt/drwcs/log/drwcsd.log"
PG_CTL = "/usr/lib/postgresql/15/bin/pg_ctl"
PG_DATA = "/var/lib/postgresql/lab"  # tests/lab/lab.py PG_DATA
UNINSTALL = "sh /etc/init.d/drwcsd stop >/dev/null 2>&1; rm -rf /opt/drwcs /var/opt/drwcs /etc/init.d/drwcsd /etc/opt/drweb.com /root/drwdb-test"

RECAP = re.compile(r"^(\S+)\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", re.MULTILINE)


def cluster_settings() -> dict:
    """The lab cluster's database settings (tests/lab/cluster.yml)."""
    with open(CLUSTER_VARS, encoding="utf-8") as handle:
        data = yaml.safe_load(handle)["all"]
    return dict(data.get("vars") or {}, **data["children"]["drweb_servers"]["vars"])


SETTINGS = cluster_settings()
DB_NAME = SETTINGS["drweb_db_name"]
DB_USER = SETTINGS["drweb_db_user"]
DB_PASSWORD = SETTINGS["drweb_db_password"]
ADMIN_PASSWORD = SETTINGS["drweb_admin_password"]


# --------------------------------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------------------------------
class Lab:
    """What the tests do to the lab: playbooks, commands on hosts, SQL on db1."""

    def __init__(self, inventory, groups, variables, exec_):
        self.lab_inventory = inventory
        self.db_address = variables["lab_postgres_host"]
        self.exec = exec_
        self.nodes = groups["drweb_servers"]
        # the last member plays the node added later; the others are the cluster built first
        self.new = self.nodes[-1]
        self.base = self.nodes[:-1]
        self.primary = self.nodes[0]
        self.db_host = groups["drweb_database"][0]

    # -- Ansible ---------------------------------------------------------------------------------------------------
    def play(self, playbook, *args, inventories=(), env=None, timeout=900, whole_lab=False):
        """ansible-playbook against the lab inventory + cluster.yml, limited to every host but the new node (unless
        whole_lab, or the arguments give their own --limit); returns (returncode, output, recap)."""
        command = ["ansible-playbook", "-i", self.lab_inventory, "-i", CLUSTER_VARS]
        for extra in inventories:
            command += ["-i", extra]
        command += [playbook, "-e", "drweb_package=%s" % PACKAGE] + list(args)
        if not whole_lab and "--limit" not in args:
            command += ["--limit", "all:!%s" % self.new]
        environment = dict(os.environ, ANSIBLE_CONFIG=os.path.join(REPO, "ansible.cfg"), ANSIBLE_NOCOLOR="1",
                           ANSIBLE_FORCE_COLOR="0", **(env or {}))
        proc = subprocess.run(command, cwd=REPO, env=environment, capture_output=True, text=True, timeout=timeout, check=False)
        output = proc.stdout + proc.stderr
        recap = {host: dict(ok=int(ok), changed=int(changed), unreachable=int(unreachable), failed=int(failed))
                 for host, ok, changed, unreachable, failed in RECAP.findall(output)}
        return proc.returncode, output, recap

    def attach(self, *args, **kwargs):
        """The attach play on the cluster built first."""
        return self.play(PLAYBOOK, "--tags", "attach", *args, **kwargs)

    def status(self, host=None):
        """drweb.cluster.database_status's result, run on a Server."""
        code, output, _recap = self.play(STATUS_PLAYBOOK, "-e", "drweb_status_host=%s" % (host or self.primary),
                                         env={"ANSIBLE_CALLBACK_RESULT_FORMAT": "json"}, whole_lab=True)
        assert code == 0, output
        match = re.search(r'"msg": ("DRWEB_DATABASE_STATUS .*")\s*$', output, re.MULTILINE)
        assert match, output
        return json.loads(json.loads(match.group(1))[len("DRWEB_DATABASE_STATUS "):])

    # -- hosts -----------------------------------------------------------------------------------------------------
    def run(self, host, command, check=True, timeout=60, input=None):  # pylint: disable=redefined-builtin
        proc = self.exec(host, command, timeout=timeout, input=input)
        if check:
            assert proc.returncode == 0, "%s: %s -> %d\n%s%s" % (host, command, proc.returncode, proc.stdout, proc.stderr)
        return proc.stdout

    def address(self, host):
        """The host's lab address (its ansible_host)."""
        with open(self.lab_inventory, encoding="utf-8") as handle:
            return yaml.safe_load(handle)["all"]["children"]["drweb_servers"]["hosts"][host]["ansible_host"]

    def sha256(self, host, path):
        out = self.run(host, "sha256sum %s 2>/dev/null || echo absent" % path)
        return out.split()[0]

    def conf(self, host):
        return self.run(host, "cat %s" % CONF)

    def running_pid(self, host):
        """The Server's pid while it runs (init script status 0), else None."""
        proc = self.exec(host, "sh /etc/init.d/drwcsd status >/dev/null 2>&1 && cat %s" % PID_FILE)
        return proc.stdout.strip() if proc.returncode == 0 else None

    def snapshot(self, hosts, embedded=False):
        """What must not change when a run is refused: drwcsd.conf bytes, etc's file list, the running process."""
        state = {}
        for host in hosts:
            state[host] = dict(conf=self.sha256(host, CONF), etc=self.run(host, "ls /var/opt/drwcs/etc"),
                               pid=self.running_pid(host))
            if embedded:
                state[host]["embedded"] = self.sha256(host, EMBEDDED)
        return state

    def register(self, host, names):
        """Register stations on a Server through its agent port (the double's REGISTER command)."""
        lines = "".join("REGISTER %s\n" % name for name in names) + "QUIT\n"
        out = self.run(host, "nc -q 5 127.0.0.1 2193", input=lines)
        assert out.count("OK ") == len(names), out

    def summary(self, host):
        """The Server's Web API summary.ds (admin login), parsed."""
        out = self.run(host, "curl -sk --max-time 10 -u admin:%s https://127.0.0.1:9081/api/server/summary.ds" % ADMIN_PASSWORD)
        return ElementTree.fromstring(out)

    def server_id(self, host):
        match = re.search(r'<id value="([^"]+)"', self.conf(host))
        assert match, self.conf(host)
        return match.group(1)

    # -- db1 -------------------------------------------------------------------------------------------------------
    def sql(self, statement, database=None):
        return self.run(self.db_host, ["runuser", "-u", "postgres", "--", "psql", "-X", "-At", "-v", "ON_ERROR_STOP=1",
                                       "-d", database or DB_NAME, "-c", statement]).strip()

    def sql_as_owner(self, statement):
        """SQL as the Servers' role (so what it creates belongs to it, like the product's tables)."""
        return self.run(self.db_host, ["env", "PGPASSWORD=%s" % DB_PASSWORD, "psql", "-X", "-At", "-v", "ON_ERROR_STOP=1",
                                       "-h", "127.0.0.1", "-U", DB_USER, "-d", DB_NAME, "-c", statement]).strip()

    def database_counts(self):
        """What --check must leave alone: dbver, the Servers, every table's row count."""
        tables = self.sql("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1").split()
        counts = {table: self.sql('SELECT count(*) FROM "%s"' % table) for table in tables}
        if "dbstruct" in tables:
            counts["dbver"] = self.sql("SELECT dbver FROM dbstruct")
            counts["servers"] = self.sql("SELECT osid FROM srv_names ORDER BY osid")
        return counts

    def postgres(self, action):
        if action == "stop":
            self.run(self.db_host, "runuser -u postgres -- %s -D %s -m fast -w stop >/dev/null 2>&1 </dev/null || true" % (PG_CTL, PG_DATA))
        else:
            self.run(self.db_host, "runuser -u postgres -- %s -D %s status >/dev/null 2>&1 || runuser -u postgres -- %s -D %s "
                     "-l /var/log/postgresql/lab.log -w -t 60 start >/dev/null 2>&1 </dev/null" % (PG_CTL, PG_DATA, PG_CTL, PG_DATA),
                     timeout=90)

    def clean(self):
        """No Server on any node, no common database on db1, PostgreSQL running."""
        for host in self.nodes:
            self.run(host, UNINSTALL, check=False)
        self.postgres("start")
        self.sql("DROP DATABASE IF EXISTS %s WITH (FORCE)" % DB_NAME, database="postgres")
        self.sql("DROP ROLE IF EXISTS %s" % DB_USER, database="postgres")


def assert_refused(code, output, *expected):
    assert code != 0, output
    assert "nothing was changed on any node" in output, output
    for text in expected:
        assert text in output, "%r not in the output:\n%s" % (text, output)


@pytest.fixture(scope="module")
def lab(lab_inventory, lab_groups, lab_vars, lab_exec):
    """The lab with clean nodes and no common database, before and after this module."""
    assert len(lab_groups["drweb_servers"]) >= 3, "test_database needs a lab of at least 3 nodes"
    subprocess.run([os.path.join(REPO, ".venv", "bin", "python"), BUILD], cwd=REPO, check=True, capture_output=True)
    subprocess.run(["bash", os.path.join(REPO, "tests", "setup", "collection_path.sh")], cwd=REPO, check=True)
    the_lab = Lab(lab_inventory, lab_groups, lab_vars, lab_exec)
    the_lab.clean()
    yield the_lab
    the_lab.clean()


# --------------------------------------------------------------------------------------------------------------------
# prepare
# --------------------------------------------------------------------------------------------------------------------
def test_prepare_creates_the_role_and_the_database(lab):
    code, output, recap = lab.play(PLAYBOOK, "--tags", "prepare", "--limit", lab.db_host)
    assert code == 0, output
    assert recap[lab.db_host]["changed"] == 2, output   # the role, the database
    owner_encoding = lab.sql("SELECT pg_get_userbyid(datdba) || ' ' || pg_encoding_to_char(encoding) FROM pg_database "
                             "WHERE datname = '%s'" % DB_NAME, database="postgres")
    assert owner_encoding == "%s UTF8" % DB_USER
    assert lab.sql("SELECT rolcanlogin FROM pg_roles WHERE rolname = '%s'" % DB_USER, database="postgres") == "t"
    # the Servers' role logs in with its password, and the database is still empty (the first Server initialises it)
    assert lab.sql_as_owner("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'") == "0"

    code, output, recap = lab.play(PLAYBOOK, "--tags", "prepare", "--limit", lab.db_host)
    assert code == 0 and recap[lab.db_host]["changed"] == 0, output
    assert DB_PASSWORD not in output


def test_prepare_refuses_a_database_it_did_not_create_and_a_superuser_role(lab):
    # another application's database, owned by another role: refused, its owner not altered, nothing created
    lab.sql("CREATE ROLE other_app LOGIN", database="postgres")
    lab.sql("CREATE DATABASE other_db OWNER other_app", database="postgres")
    try:
        code, output, recap = lab.play(PLAYBOOK, "--tags", "prepare", "--limit", lab.db_host, "-e", "drweb_db_name=other_db")
        assert code != 0 and "exists and belongs to other_app, not to drweb_db_user=%s" % DB_USER in output, output
        assert "Nothing was changed" in output and recap[lab.db_host]["changed"] == 0, output
        assert lab.sql("SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = 'other_db'", database="postgres") == "other_app"
        # the Servers' own role, but a database holding another application's tables
        lab.sql("ALTER DATABASE other_db OWNER TO %s" % DB_USER, database="postgres")
        lab.sql("CREATE TABLE invoices (id INTEGER)", database="other_db")
        code, output, recap = lab.play(PLAYBOOK, "--tags", "prepare", "--limit", lab.db_host, "-e", "drweb_db_name=other_db")
        assert code != 0 and "holds 1 table(s) but no Dr.Web Server schema" in output, output
        # a superuser as the Servers' role
        code, output, recap = lab.play(PLAYBOOK, "--tags", "prepare", "--limit", lab.db_host, "-e", "drweb_db_user=postgres")
        assert code != 0 and "drweb_db_user postgres is" in output and "without superuser rights" in output, output
        assert recap[lab.db_host]["changed"] == 0
    finally:
        lab.sql("DROP DATABASE IF EXISTS other_db WITH (FORCE)", database="postgres")
        lab.sql("DROP ROLE IF EXISTS other_app", database="postgres")


def test_servers_are_installed_on_their_embedded_database(lab):
    # install, keys, config as site.yml runs them before the database: the Servers stay on their embedded databases
    code, output, _recap = lab.play(PLAYBOOK, "--tags", "install,keys,config", timeout=1200)
    assert code == 0, output
    for host in lab.base:
        conf = lab.conf(host)
        assert "<sqlite " in conf and "<pgsql" not in conf, conf
        assert lab.running_pid(host), host
    assert lab.sha256(lab.new, CONF) == "absent"


# --------------------------------------------------------------------------------------------------------------------
# refusals: each leaves every node as it was
# --------------------------------------------------------------------------------------------------------------------
def test_postgresql_down_is_refused_and_no_node_changes(lab):
    before = lab.snapshot(lab.base)
    lab.postgres("stop")
    try:
        code, output, _recap = lab.attach()
    finally:
        lab.postgres("start")
    assert_refused(code, output, "cannot connect to the common database %s@" % DB_USER,
                   "is PostgreSQL running and listening on that address and port")
    assert lab.snapshot(lab.base) == before


def test_a_wrong_password_is_refused_and_no_node_changes(lab):
    before = lab.snapshot(lab.base)
    code, output, _recap = lab.attach("-e", "drweb_db_password=not-the-db-password")
    assert_refused(code, output, 'password authentication failed for user "%s"' % DB_USER, "drweb_db_password")
    assert "not-the-db-password" not in output
    assert lab.snapshot(lab.base) == before


def test_a_database_of_another_version_is_refused(lab):
    before = lab.snapshot(lab.base)
    lab.sql_as_owner("CREATE TABLE dbstruct (dbver INTEGER NOT NULL); INSERT INTO dbstruct VALUES (473)")
    try:
        code, output, _recap = lab.attach()
    finally:
        lab.sql_as_owner("DROP TABLE dbstruct")
    assert_refused(code, output, "which needs database schema version 522",
                   "has schema version 473 (Dr.Web Server 12.00.0)")
    assert lab.snapshot(lab.base) == before


def test_a_node_whose_own_database_holds_stations_is_refused(lab):
    node = lab.base[1]
    lab.register(node, ["refused-1", "refused-2"])
    try:
        before = lab.snapshot(lab.base, embedded=True)
        code, output, _recap = lab.attach()
        assert_refused(code, output, "%s: its own database (embedded database %s) holds 2 station(s)" % (node, EMBEDDED),
                       "would lose 2 station(s) on %s" % node, "drweb_allow_data_loss")
        assert lab.snapshot(lab.base, embedded=True) == before
        assert lab.sql("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'") == "0"
    finally:
        lab.run(node, "sqlite3 %s 'DELETE FROM stations'" % EMBEDDED)


def test_check_mode_predicts_and_does_not_touch_the_database(lab):
    # stations on the primary: attaching it moves them into the common database (exportdb + importdb)
    lab.register(lab.primary, ["moved-1", "moved-2", "moved-3"])
    before, counts = lab.snapshot(lab.base, embedded=True), lab.database_counts()
    code, output, recap = lab.attach("--check", "--diff")
    assert code == 0, output
    assert re.search(r"%s\s+import\s+3\s+0\s+0" % lab.primary, output), output
    for host in lab.base[1:]:
        assert re.search(r"%s\s+switch\s+0\s+0\s+0" % host, output), output
        assert recap[host]["changed"] > 0, output
    assert "would export %s's own database (3 station(s))" % lab.primary in output
    assert "+    <pgsql dbname=" in output and 'password="********' in output     # the predicted diff, password masked
    assert DB_PASSWORD not in output
    assert lab.database_counts() == counts == {}
    assert lab.snapshot(lab.base, embedded=True) == before


# --------------------------------------------------------------------------------------------------------------------
# attach
# --------------------------------------------------------------------------------------------------------------------
def test_a_switch_interrupted_on_the_second_node_completes_on_the_rerun(lab):
    second = lab.base[1]
    others = lab.base[2:]
    untouched = lab.snapshot(others)
    # the second node cannot start again once stopped: its private key is gone (the running Server has it loaded)
    lab.run(second, "mkdir -p /root/drwdb-test && mv %s /root/drwdb-test/" % PRIVATE_KEY)
    try:
        code, output, _recap = lab.attach()
        assert code != 0, output
        assert "<pgsql " in lab.conf(lab.primary) and lab.running_pid(lab.primary)
        assert "<pgsql " in lab.conf(second) and lab.running_pid(second) is None     # half-way: switched, stopped
        assert lab.snapshot(others) == untouched                                      # the rollout stopped there
    finally:
        lab.run(second, "mv /root/drwdb-test/drwcsd.pri %s" % PRIVATE_KEY)
    code, output, recap = lab.attach()
    assert code == 0, output
    assert recap[lab.primary]["changed"] == 0, output                 # already attached: not restarted
    assert recap[second]["changed"] >= 1, output                      # started again
    for host in lab.base:
        assert "<pgsql " in lab.conf(host) and lab.running_pid(host), host


def test_every_server_serves_from_the_common_database(lab):
    status = lab.status()
    ids = {host: lab.server_id(host) for host in lab.base}
    assert status["schema_version"] == 522 and status["schema_matches"] is True
    assert sorted(status["server_ids"]) == sorted(ids.values())
    # one database: every Server reads the dbuuid the common database has (dbstruct.dbuuid)
    assert status["dbuuid"] == lab.sql("SELECT dbuuid FROM dbstruct") and len(status["dbuuid"]) == 36
    # the primary's own stations moved in with it; nothing else registered any
    assert status["stations"] == {ids[lab.primary]: 3}
    for host in lab.base:
        conf = lab.conf(host)
        assert '<pgsql dbname="%s" host="%s" port="5432" user="%s" password="%s"' % (
            DB_NAME, lab.db_address, DB_USER, DB_PASSWORD) in conf, conf
        assert "<sqlite" not in conf
        summary = lab.summary(host)
        assert summary.get("status") == "true", ElementTree.tostring(summary)
        assert summary.findtext("server-summary/version").startswith("13.00.0.")
        assert summary.findtext("server-summary/uuid") == ids[host]
        # the password is in drwcsd.conf (mode 0600, the Server account's) and in no file others can read
        assert lab.run(host, "stat -c '%a %U' " + CONF).strip() == "600 drwcs"
        readable = lab.run(host, "find /var/opt/drwcs /etc/opt /opt/drwcs -type f -perm -o=r -exec grep -l -F -- %s {} + || true"
                           % DB_PASSWORD)
        assert readable.strip() == "", readable
    # a station the primary registered is served by every other Server (one database)
    station = lab.sql("SELECT id FROM stations LIMIT 1")
    for host in lab.base[1:]:
        answer = lab.run(host, "nc -q 5 127.0.0.1 2193", input="HELLO %s\nQUIT\n" % station)
        assert answer.startswith("OK %s %s" % (station, ids[lab.primary])), answer


def test_a_second_run_changes_nothing_and_check_mode_agrees(lab):
    counts, pids = lab.database_counts(), {host: lab.running_pid(host) for host in lab.base}
    for args in ((), ("--check", "--diff")):
        code, output, recap = lab.attach(*args)
        assert code == 0, output
        assert all(recap[host]["changed"] == 0 for host in lab.base), output
    assert {host: lab.running_pid(host) for host in lab.base} == pids
    after = lab.database_counts()
    # the Servers themselves touch their rows (last start, schedule runs); what a run could change must not change
    for key in ("dbver", "servers", "stations", "admins", "available_keys"):
        assert after[key] == counts[key], key


def test_hba_rules_admit_each_server_to_the_common_database_and_nobody_else(lab):
    """drweb_database_hba_manage: one scram-sha-256 rule per Server address, for the common database and the Servers'
    role only - with the lab's subnet-wide rules gone, a Server still logs in, nobody else does, and to nothing else."""
    hba = PG_DATA + "/pg_hba.conf"
    with open(lab.lab_inventory, encoding="utf-8") as handle:
        hosts = yaml.safe_load(handle)["all"]["children"]["drweb_servers"]["hosts"]
    addresses = {host: hosts[host]["ansible_host"] for host in lab.nodes}
    lab.run(lab.db_host, "cp -p %s /root/pg_hba.conf.before-test" % hba)
    hba_reload = "runuser -u postgres -- psql -X -At -d postgres -c 'SELECT pg_reload_conf()'"

    def login(host, database):
        proc = lab.exec(host, ["env", "PGPASSWORD=%s" % DB_PASSWORD, "PGCONNECT_TIMEOUT=5", "psql", "-X", "-At", "-h",
                               lab.db_address, "-U", DB_USER, "-d", database, "-c", "SELECT 1"], timeout=30)
        return proc.returncode, proc.stdout + proc.stderr
    try:
        # an address that cannot make a rule: refused before anything changes, naming the variable
        code, output, recap = lab.play(PLAYBOOK, "--tags", "prepare", "--limit", lab.db_host, "-e", "drweb_database_hba_manage=true",
                                       "-e", "drweb_db_client_address=servers.example.test")
        assert code != 0 and "drweb_db_client_address 'servers.example.test' is not an IP address" in output, output
        assert lab.run(lab.db_host, "cmp %s /root/pg_hba.conf.before-test && echo same" % hba).strip() == "same"

        code, output, recap = lab.play(PLAYBOOK, "--tags", "prepare", "--limit", lab.db_host, "-e", "drweb_database_hba_manage=true")
        assert code == 0 and recap[lab.db_host]["changed"] == 2, output   # the rules, the reload
        lines = [line.split("#")[0].split() for line in lab.run(lab.db_host, "cat " + hba).splitlines()]
        lines = [line for line in lines if line]
        for host, address in addresses.items():
            rule = ["host", DB_NAME, DB_USER, address + "/32", "scram-sha-256"]
            assert rule in lines, (host, lines)
            # before the lab's subnet-wide rule: PostgreSQL uses the first rule that matches
            broad = [index for index, line in enumerate(lines) if line[:3] == ["host", "all", "all"] and line[3] != "127.0.0.1/32"
                     and line[3] != "::1/128"]
            assert lines.index(rule) < min(broad), lines
        code, output, recap = lab.play(PLAYBOOK, "--tags", "prepare", "--limit", lab.db_host, "-e", "drweb_database_hba_manage=true")
        assert code == 0 and recap[lab.db_host]["changed"] == 0, output

        # without the subnet-wide rules only the Servers' own rules admit anyone from the network
        lab.run(lab.db_host, "sed -i '/^host[[:space:]]\\+\\(all\\|replication\\)[[:space:]]\\+all[[:space:]]\\+10\\./d' %s && %s"
                % (hba, hba_reload))
        code, output = login(lab.primary, DB_NAME)
        assert code == 0 and output.strip() == "1", output
        code, output = login(lab.primary, "postgres")
        assert code != 0 and "no pg_hba.conf entry" in output, output
        code, output = login("dns1", DB_NAME)
        assert code != 0 and "no pg_hba.conf entry" in output, output
    finally:
        lab.run(lab.db_host, "cp -p /root/pg_hba.conf.before-test %s && rm -f /root/pg_hba.conf.before-test %s.*~ && %s"
                % (hba, hba, hba_reload), check=False)


# --------------------------------------------------------------------------------------------------------------------
# add_node
# --------------------------------------------------------------------------------------------------------------------
def test_add_node_joins_a_new_server_without_restarting_the_others(lab):
    # the cluster at its update source's revisions, as site.yml leaves one (this module builds it without that play)
    code, output, _recap = lab.play(REPOSITORY_PLAYBOOK, "-e", json.dumps({"drweb_repository_compare_hosts": lab.base}))
    assert code == 0, output
    lab.register(lab.primary, ["add-%02d" % number for number in range(50)])
    stations_before = lab.sql("SELECT count(*) FROM stations")
    assert stations_before == "53"
    running = {host: (lab.running_pid(host), int(lab.run(host, "wc -l < %s" % LOG))) for host in lab.base}
    with tempfile.NamedTemporaryFile("w", suffix=".yml", delete=False) as handle:
        yaml.safe_dump({"all": {"children": {"drweb_servers": {"hosts": {lab.new: {"drweb_new_node": True}}}}}}, handle)
    started = time.monotonic()
    try:
        code, output, recap = lab.play(ADD_NODE, inventories=[handle.name], timeout=1500, whole_lab=True)
    finally:
        os.unlink(handle.name)
    seconds = time.monotonic() - started
    assert code == 0, output
    assert all(recap.get(host, {}).get("changed", 0) == 0 for host in lab.base), output
    # the new Server: installed, keys and salt of the cluster, on the common database, serving
    assert "<pgsql " in lab.conf(lab.new) and "<sqlite" not in lab.conf(lab.new)
    summary = lab.summary(lab.new)
    assert summary.get("status") == "true", ElementTree.tostring(summary)
    assert lab.sha256(lab.new, "/var/opt/drwcs/etc/drwcsd.pub") == lab.sha256(lab.primary, "/var/opt/drwcs/etc/drwcsd.pub")
    status = lab.status(lab.new)
    assert lab.server_id(lab.new) in status["server_ids"]
    assert len(status["server_ids"]) == len(lab.nodes)
    # nothing lost, nobody restarted
    assert lab.sql("SELECT count(*) FROM stations") == stations_before
    for host, (pid, lines) in running.items():
        assert lab.running_pid(host) == pid, host
        since = lab.run(host, "tail -n +%d %s" % (lines + 1, LOG))
        assert "Server stopping" not in since and "Server started" not in since, since
    print("add_node.yml for %s took %.0f s" % (lab.new, seconds))


# --------------------------------------------------------------------------------------------------------------------
# TLS with verification (last: the cluster stays on verify-full)
# --------------------------------------------------------------------------------------------------------------------
def test_verify_full_tls_checks_postgresql_certificate_on_every_connection(lab):
    """drweb_db_sslmode verify-full with the lab CA: the Servers and the collection connect with TLS and check the
    database's certificate; a CA that did not sign it is refused before anything changes, naming
    drweb_db_ssl_ca_file. The lab's PostgreSQL has a certificate of its own CA (tests/lab/lab.py). Last in the module, on
    every node (the one add_node joined too): the cluster stays on verify-full."""
    with open(lab.lab_inventory, encoding="utf-8") as handle:
        lab_vars = yaml.safe_load(handle)["all"]["vars"]
    right, wrong = lab_vars["lab_postgres_ca_file"], lab_vars["lab_postgres_wrong_ca_file"]
    verify = ("-e", "drweb_db_sslmode=verify-full")
    before, pids = lab.snapshot(lab.nodes), {host: lab.running_pid(host) for host in lab.nodes}

    def pgsql_element(host):
        match = re.search(r"<pgsql [^>]*>", lab.conf(host))
        assert match, lab.conf(host)
        return match.group(0)

    def server_connections():
        """(client address, TLS on) of each connection the Servers hold to the common database."""
        rows = lab.sql("SELECT a.client_addr, s.ssl FROM pg_stat_activity a JOIN pg_stat_ssl s USING (pid) "
                       "WHERE a.datname = '%s' AND a.application_name = 'drwcsd' ORDER BY 1" % DB_NAME, database="postgres")
        return [tuple(row.split("|")) for row in rows.splitlines()]

    # (no CA file named: refused by the database role's validation - the pgsql_attributes unit tests)
    # a CA that did not sign PostgreSQL's certificate: every node's check fails, nothing changes
    code, output, _recap = lab.attach(*verify, "-e", "drweb_db_ssl_ca_file=%s" % wrong, whole_lab=True)
    assert_refused(code, output, "certificate verify failed", "check drweb_db_ssl_ca_file")
    assert lab.snapshot(lab.nodes) == before
    assert {host: lab.running_pid(host) for host in lab.nodes} == pids

    code, output, recap = lab.attach(*verify, "-e", "drweb_db_ssl_ca_file=%s" % right, whole_lab=True)
    assert code == 0, output
    assert DB_PASSWORD not in output
    for host in lab.nodes:
        element = pgsql_element(host)
        for attribute in ('requiressl="yes"', 'sslmode="verify-full"', 'sslrootcert="%s"' % right):
            assert attribute in element, (host, element)
        assert lab.running_pid(host) not in (None, pids[host]), host   # restarted onto the new settings
    connections = server_connections()
    assert {address for address, _tls in connections} == {lab.address(host) for host in lab.nodes}, connections
    assert all(tls == "t" for _address, tls in connections), connections
    code, output, recap = lab.attach(*verify, "-e", "drweb_db_ssl_ca_file=%s" % right, whole_lab=True)
    assert code == 0 and all(recap[host]["changed"] == 0 for host in lab.nodes), output
    # (back to another mode, the TLS attributes leave drwcsd.conf: the pgsql_attributes unit tests; the module's
    # fixture wipes the cluster after this last test)
