"""Make a GUS-like update zone tree for the double (layout: see repository.py).

    python3 -m drwcsd_double.zone ROOT [--product CODE ...] [--revision REV ...]

adds every revision to every product (default: all products of repository.PRODUCTS, one revision
20240101000000). Run it again with a newer --revision to publish a new revision; revisions.txt stays sorted,
so the newest revision is the one Servers take.
"""

import argparse
import os
import sys

from . import repository


def add_revision(root, code, revision, files=None):
    """Publish one revision of a product in the zone at root."""
    product_dir = os.path.join(root, code)
    revision_dir = os.path.join(product_dir, revision)
    os.makedirs(revision_dir, exist_ok=True)
    files = files or {
        'readme.txt': '%s revision %s (update zone)\n' % (code, revision),
        'data/%s.bin' % code: ('%s:%s\n' % (code, revision)) * 64,
    }
    for rel, content in files.items():
        path = os.path.join(revision_dir, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, 'wb') as handle:
            handle.write(content.encode('utf-8') if isinstance(content, str) else content)
    with open(os.path.join(revision_dir, '.files'), 'w', encoding='utf-8') as handle:
        handle.writelines(repository.manifest_lines(revision_dir))
    with open(os.path.join(product_dir, '.description'), 'w', encoding='utf-8') as handle:
        handle.write(repository.PRODUCTS.get(code, code) + '\n')
    revisions_path = os.path.join(product_dir, 'revisions.txt')
    revisions = set()
    if os.path.exists(revisions_path):
        with open(revisions_path, encoding='utf-8') as handle:
            revisions = {line.strip() for line in handle if line.strip()}
    revisions.add(revision)
    with open(revisions_path, 'w', encoding='utf-8') as handle:
        handle.writelines(r + '\n' for r in sorted(revisions))
    products_path = os.path.join(root, 'products.txt')
    products = set()
    if os.path.exists(products_path):
        with open(products_path, encoding='utf-8') as handle:
            products = {line.strip() for line in handle if line.strip()}
    products.add(code)
    with open(products_path, 'w', encoding='utf-8') as handle:
        handle.writelines(p + '\n' for p in sorted(products))


def make_zone(root, products=None, revisions=None):
    """Publish every revision of every product."""
    os.makedirs(root, exist_ok=True)
    for code in products or sorted(repository.PRODUCTS):
        for revision in revisions or ['20240101000000']:
            add_revision(root, code, revision)


def main(argv=None):
    """Command line."""
    parser = argparse.ArgumentParser(prog='drwcsd_double.zone', description='Make or extend an update zone tree.')
    parser.add_argument('root')
    parser.add_argument('--product', action='append')
    parser.add_argument('--revision', action='append')
    args = parser.parse_args(argv)
    make_zone(args.root, args.product, args.revision)
    return 0


if __name__ == '__main__':
    sys.exit(main())
