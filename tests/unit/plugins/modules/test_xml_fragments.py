# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of drweb.cluster.xml_fragments on the drwcsd test double's drwcsd.conf and download.conf."""

from __future__ import annotations

import json
import os
import stat
import sys
from pathlib import Path
from xml.etree import ElementTree

import pytest

from ansible_collections.drweb.cluster.plugins.module_utils import drwcsd
from ansible_collections.drweb.cluster.plugins.modules import xml_fragments
from ansible_collections.drweb.cluster.tests.unit.plugins.modules.utils import AnsibleFailJson, run_module

COLLECTION_ROOT = Path(drwcsd.__file__).resolve().parents[2]
sys.path.insert(0, str(COLLECTION_ROOT / 'tests' / 'drwcsd_double' / 'src'))

from drwcsd_double import config as double_config  # noqa: E402  pylint: disable=wrong-import-position

SERVER_ID = '0f8a5c1e-1111-4222-8333-944445555666'
SALT = '5f1d3c0b9a8e7d6c5b4a39281706f5e4'
PRIMARY_SALT = 'a1b2c3d4e5f60718293a4b5c6d7e8f90'

CLUSTER = '''<cluster>
  <on multicast-group="232.0.0.1" port="11111" interface="0.0.0.0" ttl="1"/>
</cluster>'''
PROTOCOLS = '''<protocols>
  <disabled>
    <protocol name="MSNAPSHV"/>
  </disabled>
</protocols>'''
SALT_FRAGMENT = '<passwd-salt value="%s"/>' % PRIMARY_SALT
DB_PASSWORD = 's3cr3t-Pa55'
DATABASE = '''<database connections="2" speedup="yes">
  <pgsql dbname="drwcs" host="10.0.0.2" port="5432" user="drwcs" password="%s" requiressl="no"/>
</database>''' % DB_PASSWORD
MANAGED = [dict(xpath='/drwcsd/cluster', xml=CLUSTER), dict(xpath='/drwcsd/protocols', xml=PROTOCOLS),
           dict(xpath='/drwcsd/passwd-salt', xml=SALT_FRAGMENT)]


def run(args, check_mode=False, diff=False):
    args = dict(args)
    if diff:
        args['_ansible_diff'] = True
    return run_module(xml_fragments, args, check_mode=check_mode)


def fail(args, check_mode=False):
    with pytest.raises(AnsibleFailJson) as failure:
        run(args, check_mode=check_mode)
    return failure.value.result


@pytest.fixture
def conf(tmp_path):
    """A drwcsd.conf as the double's installer writes it (odd spacing, comments, unmanaged elements), mode 0600."""
    path = tmp_path / 'etc' / 'drwcsd.conf'
    path.parent.mkdir()
    path.write_text(double_config.fresh_drwcsd_conf(SERVER_ID, SALT), encoding='utf-8')
    path.chmod(0o600)
    return path


@pytest.fixture
def download(tmp_path):
    path = tmp_path / 'download.conf'
    path.write_text(double_config.DOWNLOAD_CONF_TEMPLATE, encoding='utf-8')
    return path


def spans(data, paths):
    """Byte spans of the elements at paths (the module's own parser)."""
    root = xml_fragments.parse(data, 'test')
    found = []
    for path in paths:
        element = xml_fragments.find(root, xml_fragments.parse_path(path, 'test'), path)
        found.append((element.start, element.end))
    return sorted(found)


def without(data, ranges):
    """data with the byte ranges cut out."""
    out, last = [], 0
    for start, end in ranges:
        out.append(data[last:start])
        last = end
    out.append(data[last:])
    return b'\x00'.join(out)


# ---------------------------------------------------------------------------------------------------------------
# Merge: only the managed spans change
# ---------------------------------------------------------------------------------------------------------------
def test_unmanaged_bytes_identical(conf):
    before = conf.read_bytes()
    result = run(dict(path=str(conf), fragments=MANAGED))
    after = conf.read_bytes()
    assert result['changed'] is True
    assert result['changed_elements'] == ['/drwcsd/cluster', '/drwcsd/protocols', '/drwcsd/passwd-salt']
    paths = [fragment['xpath'] for fragment in MANAGED]
    assert without(before, spans(before, paths)) == without(after, spans(after, paths))
    # what an administrator would look at: comments, odd spacing, declaration, final newline, own id
    for line in (b'<?xml version="1.0" encoding="utf-8"?>\n<!-- Dr.Web Server configuration file.\n',
                 b'  <location   room="" floor=""', b'<newbie  approve-to-group=""',
                 b'<transport  port="2193" name="drwcs"   ip="0.0.0.0"',
                 b'  <mailer from="drwcsd@localhost"  server="127.0.0.1" port="25" user="" password=""',
                 b'  <!-- mail notifications (not managed by drweb.cluster) -->\n', b'<id value="%s"/>' % SERVER_ID.encode()):
        assert line in after
    assert after.endswith(b'</drwcsd>\n')
    # the managed elements are as given, indented like the lines they replace
    assert b'\n  <cluster>\n    <on multicast-group="232.0.0.1" port="11111" interface="0.0.0.0" ttl="1"/>\n  </cluster>\n' in after
    assert b'\n  <protocols>\n    <disabled>\n      <protocol name="MSNAPSHV"/>\n    </disabled>\n  </protocols>\n' in after
    # the double (which plays the product) reads the result as intended
    parsed = double_config.load_server_config(str(conf))
    assert parsed.cluster_enabled and parsed.cluster_endpoints[0]['port'] == 11111
    assert parsed.salt == PRIMARY_SALT and parsed.server_id == SERVER_ID


def test_second_run_changes_nothing(conf):
    run(dict(path=str(conf), fragments=MANAGED))
    status = conf.stat()
    data = conf.read_bytes()
    result = run(dict(path=str(conf), fragments=MANAGED), diff=True)
    assert result['changed'] is False and result['changed_elements'] == [] and 'diff' not in result
    assert conf.read_bytes() == data
    assert (conf.stat().st_ino, conf.stat().st_mtime_ns) == (status.st_ino, status.st_mtime_ns)


def test_reformatted_equal_element_is_no_change(conf):
    # same meaning, other attribute order, quoting, spacing and an inner comment: nothing to do, nothing rewritten
    text = conf.read_text().replace(
        '<on multicast-group="232.0.0.1" port="2194" interface="0.0.0.0" ttl="1"/>',
        "<!-- set by hand -->\n    <on ttl='1'   port=\"11111\" interface=\"0.0.0.0\" multicast-group=\"232.0.0.1\" />")
    conf.write_text(text)
    result = run(dict(path=str(conf), fragments=[MANAGED[0]]))
    assert result['changed'] is False
    assert conf.read_text() == text


def test_download_conf_server_address(download):
    before = download.read_bytes()
    fragment = dict(xpath='/download-config/server', xml='<server host="esuite.drweb.test" port="2193"/>')
    result = run(dict(path=str(download), fragments=[fragment]))
    assert result['changed'] is True
    assert download.read_bytes() == before.replace(b'<server host="" port="2193"/>', b'<server host="esuite.drweb.test" port="2193"/>')
    assert double_config.load_download_config(str(download)) == {'host': 'esuite.drweb.test', 'port': 2193}


def test_read_returns_elements_before_the_change(conf):
    result = run(dict(path=str(conf), read=['/drwcsd/protocols', '/drwcsd/passwd-salt', '/drwcsd/nothing'], fragments=MANAGED))
    protocols = result['elements']['/drwcsd/protocols']
    assert protocols['tag'] == 'protocols'
    disabled = protocols['children'][0]
    assert [child['attributes']['name'] for child in disabled['children']] == ['CLUSTER', 'MSNAPSHV']
    assert result['elements']['/drwcsd/passwd-salt']['attributes'] == {'value': SALT}
    assert result['elements']['/drwcsd/nothing'] is None


def test_read_only_call_changes_nothing(conf):
    data = conf.read_bytes()
    result = run(dict(path=str(conf), read=['/drwcsd/cluster/on']))
    assert result['changed'] is False
    assert result['elements']['/drwcsd/cluster/on']['attributes']['port'] == '2194'
    assert conf.read_bytes() == data


def test_predicate_path(conf):
    result = run(dict(path=str(conf), read=["/drwcsd/protocols/disabled/protocol[@name='MSNAPSHV']"]))
    assert result['elements']["/drwcsd/protocols/disabled/protocol[@name='MSNAPSHV']"]['attributes'] == {'name': 'MSNAPSHV'}


# ---------------------------------------------------------------------------------------------------------------
# Missing elements are inserted
# ---------------------------------------------------------------------------------------------------------------
def test_missing_element_inserted_last(conf):
    text = conf.read_text()
    start = text.index('  <cluster>')
    end = text.index('</cluster>\n') + len('</cluster>\n')
    conf.write_text(text[:start] + text[end:])
    result = run(dict(path=str(conf), fragments=[MANAGED[0]]))
    assert result['inserted_elements'] == ['/drwcsd/cluster']
    after = conf.read_text()
    assert after.endswith('password="" starttls="yes" auth-plain="no"/>\n'
                          '  <cluster>\n    <on multicast-group="232.0.0.1" port="11111" interface="0.0.0.0" ttl="1"/>\n'
                          '  </cluster>\n</drwcsd>\n')
    assert run(dict(path=str(conf), fragments=[MANAGED[0]]))['changed'] is False


def test_missing_element_inserted_first_and_into_empty_element(tmp_path):
    path = tmp_path / 'a.xml'
    path.write_text('<root>\n  <a x="1"/>\n  <b/>\n</root>\n')
    run(dict(path=str(path), fragments=[dict(xpath='/root/c', xml='<c y="2"/>', position='first'),
                                        dict(xpath='/root/b/d', xml='<d>\n  <e/>\n</d>')]))
    assert path.read_text() == '<root>\n  <c y="2"/>\n  <a x="1"/>\n  <b>\n    <d>\n      <e/>\n    </d>\n  </b>\n</root>\n'


def test_missing_parent_fails(conf):
    data = conf.read_bytes()
    result = fail(dict(path=str(conf), fragments=[dict(xpath='/drwcsd/nothing/here', xml='<here/>')]))
    assert 'neither /drwcsd/nothing/here nor its parent /drwcsd/nothing exists' in result['msg']
    assert conf.read_bytes() == data


# ---------------------------------------------------------------------------------------------------------------
# Check mode, diff and secrets
# ---------------------------------------------------------------------------------------------------------------
def test_check_mode_predicts_and_writes_nothing(conf):
    data = conf.read_bytes()
    result = run(dict(path=str(conf), fragments=MANAGED), check_mode=True, diff=True)
    assert result['changed'] is True and result['changed_elements'] == [f['xpath'] for f in MANAGED]
    assert conf.read_bytes() == data
    assert 'port="2194"' in result['diff']['before'] and 'port="11111"' in result['diff']['after']
    assert result['diff']['before'] == data.decode()
    assert 'backup_file' not in result


def test_diff_masks_secret_attributes_and_values(conf):
    text = conf.read_text().replace('<mailer from="drwcsd@localhost"  server="127.0.0.1" port="25" user="" password=""',
                                    '<mailer from="drwcsd@localhost"  server="127.0.0.1" port="25" user="mail" password="mail-pw"')
    conf.write_text(text)
    args = dict(path=str(conf), fragments=[dict(xpath='/drwcsd/database', xml=DATABASE)], secret_values=[DB_PASSWORD])
    result = run(args, check_mode=True, diff=True)
    assert result['changed'] is True
    for side in ('before', 'after'):
        assert DB_PASSWORD not in result['diff'][side] and 'mail-pw' not in result['diff'][side]
    # labels in the order the secrets first show: the unmanaged mailer password (found in the file, the before's only
    # secret) is #1 on both sides; the given database password, new in the after, is #2
    assert 'user="mail" password="********#1"' in result['diff']['before']
    assert 'user="mail" password="********#1"' in result['diff']['after']
    assert 'user="drwcs" password="********#2" requiressl="no"' in result['diff']['after']
    assert 'host="10.0.0.2"' in result['diff']['after']
    assert DB_PASSWORD not in repr(result)
    # the password goes into the file itself, of course
    run(args)
    assert ('password="%s"' % DB_PASSWORD) in conf.read_text()


@pytest.mark.parametrize('given', ['own-first', 'primary-first'])
def test_changed_secret_shows_as_changed_label(conf, given):
    """The old value reads #1 and the new one #2 whatever order the secrets are given in and whatever their values
    (a role passes them sorted by value: random salts would swap the labels from node to node)."""
    values = [SALT, PRIMARY_SALT] if given == 'own-first' else [PRIMARY_SALT, SALT]
    result = run(dict(path=str(conf), fragments=[MANAGED[2]], secret_values=values), check_mode=True, diff=True)
    assert '<passwd-salt value="********#1"/>' in result['diff']['before']
    assert '<passwd-salt value="********#2"/>' in result['diff']['after']
    assert SALT not in repr(result) and PRIMARY_SALT not in repr(result)


AWKWARD = ['q"u\'o<t>e&\\back', 'p\u00e4ss-\u0416\u5bc6-\\n-&amp;', "it's \"&lt;\" 'x'"]


def spellings(value):
    """The spellings a secret must never have in a result: raw, XML-escaped (each quote style), JSON, Python, doubled
    backslashes - computed here independently of the module's helper."""
    escaped = value.replace('&', '&amp;').replace('<', '&lt;').replace('>', '&gt;')
    forms = {value, escaped, escaped.replace('"', '&quot;').replace("'", '&apos;'),
             escaped.replace('"', '&#34;').replace("'", '&#39;'), value.replace('\\', '\\\\')}
    forms |= {json.dumps(form)[1:-1] for form in list(forms)} | {repr(form)[1:-1] for form in list(forms)}
    return forms


def xml_attribute(value):
    return value.replace('&', '&amp;').replace('<', '&lt;').replace('>', '&gt;').replace('"', '&quot;')


@pytest.mark.parametrize('password', AWKWARD, ids=['quotes-lt-amp-backslash', 'non-ascii-escaped-looking', 'entities-in-value'])
def test_awkward_password_is_masked_in_every_spelling(conf, password):
    """A password with quotes, <, &, backslashes or non-ASCII: no spelling of it in the diff, the elements or the
    result's JSON, also when only the file holds it (the old password) and when it is given only."""
    fragment = '<database connections="2" speedup="yes">\n  <pgsql dbname="drwcs" password="%s"/>\n</database>' % xml_attribute(password)
    args = dict(path=str(conf), fragments=[dict(xpath='/drwcsd/database', xml=fragment)], secret_values=[password],
                read=['/drwcsd/database'])
    result = run(args, check_mode=False, diff=True)
    assert result['changed'] is True
    text = json.dumps(result) + json.dumps(result, ensure_ascii=False) + repr(result)
    for form in spellings(password):
        assert form not in text, form
    assert 'password="********#1"' in result['diff']['after']
    # the file holds it, XML-escaped, and the parser reads back the exact password

    assert ElementTree.parse(str(conf)).getroot().find('database/pgsql').get('password') == password
    # the next change, with a new password: the old one comes from the file only (not given), still masked
    args['fragments'][0]['xml'] = fragment.replace(xml_attribute(password), 'new-Pa55')
    args['secret_values'] = ['new-Pa55']
    result = run(args, check_mode=True, diff=True)
    text = json.dumps(result) + json.dumps(result, ensure_ascii=False) + repr(result)
    for form in spellings(password) | {'new-Pa55'}:
        assert form not in text, form
    assert 'password="********#1"' in result['diff']['before'] and 'password="********#2"' in result['diff']['after']


def test_secret_elements_mask_the_salt_by_value(conf):
    """The passwd-salt's attribute is called "value": secret_elements masks it by value, wherever it shows (here it
    also appears in an unmanaged comment)."""
    conf.write_text(conf.read_text().replace('</drwcsd>', '<!-- salt was %s -->\n</drwcsd>' % SALT))
    fragment = '<database connections="2" speedup="yes">\n  <pgsql dbname="drwcs" password="pw-1234"/>\n</database>'
    args = dict(path=str(conf), fragments=[dict(xpath='/drwcsd/database', xml=fragment)], secret_values=['pw-1234'])
    result = run(args, check_mode=True, diff=True)
    assert SALT in result['diff']['before']          # without secret_elements the salt shows: what this option is for
    args['secret_elements'] = ['/drwcsd/passwd-salt']
    result = run(args, check_mode=True, diff=True)
    assert SALT not in repr(result)
    assert '<passwd-salt value="********#1"/>' in result['diff']['before']
    assert 'salt was ********#1' in result['diff']['after']


def test_mode_is_the_final_mode_before_the_rename(conf, monkeypatch):
    """With mode, the file never holds the new content under its old, looser mode: the temporary file has the final
    mode when it is renamed over the file."""
    os.chmod(str(conf), 0o644)
    seen = []
    real_rename = os.rename

    def rename(source, target):
        seen.append(stat.S_IMODE(os.stat(source).st_mode))
        return real_rename(source, target)
    monkeypatch.setattr(os, 'rename', rename)
    fragment = '<database connections="2" speedup="yes">\n  <pgsql dbname="drwcs" password="pw-1234"/>\n</database>'
    result = run(dict(path=str(conf), fragments=[dict(xpath='/drwcsd/database', xml=fragment)], mode='0600'))
    assert result['changed'] is True
    assert seen == [0o600]
    assert stat.S_IMODE(os.stat(str(conf)).st_mode) == 0o600


def test_bad_mode_is_refused(conf):
    result = fail(dict(path=str(conf), fragments=MANAGED, mode='rw-all'))
    assert "mode must be an octal mode like 0600, got 'rw-all'" in result['msg']


def test_read_masks_secret_attributes(conf):
    conf.write_text(conf.read_text().replace('<sqlite ', '<pgsql password="%s" other="x"/><!--' % DB_PASSWORD).replace(
        'wal-max-seconds="30"/>', '-->'))
    result = run(dict(path=str(conf), read=['/drwcsd/database']))
    assert result['elements']['/drwcsd/database']['children'][0]['attributes'] == {'password': '********', 'other': 'x'}
    assert DB_PASSWORD not in repr(result)


def test_secret_values_hidden_in_errors_and_elements(conf):
    result = fail(dict(path=str(conf), fragments=[dict(xpath='/drwcsd/database', xml='<database password="%s">' % DB_PASSWORD)],
                       secret_values=[DB_PASSWORD]))
    assert DB_PASSWORD not in repr(result)
    conf.write_text(conf.read_text().replace('<mailer from="drwcsd@localhost"', '<mailer from="%s"' % DB_PASSWORD))
    result = run(dict(path=str(conf), read=['/drwcsd/mailer'], secret_values=[DB_PASSWORD]))
    assert result['elements']['/drwcsd/mailer']['attributes']['from'] == '********'


# ---------------------------------------------------------------------------------------------------------------
# Bad input: a clear message and the file untouched
# ---------------------------------------------------------------------------------------------------------------
def test_malformed_file_fails_untouched(conf):
    broken = conf.read_bytes().replace(b'</cluster>', b'</clust>')
    conf.write_bytes(broken)
    result = fail(dict(path=str(conf), fragments=MANAGED))
    assert str(conf) in result['msg'] and 'not well-formed XML (line 18' in result['msg'] and 'untouched' in result['msg']
    assert conf.read_bytes() == broken


@pytest.mark.parametrize('fragment, message', [
    (dict(xpath='/drwcsd/cluster', xml='<clusters/>'), 'is a <clusters> element that does not match the last step'),
    (dict(xpath='/drwcsd/cluster', xml='<cluster/><cluster/>'), 'not well-formed'),
    (dict(xpath='/drwcsd/cluster', xml='<!-- c --><cluster/>'), 'must be exactly one element'),
    (dict(xpath='/drwcsd/cluster', xml='<cluster>'), 'not well-formed'),
    (dict(xpath='/drwcsd/cluster', xml='  '), 'is empty'),
    (dict(xpath='drwcsd/cluster', xml='<cluster/>'), 'is not an absolute path'),
    (dict(xpath='/drwcsd/cluster[1]', xml='<cluster/>'), 'is not "name" or'),
    (dict(xpath='/other/cluster', xml='<cluster/>'), 'neither /other/cluster nor its parent /other exists'),
    (dict(xpath='/drwcsd/protocols/disabled/protocol', xml='<protocol name="X"/>'), 'addresses 2 elements'),
])
def test_bad_fragment_fails_untouched(conf, fragment, message):
    data = conf.read_bytes()
    result = fail(dict(path=str(conf), fragments=[fragment]))
    assert message in result['msg']
    assert conf.read_bytes() == data


def test_overlapping_fragments_fail(conf):
    data = conf.read_bytes()
    result = fail(dict(path=str(conf), fragments=[MANAGED[1], dict(xpath='/drwcsd/protocols/disabled', xml='<disabled/>')]))
    assert 'overlap' in result['msg']
    assert conf.read_bytes() == data
    result = fail(dict(path=str(conf), fragments=[MANAGED[0], MANAGED[0]]))
    assert 'two fragments address the same element /drwcsd/cluster' in result['msg']


def test_missing_file_fails(tmp_path):
    result = fail(dict(path=str(tmp_path / 'none.conf'), fragments=MANAGED))
    assert 'does not exist' in result['msg']


def test_entity_declarations_refused(tmp_path):
    path = tmp_path / 'a.xml'
    path.write_text('<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY e "x">]>\n<r><a/></r>\n')
    assert 'declares entities' in fail(dict(path=str(path), fragments=[dict(xpath='/r/a', xml='<a b="1"/>')]))['msg']


def test_utf16_refused(tmp_path):
    path = tmp_path / 'a.xml'
    path.write_bytes('<r><a/></r>'.encode('utf-16'))
    assert 'not supported' in fail(dict(path=str(path), read=['/r/a']))['msg']


def test_validate_command_failure_leaves_file(conf):
    data = conf.read_bytes()
    result = fail(dict(path=str(conf), fragments=MANAGED, validate='/bin/sh -c "grep -q 2194 %s"'))
    assert 'validate command failed (rc=1)' in result['msg']
    assert conf.read_bytes() == data
    assert sorted(os.listdir(conf.parent)) == ['drwcsd.conf']
    assert run(dict(path=str(conf), fragments=MANAGED, validate='/bin/sh -c "grep -q 11111 %s"'))['changed'] is True


# ---------------------------------------------------------------------------------------------------------------
# Encodings and line ends
# ---------------------------------------------------------------------------------------------------------------
def test_crlf_and_latin1_kept(tmp_path):
    path = tmp_path / 'a.xml'
    original = '<?xml version="1.0" encoding="iso-8859-1"?>\r\n<r>\r\n  <!-- Zürich -->\r\n  <a x="1"/>\r\n</r>\r\n'
    path.write_bytes(original.encode('latin-1'))
    run(dict(path=str(path), fragments=[dict(xpath='/r/a', xml='<a x="2">\n  <b city="Zürich"/>\n</a>')]))
    assert path.read_bytes() == original.replace('<a x="1"/>', '<a x="2">\r\n    <b city="Zürich"/>\r\n  </a>').encode('latin-1')


# ---------------------------------------------------------------------------------------------------------------
# Backup and atomic replacement
# ---------------------------------------------------------------------------------------------------------------
def test_backup_and_mode_kept(conf):
    data = conf.read_bytes()
    result = run(dict(path=str(conf), fragments=MANAGED, backup=True))
    backup = Path(result['backup_file'])
    assert backup.read_bytes() == data
    assert stat.S_IMODE(conf.stat().st_mode) == 0o600
    assert (conf.stat().st_uid, conf.stat().st_gid) == (os.getuid(), os.getgid())


def test_replaced_by_rename(conf):
    inode = conf.stat().st_ino
    reader = open(conf, 'rb')  # pylint: disable=consider-using-with
    try:
        old = reader.read()
        run(dict(path=str(conf), fragments=MANAGED))
        # an atomic rename: a reader that opened the file before sees the old content whole, never a mix
        reader.seek(0)
        assert reader.read() == old
    finally:
        reader.close()
    assert conf.stat().st_ino != inode
    assert sorted(os.listdir(conf.parent)) == ['drwcsd.conf']


def test_failed_replace_leaves_file_and_no_temporary(conf, monkeypatch):
    data = conf.read_bytes()

    def broken_move(self, src, dest, *args, **kwargs):  # pylint: disable=unused-argument
        raise OSError('disk full')
    monkeypatch.setattr(xml_fragments.AnsibleModule, 'atomic_move', broken_move)
    with pytest.raises(OSError):
        run(dict(path=str(conf), fragments=MANAGED))
    assert conf.read_bytes() == data
    assert sorted(os.listdir(conf.parent)) == ['drwcsd.conf']


def test_the_logged_arguments_hold_no_spelling_of_the_password(conf, monkeypatch):
    """The node's syslog entry of the module's arguments: the fragments text holds the XML-escaped password; given
    through drweb.cluster.secret_variants (as the roles do), Ansible masks every spelling of it there too."""
    from ansible.module_utils import basic
    # what the drweb.cluster.secret_variants filter returns (a module's test may import module_utils only)
    from ansible_collections.drweb.cluster.plugins.module_utils.secrets import all_variants as secret_variants
    logged = []
    monkeypatch.setattr(basic.AnsibleModule, 'log', lambda self, msg, log_args=None: logged.append(msg))
    for password in AWKWARD:
        # as the role's template writes it (Jinja's e: &#34; and &#39; for the quotes)
        escaped = (password.replace('&', '&amp;').replace('<', '&lt;').replace('>', '&gt;')
                   .replace('"', '&#34;').replace("'", '&#39;'))
        fragment = '<database connections="2" speedup="yes">\n  <pgsql dbname="drwcs" password="%s"/>\n</database>' % escaped
        run(dict(path=str(conf), fragments=[dict(xpath='/drwcsd/database', xml=fragment)],
                 secret_values=secret_variants([password])), check_mode=True, diff=True)
        assert logged and 'Invoked with' in logged[-1]
        for form in spellings(password) | {escaped, escaped.replace('\\', '\\\\')}:
            assert form not in logged[-1], form


# ---------------------------------------------------------------------------------------------------------------
# Read, decide and merge in one call: from_current, when_present, files
# ---------------------------------------------------------------------------------------------------------------
DECIDED_PROTOCOLS = dict(xpath='/drwcsd/protocols', from_current='cluster_protocol_enabled', when_present=True)
DECIDED_SERVER = dict(xpath='/download-config/server', from_current='download_server_element',
                      arguments=dict(name='esuite.drweb.test', agent_port='2193'))


def both(conf, download, **extra):
    conf_fragments = [dict(xpath='/drwcsd/cluster', xml=CLUSTER), DECIDED_PROTOCOLS]
    return dict(files=[dict(path=str(conf), read=['/drwcsd/passwd-salt'], fragments=conf_fragments),
                       dict(path=str(download), read=['/download-config/server'], fragments=[DECIDED_SERVER])], **extra)


def test_decided_fragments_write_what_the_rendered_templates_wrote(conf, download, tmp_path):
    """from_current renders <protocols> and <server> exactly as the text fragments of the same elements."""
    twin = tmp_path / 'twin'
    twin.mkdir()
    conf_twin, download_twin = twin / 'drwcsd.conf', twin / 'download.conf'
    conf_twin.write_bytes(conf.read_bytes())
    download_twin.write_bytes(download.read_bytes())
    run(dict(path=str(conf_twin), fragments=[dict(xpath='/drwcsd/cluster', xml=CLUSTER), dict(xpath='/drwcsd/protocols', xml=PROTOCOLS)]))
    run(dict(path=str(download_twin), fragments=[dict(xpath='/download-config/server', xml='<server host="esuite.drweb.test" port="2193"/>')]))
    result = run(both(conf, download))
    assert result['changed'] is True
    assert result['changed_elements'] == ['/drwcsd/cluster', '/drwcsd/protocols', '/download-config/server']
    assert [(entry['path'], entry['changed'], entry['changed_elements']) for entry in result['files']] == [
        (str(conf), True, ['/drwcsd/cluster', '/drwcsd/protocols']), (str(download), True, ['/download-config/server'])]
    assert conf.read_bytes() == conf_twin.read_bytes()
    assert download.read_bytes() == download_twin.read_bytes()
    # the elements as they were before the merge, both files' in one dict
    assert result['elements']['/download-config/server']['attributes'] == {'host': '', 'port': '2193'}
    assert result['elements']['/drwcsd/passwd-salt']['attributes'] == {'value': SALT}
    assert 'path' not in result
    again = run(both(conf, download))
    assert (again['changed'], again['changed_elements']) == (False, [])


def test_files_in_check_mode_predict_both_and_write_nothing(conf, download):
    before = (conf.read_bytes(), download.read_bytes())
    result = run(both(conf, download), check_mode=True, diff=True)
    assert result['changed'] is True and result['changed_elements'][-1] == '/download-config/server'
    assert (conf.read_bytes(), download.read_bytes()) == before
    assert [diff['before_header'] for diff in result['diff']] == [str(conf), str(download)]
    assert '-      <protocol name="CLUSTER"/>' not in result['diff'][0]['after']
    assert '<server host="esuite.drweb.test" port="2193"/>' in result['diff'][1]['after']


def test_only_the_changed_file_is_written_and_in_the_diff(conf, download):
    run(both(conf, download))
    download.write_text(download.read_text(encoding='utf-8').replace('esuite.drweb.test', '10.9.9.9'), encoding='utf-8')
    conf_bytes, conf_stat = conf.read_bytes(), conf.stat()
    result = run(both(conf, download), diff=True)
    assert result['changed_elements'] == ['/download-config/server']
    assert [entry['changed'] for entry in result['files']] == [False, True]
    assert [diff['before_header'] for diff in result['diff']] == [str(download)]
    assert conf.read_bytes() == conf_bytes and conf.stat().st_ino == conf_stat.st_ino
    assert 'host="esuite.drweb.test"' in download.read_text(encoding='utf-8')


def test_when_present_leaves_a_missing_element_missing(conf):
    data = conf.read_text(encoding='utf-8')
    start, end = data.index('  <protocols>'), data.index('</protocols>') + len('</protocols>\n')
    conf.write_text(data[:start] + data[end:], encoding='utf-8')
    result = run(dict(path=str(conf), fragments=[DECIDED_PROTOCOLS]))
    assert (result['changed'], result['changed_elements']) == (False, [])
    assert '<protocols' not in conf.read_text(encoding='utf-8')


def test_a_missing_server_element_is_inserted_with_the_agent_port(download):
    data = download.read_text(encoding='utf-8')
    download.write_text(data.replace('  <server host="" port="2193"/>\n', ''), encoding='utf-8')
    result = run(dict(path=str(download), fragments=[dict(DECIDED_SERVER, arguments=dict(name='esuite.drweb.test', agent_port=2200))]))
    assert result['inserted_elements'] == ['/download-config/server']
    assert double_config.load_download_config(str(download)) == {'host': 'esuite.drweb.test', 'port': 2200}


def test_a_decision_that_cannot_be_made_fails_naming_the_fragment_and_writes_no_file(conf, download):
    before = (conf.read_bytes(), download.read_bytes())
    unnamed = dict(path=str(download), fragments=[dict(DECIDED_SERVER, arguments=dict(name=' '))])
    result = fail(dict(files=[both(conf, download)['files'][0], unnamed]))
    assert 'fragments[0] (/download-config/server) from_current' in result['msg'] and 'drweb_cluster_name' in result['msg']
    assert result['msg'].startswith(str(download))
    assert (conf.read_bytes(), download.read_bytes()) == before, 'the first file is not written when the second is refused'


def test_unknown_arguments_of_a_decision_are_refused(download):
    result = fail(dict(path=str(download), fragments=[dict(DECIDED_SERVER, arguments=dict(name='x', agent_port=1, colour='red'))]))
    assert 'download_server_element takes no argument colour' in result['msg']


@pytest.mark.parametrize('args, message', [
    (dict(fragments=[dict(xpath='/drwcsd/cluster', xml=CLUSTER, from_current='cluster_protocol_enabled')]), 'mutually exclusive'),
    (dict(fragments=[dict(xpath='/drwcsd/cluster')]), 'one of the following is required'),
])
def test_a_fragment_needs_exactly_one_of_xml_and_from_current(conf, args, message):
    assert message in fail(dict(path=str(conf), **args))['msg']


def test_path_and_files_together_or_neither_are_refused(conf):
    assert 'mutually exclusive' in fail(dict(path=str(conf), files=[dict(path=str(conf))]))['msg']
    assert 'one of the following is required' in fail(dict(read=['/drwcsd/id']))['msg']
    assert 'files is empty' in fail(dict(files=[]))['msg']


def test_mode_is_set_on_an_unchanged_file_and_predicted_in_check_mode(conf):
    run(dict(path=str(conf), fragments=MANAGED))
    conf.chmod(0o644)
    predicted = run(dict(path=str(conf), fragments=MANAGED, mode='0600'), check_mode=True)
    assert (predicted['changed'], predicted['changed_elements']) == (True, [])
    assert stat.S_IMODE(conf.stat().st_mode) == 0o644, 'check mode changes no mode'
    result = run(dict(path=str(conf), fragments=MANAGED, mode='0600'))
    assert (result['changed'], result['changed_elements']) == (True, [])
    assert stat.S_IMODE(conf.stat().st_mode) == 0o600
    assert run(dict(path=str(conf), fragments=MANAGED, mode='0600'))['changed'] is False


DATABASE_ARGUMENTS = dict(host='10.0.0.2', port='5432', name='drwcs', user='drwcs', password=DB_PASSWORD, sslmode='disable', ca_file='')


def test_the_database_section_is_decided_from_the_file_and_its_password_never_shown(conf):
    fragment = dict(xpath='/drwcsd/database', from_current='database_section', arguments=DATABASE_ARGUMENTS)
    args = dict(path=str(conf), fragments=[fragment], secret_values=[DB_PASSWORD], mode='0600')
    predicted = run(args, check_mode=True, diff=True)
    assert predicted['changed_elements'] == ['/drwcsd/database']
    assert DB_PASSWORD not in json.dumps(predicted)
    assert 'password="********#' in predicted['diff']['after']
    run(args)
    text = conf.read_text(encoding='utf-8')
    # the element's own attributes kept (they may differ per node); <pgsql> written as the template wrote it
    assert ('  <database connections="2" speedup="yes">\n    <pgsql dbname="drwcs" host="10.0.0.2" port="5432" user="drwcs" '
            'password="%s" requiressl="no"/>\n  </database>' % DB_PASSWORD) in text
    assert run(args)['changed'] is False
    # an unmanaged <pgsql> attribute of the file is kept; a managed one is decided again
    conf.write_text(text.replace('requiressl="no"/>', 'requiressl="yes" timeout="9"/>'), encoding='utf-8')
    result = run(args)
    assert result['changed'] is True and 'requiressl="no" timeout="9"/>' in conf.read_text(encoding='utf-8')


def test_a_database_section_that_cannot_work_is_refused_naming_the_variable(conf):
    fragment = dict(xpath='/drwcsd/database', from_current='database_section', arguments=dict(DATABASE_ARGUMENTS, sslmode='verify-full'))
    result = fail(dict(path=str(conf), fragments=[fragment], secret_values=[DB_PASSWORD]))
    assert 'drweb_db_ssl_ca_file' in result['msg'] and DB_PASSWORD not in json.dumps(result)
