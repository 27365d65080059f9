"""Each role's docs page carries the reference generated from its argument spec, and each role's README.md is the one
generated from its meta files (tests/tools/render_role_docs.py)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
import yaml

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


@pytest.mark.parametrize("role_dir", [role_dir for role_dir, unused_page in ROLES], ids=[r.name for r, unused_page in ROLES])
def test_the_role_readme_is_the_generated_one(role_dir):
    readme = role_dir / "README.md"
    assert readme.is_file(), "roles/%s has no README.md (Galaxy refuses the collection): run tests/tools/render_role_docs.py" % role_dir.name
    assert readme.read_text() == RENDER.role_readme(role_dir), \
        "roles/%s/README.md is stale: run tests/tools/render_role_docs.py" % role_dir.name


def test_a_role_readme_names_every_variable_and_entry_point():
    role_dir = next(r for r, unused_page in ROLES if r.name == "license")
    text = RENDER.role_readme(role_dir)
    assert text.startswith("# drweb.cluster.license\n")
    assert "### Entry point `main`" in text and "### Entry point `validate`" in text
    assert "| `drweb_license_key` |" in text and "| `drweb_db_password` |" in text


def test_every_secret_option_is_no_log():
    # a secret passed through a role's argument spec must be masked in the validation's output and the invocation
    secrets = ("password", "secret", "private")
    missing = []
    for role_dir, unused_page in ROLES:
        specs = yaml.safe_load((role_dir / "meta" / "argument_specs.yml").read_text())["argument_specs"]
        for entry, spec in specs.items():
            for name, option in (spec.get("options") or {}).items():
                if any(word in name for word in secrets) and (option or {}).get("type", "str") in ("str", "raw") \
                        and not (option or {}).get("no_log"):
                    missing.append("%s:%s:%s" % (role_dir.name, entry, name))
    assert not missing, "secret options without no_log: true: %s" % missing


def test_every_role_names_the_collection_floor_of_ansible_core():
    runtime = yaml.safe_load((COLLECTION_ROOT / "meta" / "runtime.yml").read_text())
    floor = runtime["requires_ansible"].lstrip(">=").rsplit(".", 1)[0]
    for role_dir, unused_page in ROLES:
        meta = yaml.safe_load((role_dir / "meta" / "main.yml").read_text())
        assert str(meta["galaxy_info"]["min_ansible_version"]) == floor, role_dir.name
