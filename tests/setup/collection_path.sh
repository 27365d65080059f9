#!/usr/bin/env bash
# Make this checkout the installed drweb.cluster for ansible-playbook, Molecule and ansible-runner:
# .build/collections/ansible_collections/drweb/cluster -> the repository root (ansible.cfg points collections_path here).
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
link="$repo_root/.build/collections/ansible_collections/drweb/cluster"
mkdir -p "$(dirname "$link")"
if [ "$(readlink "$link" 2>/dev/null)" != "$repo_root" ]; then
    rm -rf "$link"
    ln -s "$repo_root" "$link"
fi
