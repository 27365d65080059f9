"""Write the touch-point register of plugins/module_utils/drwcsd.py, and its list of public sources, into
docs/compatibility.md.

Run after changing drwcsd.py: ``.venv/bin/python tests/tools/render_compatibility.py``. The unit test
tests/unit/plugins/module_utils/test_drwcsd.py fails when the page and the register disagree.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
BEGIN = "<!-- touch-points: generated from plugins/module_utils/drwcsd.py; do not edit by hand -->"
END = "<!-- end of touch-points -->"
SOURCES_BEGIN = "<!-- sources: generated from plugins/module_utils/drwcsd.py; do not edit by hand -->"
SOURCES_END = "<!-- end of sources -->"


def load_module():
    """Import drwcsd.py by path (no collection installation needed)."""
    spec = importlib.util.spec_from_file_location("drwcsd", REPO / "plugins" / "module_utils" / "drwcsd.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def load_register():
    """The touch-point register of drwcsd.py."""
    return load_module().TOUCH_POINTS


def render_table(touch_points) -> str:
    """The Markdown table of every touch-point."""
    lines = [BEGIN, "", "| name | kind | value | label | source |", "|---|---|---|---|---|"]
    for name, kind, value, label, source in touch_points:
        lines.append("| `%s` | %s | `%s` | %s | %s |" % (name, kind, value.replace("|", "\\|"), label, source))
    lines += ["", END]
    return "\n".join(lines)


def render_sources(sources) -> str:
    """The numbered list of public sources the table (and the role and module pages) cite as [S<n>]."""
    lines = [SOURCES_BEGIN, ""]
    for ident, title, url in sources:
        lines.append("- **[%s]** %s%s" % (ident, title, " — <%s>" % url if url else " (no stable address)"))
    lines += ["", SOURCES_END]
    return "\n".join(lines)


def replace_block(text: str, begin: str, end: str, block: str) -> str:
    """Replace the text from begin to end (both included) with block."""
    start, stop = text.index(begin), text.index(end) + len(end)
    return text[:start] + block + text[stop:]


def main() -> int:
    """Replace the generated blocks of docs/compatibility.md."""
    page = REPO / "docs" / "compatibility.md"
    module = load_module()
    text = replace_block(page.read_text(), BEGIN, END, render_table(module.TOUCH_POINTS))
    text = replace_block(text, SOURCES_BEGIN, SOURCES_END, render_sources(module.SOURCES))
    page.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
