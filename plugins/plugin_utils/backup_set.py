# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A cluster backup set on the controller: its layout, its manifest, its verification and the retention of old sets.

A backup set is one folder ``<cluster name>-<UTC time YYYYmmddTHHMMSSZ>`` under the backup folder, mode 0700, every
file in it mode 0600::

    manifest.json                  what the set holds: identity, versions, dbuuid, the SHA-256 of every other file
    database.pgc                   the common database, pg_dump custom format
    keys/drwcsd.pri                the cluster's key pair and certificate (the identity Agents trust)
    keys/drwcsd.pub
    keys/drwcsd-certificate.pem
    keys/passwd-salt               the passwd-salt of drwcsd.conf (the administrators' password hashes depend on it)
    servers/<host>/drwcsd.conf     each Server's configuration (holds the database password)
    servers/<host>/download.conf
    licence/<name>                 the licence key file(s)

The manifest's SHA-256 are those of the files as stored (vault-encrypted or not), so a set is verified without its
vault password; the identity's fingerprints are those of the plain files (what the Servers hold).

Pure Python (no Ansible objects): every rule has a unit test; the action plugins drweb.cluster.backup_file and
drweb.cluster.backup_set call it.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import re
import stat
import tempfile

FORMAT = 1
MANIFEST = 'manifest.json'
DATABASE = 'database.pgc'
KEY_FILES = {'private_key': 'keys/drwcsd.pri', 'public_key': 'keys/drwcsd.pub', 'certificate': 'keys/drwcsd-certificate.pem'}
PASSWD_SALT = 'keys/passwd-salt'
SERVERS_DIR = 'servers'
LICENCE_DIR = 'licence'
# What a set must hold to rebuild a cluster from it.
REQUIRED = (DATABASE, PASSWD_SALT) + tuple(KEY_FILES.values())
# Files a reader of the set must not see: the private key, the salt, the database (administrators, stations), the
# Servers' drwcsd.conf (database password), licence keys. The public key, certificate and download.conf are public.
SECRET_PATTERNS = (re.compile(r'^keys/drwcsd\.pri$'), re.compile(r'^keys/passwd-salt$'), re.compile(r'^database\.pgc$'),
                   re.compile(r'^servers/[^/]+/drwcsd\.conf$'), re.compile(r'^licence/[^/]+$'))
STAMP_FORMAT = '%Y%m%dT%H%M%SZ'
STAMP_PATTERN = r'\d{8}T\d{6}Z'
VAULT_HEADER = b'$ANSIBLE_VAULT;'
FILE_MODE = 0o600
DIR_MODE = 0o700
CHUNK = 1024 * 1024


class BackupError(ValueError):
    """A backup set that cannot be used, or an input that cannot be used; the message names the file or variable."""


def is_secret(relpath):
    """Whether a file of the set holds a secret (it is vault-encrypted when the backup is asked to encrypt)."""
    return any(pattern.match(relpath) for pattern in SECRET_PATTERNS)


def safe_relpath(relpath):
    """A file's path inside a set: relative, normalised, no '..', no empty part; else BackupError."""
    if not isinstance(relpath, str) or not relpath or relpath.startswith('/') or '\x00' in relpath or '\\' in relpath:
        raise BackupError('not a relative path inside a backup set: %r' % (relpath,))
    parts = relpath.split('/')
    if any(part in ('', '.', '..') for part in parts):
        raise BackupError('not a relative path inside a backup set: %r' % (relpath,))
    return relpath


def server_file(host, name):
    """servers/<host>/<name>, refusing a host name that is not a plain folder name."""
    if not re.match(r'^[A-Za-z0-9_.-]+$', host or '') or host in ('.', '..'):
        raise BackupError('inventory host name %r cannot name a folder of the backup set' % (host,))
    return safe_relpath('%s/%s/%s' % (SERVERS_DIR, host, name))


def stamp(now):
    """The UTC time of a set as its name writes it."""
    if now.tzinfo is not None:
        now = now.astimezone(datetime.timezone.utc).replace(tzinfo=None)
    return now.strftime(STAMP_FORMAT)


def set_name(cluster, now):
    """<cluster name>-<UTC stamp>: the cluster name checked to be a plain folder name."""
    cluster = (cluster or '').strip().rstrip('.')
    if not re.match(r'^[A-Za-z0-9_.-]+$', cluster):
        raise BackupError('drweb_cluster_name %r cannot name a backup set folder' % (cluster,))
    return '%s-%s' % (cluster, stamp(now))


def parse_set_name(name, cluster):
    """The set's time (naive UTC datetime) when ``name`` is a set of ``cluster``; else None."""
    match = re.match(r'^%s-(%s)$' % (re.escape((cluster or '').strip().rstrip('.')), STAMP_PATTERN), name or '')
    if not match:
        return None
    try:
        return datetime.datetime.strptime(match.group(1), STAMP_FORMAT)
    except ValueError:
        return None


def sha256_file(path):
    digest = hashlib.sha256()
    with open(path, 'rb') as handle:
        for block in iter(lambda: handle.read(CHUNK), b''):
            digest.update(block)
    return digest.hexdigest()


def is_vault(path):
    with open(path, 'rb') as handle:
        return handle.read(len(VAULT_HEADER)) == VAULT_HEADER


def list_files(directory):
    """Every regular file of a set, as sorted relative paths ('/'-separated), the manifest left out; a link or
    another kind of file is refused (a set holds plain files only)."""
    files = []
    for root, dirs, names in os.walk(directory):
        dirs.sort()
        for name in dirs + names:
            path = os.path.join(root, name)
            relpath = os.path.relpath(path, directory).replace(os.sep, '/')
            mode = os.lstat(path).st_mode
            if stat.S_ISLNK(mode) or not (stat.S_ISDIR(mode) or stat.S_ISREG(mode)):
                raise BackupError('%s: not a regular file or folder (a backup set holds plain files only)' % relpath)
            if stat.S_ISREG(mode) and relpath != MANIFEST:
                files.append(relpath)
    return sorted(files)


def write_private(path, data):
    """Write bytes to a file of a set: a temporary file 0600 in the same folder renamed over it (never a moment
    readable by others, never half written)."""
    folder = os.path.dirname(path)
    make_dirs(folder)
    handle, temporary = tempfile.mkstemp(dir=folder, prefix='.tmp-')
    try:
        os.fchmod(handle, FILE_MODE)
        with os.fdopen(handle, 'wb') as stream:
            stream.write(data)
        os.rename(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise


def make_dirs(folder):
    """A folder and its missing parents, each new one 0700."""
    if os.path.isdir(folder):
        return
    parent = os.path.dirname(folder.rstrip('/'))
    if parent and parent != folder:
        make_dirs(parent)
    try:
        os.mkdir(folder, DIR_MODE)
    except FileExistsError:
        if os.path.isdir(folder):
            return   # made at the same moment by the task of another host (the hosts of a play run in parallel)
        raise
    os.chmod(folder, DIR_MODE)


def build_manifest(directory, metadata, now):
    """The manifest of a set: ``metadata`` (identity, versions, dbuuid, ...) plus the SHA-256, size and secrecy of
    every file in the folder. Refuses a set without the files a restore needs, or with a secret file the metadata
    says is encrypted but is not."""
    files = {}
    for relpath in list_files(directory):
        path = os.path.join(directory, relpath)
        files[relpath] = dict(sha256=sha256_file(path), size=os.path.getsize(path), secret=is_secret(relpath),
                              encrypted=is_vault(path))
    missing = [relpath for relpath in REQUIRED if relpath not in files]
    if missing:
        raise BackupError('the backup set %s lacks %s' % (directory, ', '.join(missing)))
    if metadata.get('encrypted'):
        plain = [relpath for relpath, info in files.items() if info['secret'] and not info['encrypted']]
        if plain:
            raise BackupError('the backup set %s should be encrypted but %s %s not' % (
                directory, ', '.join(plain), 'is' if len(plain) == 1 else 'are'))
    manifest = dict(format=FORMAT, created=now.strftime('%Y-%m-%dT%H:%M:%SZ'))
    manifest.update(metadata)
    manifest['files'] = files
    return manifest


def write_manifest(directory, manifest):
    write_private(os.path.join(directory, MANIFEST), (json.dumps(manifest, indent=2, sort_keys=True) + '\n').encode())


def read_manifest(directory):
    path = os.path.join(directory, MANIFEST)
    if not os.path.isdir(directory):
        raise BackupError('%s is not a folder (the backup set to use)' % directory)
    try:
        with open(path, 'rb') as handle:
            manifest = json.loads(handle.read().decode('utf-8'))
    except FileNotFoundError as error:
        raise BackupError('%s has no %s: not a backup set' % (directory, MANIFEST)) from error
    except (OSError, ValueError) as error:
        raise BackupError('%s: cannot be read as JSON (%s)' % (path, error)) from error
    if not isinstance(manifest, dict) or not isinstance(manifest.get('files'), dict):
        raise BackupError('%s: not a backup manifest (no files)' % path)
    if manifest.get('format') != FORMAT:
        raise BackupError('%s: manifest format %r, this collection reads format %d' % (path, manifest.get('format'), FORMAT))
    return manifest


def verify(directory):
    """(manifest, problems): every file the manifest lists is there with its SHA-256 and nothing else is; the files a
    restore needs are listed. Each problem names the file."""
    manifest = read_manifest(directory)
    problems = []
    listed = manifest['files']
    for relpath in sorted(listed):
        try:
            safe_relpath(relpath)
        except BackupError as error:
            problems.append(str(error))
            continue
        path = os.path.join(directory, relpath)
        info = listed[relpath] if isinstance(listed[relpath], dict) else {}
        if not os.path.isfile(path) or os.path.islink(path):
            problems.append('%s: missing from the backup set' % relpath)
            continue
        actual = sha256_file(path)
        if actual != info.get('sha256'):
            problems.append('%s: SHA-256 %s, the manifest says %s (the file was changed or damaged)' % (
                relpath, actual, info.get('sha256')))
    try:
        present = list_files(directory)
    except BackupError as error:
        problems.append(str(error))
        present = []
    extra = [relpath for relpath in present if relpath not in listed]
    if extra:
        problems.append('%s: in the backup set folder but not in its manifest' % ', '.join(extra))
    missing = [relpath for relpath in REQUIRED if relpath not in listed]
    if missing:
        problems.append('the manifest lists no %s (a restore needs it)' % ', '.join(missing))
    return manifest, problems


def sets_of(parent, cluster):
    """[(time, name)] of the sets of ``cluster`` in ``parent`` that hold a manifest, oldest first."""
    found = []
    if not os.path.isdir(parent):
        return found
    for name in os.listdir(parent):
        when = parse_set_name(name, cluster)
        path = os.path.join(parent, name)
        if when is None or os.path.islink(path) or not os.path.isfile(os.path.join(path, MANIFEST)):
            continue
        found.append((when, name))
    return sorted(found)


def expired(sets, keep):
    """The names of the sets that retention removes: all but the ``keep`` newest (``sets`` as sets_of returns)."""
    if isinstance(keep, bool) or not isinstance(keep, int) or keep < 1:
        raise BackupError('drweb_backup_keep must be a whole number of sets to keep, 1 or more (got %r)' % (keep,))
    ordered = sorted(sets)
    return [name for unused_when, name in ordered[:max(0, len(ordered) - keep)]]


def latest(parent, cluster, now):
    """The newest set of ``cluster`` in ``parent`` and its age: dict(name, created, age_seconds) or None."""
    sets = sets_of(parent, cluster)
    if not sets:
        return None
    when, name = sets[-1]
    if now.tzinfo is not None:
        now = now.astimezone(datetime.timezone.utc).replace(tzinfo=None)
    return dict(name=name, path=os.path.join(parent, name), created=when.strftime('%Y-%m-%dT%H:%M:%SZ'),
                age_seconds=int((now - when).total_seconds()))


def passwd_salt(conf_bytes, xpath, attribute):
    """The passwd-salt value of a drwcsd.conf (the ``attribute`` of its element at ``xpath`` relative to the root);
    None when absent or empty. Never logged by the callers."""
    from xml.etree import ElementTree  # pylint: disable=import-outside-toplevel
    try:
        root = ElementTree.fromstring(conf_bytes)
    except ElementTree.ParseError as error:
        raise BackupError('drwcsd.conf cannot be parsed as XML (%s)' % error) from error
    element = root.find(xpath)
    value = element.get(attribute) if element is not None else None
    return value or None
