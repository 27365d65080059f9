# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read the Dr.Web Server key pair and certificate: hashes, metadata, which key they belong to, certificate version.

Shared by the modules key_fingerprint (the full report of one node's files, or of text given in memory) and
server_facts (the cluster member read: the same facts, compared between members). Nothing returned here is key
material: only SHA-256 hashes of files and of public keys, sizes, owners and certificate fields.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import grp
import hashlib
import os
import pwd
import re
import stat
import traceback

from ansible.module_utils.common.text.converters import to_native

CRYPTOGRAPHY_IMP_ERR = None
try:
    from cryptography import x509
    from cryptography.hazmat.backends import default_backend
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa
    from cryptography.x509.oid import ObjectIdentifier
    HAS_CRYPTOGRAPHY = True
except ImportError:
    CRYPTOGRAPHY_IMP_ERR = traceback.format_exc()
    HAS_CRYPTOGRAPHY = False

FILES = ('private_key', 'public_key', 'certificate')
PEM_BLOCK_RE = re.compile(br'-----BEGIN ([A-Z0-9 ]+)-----\r?\n.*?-----END \1-----', re.S)
PRIVATE_KEY_LABELS = (b'PRIVATE KEY', b'RSA PRIVATE KEY', b'EC PRIVATE KEY', b'DSA PRIVATE KEY')
PUBLIC_KEY_LABELS = (b'PUBLIC KEY', b'RSA PUBLIC KEY')
CERTIFICATE_LABELS = (b'CERTIFICATE',)
VERSION_TEXT_RE = re.compile(r'^\s*(?:version\s*[=:]\s*)?(\d+)\s*$', re.I)
SUBJECT_VERSION_RE = re.compile(r'^\s*version\s*[=:]\s*(\d+)\s*$', re.I)


class FileProblem(Exception):
    """A file that exists but cannot be read or parsed; the message names no key material."""


def valid_oid(text):
    """None when text is a dotted OID, else why not."""
    try:
        ObjectIdentifier(text)
    except ValueError as error:
        return to_native(error)
    return None


def _utc(value):
    """An aware UTC datetime from cryptography's naive-UTC or aware value."""
    if value.tzinfo is None:
        return value.replace(tzinfo=datetime.timezone.utc)
    return value.astimezone(datetime.timezone.utc)


def _iso(value):
    return value.strftime('%Y-%m-%dT%H:%M:%SZ')


def _account_name(lookup, number):
    try:
        return lookup(number)[0]
    except (KeyError, OverflowError):
        return str(number)


def _pem_blocks(data, labels):
    """The PEM blocks of data (bytes) with one of labels, in file order; surrounding text is ignored."""
    return [match.group(0) + b'\n' for match in PEM_BLOCK_RE.finditer(data) if match.group(1) in labels]


def _public_der(public_key):
    return public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def _key_type(key):
    if isinstance(key, (rsa.RSAPrivateKey, rsa.RSAPublicKey)):
        return 'RSA-%d' % key.key_size
    if isinstance(key, (ec.EllipticCurvePrivateKey, ec.EllipticCurvePublicKey)):
        return 'EC-%s' % key.curve.name
    if isinstance(key, (ed25519.Ed25519PrivateKey, ed25519.Ed25519PublicKey)):
        return 'Ed25519'
    if isinstance(key, (ed448.Ed448PrivateKey, ed448.Ed448PublicKey)):
        return 'Ed448'
    if isinstance(key, (dsa.DSAPrivateKey, dsa.DSAPublicKey)):
        return 'DSA-%d' % key.key_size
    return type(key).__name__


def _der_value(data):
    """(tag, content) of a single DER TLV, or None when data is not one."""
    if len(data) < 2:
        return None
    tag, length, offset = data[0], data[1], 2
    if length & 0x80:
        count = length & 0x7f
        if count == 0 or count > 4 or len(data) < 2 + count:
            return None
        length = int.from_bytes(data[2:2 + count], 'big')
        offset = 2 + count
    if offset + length != len(data):
        return None
    return tag, data[offset:]


def _version_from_bytes(data):
    """A version number from an extension value: DER INTEGER, DER string or plain text; None when none."""
    tlv = _der_value(data)
    if tlv is not None:
        tag, content = tlv
        if tag == 0x02 and content:
            return int.from_bytes(content, 'big', signed=True)
        if tag == 0x04:
            return _version_from_bytes(content)
        if tag in (0x0c, 0x13, 0x16, 0x1a, 0x1e):
            encoding = 'utf-16-be' if tag == 0x1e else 'utf-8'
            return _version_from_text(content.decode(encoding, 'replace'))
    return _version_from_text(data.decode('utf-8', 'replace'))


def _version_from_text(text):
    match = VERSION_TEXT_RE.match(text or '')
    return int(match.group(1)) if match else None


def _certificate_version(certificate, version_oid):
    """(version, source): the version_oid extension or attribute, a version=N subject attribute, else the serial."""
    if version_oid:
        oid = ObjectIdentifier(version_oid)
        try:
            extension = certificate.extensions.get_extension_for_oid(oid)
        except x509.ExtensionNotFound:
            extension = None
        if extension is not None:
            value = getattr(extension.value, 'value', None)
            if isinstance(value, bytes):
                version = _version_from_bytes(value)
                if version is not None:
                    return version, 'extension'
        for attribute in certificate.subject.get_attributes_for_oid(oid):
            version = _version_from_text(to_native(attribute.value))
            if version is not None:
                return version, 'subject'
    for attribute in certificate.subject:
        match = SUBJECT_VERSION_RE.match(to_native(attribute.value))
        if match:
            return int(match.group(1)), 'subject'
    return certificate.serial_number, 'serial'


class KeySet(object):
    """Read a key pair and certificate (from files, or from text given in memory) into hashes and metadata."""

    def __init__(self, version_oid=None):
        self.version_oid = version_oid
        self.backend = default_backend()
        self.warnings = []

    @staticmethod
    def new_info(path, source):
        return dict(path=path, source=source, exists=False, valid=None, error=None, sha256=None, size=None, mode=None,
                    owner=None, group=None, key_type=None, public_key_sha256=None)

    def from_content(self, text):
        """Metadata and bytes of a text given in memory: (info, data). The text itself never goes into the result."""
        data = text.encode('utf-8', 'surrogateescape')
        info = self.new_info(None, 'content')
        info.update(exists=True, sha256=hashlib.sha256(data).hexdigest(), size=len(data))
        return info, data

    def stat_file(self, path):
        """The file's metadata and bytes: (info, data); data None when missing."""
        info = self.new_info(path, 'file')
        try:
            status = os.stat(path)
        except FileNotFoundError:
            return info, None
        except OSError as error:
            info.update(exists=os.path.lexists(path), valid=False, error='cannot stat %s: %s' % (path, to_native(error.strerror)))
            return info, None
        info.update(exists=True, size=status.st_size, mode='%04o' % stat.S_IMODE(status.st_mode),
                    owner=_account_name(pwd.getpwuid, status.st_uid), group=_account_name(grp.getgrgid, status.st_gid))
        if not stat.S_ISREG(status.st_mode):
            info.update(valid=False, error='%s is not a regular file' % path)
            return info, None
        try:
            with open(path, 'rb') as handle:
                data = handle.read()
        except (IOError, OSError) as error:
            info.update(valid=False, error='cannot read %s: %s' % (path, to_native(error.strerror or error)))
            return info, None
        info.update(sha256=hashlib.sha256(data).hexdigest(), size=len(data))
        return info, data

    def load_private_key(self, path, data):
        blocks = _pem_blocks(data, PRIVATE_KEY_LABELS)
        if not blocks:
            if _pem_blocks(data, (b'ENCRYPTED PRIVATE KEY',)):
                raise FileProblem('%s holds an encrypted private key; only unencrypted keys can be checked' % path)
            raise FileProblem('%s holds no PEM private key block' % path)
        try:
            return serialization.load_pem_private_key(blocks[0], None, self.backend)
        except TypeError as error:
            raise FileProblem('%s holds an encrypted private key; only unencrypted keys can be checked' % path) from error
        except Exception as error:  # pylint: disable=broad-exception-caught
            raise FileProblem('%s holds a corrupt PEM private key (%s)' % (path, type(error).__name__)) from error

    def load_public_key(self, path, data):
        blocks = _pem_blocks(data, PUBLIC_KEY_LABELS)
        if not blocks:
            raise FileProblem('%s holds no PEM public key block (the product format may differ)' % path)
        try:
            return serialization.load_pem_public_key(blocks[0], self.backend)
        except Exception as error:  # pylint: disable=broad-exception-caught
            raise FileProblem('%s holds a PEM public key that cannot be parsed (%s)' % (path, type(error).__name__)) from error

    def load_certificate(self, path, data):
        blocks = _pem_blocks(data, CERTIFICATE_LABELS)
        if not blocks:
            raise FileProblem('%s holds no PEM certificate block' % path)
        try:
            return x509.load_pem_x509_certificate(blocks[0], self.backend)
        except Exception as error:  # pylint: disable=broad-exception-caught
            raise FileProblem('%s holds a corrupt PEM certificate (%s)' % (path, type(error).__name__)) from error

    def certificate_fields(self, certificate):
        try:
            not_before = _utc(certificate.not_valid_before_utc)
            not_after = _utc(certificate.not_valid_after_utc)
        except AttributeError:  # cryptography < 42
            not_before = _utc(certificate.not_valid_before)
            not_after = _utc(certificate.not_valid_after)
        now = datetime.datetime.now(datetime.timezone.utc)
        version, source = _certificate_version(certificate, self.version_oid)
        return dict(subject=certificate.subject.rfc4514_string(), issuer=certificate.issuer.rfc4514_string(),
                    serial=certificate.serial_number, not_before=_iso(not_before), not_after=_iso(not_after),
                    expired=now > not_after, not_yet_valid=now < not_before, version=version, version_source=source)

    def read(self, paths, contents=None):
        """(result, problems) for the three files.

        paths: name -> path; contents: name -> text checked instead of the file (None or missing: read the file).
        result: name -> info, the two "matches" flags and fingerprint (name -> file SHA-256). problems: messages about
        a private key or certificate that exists but cannot be read or parsed (a public key that cannot be parsed is a
        warning only: the product's .pub format is not public).
        """
        contents = contents or {}
        loaders = dict(private_key=self.load_private_key, public_key=self.load_public_key,
                       certificate=self.load_certificate)
        result = {}
        public_ders = {}
        problems = []
        for name in FILES:
            content = contents.get(name)
            # error messages name the option when the text was given, the path when the file was read
            path = '%s_content' % name if content is not None else paths[name]
            info, data = self.from_content(content) if content is not None else self.stat_file(path)
            if name == 'certificate':
                info.update(subject=None, issuer=None, serial=None, not_before=None, not_after=None, expired=None,
                            not_yet_valid=None, version=None, version_source=None)
            if info['error']:
                problems.append(info['error'])
            elif data is not None:
                try:
                    loaded = loaders[name](path, data)
                except FileProblem as problem:
                    info.update(valid=False, error=str(problem))
                    if name == 'public_key':
                        self.warnings.append('%s; public_key_matches_private_key cannot be decided' % problem)
                    else:
                        problems.append(str(problem))
                else:
                    key = loaded.public_key() if name != 'public_key' else loaded
                    public_ders[name] = _public_der(key)
                    info.update(valid=True, key_type=_key_type(key),
                                public_key_sha256=hashlib.sha256(public_ders[name]).hexdigest())
                    if name == 'certificate':
                        info.update(self.certificate_fields(loaded))
            result[name] = info

        private_der = public_ders.get('private_key')
        for name, field in (('public_key', 'public_key_matches_private_key'),
                            ('certificate', 'certificate_matches_private_key')):
            other = public_ders.get(name)
            result[field] = None if private_der is None or other is None else private_der == other
        result['fingerprint'] = dict((name, result[name]['sha256']) for name in FILES)
        return result, problems


def identity(result):
    """The compact identity of a read key set (what cluster members compare): the three files' SHA-256, the private
    key's public-key hash, the certificate's version and expiry, and whether the set is complete and belongs together.
    """
    private_key, certificate = result['private_key'], result['certificate']
    complete = all(result[name]['exists'] for name in FILES)
    return dict(
        fingerprint=dict(result['fingerprint']),
        public_key_sha256=private_key['public_key_sha256'],
        certificate_version=certificate.get('version'),
        certificate_not_after=certificate.get('not_after'),
        complete=complete,
        consistent=complete and result['certificate_matches_private_key'] is True
        and result['public_key_matches_private_key'] is not False,
        problems=[result[name]['error'] for name in FILES if result[name]['error']],
    )
