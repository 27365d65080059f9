"""Molecule verifier (testinfra): what an administrator checks after the cluster upgrade."""

testinfra_hosts = ["node1", "node2", "node3"]


def test_every_node_runs_13_00_1(host):
    """The installed product says 13.00.1 and the Server runs."""
    assert host.check_output("sh /etc/opt/drweb.com/software/drweb-esuite.remove --version") == "13.00.1"
    assert host.run("sh /etc/init.d/drwcsd status").rc == 0


def test_the_web_api_serves_on_every_node(host):
    """The Server accepts connections on its Web API port again after the upgrade."""
    assert host.socket("tcp://0.0.0.0:9081").is_listening


def test_the_configuration_was_backed_up_before_the_upgrade(host):
    """etc was archived, private to the Server account, before the installer ran."""
    # <backup>/<Server id>/<YYYYMMDD>-upgrade-<from>-to-<to>/, beside the Server's own <backup>/<guid>/<date>/ backups
    found = host.check_output("ls -d /var/opt/drwcs/backup/*/*-upgrade-13.00.0-to-13.00.1/etc.tar.gz").split()
    assert len(found) == 1, found
    archive = host.file(found[0])
    assert archive.exists and archive.mode == 0o600
