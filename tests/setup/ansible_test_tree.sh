#!/usr/bin/env bash
# Copy the collection into .build/sanity/ansible_collections/drweb/cluster, where ansible-test requires it to be
# (a copy: ansible-test refuses a symlinked collection root), and give ansible-test its pip bootstrap script from the
# pip installed in .venv, since the script's download host is unreachable here. Argument: the venv whose ansible-test
# will run (default .venv).
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$repo_root"
target=.build/sanity/ansible_collections/drweb/cluster
rm -rf "$target"
mkdir -p "$target"
# Tracked and new (not ignored) files: what would be committed, without .venv, lab state or build output.
git ls-files -z --cached --others --exclude-standard | rsync -a --from0 --files-from=- ./ "$target/" 2>/dev/null || true
# ansible-test lists a git tree with git; a fresh repository makes it see exactly these files.
( cd "$target" && git init -q && git add -A ) >/dev/null 2>&1

# The venv whose ansible-test runs (default .venv; the sanity stage also runs the oldest supported ansible-core's).
test_venv=${1:-.venv}
pip_version=$("$test_venv/bin/python" - <<'PY'
import re, pathlib, ansible_test
source = pathlib.Path(ansible_test.__file__).parent / '_internal' / 'python_requirements.py'
print(re.search(r"pip='([0-9.]+)'", source.read_text()).group(1))
PY
)
cache="$HOME/.ansible/test/cache/get_pip_${pip_version//./_}.py"
pip_dir=$(.venv/bin/python -c 'import os, pip; print(os.path.dirname(os.path.dirname(pip.__file__)))')
mkdir -p "$(dirname "$cache")"
cat > "$cache" <<PY
# Stand-in for get-pip.py (its download host is unreachable): runs the pip installed in the project's .venv
# to install the requested pip into the interpreter that runs this script, as get-pip.py does.
import sys
sys.path.insert(0, "$pip_dir")
from pip._internal.cli.main import main  # noqa: E402
arguments = [argument for argument in sys.argv[1:] if argument not in ("--no-setuptools", "--no-wheel")]
sys.exit(main(["install", "--upgrade", "--force-reinstall"] + arguments))
PY
echo "$target"
