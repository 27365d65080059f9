"""drwcsd.pri / drwcsd.pub / drwcsd-certificate.pem and the Control Center HTTPS pair.

File formats (the double's choice; the vendor formats are not public):

* drwcsd.pri: an EC P-256 private key, PKCS#8 PEM, after a ``;`` comment line.
* drwcsd.pub: derived from drwcsd.pri, byte-identical every time (product-facts 4.4): ``;`` comment lines with a
  key id, the SubjectPublicKeyInfo PEM, and a ``***EOF***`` line (the shape public-key.ds shows in product-facts 7.14).
* drwcsd-certificate.pem: a self-signed X.509 v3 certificate signed by drwcsd.pri. Its **version** (product-facts
  4.3: each generation makes a new version) is the certificate serial number: 1 for the first certificate, previous
  serial + 1 when a certificate already exists at the target path.
"""

import datetime
import hashlib
import re
import uuid

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

PRIVATE_HEADER = '; Dr.Web (R) Private key file (drwcsd test double: EC P-256, PKCS#8 PEM)\n'
PUBLIC_HEADER = '; Dr.Web (R) Public key file (drwcsd test double: EC P-256 SubjectPublicKeyInfo PEM)\n'
EOF_LINE = '***EOF***\n'
KEY_ID_NAMESPACE = uuid.UUID('6f1c1f4e-57e3-4e8e-9d55-2b61c5d0a8a1')
PEM_RE = re.compile(r'-----BEGIN ([A-Z ]+)-----\r?\n.*?-----END \1-----', re.S)


class KeyFileError(Exception):
    """A key or certificate file is missing or unreadable."""


def _pem_block(text, label):
    for match in PEM_RE.finditer(text):
        if match.group(1) == label:
            return match.group(0).encode('ascii') + b'\n'
    raise KeyFileError('no %s block found' % label)


def _read(path):
    try:
        with open(path, encoding='ascii') as handle:
            return handle.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise KeyFileError('cannot read %s: %s' % (path, exc)) from exc


def generate_private_key_text():
    """A new drwcsd.pri."""
    key = ec.generate_private_key(ec.SECP256R1())
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    return PRIVATE_HEADER + pem.decode('ascii')


def load_private_key(path):
    """The private key object of a drwcsd.pri (or any PEM private key) file."""
    text = _read(path)
    try:
        return serialization.load_pem_private_key(_pem_block(text, 'PRIVATE KEY'), password=None)
    except (KeyFileError, ValueError, TypeError) as exc:
        try:
            return serialization.load_pem_private_key(_pem_block(text, 'EC PRIVATE KEY'), password=None)
        except (KeyFileError, ValueError, TypeError):
            raise KeyFileError('%s is not a private key file: %s' % (path, exc)) from exc


def public_der(public_key):
    """DER SubjectPublicKeyInfo of a public key."""
    return public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def key_id(public_key):
    """Stable key id (a UUID derived from the public key) shown in drwcsd.pub and public-key.ds."""
    return str(uuid.uuid5(KEY_ID_NAMESPACE, hashlib.sha256(public_der(public_key)).hexdigest()))


def public_key_text(private_key):
    """drwcsd.pub content derived from a private key; the same key always gives the same bytes."""
    public_key = private_key.public_key()
    pem = public_key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    return PUBLIC_HEADER + '; Key ID: %s\n' % key_id(public_key) + pem.decode('ascii') + EOF_LINE


def load_public_key(path):
    """The public key object of a drwcsd.pub file."""
    try:
        return serialization.load_pem_public_key(_pem_block(_read(path), 'PUBLIC KEY'))
    except (KeyFileError, ValueError) as exc:
        raise KeyFileError('%s is not a public key file: %s' % (path, exc)) from exc


def load_certificate(path):
    """The x509 certificate of a PEM file."""
    try:
        return x509.load_pem_x509_certificate(_pem_block(_read(path), 'CERTIFICATE'))
    except (KeyFileError, ValueError) as exc:
        raise KeyFileError('%s is not a certificate file: %s' % (path, exc)) from exc


def certificate_version(path):
    """Version (serial number) of the certificate at path; 0 when there is none or it is unreadable."""
    try:
        return load_certificate(path).serial_number
    except KeyFileError:
        return 0


def parse_subject(subject):
    """An x509.Name from an OpenSSL-style subject ``/C=RU/O=Org/CN=name``."""
    mapping = {'C': NameOID.COUNTRY_NAME, 'ST': NameOID.STATE_OR_PROVINCE_NAME, 'L': NameOID.LOCALITY_NAME,
               'O': NameOID.ORGANIZATION_NAME, 'OU': NameOID.ORGANIZATIONAL_UNIT_NAME, 'CN': NameOID.COMMON_NAME,
               'emailAddress': NameOID.EMAIL_ADDRESS}
    attrs = []
    for part in [p for p in subject.split('/') if p]:
        name, sep, value = part.partition('=')
        if not sep or name not in mapping or not value:
            raise ValueError('bad subject component %r' % part)
        attrs.append(x509.NameAttribute(mapping[name], value))
    if not attrs:
        raise ValueError('empty subject')
    return x509.Name(attrs)


def certificate_text(private_key, version, subject='/CN=Dr.Web Server', days=3650):
    """A self-signed certificate (PEM text) of the private key, with serial number = version."""
    name = parse_subject(subject)
    now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    cert = (x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(private_key.public_key())
            .serial_number(version)
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=days))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(private_key.public_key()), critical=False)
            .sign(private_key, hashes.SHA256()))
    return cert.public_bytes(serialization.Encoding.PEM).decode('ascii')


def https_pair(hostname):
    """(certificate PEM, private key PEM) of a self-signed Control Center certificate (product-facts 4.8 GUESS)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hostname or 'localhost')])
    now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    cert = (x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=3650))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(hostname or 'localhost'), x509.DNSName('localhost')]),
                           critical=False)
            .sign(key, hashes.SHA256()))
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    return cert.public_bytes(serialization.Encoding.PEM).decode('ascii'), key_pem.decode('ascii')


def file_sha256(path):
    """SHA-256 hex digest of a file's bytes, or '' when it cannot be read."""
    try:
        with open(path, 'rb') as handle:
            return hashlib.sha256(handle.read()).hexdigest()
    except OSError:
        return ''
