"""Write each role's variable reference, generated from its meta/argument_specs.yml, into docs/roles/<role>.md, and
each role's README.md (roles/<role>/README.md, wholly generated from meta/main.yml and meta/argument_specs.yml).

Run after changing an argument spec: ``.venv/bin/python tests/tools/render_role_docs.py``. The docs page keeps its
hand-written tour; only the block between the two markers below is replaced (appended at the end the first time).
The role README is what Galaxy and Automation Hub show for the role (their importer refuses a collection whose roles
have none). The unit test tests/unit/roles/test_role_docs.py fails when a page or a README and its argument spec
disagree, so the reference an administrator reads is the one Ansible validates against.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
# The markers ship with the docs: they name no file of the source repository.
BEGIN = "<!-- reference: generated from meta/argument_specs.yml; do not edit by hand -->"
END = "<!-- end of reference -->"


def markup(text) -> str:
    """Ansible doc markup (C(), I(), V(), O(), B(), U(), L()) as Markdown; table-safe."""
    text = " ".join(str(text).split())
    text = re.sub(r"\b[CVO]\(([^()]*)\)", r"`\1`", text)
    text = re.sub(r"\bI\(([^()]*)\)", r"*\1*", text)
    text = re.sub(r"\bB\(([^()]*)\)", r"**\1**", text)
    text = re.sub(r"\bU\(([^()]*)\)", r"<\1>", text)
    text = re.sub(r"\bL\(([^(),]*),\s*([^()]*)\)", r"[\1](\2)", text)
    return text.replace("|", "\\|")


def describe(value) -> str:
    """A description (string or list of paragraphs) as one table cell."""
    if isinstance(value, list):
        return "<br>".join(markup(item) for item in value)
    return markup(value or "")


def default_cell(option: dict) -> str:
    """The default as written in the spec; '—' when the option has none."""
    if option.get("required"):
        return "required"
    if "default" not in option:
        return "—"
    value = option["default"]
    if value == "" or value is None:
        return '`""` (unset)'
    dumped = yaml.safe_dump(value, default_flow_style=True, width=1000).strip()
    if dumped.endswith("..."):  # a scalar's document end marker
        dumped = dumped[:-3].strip()
    return "`%s`" % dumped.replace("|", "\\|")


def type_cell(option: dict) -> str:
    kind = option.get("type", "str")
    if kind == "list" and option.get("elements"):
        kind = "list of %s" % option["elements"]
    if option.get("choices"):
        kind += "; one of " + ", ".join('`""`' if choice == "" else "`%s`" % choice for choice in option["choices"])
    return kind


def render(role: str, specs: dict) -> str:
    """The generated block for one role."""
    lines = [BEGIN, "", "## Reference", "",
             "Generated from `roles/%s/meta/argument_specs.yml`, which Ansible checks every run against; "
             "`ansible-doc -t role drweb.cluster.%s` shows the same." % (role, role)]
    for entry, spec in specs.items():
        lines += ["", "### Entry point `%s`" % entry, "", describe(spec.get("short_description", ""))]
        options = spec.get("options") or {}
        if not options:
            lines += ["", "No variables."]
            continue
        lines += ["", "| variable | type | default | meaning |", "|---|---|---|---|"]
        for name in sorted(options):
            option = options[name] or {}
            lines.append("| `%s` | %s | %s | %s |" % (name, type_cell(option), default_cell(option), describe(option.get("description"))))
    lines += ["", END]
    return "\n".join(lines)


def expected_page(role_dir: Path, page_text: str) -> str:
    """The page with its generated block brought up to date."""
    specs = yaml.safe_load((role_dir / "meta" / "argument_specs.yml").read_text())["argument_specs"]
    block = render(role_dir.name, specs)
    if BEGIN in page_text and END in page_text:
        start, end = page_text.index(BEGIN), page_text.index(END) + len(END)
        return page_text[:start] + block + page_text[end:]
    return page_text.rstrip("\n") + "\n\n" + block + "\n"


def role_readme(role_dir: Path) -> str:
    """The whole README.md of one role."""
    role = role_dir.name
    specs = yaml.safe_load((role_dir / "meta" / "argument_specs.yml").read_text())["argument_specs"]
    meta_file = role_dir / "meta" / "main.yml"
    meta = (yaml.safe_load(meta_file.read_text()) or {}) if meta_file.is_file() else {}
    info = meta.get("galaxy_info") or {}
    lines = ["# drweb.cluster.%s" % role, "",
             "<!-- generated from meta/main.yml and meta/argument_specs.yml; do not edit by hand -->", ""]
    if info.get("description"):
        description = markup(info["description"])
        lines += [description if description.endswith(".") else description + ".", ""]
    main = specs.get("main") or next(iter(specs.values()))
    for paragraph in main.get("description") or []:
        lines += [markup(paragraph), ""]
    platforms = ["%s %s" % (item["name"], ", ".join(str(version) for version in item.get("versions") or []))
                 for item in info.get("platforms") or []]
    if platforms:
        lines += ["Platforms: %s." % "; ".join(platforms), ""]
    lines += ["Use it as `drweb.cluster.%s` (entry points: %s); the guide is `docs/roles/%s.md` in the collection."
              % (role, ", ".join("`%s`" % entry for entry in specs), role), ""]
    block = render(role, specs)
    # only the table part: the README has its own header
    lines.append(block[len(BEGIN):-len(END)].strip("\n"))
    return "\n".join(lines) + "\n"


def roles(repo: Path = REPO):
    """(role dir, docs page) of every role with an argument spec."""
    for role_dir in sorted((repo / "roles").iterdir()):
        if (role_dir / "meta" / "argument_specs.yml").is_file():
            yield role_dir, repo / "docs" / "roles" / ("%s.md" % role_dir.name)


def main() -> int:
    for role_dir, page in roles():
        text = page.read_text() if page.exists() else "# drweb.cluster.%s\n" % role_dir.name
        new = expected_page(role_dir, text)
        if new != text:
            page.write_text(new)
            print("updated %s" % page.relative_to(REPO))
        readme = role_dir / "README.md"
        text = role_readme(role_dir)
        if not readme.exists() or readme.read_text() != text:
            readme.write_text(text)
            print("updated %s" % readme.relative_to(REPO))
    return 0


if __name__ == "__main__":
    sys.exit(main())
