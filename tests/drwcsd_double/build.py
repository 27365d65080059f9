"""Build the drwcsd double's installation packages.

    python tests/drwcsd_double/build.py [--out DIR] [--version 13.00.0 ...]

writes drweb-<version>-esuite-server-linux-x86_64.run for every version (default: 13.00.0 and 13.00.1) into
DIR (default tests/drwcsd_double/build/), the same package named with the release's build stamp
(drweb-<version>.<build>-esuite-server-linux-x86_64.run, as a real release string reads: 13.00.1.202406060), and
the lab's licence key file lab-agent.key (signed for the double; tests/lab/cluster.yml points drweb_license_key at it).
Each is a POSIX shell header followed by a gzip tar payload, like the vendor's self-extracting installers; the build is
deterministic (same sources, same bytes).
"""

import argparse
import gzip
import hashlib
import io
import os
import sys
import tarfile

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.join(HERE, 'src', 'drwcsd_double')
VERSIONS = ('13.00.0', '13.00.1')
MTIME = 1700000000

HEADER = '''#!/bin/sh
# Dr.Web Enterprise Security Suite Server {version} (build {build}) for Linux x86_64 - self-extracting installer
# (drwcsd test double: a stand-in for the proprietary product, built by tests/drwcsd_double/build.py)
#
# usage: sh {name} [-- ] [--non-interactive] [--admin-password=PW] [--license-key=FILE] [--no-start] [--root=DIR]
#        sh {name} --help | --info | --list
PAYLOAD_LINE={payload_line}
case "$1" in
    --info) echo "Dr.Web Server {version} installer (drwcsd test double), payload sha256 {digest}"; exit 0 ;;
    --list) tail -n +$PAYLOAD_LINE "$0" | tar -tzf -; exit $? ;;
esac
tmp=$(mktemp -d "${{TMPDIR:-/tmp}}/drweb-esuite.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM
if ! tail -n +$PAYLOAD_LINE "$0" | tar -xzf - -C "$tmp"; then
    echo "drweb-esuite: the installation package is damaged" >&2
    exit 1
fi
/usr/bin/python3 -E -s -c 'import sys; sys.path.insert(0, sys.argv.pop(1)); from drwcsd_double.installer import main; sys.exit(main())' "$tmp" "$@"
exit $?
'''


def payload(version):
    """gzip tar bytes of the package with build_version.txt."""
    members = []
    for base, dirs, files in os.walk(SRC):
        dirs[:] = sorted(d for d in dirs if d != '__pycache__')
        for name in sorted(files):
            if name.endswith('.pyc') or name == 'build_version.txt':
                continue
            path = os.path.join(base, name)
            with open(path, 'rb') as handle:
                members.append((os.path.join('drwcsd_double', os.path.relpath(path, SRC)), handle.read()))
    members.append(('drwcsd_double/build_version.txt', (version + '\n').encode('ascii')))
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode='w', format=tarfile.USTAR_FORMAT) as tar:
        for name in sorted({os.path.dirname(member[0]) for member in members}):
            info = tarfile.TarInfo(name)
            info.type, info.mode, info.mtime = tarfile.DIRTYPE, 0o755, MTIME
            tar.addfile(info)
        for name, data in sorted(members):
            info = tarfile.TarInfo(name)
            info.size, info.mode, info.mtime = len(data), 0o644, MTIME
            tar.addfile(info, io.BytesIO(data))
    out = io.BytesIO()
    with gzip.GzipFile(fileobj=out, mode='wb', mtime=0, filename='') as gz:
        gz.write(raw.getvalue())
    return out.getvalue()


def build_string(version):
    """The release's full build string (the double's version table)."""
    sys.path.insert(0, os.path.dirname(SRC))
    from drwcsd_double import product  # pylint: disable=import-outside-toplevel
    return product.VERSIONS[version]['build']


def build(version, out_dir, stamped=False):
    """Write one .run file (named with the build stamp when stamped); returns its path."""
    name = 'drweb-%s-esuite-server-linux-x86_64.run' % (build_string(version) if stamped else version)
    data = payload(version)
    text = HEADER.format(version=version, build=build_string(version), name=name, payload_line=0,
                         digest=hashlib.sha256(data).hexdigest())
    text = text.replace('PAYLOAD_LINE=0', 'PAYLOAD_LINE=%d' % (text.count('\n') + 1))
    path = os.path.join(out_dir, name)
    with open(path + '.tmp', 'wb') as handle:
        handle.write(text.encode('ascii') + data)
    os.chmod(path + '.tmp', 0o755)
    os.replace(path + '.tmp', path)
    return path


LAB_KEY_NAME = 'lab-agent.key'


def write_lab_key(out_dir):
    """The lab's licence key (deterministic: fixed dates), readable by its owner only; returns its path."""
    sys.path.insert(0, os.path.dirname(SRC))
    from drwcsd_double import licence  # pylint: disable=import-outside-toplevel
    path = os.path.join(out_dir, LAB_KEY_NAME)
    with open(path + '.tmp', 'w', encoding='utf-8') as handle:
        handle.write(licence.make_key(number='0110000001', user='drweb.cluster lab', clients=50, created='20240101',
                                      expires='20301231'))
    os.chmod(path + '.tmp', 0o600)
    os.replace(path + '.tmp', path)
    return path


def main(argv=None):
    """Command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--out', default=os.path.join(HERE, 'build'))
    parser.add_argument('--version', action='append', choices=VERSIONS)
    args = parser.parse_args(argv)
    os.makedirs(args.out, exist_ok=True)
    for version in args.version or VERSIONS:
        print(build(version, args.out))
        print(build(version, args.out, stamped=True))
    print(write_lab_key(args.out))
    return 0


if __name__ == '__main__':
    sys.exit(main())
