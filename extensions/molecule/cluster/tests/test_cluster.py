"""Molecule verifier (testinfra): what an administrator checks after converging the lab cluster."""

testinfra_hosts = ["node1", "node2", "node3"]


def test_each_server_answers_as_itself(host):
    """Each Server host has its own name (own UTS namespace), so per-node settings land on the right host."""
    assert host.check_output("hostname") == host.backend.get_hostname()
