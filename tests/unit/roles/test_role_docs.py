"""Each role's docs page carries the reference generated from its argument spec (tests/tools/render_role_docs.py)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

COLLECTION_ROOT = Path(__file__).resolve().parents[3]
SPEC = importlib.util.spec_from_file_location("render_role_docs", COLLECTION_ROOT / "tests" / "tools" / "render_role_docs.py")
RENDER = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(RENDER)
ROLES = list(RENDER.roles(COLLECTION_ROOT))


def test_every_role_has_an_argument_spec_and_a_page():
    names = {role_dir.name for role_dir, unused_page in ROLES}
    on_disk = {path.name for path in (COLLECTION_ROOT / "roles").iterdir() if path.is_dir()}
    assert names == on_disk, "roles without meta/argument_specs.yml: %s" % sorted(on_disk - names)
    missing = [str(page) for unused_role, page in ROLES if not page.exists()]
    assert not missing, "no docs page: %s" % missing


@pytest.mark.parametrize("role_dir,page", ROLES, ids=[role_dir.name for role_dir, unused_page in ROLES])
def test_the_page_reference_matches_the_argument_spec(role_dir, page):
    text = page.read_text()
    assert RENDER.BEGIN in text, "%s has no generated reference: run tests/tools/render_role_docs.py" % page.name
    assert RENDER.expected_page(role_dir, text) == text, "%s is stale: run tests/tools/render_role_docs.py" % page.name


def test_every_documented_variable_is_in_the_table():
    role_dir, page = next((r, p) for r, p in ROLES if r.name == "dns")
    text = page.read_text()
    for name in ("drweb_cluster_name", "drweb_dns_ttl", "drweb_dns_tsig_key_secret"):
        assert "| `%s` |" % name in text
