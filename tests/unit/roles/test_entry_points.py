# Copyright (c) drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every entry point a role's argument spec declares has a task file that does something: an entry point whose file
is missing or empty would validate its variables and then silently do nothing (a play that "passes" while the Server
is never installed)."""

from __future__ import annotations

import pathlib

import pytest
import yaml

ROLES = pathlib.Path(__file__).resolve().parents[3] / "roles"
ENTRY_POINTS = sorted(
    (role.name, entry)
    for role in ROLES.iterdir() if (role / "meta" / "argument_specs.yml").is_file()
    for entry in (yaml.safe_load((role / "meta" / "argument_specs.yml").read_text()) or {}).get("argument_specs", {})
)


def test_the_roles_declare_entry_points():
    assert len(ENTRY_POINTS) >= 13, ENTRY_POINTS


@pytest.mark.parametrize("role, entry", ENTRY_POINTS, ids=["%s:%s" % pair for pair in ENTRY_POINTS])
def test_each_declared_entry_point_has_tasks(role, entry):
    tasks = ROLES / role / "tasks" / ("%s.yml" % entry)
    assert tasks.is_file(), "%s declares entry point %s but has no %s" % (role, entry, tasks)
    content = yaml.safe_load(tasks.read_text())
    assert isinstance(content, list) and content, "%s is empty: entry point %s of %s does nothing" % (tasks, entry, role)
    assert all(isinstance(task, dict) and task for task in content), tasks
