"""Every file a user gets explains itself: no shipped file points at what the user never receives.

Shipped = every file of the collection except tests/, bench/, .ci/, the Makefile and dotfiles (galaxy.yml's
build_ignore). Those files must not cite the design notes (DESIGN.md, "DESIGN §N"), the internal product-facts notes
("product-facts N.N", their touch-point ids "T12"), issue numbers, or test paths: a product fact names its public
source in docs/compatibility.md instead, a design rule is replaced by its reason, and a test is described in words.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

COLLECTION_ROOT = Path(__file__).resolve().parents[2]
NOT_SHIPPED = re.compile(r"^(tests/|bench/|\.ci|Makefile$|\.)")
# The brief's grep, plus the touch-point ids of the product-facts notes (T1 ... T99).
INTERNAL = re.compile(r"product-facts|DESIGN|[Ii]ssue [0-9]|tests/(integration|unit)|\bT[0-9]{1,2}\b")


def shipped_files():
    """The files of the collection a user receives, as paths relative to its root."""
    try:
        listed = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard"], cwd=COLLECTION_ROOT,
                                check=True, capture_output=True, text=True).stdout.splitlines()
    except (OSError, subprocess.CalledProcessError):
        listed = [str(Path(folder, name).relative_to(COLLECTION_ROOT))
                  for folder, unused_dirs, names in os.walk(COLLECTION_ROOT) for name in names]
    return sorted(path for path in listed if not NOT_SHIPPED.match(path) and (COLLECTION_ROOT / path).is_file())


def test_the_shipped_files_are_found():
    files = shipped_files()
    assert "plugins/module_utils/drwcsd.py" in files and "docs/compatibility.md" in files
    assert not [path for path in files if path.startswith(("tests/", "bench/", ".ci"))]


def test_no_shipped_file_cites_design_notes_product_facts_issues_or_tests():
    found = []
    for path in shipped_files():
        try:
            text = (COLLECTION_ROOT / path).read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        for number, line in enumerate(text.splitlines(), 1):
            if INTERNAL.search(line):
                found.append("%s:%d: %s" % (path, number, line.strip()[:160]))
    assert not found, "shipped files cite internals a user never gets:\n" + "\n".join(found)


def test_the_pattern_catches_each_kind_of_citation():
    for cited in ("product-facts 5.3", "see DESIGN §2", "(issue 10)", "Issue 19", "tests/unit/roles/test_keys_role.py",
                  "tests/integration/test_check.py", "a GUESS (T12)", "GUESS T19"):
        assert INTERNAL.search(cited), cited
    for clean in ("CONFIRMED [S15]", "TTL 1", "the vendor's prescription 3", "issues with the network", "T-shirt"):
        assert not INTERNAL.search(clean), clean
