#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: key_fingerprint
short_description: Fingerprint the Dr.Web Server key pair and certificate on a node
description:
- Reads the Dr.Web Server private key (C(drwcsd.pri)), public key (C(drwcsd.pub)) and Server certificate
  (C(drwcsd-certificate.pem)) on the target and returns, per file, whether it exists, the SHA-256 of its bytes,
  its size, mode and owner, so that the files of several cluster nodes can be compared.
- Checks that the public key and the certificate belong to the private key, and returns the certificate's subject,
  issuer, serial number, validity and version (certificate generation).
- Never returns key material, neither PEM bodies nor key numbers; only hashes and metadata. Nothing in the result
  is secret, so nothing is hidden with C(no_log).
- The default paths come from the collection's register of product facts (C(module_utils/drwcsd.py)); the folder is
  a GUESS there (see docs/compatibility.md).
- Instead of a file, each of the three can be given as text (O(private_key_content) and so on), for example a key
  set read from vault-encrypted files on the controller; it is checked in memory and never written anywhere.
- The module only reads; it never changes anything.
version_added: 0.1.0
options:
  private_key:
    description:
    - Path of the Server private key file.
    - A PEM private key (RSA, EC or Ed25519; PKCS#8 or traditional OpenSSL format), unencrypted. Text around the
      PEM block (for example C(;) comment lines) is ignored.
    type: path
    default: /var/opt/drwcs/etc/drwcsd.pri
  public_key:
    description:
    - Path of the Server public key file.
    - A PEM SubjectPublicKeyInfo (C(PUBLIC KEY)) or PKCS#1 (C(RSA PUBLIC KEY)) block. Leading C(;) comment lines
      (the product's C(.pub) starts with a C(; Dr.Web) header) and a trailing C(***EOF***) line are tolerated.
    - The product's own C(.pub) format is not public. When the content cannot be parsed the module does not fail,
      it sets RV(public_key_matches_private_key) to C(null) and adds a warning; the file's SHA-256 is still returned.
    type: path
    default: /var/opt/drwcs/etc/drwcsd.pub
  certificate:
    description:
    - Path of the Server certificate, a PEM X.509 certificate. With several certificates in the file the first one
      is read. Text around the PEM block is ignored.
    type: path
    default: /var/opt/drwcs/etc/drwcsd-certificate.pem
  private_key_content:
    description:
    - The private key as text, checked instead of the file O(private_key) (same format). Never logged.
    - The result then describes this text, see RV(private_key.source).
    type: str
  public_key_content:
    description:
    - The public key as text, checked instead of the file O(public_key) (same format). Never logged.
    type: str
  certificate_content:
    description:
    - The certificate as text, checked instead of the file O(certificate) (same format). Never logged.
    type: str
  require:
    description:
    - Which of the files must exist. The module fails, naming them, when any of these is missing.
    - Files not listed here may be missing; they are reported with C(exists=false).
    type: list
    elements: str
    choices: [private_key, public_key, certificate]
    default: []
  fail_on_corrupt:
    description:
    - When C(true), a private key or certificate that exists but cannot be read or parsed (and a public key that
      cannot be read) fails the module with a message naming the file.
    - When C(false), such files are reported with C(valid=false) and an C(error) text instead.
    - A public key whose content cannot be parsed never fails the module (see O(public_key)).
    type: bool
    default: true
  restart_marker:
    description:
    - Path of a file whose presence means the Server holds key files it has not loaded yet (written after it last
      started, and it restarts to load them). Only looked at, never read, made or removed; RV(restart_marker_exists)
      says whether it exists.
    - Without it, RV(restart_marker_exists) is C(null).
    type: path
  version_oid:
    description:
    - Dotted OID of a certificate extension (or subject attribute) that holds the certificate version.
    - The extension value may be a DER INTEGER, a DER string or plain text holding a number or C(version=N).
    - Without it, the version is read from a subject attribute of the form C(version=N) (for example
      C(OU=version=3)) when there is one, else it is the certificate serial number (the drwcsd test double's
      choice).
    type: str
extends_documentation_fragment:
- drweb.cluster.attributes
- drweb.cluster.attributes.read_only
requirements:
- cryptography >= 2.6 (on the target)
notes:
- Run it with privileges that can read the private key (C(become=true)); the key is normally mode C(0600),
  owned by the Server account.
- The certificate's C(expired) flag is computed with the target's clock.
- The C(*_content) options are the way to check key material that must not touch a disk; give them from a
  C(no_log) variable; the module's result never contains them.
seealso:
- name: Dr.Web Server cluster, shared keys and certificate
  description: Every Server of a cluster must have the same drwcsd.pri, drwcsd.pub and drwcsd-certificate.pem.
  link: https://download.geo.drweb.com/pub/drweb/esuite/13.0.0/documentation/html/en/admin_manual/multiserver_cluster.htm
author:
- drweb.cluster maintainers !UNKNOWN
'''

EXAMPLES = r'''
- name: Fingerprint the keys and certificate of every Server
  become: true
  drweb.cluster.key_fingerprint:
  register: drweb_keys

- name: Fail when the nodes do not hold identical files
  vars:
    fingerprints: "{{ ansible_play_hosts | map('extract', hostvars, ['drweb_keys', 'fingerprint']) | list }}"
  ansible.builtin.assert:
    that: fingerprints | unique | length == 1
    fail_msg: >-
      Key files differ between nodes:
      {{ dict(ansible_play_hosts | zip(fingerprints)) | to_nice_json }}
  when: inventory_hostname == ansible_play_hosts | first

- name: Require the full set
  become: true
  drweb.cluster.key_fingerprint:
    require: [private_key, public_key, certificate]
  register: drweb_keys

- name: Check that the set belongs together
  ansible.builtin.assert:
    that:
      - drweb_keys.public_key_matches_private_key is not false
      - drweb_keys.certificate_matches_private_key

- name: Check a provided set (vault-encrypted files on the controller) in memory, without failing on broken ones
  drweb.cluster.key_fingerprint:
    private_key_content: "{{ lookup('ansible.builtin.file', 'files/drwcsd.pri', rstrip=false) }}"
    public_key_content: "{{ lookup('ansible.builtin.file', 'files/drwcsd.pub', rstrip=false) }}"
    certificate_content: "{{ lookup('ansible.builtin.file', 'files/drwcsd-certificate.pem', rstrip=false) }}"
    fail_on_corrupt: false
  no_log: true
  register: provided_keys

- name: Show the certificate version and expiry
  ansible.builtin.debug:
    msg: "version {{ drweb_keys.certificate.version }} ({{ drweb_keys.certificate.version_source }}), valid until {{ drweb_keys.certificate.not_after }}"
'''

RETURN = r'''
private_key:
  description: The private key file. Only hashes and metadata, never the key.
  returned: always
  type: dict
  contains:
    path:
      description: Path of the file; C(null) when the text of O(private_key_content) was checked instead.
      type: str
      sample: /var/opt/drwcs/etc/drwcsd.pri
    source:
      description: C(file) when the file was read, C(content) when the text given in the C(*_content) option was
        checked (then RV(private_key.exists) is C(true) and the file-only fields mode, owner and group are C(null)).
      type: str
      choices: [file, content]
      sample: file
    exists:
      description: Whether the path exists.
      type: bool
      sample: true
    valid:
      description: C(true) when the file was read and parsed, C(false) when it exists but could not be, C(null) when missing.
      type: bool
      sample: true
    error:
      description: Why the file could not be read or parsed; C(null) when it was.
      type: str
      sample: null
    sha256:
      description: SHA-256 (hex) of the file's bytes; C(null) when missing or unreadable.
      type: str
      sample: 3f0a9c4e5a6b7c8d9e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f
    size:
      description: Size in bytes; C(null) when missing.
      type: int
      sample: 290
    mode:
      description: Permission bits as an octal string; C(null) when missing.
      type: str
      sample: '0600'
    owner:
      description: Owner user name (the numeric id when it has no name); C(null) when missing.
      type: str
      sample: drwcs
    group:
      description: Owner group name (the numeric id when it has no name); C(null) when missing.
      type: str
      sample: drwcs
    key_type:
      description: Key algorithm and size or curve, for example C(RSA-2048), C(EC-secp256r1), C(Ed25519).
      type: str
      sample: EC-secp256r1
    public_key_sha256:
      description: SHA-256 (hex) of the DER SubjectPublicKeyInfo of the key's public half; the same in all three
        files when they belong together.
      type: str
      sample: 9d1c0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7
public_key:
  description: The public key file; same fields as RV(private_key).
  returned: always
  type: dict
  sample:
    path: /var/opt/drwcs/etc/drwcsd.pub
    source: file
    exists: true
    valid: true
    error: null
    sha256: 51e4a0c1d2e3f405162738495a6b7c8d9e0f1a2b3c4d5e6f708192a3b4c5d6e7
    size: 310
    mode: '0644'
    owner: drwcs
    group: drwcs
    key_type: EC-secp256r1
    public_key_sha256: 9d1c0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7
certificate:
  description: The certificate file; the fields of RV(private_key) plus the certificate's own fields below.
  returned: always
  type: dict
  contains:
    subject:
      description: Subject distinguished name (RFC 4514).
      type: str
      sample: CN=Dr.Web Server
    issuer:
      description: Issuer distinguished name (RFC 4514).
      type: str
      sample: CN=Dr.Web Server
    serial:
      description: Serial number.
      type: int
      sample: 2
    not_before:
      description: Start of validity, ISO 8601 UTC.
      type: str
      sample: '2025-01-01T00:00:00Z'
    not_after:
      description: End of validity, ISO 8601 UTC.
      type: str
      sample: '2035-01-01T00:00:00Z'
    expired:
      description: Whether RV(certificate.not_after) has passed on the target's clock.
      type: bool
      sample: false
    not_yet_valid:
      description: Whether RV(certificate.not_before) is still in the future on the target's clock.
      type: bool
      sample: false
    version:
      description:
      - The certificate generation number as far as the file carries it; it grows with every new certificate.
      - Read from the O(version_oid) extension or attribute when given, else from a C(version=N) subject attribute,
        else the serial number.
      type: int
      sample: 2
    version_source:
      description: Where RV(certificate.version) was read from.
      type: str
      choices: [extension, subject, serial]
      sample: serial
  sample:
    path: /var/opt/drwcs/etc/drwcsd-certificate.pem
    source: file
    exists: true
    valid: true
    error: null
    sha256: 0b6f6f3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a
    size: 610
    mode: '0644'
    owner: drwcs
    group: drwcs
    key_type: EC-secp256r1
    public_key_sha256: 9d1c0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7
    subject: CN=Dr.Web Server
    issuer: CN=Dr.Web Server
    serial: 2
    not_before: '2025-01-01T00:00:00Z'
    not_after: '2035-01-01T00:00:00Z'
    expired: false
    not_yet_valid: false
    version: 2
    version_source: serial
public_key_matches_private_key:
  description: Whether the public key file holds the public half of the private key; C(null) when it cannot be
    decided (a file missing or not parseable).
  returned: always
  type: bool
  sample: true
certificate_matches_private_key:
  description: Whether the certificate's public key is the private key's public key; C(null) when it cannot be
    decided (a file missing or not parseable).
  returned: always
  type: bool
  sample: true
restart_marker_exists:
  description: Whether the file O(restart_marker) exists; C(null) without O(restart_marker).
  returned: always
  type: bool
  sample: false
fingerprint:
  description: The three files' SHA-256 in one object, for comparing nodes (C(null) for a missing or unreadable file).
  returned: always
  type: dict
  contains:
    private_key:
      description: SHA-256 of the private key file.
      type: str
    public_key:
      description: SHA-256 of the public key file.
      type: str
    certificate:
      description: SHA-256 of the certificate file.
      type: str
  sample:
    private_key: 3f0a9c4e5a6b7c8d9e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f
    public_key: 51e4a0c1d2e3f405162738495a6b7c8d9e0f1a2b3c4d5e6f708192a3b4c5d6e7
    certificate: 0b6f6f3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a
'''

import os

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.drweb.cluster.plugins.module_utils import drwcsd, key_material

FILES = key_material.FILES


def run(module):
    """Read the three files (or the texts given in their place) and exit with the report."""
    params = module.params
    reader = key_material.KeySet(params['version_oid'])
    paths = dict((name, params[name]) for name in FILES)
    contents = dict((name, params[name + '_content']) for name in FILES)
    result, problems = reader.read(paths, contents)
    result['changed'] = False
    result['restart_marker_exists'] = os.path.lexists(params['restart_marker']) if params['restart_marker'] else None
    missing = ['%s (%s)' % (name, params[name]) for name in FILES
               if name in params['require'] and not result[name]['exists']]
    for warning in reader.warnings:
        module.warn(warning)
    if missing:
        module.fail_json(msg='Required file(s) missing: %s' % ', '.join(missing), **result)
    if problems and params['fail_on_corrupt']:
        module.fail_json(msg='; '.join(problems), **result)
    module.exit_json(**result)


def main():
    argument_spec = dict(
        private_key=dict(type='path', default=drwcsd.PRIVATE_KEY_FILE),
        public_key=dict(type='path', default=drwcsd.PUBLIC_KEY_FILE),
        certificate=dict(type='path', default=drwcsd.CERTIFICATE_FILE),
        private_key_content=dict(type='str', no_log=True),
        public_key_content=dict(type='str', no_log=True),
        certificate_content=dict(type='str', no_log=True),
        require=dict(type='list', elements='str', choices=list(FILES), default=[]),
        fail_on_corrupt=dict(type='bool', default=True),
        version_oid=dict(type='str'),
        restart_marker=dict(type='path'),
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    if not key_material.HAS_CRYPTOGRAPHY:
        module.fail_json(msg=missing_required_lib('cryptography'), exception=key_material.CRYPTOGRAPHY_IMP_ERR)
    if module.params['version_oid']:
        problem = key_material.valid_oid(module.params['version_oid'])
        if problem:
            module.fail_json(msg='version_oid %r is not a dotted OID: %s' % (module.params['version_oid'], problem))
    run(module)


if __name__ == '__main__':
    main()
