# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The execution environment definition builds a context with ansible-builder, on a pinned base image, with no
controller-side Python package the modules do not need there, and collections/requirements.yml never asks Galaxy
for drweb.cluster (it is not published there)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from ansible_collections.drweb.cluster.plugins.module_utils import drwcsd

ROOT = Path(drwcsd.__file__).resolve().parents[2]


def test_the_definition_builds_a_context(tmp_path):
    builder = shutil.which('ansible-builder') or str(Path(sys.executable).parent / 'ansible-builder')
    if not Path(builder).exists():
        pytest.fail('ansible-builder is not installed (tests/requirements.txt pins it)')
    proc = subprocess.run([builder, 'create', '-f', str(ROOT / 'execution-environment.yml'), '--context', str(tmp_path / 'ctx')],
                          cwd=str(ROOT), capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    build_file = next(path for path in (tmp_path / 'ctx').iterdir() if path.name in ('Containerfile', 'Dockerfile'))
    text = build_file.read_text()
    assert 'registry.access.redhat.com/ubi9/python-312:9.5-1742197730' in text
    # the collections' bytecode is compiled in the final image, after the collections are copied in and as root (the job
    # runs as user 1000, who cannot write it there)
    final = text[text.index('AS final'):]
    compiled = final.index('-m compileall -q /usr/share/ansible/collections')
    assert final.index('COPY --from=galaxy /usr/share/ansible /usr/share/ansible') < compiled < final.index('USER 1000')


def test_the_base_image_and_the_tools_are_pinned():
    definition = yaml.safe_load((ROOT / 'execution-environment.yml').read_text())
    image = definition['images']['base_image']['name']
    assert re.search(r':[0-9][^:/]*$|@sha256:[0-9a-f]{64}$', image) and not image.endswith(':latest'), image
    assert re.fullmatch(r'ansible-core==\d+\.\d+\.\d+', definition['dependencies']['ansible_core']['package_pip'])
    assert re.fullmatch(r'ansible-runner==\d+\.\d+\.\d+', definition['dependencies']['ansible_runner']['package_pip'])


def test_no_server_side_library_is_installed_on_the_controller():
    lines = [line.split('#')[0].strip() for line in (ROOT / 'meta' / 'ee-requirements.txt').read_text().splitlines()]
    assert [line for line in lines if line] == []


def test_drweb_cluster_comes_from_a_private_hub_or_a_tarball():
    requirements = yaml.safe_load((ROOT / 'collections' / 'requirements.yml').read_text())['collections']
    ours = [entry for entry in requirements if 'drweb' in entry['name']]
    assert len(ours) == 1
    entry = ours[0]
    assert entry.get('type') == 'file' or (entry.get('source') and 'galaxy.ansible.com' not in entry['source']), entry
