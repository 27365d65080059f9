"""Molecule verifier (testinfra): what an administrator checks after converging the lab cluster with site.yml."""

import json

import pytest
import testinfra

testinfra_hosts = ["node1", "node2", "node3"]

KEY_FILES = ("drwcsd.pri", "drwcsd.pub", "drwcsd-certificate.pem")


def test_each_server_answers_as_itself(host):
    """Each Server host has its own name (own UTS namespace), so per-node settings land on the right host."""
    assert host.check_output("hostname") == host.backend.get_hostname()


def test_the_server_runs_the_cluster_release(host):
    marker = host.file("/etc/opt/drweb.com/software/drweb-esuite.remove")
    assert marker.exists
    assert "VERSION=13.00.0" in marker.content_string
    assert host.run("sh /etc/init.d/drwcsd status").rc == 0


def test_private_key_is_readable_by_the_server_account_only(host):
    key = host.file("/var/opt/drwcs/etc/drwcsd.pri")
    assert key.mode == 0o600
    assert key.user == "drwcs"


@pytest.mark.parametrize("name", KEY_FILES)
def test_every_server_has_the_same_key_file(host, name):
    """Vendor prescription 1: one drwcsd.pri / drwcsd.pub / drwcsd-certificate.pem cluster-wide."""
    path = "/var/opt/drwcs/etc/" + name
    others = [testinfra.get_host("ansible://" + node, ansible_inventory=host.backend.ansible_inventory)
              for node in testinfra_hosts]
    assert {other.file(path).sha256sum for other in others} == {host.file(path).sha256sum}


def test_the_cluster_name_resolves_to_every_server(host):
    """Vendor prescription 3: the common name has one A record per Server (load balancing)."""
    answer = host.check_output("dig +short esuite.drweb.test || true")
    addresses = set(answer.split())
    assert len(addresses) == 3, answer


def test_every_server_uses_the_common_database(host):
    """Vendor prescription 4: the Servers share the external PostgreSQL database (drwcsd.conf database section)."""
    config = host.file("/var/opt/drwcs/etc/drwcsd.conf")
    assert "<pgsql " in config.content_string
    assert "<sqlite " not in config.content_string
    assert config.mode == 0o600


def test_each_server_hears_the_other_two_over_the_cluster_protocol(host):
    """Vendor prescription 3: the cluster protocol works with the merged configuration (peers in summary.ds)."""
    reply = host.check_output("curl -sk -u admin:drweb-lab-admin 'https://127.0.0.1:9081/api/server/summary.ds?format=json'")
    names = json.dumps(json.loads(reply))
    others = [node for node in testinfra_hosts if node != host.backend.get_hostname()]
    for other in others:
        assert '"%s"' % other in names, reply


EXCLUSIVE_TASKS = ("Purge Old Data", "Backup sensitive data", "Purge old stations", "Purge expired stations",
                   "Purge unsent IS events")   # the vendor's cluster chapter, item 7


def test_exactly_one_server_runs_the_exclusive_schedule_tasks(host):
    """Vendor prescription 7 (also right after add_node.yml: a new Server starts with them enabled)."""
    database = testinfra.get_host("ansible://db1", ansible_inventory=host.backend.ansible_inventory)
    names = ", ".join("'%s'" % name for name in EXCLUSIVE_TASKS)
    owners = database.check_output(
        "runuser -u postgres -- psql -X -At -d drwcs -c \"SELECT DISTINCT server_id FROM server_schedule "
        "WHERE enabled <> 0 AND name IN (%s)\"" % names).split()
    assert len(owners) == 1, owners
    ids = set()
    for node in testinfra_hosts:
        other = testinfra.get_host("ansible://" + node, ansible_inventory=host.backend.ansible_inventory)
        ids.update(line.split('"')[1] for line in other.file("/var/opt/drwcs/etc/drwcsd.conf").content_string.splitlines()
                   if "<id value=" in line)
    assert owners[0] in ids, (owners, ids)   # one of the cluster's Servers, not a Server that is gone
