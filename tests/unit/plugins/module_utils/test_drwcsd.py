"""Unit tests of plugins/module_utils/drwcsd.py: the single source of product facts."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ansible_collections.drweb.cluster.plugins.module_utils import drwcsd

COLLECTION_ROOT = Path(drwcsd.__file__).resolve().parents[2]


@pytest.mark.parametrize("text, release", [
    ("13.00.1", "13.00.1"),
    ("13.00.1.202310121", "13.00.1"),
    ("12.00.0.201909260", "12.00.0"),
    (" 13.00.0.202005090\n", "13.00.0"),
    ("13.0", None),
    ("", None),
    (None, None),
    ("REL-1300", None),
])
def test_parse_release_reads_release_and_build_strings(text, release):
    assert drwcsd.parse_release(text) == release


def test_release_key_orders_releases_numerically():
    assert sorted(["13.00.1", "12.00.0", "13.00.0", "9.00.3"], key=drwcsd.release_key) == [
        "9.00.3", "12.00.0", "13.00.0", "13.00.1"]
    with pytest.raises(ValueError, match="not a Dr.Web Server release"):
        drwcsd.release_key("thirteen")


@pytest.mark.parametrize("name, release", [
    ("drweb-13.00.1-esuite-server-linux-x86_64.run", "13.00.1"),
    ("drweb-13.00.0-esuite-server-linux-x86_64.run", "13.00.0"),
    ("drweb-13.00.1-esuite-agent-linux-x86_64.run", None),
    ("drweb-13.00.1-esuite-server-linux-x86_64.run.sha256", None),
])
def test_installer_release_comes_from_the_vendor_file_name(name, release):
    assert drwcsd.installer_release(name) == release


def test_schema_versions_are_the_documented_ones():
    # the Database Manual (about the database): dbver 473 (12.0.11), 522 (13.0.0), 542 (13.0.1)
    assert drwcsd.SCHEMA_VERSION_BY_RELEASE["13.00.0"] == 522
    assert drwcsd.SCHEMA_VERSION_BY_RELEASE["13.00.1"] == 542


def test_every_touch_point_is_registered_once_with_a_label():
    names = [entry[0] for entry in drwcsd.TOUCH_POINTS]
    assert len(names) == len(set(names))
    for name, kind, value, label, source in drwcsd.TOUCH_POINTS:
        assert label in (drwcsd.CONFIRMED, drwcsd.INFERENCE, drwcsd.GUESS), name
        assert kind and value and source, name


SOURCE_CITATION = re.compile(r"\[(S\d+)\]")


def test_every_touch_point_names_a_public_source_or_says_not_public():
    """A CONFIRMED or INFERENCE fact names the public document it rests on ([S<n>] of SOURCES, or the fact it is
    reasoned from); a GUESS either says "not public" or names what a public source does state."""
    known = {ident for ident, unused_title, unused_url in drwcsd.SOURCES}
    for name, unused_kind, unused_value, label, source in drwcsd.TOUCH_POINTS:
        cited = set(SOURCE_CITATION.findall(source))
        assert cited <= known, "%s cites unknown sources %s" % (name, sorted(cited - known))
        if label == drwcsd.CONFIRMED:
            assert cited, "%s is CONFIRMED without a source" % name
        if label == drwcsd.GUESS:
            assert "not public" in source or "not documented" in source, "%s is a GUESS: say what is not public" % name


def test_sources_are_numbered_once_and_addressed():
    idents = [ident for ident, unused_title, unused_url in drwcsd.SOURCES]
    assert idents == ["S%d" % number for number in range(1, len(idents) + 1)]
    for ident, title, url in drwcsd.SOURCES:
        assert title, ident
        assert not url or url.startswith(("http://", "https://")), ident


def test_every_public_constant_is_in_the_register():
    """A product fact added to drwcsd.py without registering it would escape docs/compatibility.md."""
    registered = {entry[0] for entry in drwcsd.TOUCH_POINTS}
    helpers = {"CONFIRMED", "INFERENCE", "GUESS", "TOUCH_POINTS", "SOURCES", "SERVICE_GROUP"}
    constants = {name for name in vars(drwcsd) if re.fullmatch(r"[A-Z][A-Z0-9_]+", name)} - helpers
    assert constants - registered == set()


def test_compatibility_page_lists_every_touch_point_with_its_label():
    page = (COLLECTION_ROOT / "docs" / "compatibility.md").read_text()
    rows = {}
    for line in page.splitlines():
        match = re.match(r"^\| `([A-Z0-9_]+)` \| ([a-z]+) \| `(.*)` \| ([A-Z]+) \| (.*) \|$", line)
        if match:
            rows[match.group(1)] = (match.group(2), match.group(3).replace("\\|", "|"), match.group(4), match.group(5))
    expected = {name: (kind, value, label, source) for name, kind, value, label, source in drwcsd.TOUCH_POINTS}
    assert rows == expected, "docs/compatibility.md is stale: run tests/tools/render_compatibility.py"


@pytest.mark.parametrize('revision, expected', [
    ('20250201000000', 1738368000),           # a lab zone's revision: YYYYMMDDhhmmss
    ('13020200416000000', 1586995200),        # a summary.ds sample: its last 14 digits
    ('2025020100', None), ('not-a-stamp', None), (None, None), ('20251399000000', None),
])
def test_a_revision_name_reads_as_its_time(revision, expected):
    assert drwcsd.revision_time(revision) == expected


@pytest.mark.parametrize('value, expected', [
    ('1924905600', 1924905600), ('20301231', 1924905600), ('0', None), ('', None), (None, None), ('soon', None),
    ('20301399', None),
])
def test_a_key_expiry_reads_as_unix_seconds(value, expected):
    assert drwcsd.parse_key_expiry(value) == expected


def test_compatibility_page_lists_every_source():
    page = (COLLECTION_ROOT / "docs" / "compatibility.md").read_text()
    listed = re.findall(r"^- \*\*\[(S\d+)\]\*\* (.*?)(?: — <(\S+)>| \(no stable address\))$", page, re.MULTILINE)
    assert listed == list(drwcsd.SOURCES), (
        "docs/compatibility.md is stale: run tests/tools/render_compatibility.py")
    cited = set(SOURCE_CITATION.findall(page))
    assert cited <= {ident for ident, unused_title, unused_url in drwcsd.SOURCES}
