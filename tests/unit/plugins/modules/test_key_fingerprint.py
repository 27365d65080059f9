# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of drweb.cluster.key_fingerprint with real keys and certificates generated here."""

from __future__ import annotations

import base64
import datetime
import hashlib
import importlib.util
import json
import os
import pwd
import re
import stat
from pathlib import Path

import pytest

import yaml

cryptography = pytest.importorskip('cryptography')

# pylint: disable=wrong-import-position
from cryptography import x509  # noqa: E402
from cryptography.hazmat.primitives import hashes, serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa  # noqa: E402
from cryptography.x509.oid import NameOID, ObjectIdentifier  # noqa: E402

from ansible_collections.drweb.cluster.plugins.module_utils import drwcsd  # noqa: E402
from ansible_collections.drweb.cluster.plugins.modules import key_fingerprint  # noqa: E402
from ansible_collections.drweb.cluster.tests.unit.plugins.modules.utils import (  # noqa: E402
    AnsibleFailJson,
    patch_module_args,
    run_module,
)

COLLECTION_ROOT = Path(drwcsd.__file__).resolve().parents[2]
DOUBLE_KEYS = COLLECTION_ROOT / 'tests' / 'drwcsd_double' / 'src' / 'drwcsd_double' / 'keys.py'
DRWEB_PUBLIC_HEADER = '; Dr.Web (R) Public key file\n; Key ID: 00000000-0000-0000-0000-000000000000\n'
NOW = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
VERSION_OID = '1.3.6.1.4.1.99999.1.1'


# ---------------------------------------------------------------------------------------------------------------
# Material
# ---------------------------------------------------------------------------------------------------------------
def new_ec_key():
    return ec.generate_private_key(ec.SECP256R1())


def private_pem(key, fmt=serialization.PrivateFormat.PKCS8, encryption=None):
    return key.private_bytes(serialization.Encoding.PEM, fmt, encryption or serialization.NoEncryption())


def public_pem(key):
    return key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def certificate_pem(key, serial=1, subject=None, not_before=None, not_after=None, extensions=()):
    name = subject or x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, 'Dr.Web Server')])
    builder = (x509.CertificateBuilder()
               .subject_name(name)
               .issuer_name(name)
               .public_key(key.public_key())
               .serial_number(serial)
               .not_valid_before(not_before or NOW - datetime.timedelta(minutes=5))
               .not_valid_after(not_after or NOW + datetime.timedelta(days=3650)))
    for extension in extensions:
        builder = builder.add_extension(extension, critical=False)
    algorithm = None if isinstance(key, ed25519.Ed25519PrivateKey) else hashes.SHA256()
    return builder.sign(key, algorithm).public_bytes(serialization.Encoding.PEM)


class KeySet:
    """Paths and material of one key pair and certificate written under a folder."""

    def __init__(self, folder, key=None, private_text=None, public_text=None, certificate_text=None):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.key = key or new_ec_key()
        self.private_key = self.folder / 'drwcsd.pri'
        self.public_key = self.folder / 'drwcsd.pub'
        self.certificate = self.folder / 'drwcsd-certificate.pem'
        self.private_key.write_bytes(private_text if private_text is not None else private_pem(self.key))
        self.public_key.write_bytes(public_text if public_text is not None else public_pem(self.key))
        self.certificate.write_bytes(certificate_text if certificate_text is not None else certificate_pem(self.key))
        self.private_key.chmod(0o600)

    def args(self, **extra):
        args = dict(private_key=str(self.private_key), public_key=str(self.public_key), certificate=str(self.certificate))
        args.update(extra)
        return args

    def sha256(self, name):
        return hashlib.sha256(getattr(self, name).read_bytes()).hexdigest()


@pytest.fixture(autouse=True)
def module_side(monkeypatch):
    """Run the module as it runs on a target. Once any test of the session imports controller code (ansible._internal),
    ansible.module_utils thinks it runs in the controller and sends module warnings straight to the display instead of
    recording them for the result, so the warnings these tests check would vanish depending on the test order."""
    from ansible.module_utils import _internal  # pylint: disable=import-outside-toplevel
    monkeypatch.setattr(_internal, 'is_controller', False)


@pytest.fixture
def keyset(tmp_path):
    return KeySet(tmp_path / 'etc')


def run(args, check_mode=False):
    return run_module(key_fingerprint, args, check_mode=check_mode)


def fail(args):
    with pytest.raises(AnsibleFailJson) as failure:
        run(args)
    return failure.value.result


def pem_bodies(*texts):
    """Every base64 line (and the whole joined body) of the PEM blocks in texts."""
    pieces = []
    for text in texts:
        text = text.decode('ascii', 'replace') if isinstance(text, bytes) else text
        for match in re.finditer(r'-----BEGIN [A-Z0-9 ]+-----\r?\n(.*?)-----END', text, re.S):
            lines = [line.strip() for line in match.group(1).splitlines() if line.strip()]
            pieces.extend(line for line in lines if len(line) >= 16)
            pieces.append(''.join(lines))
    return pieces


def assert_no_key_material(result, *texts, numbers=()):
    serialized = json.dumps(result, default=str)
    assert '-----BEGIN' not in serialized
    assert 'PRIVATE KEY' not in serialized
    for piece in pem_bodies(*texts):
        assert piece not in serialized
    for number in numbers:
        assert str(number) not in serialized
        assert '%x' % number not in serialized.lower()
        raw = number.to_bytes((number.bit_length() + 7) // 8, 'big')
        assert base64.b64encode(raw).decode('ascii') not in serialized


# ---------------------------------------------------------------------------------------------------------------
# Defaults come from module_utils/drwcsd.py
# ---------------------------------------------------------------------------------------------------------------
def test_default_paths_are_the_product_facts():
    result = run(dict(fail_on_corrupt=False))
    assert result['private_key']['path'] == drwcsd.PRIVATE_KEY_FILE
    assert result['public_key']['path'] == drwcsd.PUBLIC_KEY_FILE
    assert result['certificate']['path'] == drwcsd.CERTIFICATE_FILE


def test_documented_defaults_are_the_product_facts():
    options = yaml.safe_load(key_fingerprint.DOCUMENTATION)['options']
    assert options['private_key']['default'] == drwcsd.PRIVATE_KEY_FILE
    assert options['public_key']['default'] == drwcsd.PUBLIC_KEY_FILE
    assert options['certificate']['default'] == drwcsd.CERTIFICATE_FILE


# ---------------------------------------------------------------------------------------------------------------
# A matching set
# ---------------------------------------------------------------------------------------------------------------
def test_matching_set_reports_files_and_matches(keyset):
    result = run(keyset.args())
    assert result['changed'] is False
    assert result['public_key_matches_private_key'] is True
    assert result['certificate_matches_private_key'] is True
    assert 'warnings' not in result
    owner = pwd.getpwuid(os.getuid()).pw_name
    for name in ('private_key', 'public_key', 'certificate'):
        info = result[name]
        path = getattr(keyset, name)
        assert info['path'] == str(path)
        assert info['exists'] is True
        assert info['valid'] is True
        assert info['error'] is None
        assert info['sha256'] == keyset.sha256(name)
        assert info['size'] == path.stat().st_size
        assert info['mode'] == '%04o' % stat.S_IMODE(path.stat().st_mode)
        assert info['owner'] == owner
        assert info['key_type'] == 'EC-secp256r1'
        assert result['fingerprint'][name] == keyset.sha256(name)
    assert result['private_key']['mode'] == '0600'
    assert result['private_key']['public_key_sha256'] == result['public_key']['public_key_sha256'] \
        == result['certificate']['public_key_sha256']
    assert set(result['fingerprint']) == {'private_key', 'public_key', 'certificate'}


def test_certificate_fields(keyset):
    cert = run(keyset.args())['certificate']
    parsed = x509.load_pem_x509_certificate(keyset.certificate.read_bytes())
    assert cert['subject'] == 'CN=Dr.Web Server'
    assert cert['issuer'] == 'CN=Dr.Web Server'
    assert cert['serial'] == 1
    assert cert['version'] == 1
    assert cert['version_source'] == 'serial'
    assert cert['expired'] is False
    assert cert['not_yet_valid'] is False
    assert re.fullmatch(r'\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ', cert['not_before'])
    assert cert['not_before'] == parsed.not_valid_before_utc.strftime('%Y-%m-%dT%H:%M:%SZ')
    assert cert['not_after'] == parsed.not_valid_after_utc.strftime('%Y-%m-%dT%H:%M:%SZ')


@pytest.mark.parametrize('make_key, fmt, key_type', [
    (lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048), serialization.PrivateFormat.TraditionalOpenSSL,
     'RSA-2048'),
    (lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048), serialization.PrivateFormat.PKCS8, 'RSA-2048'),
    (lambda: ec.generate_private_key(ec.SECP384R1()), serialization.PrivateFormat.TraditionalOpenSSL, 'EC-secp384r1'),
    (ed25519.Ed25519PrivateKey.generate, serialization.PrivateFormat.PKCS8, 'Ed25519'),
], ids=['rsa-traditional', 'rsa-pkcs8', 'ec-traditional', 'ed25519-pkcs8'])
def test_key_formats(tmp_path, make_key, fmt, key_type):
    key = make_key()
    keys = KeySet(tmp_path, key=key, private_text=private_pem(key, fmt))
    result = run(keys.args())
    assert result['public_key_matches_private_key'] is True
    assert result['certificate_matches_private_key'] is True
    assert {result[name]['key_type'] for name in ('private_key', 'public_key', 'certificate')} == {key_type}


# ---------------------------------------------------------------------------------------------------------------
# Mismatches
# ---------------------------------------------------------------------------------------------------------------
def test_public_key_of_another_private_key(tmp_path):
    keys = KeySet(tmp_path, public_text=public_pem(new_ec_key()))
    result = run(keys.args())
    assert result['public_key_matches_private_key'] is False
    assert result['certificate_matches_private_key'] is True
    assert result['public_key']['valid'] is True


def test_certificate_for_another_key(tmp_path):
    keys = KeySet(tmp_path, certificate_text=certificate_pem(new_ec_key()))
    result = run(keys.args())
    assert result['certificate_matches_private_key'] is False
    assert result['public_key_matches_private_key'] is True
    assert result['certificate']['valid'] is True


# ---------------------------------------------------------------------------------------------------------------
# Corrupt, unreadable and missing files
# ---------------------------------------------------------------------------------------------------------------
def corrupt(pem):
    """The PEM with its base64 body damaged (the armour lines intact)."""
    lines = pem.decode('ascii').splitlines(True)
    lines[2] = 'A' * 10 + '!!!!' + lines[2][14:]
    return ''.join(lines[:1] + lines[2:]).encode('ascii')


@pytest.mark.parametrize('name, label', [('private_key', 'private key'), ('certificate', 'certificate')])
def test_corrupt_pem_fails_naming_the_file(keyset, name, label):
    path = getattr(keyset, name)
    path.write_bytes(corrupt(path.read_bytes()))
    result = fail(keyset.args())
    assert str(path) in result['msg']
    assert label in result['msg']
    assert result[name]['valid'] is False
    assert_no_key_material(result, keyset.private_key.read_bytes(), keyset.certificate.read_bytes())


@pytest.mark.parametrize('name', ['private_key', 'certificate'])
def test_file_without_pem_block_fails(keyset, name):
    path = getattr(keyset, name)
    path.write_text('this is not PEM\n')
    result = fail(keyset.args())
    assert str(path) in result['msg']
    assert 'no PEM' in result['msg']


@pytest.mark.parametrize('name', ['private_key', 'certificate'])
def test_corrupt_pem_reported_when_fail_on_corrupt_false(keyset, name):
    path = getattr(keyset, name)
    path.write_bytes(corrupt(path.read_bytes()))
    result = run(keyset.args(fail_on_corrupt=False))
    assert result[name]['valid'] is False
    assert str(path) in result[name]['error']
    assert result[name]['sha256'] == keyset.sha256(name)
    assert result['certificate_matches_private_key'] is None
    if name == 'private_key':
        assert result['public_key_matches_private_key'] is None
    else:
        assert result['public_key_matches_private_key'] is True
        assert result['certificate']['subject'] is None
        assert result['certificate']['version'] is None


@pytest.mark.parametrize('name', ['private_key', 'public_key', 'certificate'])
def test_unreadable_file_fails_naming_it(keyset, name):
    # chmod 000 does not stop root: a directory where the file should be cannot be read by anyone.
    path = getattr(keyset, name)
    path.unlink()
    path.mkdir()
    result = fail(keyset.args())
    assert str(path) in result['msg']
    assert result[name]['exists'] is True
    assert result[name]['valid'] is False
    assert result[name]['sha256'] is None
    assert result['fingerprint'][name] is None

    reported = run(keyset.args(fail_on_corrupt=False))
    assert reported[name]['valid'] is False
    assert 'not a regular file' in reported[name]['error']


def test_read_error_fails_naming_the_file(keyset, monkeypatch):
    real_open = open

    def failing_open(path, *args, **kwargs):
        if str(path) == str(keyset.certificate):
            raise PermissionError(13, 'Permission denied')
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr('builtins.open', failing_open)
    result = fail(keyset.args())
    assert 'cannot read %s: Permission denied' % keyset.certificate in result['msg']


def test_encrypted_private_key_fails_with_a_clear_message(keyset):
    keyset.private_key.write_bytes(private_pem(keyset.key, encryption=serialization.BestAvailableEncryption(b'secret')))
    result = fail(keyset.args())
    assert 'encrypted private key' in result['msg']
    assert str(keyset.private_key) in result['msg']


def test_missing_files_are_reported(tmp_path):
    result = run(dict(private_key=str(tmp_path / 'a.pri'), public_key=str(tmp_path / 'a.pub'),
                      certificate=str(tmp_path / 'a.pem')))
    for name in ('private_key', 'public_key', 'certificate'):
        assert result[name]['exists'] is False
        assert result[name]['valid'] is None
        assert result[name]['sha256'] is None
        assert result[name]['mode'] is None
        assert result['fingerprint'][name] is None
    assert result['public_key_matches_private_key'] is None
    assert result['certificate_matches_private_key'] is None
    assert result['certificate']['expired'] is None


def test_missing_certificate_only(keyset):
    keyset.certificate.unlink()
    result = run(keyset.args())
    assert result['public_key_matches_private_key'] is True
    assert result['certificate_matches_private_key'] is None
    assert result['certificate']['exists'] is False


def test_require_fails_naming_missing_files(keyset):
    keyset.certificate.unlink()
    keyset.public_key.unlink()
    result = fail(keyset.args(require=['private_key', 'certificate']))
    assert 'certificate (%s)' % keyset.certificate in result['msg']
    assert 'public_key' not in result['msg']
    assert result['private_key']['exists'] is True
    assert run(keyset.args(require=['private_key']))['certificate']['exists'] is False


def test_require_rejects_unknown_names(keyset):
    result = fail(keyset.args(require=['licence']))
    assert 'require' in result['msg']


def test_invalid_version_oid_fails(keyset):
    result = fail(keyset.args(version_oid='not an oid'))
    assert 'version_oid' in result['msg']


# ---------------------------------------------------------------------------------------------------------------
# Dr.Web-style public key file
# ---------------------------------------------------------------------------------------------------------------
def test_drweb_style_public_key_with_comment_header_and_eof(tmp_path):
    key = new_ec_key()
    text = DRWEB_PUBLIC_HEADER.encode('ascii') + public_pem(key) + b'***EOF***\n'
    private_text = b'; Dr.Web (R) Private key file\n' + private_pem(key)
    keys = KeySet(tmp_path, key=key, public_text=text, private_text=private_text)
    result = run(keys.args())
    assert result['public_key_matches_private_key'] is True
    assert result['public_key']['valid'] is True
    assert result['public_key']['sha256'] == hashlib.sha256(text).hexdigest()
    assert 'warnings' not in result


@pytest.mark.parametrize('content', [
    b'; Dr.Web (R) Public key file\n; vendor format\nQUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo=\n***EOF***\n',
    b'\x00\x01binary vendor key\xff',
    b'; Dr.Web (R) Public key file\n-----BEGIN PUBLIC KEY-----\nnot base64 at all\n-----END PUBLIC KEY-----\n***EOF***\n',
], ids=['text-not-pem', 'binary', 'broken-pem'])
def test_unparseable_public_key_gives_null_and_a_warning(keyset, content):
    keyset.public_key.write_bytes(content)
    result = run(keyset.args())
    assert result['public_key_matches_private_key'] is None
    assert result['certificate_matches_private_key'] is True
    assert result['public_key']['valid'] is False
    assert result['public_key']['sha256'] == hashlib.sha256(content).hexdigest()
    assert any(str(keyset.public_key) in warning for warning in result['warnings'])


# ---------------------------------------------------------------------------------------------------------------
# Certificate validity and version
# ---------------------------------------------------------------------------------------------------------------
def test_expired_certificate(tmp_path):
    key = new_ec_key()
    not_after = NOW - datetime.timedelta(days=1)
    keys = KeySet(tmp_path, key=key, certificate_text=certificate_pem(
        key, not_before=NOW - datetime.timedelta(days=30), not_after=not_after))
    cert = run(keys.args())['certificate']
    assert cert['expired'] is True
    assert cert['not_yet_valid'] is False
    assert cert['not_after'] == not_after.strftime('%Y-%m-%dT%H:%M:%SZ')


def test_not_yet_valid_certificate(tmp_path):
    key = new_ec_key()
    keys = KeySet(tmp_path, key=key, certificate_text=certificate_pem(key, not_before=NOW + datetime.timedelta(days=2)))
    cert = run(keys.args())['certificate']
    assert cert['not_yet_valid'] is True
    assert cert['expired'] is False


def test_version_is_the_serial_by_default(tmp_path):
    key = new_ec_key()
    keys = KeySet(tmp_path, key=key, certificate_text=certificate_pem(key, serial=7))
    cert = run(keys.args())['certificate']
    assert (cert['version'], cert['version_source'], cert['serial']) == (7, 'serial', 7)


def test_version_from_subject_attribute(tmp_path):
    key = new_ec_key()
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, 'Dr.Web Server'),
                         x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, 'version=3')])
    keys = KeySet(tmp_path, key=key, certificate_text=certificate_pem(key, serial=123456, subject=subject))
    cert = run(keys.args())['certificate']
    assert (cert['version'], cert['version_source'], cert['serial']) == (3, 'subject', 123456)


@pytest.mark.parametrize('value, version', [
    (b'\x02\x01\x05', 5),               # DER INTEGER 5
    (b'\x02\x02\x01\x00', 256),         # DER INTEGER 256
    (b'\x0c\x09version=9', 9),          # DER UTF8String
    (b'12', 12),                        # plain text
], ids=['der-integer', 'der-integer-2-bytes', 'der-utf8', 'text'])
def test_version_from_custom_extension(tmp_path, value, version):
    key = new_ec_key()
    extension = x509.UnrecognizedExtension(ObjectIdentifier(VERSION_OID), value)
    keys = KeySet(tmp_path, key=key, certificate_text=certificate_pem(key, serial=99, extensions=[extension]))
    cert = run(keys.args(version_oid=VERSION_OID))['certificate']
    assert (cert['version'], cert['version_source']) == (version, 'extension')
    # Without version_oid the extension is not consulted.
    assert run(keys.args())['certificate']['version_source'] == 'serial'


def test_version_oid_absent_falls_back_to_serial(keyset):
    cert = run(keyset.args(version_oid=VERSION_OID))['certificate']
    assert (cert['version'], cert['version_source']) == (1, 'serial')


# ---------------------------------------------------------------------------------------------------------------
# Check mode, read-only
# ---------------------------------------------------------------------------------------------------------------
def test_check_mode_returns_the_same_result_and_changes_nothing(keyset):
    before = {name: (getattr(keyset, name).read_bytes(), getattr(keyset, name).stat().st_mtime_ns)
              for name in ('private_key', 'public_key', 'certificate')}
    normal = run(keyset.args())
    checked = run(keyset.args(), check_mode=True)
    assert checked == normal
    assert checked['changed'] is False
    assert before == {name: (getattr(keyset, name).read_bytes(), getattr(keyset, name).stat().st_mtime_ns)
                      for name in ('private_key', 'public_key', 'certificate')}


def test_fingerprints_compare_nodes(tmp_path):
    key = new_ec_key()
    node1 = KeySet(tmp_path / 'node1', key=key)
    node2 = KeySet(tmp_path / 'node2', key=key, private_text=node1.private_key.read_bytes(),
                   public_text=node1.public_key.read_bytes(), certificate_text=node1.certificate.read_bytes())
    node3 = KeySet(tmp_path / 'node3', key=key, private_text=node1.private_key.read_bytes(),
                   public_text=node1.public_key.read_bytes(), certificate_text=certificate_pem(key, serial=2))
    fingerprints = [run(node.args())['fingerprint'] for node in (node1, node2, node3)]
    assert fingerprints[0] == fingerprints[1]
    assert fingerprints[2]['private_key'] == fingerprints[0]['private_key']
    assert fingerprints[2]['certificate'] != fingerprints[0]['certificate']


# ---------------------------------------------------------------------------------------------------------------
# Text instead of files (*_content): a provided set checked in memory
# ---------------------------------------------------------------------------------------------------------------
def content_args(keyset, **extra):
    """The key set of keyset given as text, the paths pointing nowhere (nothing is read from disk)."""
    args = dict(private_key='/nonexistent/drwcsd.pri', public_key='/nonexistent/drwcsd.pub',
                certificate='/nonexistent/drwcsd-certificate.pem',
                private_key_content=keyset.private_key.read_text(), public_key_content=keyset.public_key.read_text(),
                certificate_content=keyset.certificate.read_text())
    args.update(extra)
    return args


def test_content_is_checked_like_the_file(keyset):
    from_files = run(keyset.args())
    from_text = run(content_args(keyset))
    assert from_text['fingerprint'] == from_files['fingerprint']
    assert from_text['public_key_matches_private_key'] is True
    assert from_text['certificate_matches_private_key'] is True
    assert from_text['certificate']['version'] == from_files['certificate']['version'] == 1
    for name in ('private_key', 'public_key', 'certificate'):
        info = from_text[name]
        assert (info['source'], info['path'], info['exists'], info['valid']) == ('content', None, True, True)
        assert (info['mode'], info['owner'], info['group']) == (None, None, None)
        assert info['size'] == getattr(keyset, name).stat().st_size
        assert from_files[name]['source'] == 'file'
    assert_no_key_material(from_text, keyset.private_key.read_bytes(), keyset.public_key.read_bytes(),
                           keyset.certificate.read_bytes(), numbers=private_numbers(keyset.key))


def test_content_and_files_mix(keyset, tmp_path):
    other = KeySet(tmp_path / 'other')
    result = run(keyset.args(certificate_content=other.certificate.read_text()))
    assert result['certificate']['source'] == 'content'
    assert result['private_key']['source'] == 'file'
    assert result['certificate_matches_private_key'] is False
    assert result['public_key_matches_private_key'] is True


def test_mismatched_content_is_reported(keyset, tmp_path):
    other = KeySet(tmp_path / 'other')
    result = run(content_args(keyset, public_key_content=other.public_key.read_text()))
    assert result['public_key_matches_private_key'] is False
    assert result['certificate_matches_private_key'] is True


@pytest.mark.parametrize('name, label', [('private_key', 'private key'), ('certificate', 'certificate')])
def test_corrupt_content_fails_naming_the_option(keyset, name, label):
    args = content_args(keyset)
    args[name + '_content'] = corrupt(getattr(keyset, name).read_bytes()).decode('ascii')
    result = fail(args)
    assert '%s_content' % name in result['msg']
    assert label in result['msg']
    assert result[name]['valid'] is False
    assert_no_key_material(result, keyset.private_key.read_bytes(), keyset.certificate.read_bytes(),
                           numbers=private_numbers(keyset.key))
    reported = run(dict(args, fail_on_corrupt=False))
    assert reported[name]['valid'] is False
    assert '%s_content' % name in reported[name]['error']


def test_empty_content_is_not_a_key(keyset):
    result = fail(content_args(keyset, private_key_content=''))
    assert 'private_key_content holds no PEM private key block' in result['msg']
    assert result['private_key']['size'] == 0


def test_content_options_are_no_log():
    spec = {}

    def capture(**kwargs):
        spec.update(kwargs['argument_spec'])
        raise SystemExit(0)

    with pytest.raises(SystemExit):
        with patch_module_args({}):
            import unittest.mock
            with unittest.mock.patch.object(key_fingerprint, 'AnsibleModule', side_effect=capture):
                key_fingerprint.main()
    for name in ('private_key_content', 'public_key_content', 'certificate_content'):
        assert spec[name].get('no_log') is True


def test_real_module_output_with_content_holds_no_key_material(keyset, capsys):
    """The JSON the module really prints when the set is given as text: no byte of it, no private number."""
    with patch_module_args(content_args(keyset)):
        with pytest.raises(SystemExit) as exited:
            key_fingerprint.main()
    assert exited.value.code == 0
    output = capsys.readouterr().out
    assert json.loads(output)['certificate_matches_private_key'] is True
    assert_no_key_material(output, keyset.private_key.read_bytes(), keyset.public_key.read_bytes(),
                           keyset.certificate.read_bytes(), numbers=private_numbers(keyset.key))


# ---------------------------------------------------------------------------------------------------------------
# Never any key material
# ---------------------------------------------------------------------------------------------------------------
def private_numbers(key):
    if isinstance(key, rsa.RSAPrivateKey):
        numbers = key.private_numbers()
        return [numbers.d, numbers.p, numbers.q, numbers.dmp1, numbers.dmq1, numbers.iqmp]
    return [key.private_numbers().private_value]


@pytest.mark.parametrize('make_key', [new_ec_key, lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048)],
                         ids=['ec', 'rsa'])
def test_result_holds_no_key_material(tmp_path, make_key):
    key = make_key()
    keys = KeySet(tmp_path, key=key)
    result = run(keys.args())
    assert_no_key_material(result, keys.private_key.read_bytes(), keys.public_key.read_bytes(),
                           keys.certificate.read_bytes(), numbers=private_numbers(key))
    # The same with every kind of failure reported rather than raised.
    keys.private_key.write_bytes(corrupt(keys.private_key.read_bytes()))
    keys.certificate.write_bytes(corrupt(keys.certificate.read_bytes()))
    keys.public_key.write_bytes(b'; Dr.Web (R) Public key file\n' + keys.public_key.read_bytes()[:60] + b'***EOF***\n')
    reported = run(keys.args(fail_on_corrupt=False))
    assert_no_key_material(reported, private_pem(key), public_pem(key), keys.certificate.read_bytes(),
                           numbers=private_numbers(key))


def test_real_module_output_holds_no_key_material(keyset, capsys):
    """The JSON the module really prints (exit_json not patched) carries no PEM and no private number."""
    with patch_module_args(keyset.args()):
        with pytest.raises(SystemExit) as exited:
            key_fingerprint.main()
    assert exited.value.code == 0
    output = capsys.readouterr().out
    result = json.loads(output)
    assert result['public_key_matches_private_key'] is True
    assert_no_key_material(output, keyset.private_key.read_bytes(), keyset.public_key.read_bytes(),
                           keyset.certificate.read_bytes(), numbers=private_numbers(keyset.key))


def test_failure_output_holds_no_key_material(keyset, capsys):
    keyset.certificate.write_bytes(corrupt(keyset.certificate.read_bytes()))
    with patch_module_args(keyset.args()):
        with pytest.raises(SystemExit) as exited:
            key_fingerprint.main()
    assert exited.value.code == 1
    output = capsys.readouterr().out
    assert json.loads(output)['failed'] is True
    assert_no_key_material(output, keyset.private_key.read_bytes(), keyset.certificate.read_bytes(),
                           numbers=private_numbers(keyset.key))


# ---------------------------------------------------------------------------------------------------------------
# The drwcsd test double's formats (tests/drwcsd_double/src/drwcsd_double/keys.py)
# ---------------------------------------------------------------------------------------------------------------
@pytest.fixture
def double_keys():
    if not DOUBLE_KEYS.exists():
        pytest.skip('the drwcsd test double is not in this tree')
    spec = importlib.util.spec_from_file_location('drwcsd_double_keys', str(DOUBLE_KEYS))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_double_generated_files(tmp_path, double_keys):
    private_text = double_keys.generate_private_key_text()
    private_path = tmp_path / 'drwcsd.pri'
    private_path.write_text(private_text)
    key = double_keys.load_private_key(str(private_path))
    certificates = []
    for version in (1, 2):
        certificates.append(double_keys.certificate_text(key, version))
    keys = KeySet(tmp_path, key=key, private_text=private_text.encode('ascii'),
                  public_text=double_keys.public_key_text(key).encode('ascii'),
                  certificate_text=certificates[0].encode('ascii'))
    result = run(keys.args(require=['private_key', 'public_key', 'certificate']))
    assert result['public_key_matches_private_key'] is True
    assert result['certificate_matches_private_key'] is True
    assert 'warnings' not in result
    assert result['certificate']['version'] == 1
    assert result['fingerprint']['private_key'] == double_keys.file_sha256(str(keys.private_key))
    assert_no_key_material(result, private_text, certificates[0], numbers=private_numbers(key))

    # A new generation from the same key: a higher version, the same key match.
    keys.certificate.write_text(certificates[1])
    rotated = run(keys.args())
    assert rotated['certificate']['version'] == 2 == double_keys.certificate_version(str(keys.certificate))
    assert rotated['certificate_matches_private_key'] is True
    assert rotated['fingerprint']['certificate'] != result['fingerprint']['certificate']


# ---------------------------------------------------------------------------------------------------------------
# The restart marker: only looked at
# ---------------------------------------------------------------------------------------------------------------
def test_restart_marker_is_reported_and_left_alone(keyset, tmp_path):
    marker = tmp_path / '.drweb-keys-restart-pending'
    assert run(keyset.args())['restart_marker_exists'] is None
    assert run(dict(keyset.args(), restart_marker=str(marker)))['restart_marker_exists'] is False
    assert not marker.exists()
    marker.write_text('')
    result = run(dict(keyset.args(), restart_marker=str(marker)), check_mode=True)
    assert result['restart_marker_exists'] is True
    assert result['changed'] is False
    assert marker.exists()
