"""pytest fixtures of the drwcsd double's own tests (defined in double_helpers.py)."""

from double_helpers import make_instance, packages, pgdb, postgres  # noqa: F401  pylint: disable=unused-import
