# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark of drweb.cluster.repository_version: content mode vs ``find | xargs sha256sum``, and metadata mode.

    .venv/bin/python bench/repository_verify.py [--root /var/tmp/drweb-repository-bench] [--files 20480]
                                                [--gib 2.0] [--workers 0] [--runs 2]

Builds (or reuses, when its spec file matches) a synthetic repository under --root: 4 products, one distributed
revision each plus an older one, with --files files totalling --gib GiB in the distributed revisions (most files
small, a few hundred of several MiB, as virus bases are). Then, in one run and on the same files, alternately:

* the module's content-mode function ``hash_trees`` (thread pool, streamed chunks) over every product's distributed
  revision;
* ``find <the same folders> -type f -print0 | xargs -0 sha256sum`` (one process at a time, as an administrator
  would type it).

Each is run --runs times; the page cache cannot be dropped on this shared machine (no privilege over other jobs'
caches), so the first run warms it and the figures reported are the last (warm) run of each. It also checks that
both computed the same thing (the module's digests rebuilt from sha256sum's per-file output) and times the
metadata mode (``scan_repository``: revisions, file counts and sizes, no hashing). The load average is printed
before and after, since other jobs may share the CPUs. Not a test: nothing fails on a slow machine.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PRODUCTS = ('05-drwmeta', '10-drwbases', '20-drwcs', '80-drwnews')
OLD, NEW = '20240101000000', '20240201000000'


def load_module():
    """Import the module from this checkout as ansible_collections.drweb.cluster (a private symlink tree)."""
    tree = Path('/var/tmp/drweb-repository-bench-collections')
    link = tree / 'ansible_collections' / 'drweb' / 'cluster'
    link.parent.mkdir(parents=True, exist_ok=True)
    if not link.is_symlink() or os.readlink(link) != str(REPO):
        if link.is_symlink():
            link.unlink()
        link.symlink_to(REPO)
    sys.path.insert(0, str(tree))
    return importlib.import_module('ansible_collections.drweb.cluster.plugins.modules.repository_version')


def build(root: Path, files: int, gib: float) -> dict:
    """Write the synthetic repository unless the one there has the same spec."""
    spec = {'files': files, 'gib': gib, 'products': list(PRODUCTS), 'layout': 1}
    spec_file = root / 'spec.json'
    if spec_file.exists() and json.loads(spec_file.read_text()) == spec:
        print('reusing %s' % root)
        return spec
    started = time.monotonic()
    subprocess.run(['rm', '-rf', str(root)], check=True)
    repository = root / 'repository'
    total = int(gib * (1 << 30))
    # ~2 % of the files carry ~85 % of the bytes (base files), the rest are small (1-32 KiB)
    large = max(1, files // 50)
    small = files - large
    rng = random.Random(7)
    small_sizes = [rng.randint(1024, 32768) for unused in range(small)]
    large_size = max(1 << 20, (total - sum(small_sizes)) // large)
    block = os.urandom(1 << 20)  # repeated pattern, offset per file: writing is fast, hashing still reads every byte
    written = 0
    for index in range(files):
        code = PRODUCTS[index % len(PRODUCTS)]
        size = large_size if index < large else small_sizes[index - large]
        path = repository / code / NEW / ('d%02d' % (index % 64)) / ('f%06d.bin' % index)
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, 'wb') as handle:
            remaining, offset = size, index % 4096
            handle.write(index.to_bytes(8, 'big'))
            remaining -= 8
            while remaining > 0:
                piece = block[offset:offset + remaining]
                handle.write(piece)
                remaining -= len(piece)
                offset = 0
        written += size
    for code in PRODUCTS:
        (repository / code / OLD).mkdir(parents=True, exist_ok=True)
        (repository / code / OLD / 'readme.txt').write_text('%s %s\n' % (code, OLD))
        (repository / code / '.current').write_text(NEW + '\n')
        (repository / code / '.description').write_text(code + '\n')
    (repository / '.url').write_text('/update\n')
    spec_file.write_text(json.dumps(spec))
    print('built %s: %d files, %.2f GiB in %.1f s' % (repository, files, written / (1 << 30), time.monotonic() - started))
    return spec


def run_sha256sum(folders: list[str]) -> tuple[float, str]:
    started = time.monotonic()
    find = subprocess.Popen(['find'] + folders + ['-type', 'f', '-print0'], stdout=subprocess.PIPE)
    output = subprocess.run(['xargs', '-0', 'sha256sum'], stdin=find.stdout, capture_output=True, check=True).stdout
    find.wait()
    return time.monotonic() - started, output.decode('utf-8', 'surrogateescape')


def digest_from_sha256sum(output: str, top: str) -> str:
    """The module's documented tree digest, rebuilt from sha256sum's per-file lines (a cross-check)."""
    lines = []
    for line in output.splitlines():
        file_digest, path = line.split('  ', 1)
        if not path.startswith(top + '/'):
            continue
        relative = path[len(top) + 1:]
        lines.append((os.fsencode(relative), '%s %d %s\n' % (file_digest, os.path.getsize(path), relative)))
    return hashlib.sha256(''.join(text for unused, text in sorted(lines)).encode()).hexdigest()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n', maxsplit=1)[0])
    parser.add_argument('--root', type=Path, default=Path('/var/tmp/drweb-repository-bench'))
    parser.add_argument('--files', type=int, default=20480)
    parser.add_argument('--gib', type=float, default=2.0)
    parser.add_argument('--workers', type=int, default=0, help='0: the module default (2 x CPUs, at most 16)')
    parser.add_argument('--runs', type=int, default=2)
    args = parser.parse_args()

    module = load_module()
    build(args.root, args.files, args.gib)
    repository = str(args.root / 'repository')
    trees = dict((code, os.path.join(repository, code, NEW)) for code in PRODUCTS)
    folders = [trees[code] for code in PRODUCTS]
    workers = args.workers or module.default_workers()
    load = ' '.join('%.2f' % value for value in os.getloadavg())
    print('machine: %d CPUs, python %s, load average before: %s' % (os.cpu_count(), sys.version.split()[0], load))

    module_times, sum_times = [], []
    hashed = stats = output = None
    for run in range(1, args.runs + 1):
        hashed, stats = module.hash_trees(trees, workers=workers)
        module_times.append(stats['seconds'])
        seconds, output = run_sha256sum(folders)
        sum_times.append(seconds)
        print('run %d: module %.2f s, find|xargs sha256sum %.2f s (load %.2f)' % (run, module_times[-1], seconds, os.getloadavg()[0]))

    for code in PRODUCTS:
        expected = digest_from_sha256sum(output, trees[code])
        if hashed[code]['digest'] != expected:
            print('MISMATCH %s: module %s, sha256sum %s' % (code, hashed[code]['digest'], expected))
            return 1

    metadata = []
    for unused in range(3):
        started = time.monotonic()
        products, unused_missing = module.scan_repository(repository)
        module.read_update_source(repository)
        metadata.append(time.monotonic() - started)
    assert all(info['revision'] == NEW for info in products.values())

    gib = stats['bytes'] / (1 << 30)
    print('files: %d, bytes: %d (%.2f GiB), workers: %d, chunk: %d'
          % (stats['files'], stats['bytes'], gib, workers, stats['chunk_size']))
    print('content mode (warm, run %d): %.2f s = %.0f files/s, %.0f MiB/s'
          % (args.runs, module_times[-1], stats['files'] / module_times[-1], stats['bytes'] / module_times[-1] / (1 << 20)))
    print('find | xargs sha256sum (warm, run %d): %.2f s = %.0f files/s, %.0f MiB/s'
          % (args.runs, sum_times[-1], stats['files'] / sum_times[-1], stats['bytes'] / sum_times[-1] / (1 << 20)))
    print('ratio: module is %.2fx faster (target >= 1.5x); digests identical to sha256sum\'s' % (sum_times[-1] / module_times[-1]))
    print('metadata mode (scan_repository of %d files): %s s (target < 1 s)'
          % (stats['files'], ', '.join('%.3f' % value for value in metadata)))
    print('load average after: %s' % ' '.join('%.2f' % v for v in os.getloadavg()))
    return 0


if __name__ == '__main__':
    sys.exit(main())
