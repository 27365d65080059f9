"""The Server repository and its update sources.

On disk (product-facts 1.6 CONFIRMED, 8.9/T29 GUESS)::

    /var/opt/drwcs/repository/
        .servers  .url  .proto             update source (product-facts 8.5): see sources() below
        <NN-product>/                      e.g. 10-drwbases, 80-drwnews
            .description                   display name (product-facts 8.4)
            .sync-off                      present: the product is not updated (product-facts 8.4)
            .current                       the revision the Server distributes (product-facts 8.9 GUESS)
            <revision>/...                 one folder per revision, named by timestamp YYYYMMDDhhmmss (8.9 GUESS)

Update zone (a GUS-like HTTP tree, the double's own layout)::

    <zone>/products.txt                    product codes, one per line
    <zone>/<product>/.description          optional display name
    <zone>/<product>/revisions.txt         revision names, one per line, oldest first; the LAST line is distributed
    <zone>/<product>/<revision>/.files     manifest: "<sha256> <size> <relative path>" per file
    <zone>/<product>/<revision>/<files>

A parent Server (drwcs://<host>[:<port>]) serves the same tree (its distributed revisions only) at
https://<host>:<port, default 9081>/update/ (double's stand-in for interserver updates).
"""

import hashlib
import os
import shutil
import ssl
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

# product-facts 8.8 (05-drwmeta, 80-drwnews CONFIRMED), 8.9 GUESS (the others)
PRODUCTS = {
    '05-drwmeta': 'Dr.Web Meta information',
    '10-drwbases': 'Dr.Web Virus Databases',
    '20-drwcs': 'Dr.Web Server',
    '80-drwnews': 'Doctor Web News',
}
# the GUS default written at install: product-facts 8.5 (.servers polled in order, .url base, .proto)
DEFAULT_SERVERS = 'esuite.geo.drweb.com\nesuite.msk.drweb.com\n'
DEFAULT_URL = '/update\n'
DEFAULT_PROTO = 'https\n'
FETCH_TIMEOUT = 15


def manifest_lines(directory):
    """The .files manifest of a revision folder."""
    lines = []
    for base, dirs, files in os.walk(directory):
        dirs.sort()
        for name in sorted(files):
            path = os.path.join(base, name)
            rel = os.path.relpath(path, directory)
            if rel == '.files':
                continue
            with open(path, 'rb') as handle:
                data = handle.read()
            lines.append('%s %d %s\n' % (hashlib.sha256(data).hexdigest(), len(data), rel))
    return lines


def parse_manifest(text):
    """[(sha256, size, relpath)] of a manifest; ValueError when a line is bad or a path escapes."""
    entries = []
    for line in text.splitlines():
        if not line.strip():
            continue
        digest, size, rel = line.split(' ', 2)
        if rel.startswith('/') or '..' in rel.split('/'):
            raise ValueError('unsafe path in manifest: %r' % rel)
        entries.append((digest, int(size), rel))
    return entries


def _read_text(path, default=''):
    try:
        with open(path, encoding='utf-8') as handle:
            return handle.read()
    except OSError:
        return default


def seed(root, revision):
    """Write the repository a fresh install ships: the GUS source files and one revision per product."""
    os.makedirs(root, exist_ok=True)
    for name, text in (('.servers', DEFAULT_SERVERS), ('.url', DEFAULT_URL), ('.proto', DEFAULT_PROTO)):
        if not os.path.exists(os.path.join(root, name)):
            with open(os.path.join(root, name), 'w', encoding='utf-8') as handle:
                handle.write(text)
    for code, description in PRODUCTS.items():
        product_dir = os.path.join(root, code)
        if os.path.exists(product_dir):
            continue
        revision_dir = os.path.join(product_dir, revision)
        os.makedirs(revision_dir)
        with open(os.path.join(product_dir, '.description'), 'w', encoding='utf-8') as handle:
            handle.write(description + '\n')
        with open(os.path.join(revision_dir, 'readme.txt'), 'w', encoding='utf-8') as handle:
            handle.write('%s revision %s (shipped with the installation package)\n' % (code, revision))
        with open(os.path.join(product_dir, '.current'), 'w', encoding='utf-8') as handle:
            handle.write(revision + '\n')


def scan(root):
    """{product: info} of the repository on disk."""
    products = {}
    try:
        names = sorted(os.listdir(root))
    except OSError:
        return products
    for code in names:
        product_dir = os.path.join(root, code)
        if code.startswith('.') or not os.path.isdir(product_dir):
            continue
        revisions = sorted(n for n in os.listdir(product_dir) if not n.startswith('.') and os.path.isdir(os.path.join(product_dir, n)))
        current = _read_text(os.path.join(product_dir, '.current')).strip()
        if current not in revisions:
            # product-facts 8.3: with no "current" marker, the latest revision is distributed
            current = revisions[-1] if revisions else ''
        size = files = 0
        modified = 0
        if current:
            for base, _dirs, names_ in os.walk(os.path.join(product_dir, current)):
                for name in names_:
                    stat = os.stat(os.path.join(base, name))
                    size += stat.st_size
                    files += 1
                    modified = max(modified, int(stat.st_mtime))
        products[code] = {
            'code': code,
            'name': _read_text(os.path.join(product_dir, '.description')).strip() or PRODUCTS.get(code, code),
            'revision': current,
            'revisions': revisions,
            'size': size,
            'files': files,
            'modified_time': modified,
            'frozen': os.path.exists(os.path.join(product_dir, '.sync-off')),
        }
    return products


def sources(root):
    """Base URLs of the update source, in the order they are tried (product-facts 8.5).

    ``.url`` holding a full URI (``http://``, ``https://``, ``file://``, ``drwcs://``) is used as is; otherwise
    every host of ``.servers`` is combined with ``.proto`` (default http) and the ``.url`` path.
    """
    url = _read_text(os.path.join(root, '.url')).strip()
    if '://' in url:
        return [url.rstrip('/')]
    proto = _read_text(os.path.join(root, '.proto')).strip() or 'http'
    hosts = [h.strip() for h in _read_text(os.path.join(root, '.servers')).splitlines() if h.strip()]
    return ['%s://%s/%s' % (proto, host, url.strip('/')) if url.strip('/') else '%s://%s' % (proto, host) for host in hosts]


def _fetch(base, rel):
    """Bytes of base/rel, base being http(s)://, file:// or drwcs://host[:port] (parent Server)."""
    parsed = urllib.parse.urlsplit(base)
    if parsed.scheme == 'file':
        with open(os.path.join(urllib.parse.unquote(parsed.path), rel), 'rb') as handle:
            return handle.read()
    if parsed.scheme == 'drwcs':
        base = 'https://%s:%d/update' % (parsed.hostname, parsed.port or 9081)
    elif parsed.scheme not in ('http', 'https'):
        raise ValueError('unsupported update protocol %r' % parsed.scheme)
    url = base.rstrip('/') + '/' + urllib.parse.quote(rel)
    context = ssl.create_default_context()
    # the zone and parent Servers use self-signed certificates in the lab
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    with urllib.request.urlopen(url, timeout=FETCH_TIMEOUT, context=context) as response:  # nosec - test double
        return response.read()


class Repository:
    """The repository of a running Server: cached scan (reread on SIGUSR1, product-facts 5.14) and updates."""

    def __init__(self, root, log):
        self.root = root
        self.log = log
        self.lock = threading.Lock()
        self.state = 'ready'
        self.products = scan(root)
        self.last_update = {}

    def reread(self):
        """Rescan the repository from disk."""
        self.products = scan(self.root)
        self.log.info('repository: reread from disk: %s' % self.revisions_text())

    def revisions(self):
        """{product: distributed revision}."""
        return {code: info['revision'] for code, info in sorted(self.products.items())}

    def revisions_text(self):
        """Short text of the revisions for the log."""
        return ', '.join('%s=%s' % item for item in self.revisions().items()) or '(empty)'

    def update(self, src='Launched by Task Scheduler'):
        """Update every product from the first update source that answers. Returns (ok, message)."""
        if not self.lock.acquire(blocking=False):  # pylint: disable=consider-using-with
            return True, 'update already running'
        try:
            self.state = 'updating'
            return self._update(src)
        finally:
            self.state = 'ready'
            self.lock.release()

    def _update(self, src):
        bases = sources(self.root)
        if not bases:
            self.log.error('repository: update failed: no update source configured (.url/.servers)')
            return False, 'no update source'
        errors = []
        for base in bases:
            self.log.info('repository: updating from %s' % base)
            try:
                changed = self._update_from(base)
            except (OSError, ValueError, urllib.error.URLError) as exc:
                errors.append('%s: %s' % (base, exc))
                self.log.warning('repository: update source %s failed: %s' % (base, exc))
                continue
            self.products = scan(self.root)
            now = int(time.time())
            for code in self.products:
                self.last_update[code] = {'endtime': now, 'src': src, 'rc': 'success', 'rc_code': 0}
            self.log.info('repository: update finished from %s: %s; revisions: %s'
                          % (base, ', '.join(changed) if changed else 'no new revisions', self.revisions_text()))
            return True, 'updated'
        now = int(time.time())
        for code in self.products:
            self.last_update[code] = {'endtime': now, 'src': src, 'rc': 'failed', 'rc_code': 1}
        self.log.error('repository: update failed: %s' % '; '.join(errors))
        return False, '; '.join(errors)

    def _update_from(self, base):
        changed = []
        for code in [line.strip() for line in _fetch(base, 'products.txt').decode('utf-8').splitlines() if line.strip()]:
            if '/' in code or code.startswith('.'):
                raise ValueError('bad product code %r' % code)
            product_dir = os.path.join(self.root, code)
            # product-facts 8.4/T30 GUESS: .sync-off still disables a product's updates in 13
            if os.path.exists(os.path.join(product_dir, '.sync-off')):
                self.log.info('repository: %s: updates are off (.sync-off), skipped' % code)
                continue
            revisions = [r.strip() for r in _fetch(base, code + '/revisions.txt').decode('utf-8').splitlines() if r.strip()]
            if not revisions:
                continue
            latest = revisions[-1]
            if '/' in latest or latest.startswith('.'):
                raise ValueError('bad revision %r' % latest)
            target = os.path.join(product_dir, latest)
            if not os.path.isdir(target):
                os.makedirs(product_dir, exist_ok=True)
                tmp = tempfile.mkdtemp(dir=product_dir, prefix='.incoming-')
                try:
                    for digest, size, rel in parse_manifest(_fetch(base, '%s/%s/.files' % (code, latest)).decode('utf-8')):
                        data = _fetch(base, '%s/%s/%s' % (code, latest, rel))
                        if len(data) != size or hashlib.sha256(data).hexdigest() != digest:
                            raise ValueError('checksum mismatch of %s/%s/%s' % (code, latest, rel))
                        path = os.path.join(tmp, rel)
                        os.makedirs(os.path.dirname(path), exist_ok=True)
                        with open(path, 'wb') as handle:
                            handle.write(data)
                    os.rename(tmp, target)
                except BaseException:
                    shutil.rmtree(tmp, ignore_errors=True)
                    raise
            if not os.path.exists(os.path.join(product_dir, '.description')):
                try:
                    description = _fetch(base, code + '/.description').decode('utf-8')
                except (OSError, urllib.error.URLError):
                    description = PRODUCTS.get(code, code) + '\n'
                with open(os.path.join(product_dir, '.description'), 'w', encoding='utf-8') as handle:
                    handle.write(description)
            current_file = os.path.join(product_dir, '.current')
            if _read_text(current_file).strip() != latest:
                with open(current_file, 'w', encoding='utf-8') as handle:
                    handle.write(latest + '\n')
                changed.append('%s -> %s' % (code, latest))
        return changed

    def export_file(self, rel):
        """Bytes of the parent-Server view (/update/...) of this repository, or None."""
        parts = [p for p in rel.split('/') if p]
        if any(p == '..' for p in parts):
            return None
        products = self.products
        if parts == ['products.txt']:
            return ''.join(code + '\n' for code in sorted(products)).encode('utf-8')
        if len(parts) < 2 or parts[0] not in products:
            return None
        info = products[parts[0]]
        if parts[1] == 'revisions.txt' and len(parts) == 2:
            return (info['revision'] + '\n').encode('utf-8') if info['revision'] else b''
        if parts[1] == '.description' and len(parts) == 2:
            return (info['name'] + '\n').encode('utf-8')
        if parts[1] != info['revision'] or len(parts) < 3:
            return None
        directory = os.path.join(self.root, parts[0], parts[1])
        if parts[2:] == ['.files']:
            return ''.join(manifest_lines(directory)).encode('utf-8')
        path = os.path.join(directory, *parts[2:])
        if not os.path.isfile(path):
            return None
        with open(path, 'rb') as handle:
            return handle.read()
