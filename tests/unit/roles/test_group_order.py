# Copyright (c) drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The in-memory groups the playbooks target (drweb_members, drweb_new_nodes, drweb_remaining_servers, ...) decide
the order of every one-at-a-time roll, and a failed roll names the Servers not touched in that order. group_by fills a
group in the order the hosts' results come back, which changes from run to run (node1, node3, node2 in one run,
node1, node2, node3 in the next); add_host over ansible_play_hosts keeps the inventory's order. No task may build a
group with group_by."""

from __future__ import annotations

import pathlib

import pytest
import yaml

ROOT = pathlib.Path(__file__).resolve().parents[3]
FILES = sorted(path for folder in ("playbooks", "roles") for path in (ROOT / folder).rglob("*.yml")
               if "tasks" in path.parts or path.parent.name == "playbooks" or "handlers" in path.parts)
GROUP_BY = {"group_by", "ansible.builtin.group_by", "ansible.legacy.group_by"}


def tasks_of(node):
    """Every task dict in a play or task list, blocks and handlers included."""
    if isinstance(node, list):
        for item in node:
            yield from tasks_of(item)
    elif isinstance(node, dict):
        yield node
        for key in ("tasks", "pre_tasks", "post_tasks", "handlers", "block", "rescue", "always"):
            if key in node:
                yield from tasks_of(node[key])


def test_the_playbooks_and_role_tasks_are_read():
    assert len(FILES) > 40, FILES


@pytest.mark.parametrize("path", FILES, ids=[str(path.relative_to(ROOT)) for path in FILES])
def test_no_group_is_built_in_the_order_results_come_back(path):
    offending = [task.get("name", "?") for task in tasks_of(yaml.safe_load(path.read_text()))
                 if GROUP_BY & set(task)]
    assert not offending, "%s builds a group with group_by (order of the results, not the inventory's): %s" % (
        path.relative_to(ROOT), offending)
