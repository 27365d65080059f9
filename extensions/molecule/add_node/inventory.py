#!/usr/bin/env python
"""Ansible inventory script of the add_node scenario (run by the venv's python, as Molecule is): the lab's inventory with its last node kept out of the cluster.

The lab (tests/lab/lab.py up) writes one inventory with every node in drweb_servers. This scenario needs a cluster of
all nodes but the last one, and that last node as a host Ansible can reach but that is not a member yet: it moves the
last node from drweb_servers into the group drweb_spare. converge.yml then makes it a member marked drweb_new_node
(add_host) and runs playbooks/add_node.yml - what an administrator does by editing the inventory.

Before the lab exists (Molecule reads the inventory before create) it prints an empty inventory.
"""

import json
import os
import sys

import yaml

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.realpath(__file__)))))
STATE = os.environ.get("DRWLAB_STATE") or os.path.join(REPO, "tests", "lab", "state")


def main() -> int:
    if "--host" in sys.argv:
        print("{}")
        return 0
    path = os.path.join(os.path.abspath(STATE), "inventory.yml")
    if not os.path.exists(path):
        print(json.dumps({"_meta": {"hostvars": {}}}))
        return 0
    with open(path, encoding="utf-8") as handle:
        lab = yaml.safe_load(handle)["all"]
    inventory = {"_meta": {"hostvars": {}}, "all": {"vars": lab.get("vars", {}), "children": []}}
    for group, body in lab["children"].items():
        hosts = dict(body.get("hosts") or {})
        inventory["_meta"]["hostvars"].update(hosts)
        names = list(hosts)
        if group == "drweb_servers":
            inventory["drweb_spare"] = {"hosts": names[-1:]}
            inventory["all"]["children"].append("drweb_spare")
            names = names[:-1]
        inventory[group] = {"hosts": names}
        inventory["all"]["children"].append(group)
    print(json.dumps(inventory))
    return 0


if __name__ == "__main__":
    sys.exit(main())
