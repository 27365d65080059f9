# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of drweb.cluster.host_prerequisites: real imports and a real PATH lookup, in a temporary folder."""

from __future__ import annotations

import os
import stat
import sys

from ansible_collections.drweb.cluster.plugins.modules import host_prerequisites
from ansible_collections.drweb.cluster.tests.unit.plugins.modules.utils import run_module


def executable(folder, name):
    path = folder / name
    path.write_text('#!/bin/sh\nexit 0\n')
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return str(path)


def test_present_libraries_and_commands_are_found(tmp_path, monkeypatch):
    monkeypatch.setenv('PATH', str(tmp_path))
    dig = executable(tmp_path, 'dig')
    result = run_module(host_prerequisites, dict(python_modules=['os', 'yaml'], commands=['dig']))
    assert result['changed'] is False
    assert result['missing'] == []
    assert result['found']['os'] == 'os' and result['found']['dig'] == dig
    assert result['found']['yaml'].startswith('yaml ')       # with its version
    assert result['python']['executable'] == sys.executable


def test_missing_entries_are_named_in_the_order_given(tmp_path, monkeypatch):
    monkeypatch.setenv('PATH', str(tmp_path))
    result = run_module(host_prerequisites, dict(python_modules=['os', 'drweb_no_such_module', 'drweb_other_missing'],
                                                 commands=['drweb-no-such-command']))
    assert result['missing'] == ['drweb_no_such_module', 'drweb_other_missing', 'drweb-no-such-command']
    assert set(result['found']) == {'os'}


def test_an_entry_is_present_when_any_alternative_imports():
    result = run_module(host_prerequisites, dict(python_modules=['drweb_no_such_module|os', 'drweb_a|drweb_b']))
    assert result['found'] == {'drweb_no_such_module|os': 'os'}
    assert result['missing'] == ['drweb_a|drweb_b']


def test_a_library_that_fails_on_import_counts_as_missing(tmp_path, monkeypatch):
    (tmp_path / 'drweb_broken_lib.py').write_text('raise RuntimeError("built for another interpreter")\n')
    monkeypatch.syspath_prepend(str(tmp_path))
    result = run_module(host_prerequisites, dict(python_modules=['drweb_broken_lib']))
    assert result['missing'] == ['drweb_broken_lib']


def test_a_command_in_sbin_is_found_without_it_on_path(monkeypatch):
    monkeypatch.setenv('PATH', '/nonexistent')
    candidates = [name for name in ('ip', 'sshd', 'useradd') if any(os.access(os.path.join(folder, name), os.X_OK)
                                                                    for folder in ('/usr/sbin', '/sbin'))]
    assert candidates, 'no sbin command to look up on this machine'
    result = run_module(host_prerequisites, dict(commands=candidates[:1]))
    assert result['missing'] == [] and '/sbin/' in result['found'][candidates[0]]


def test_check_mode_reports_the_same():
    assert run_module(host_prerequisites, dict(python_modules=['os']), check_mode=True)['missing'] == []


def test_each_duty_needs_its_libraries_and_commands():
    python_entries, commands = host_prerequisites.wanted(['server', 'database', 'dns_update'], [], [])
    assert python_entries == ['psycopg|psycopg2', 'cryptography', 'dns'] and commands == ['dig']
    assert host_prerequisites.wanted(['database'], ['os'], ['sh']) == (['psycopg|psycopg2', 'os'], ['sh'])


def test_missing_items_map_to_each_family_packages_once():
    missing = ['psycopg|psycopg2', 'cryptography', 'dns', 'dig']
    assert host_prerequisites.packages_for(missing, 'Debian') == (
        ['python3-psycopg2', 'python3-cryptography', 'python3-dnspython', 'bind9-dnsutils'], [])
    assert host_prerequisites.packages_for(missing, 'RedHat') == (
        ['python3-psycopg2', 'python3-cryptography', 'python3-dns', 'bind-utils'], [])
    assert host_prerequisites.packages_for(['dig', 'extra'], 'Archlinux') == ([], ['dig', 'extra'])


def test_a_host_without_the_libraries_gets_the_packages_named(tmp_path, monkeypatch):
    # an interpreter where nothing of the duty imports: the names are those of the entries, the packages the family's
    monkeypatch.setenv('PATH', str(tmp_path))
    monkeypatch.setitem(host_prerequisites.DUTIES, 'server', (('python', 'drweb_no_psycopg|drweb_no_psycopg2'),
                                                              ('command', 'dig')))
    monkeypatch.setitem(host_prerequisites.PACKAGES['Debian'], 'drweb_no_psycopg|drweb_no_psycopg2', 'python3-psycopg2')
    result = run_module(host_prerequisites, dict(duties=['server'], os_family='Debian'))
    assert result['missing'] == ['drweb_no_psycopg|drweb_no_psycopg2', 'dig']
    assert result['packages'] == ['python3-psycopg2', 'bind9-dnsutils'] and result['unpackaged'] == []
    assert result['described'] == ['drweb_no_psycopg or drweb_no_psycopg2', 'dig']
    assert host_prerequisites.LABELS['dns'] == 'dnspython'
    # installing is on and every package is known: nothing to refuse, the role installs them
    assert result['refusal'] == ''
    # installing off: refused, naming what is missing, for which interpreter and duty, and the packages to install
    refused = run_module(host_prerequisites, dict(duties=['server'], os_family='Debian', install=False))
    assert refused['refusal'] == (
        'drweb_no_psycopg or drweb_no_psycopg2, dig for the Python interpreter %s (server): install the packages '
        'python3-psycopg2 bind9-dnsutils (drweb_prerequisites_install is false, so nothing was installed). Nothing was '
        'changed.' % sys.executable)


def test_what_no_package_provides_is_refused_even_when_installing():
    assert host_prerequisites.refusal(['dig', 'extra'], [], ['dig', 'extra'], 'Archlinux', True, '/usr/bin/python3',
                                      ['dns_update']) == (
        'dig, extra for the Python interpreter /usr/bin/python3 (dns_update): no package is known for dig, extra on the '
        'Archlinux family: install them for that interpreter. Nothing was changed.')
    assert 'on the unknown family' in host_prerequisites.refusal(['dig'], [], ['dig'], '', True, '/usr/bin/python3', [])


def test_nothing_missing_is_never_refused():
    assert host_prerequisites.refusal([], [], [], 'Debian', False, '/usr/bin/python3', ['server']) == ''
    assert run_module(host_prerequisites, dict(python_modules=['os'], install=False))['refusal'] == ''


DEBIAN_12 = 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\nID=debian\n'
UBUNTU_22 = 'NAME="Ubuntu"\nVERSION_ID="22.04"\nID=ubuntu\nID_LIKE=debian\n'
ROCKY_9 = 'NAME="Rocky Linux"\nID="rocky"\nID_LIKE="rhel centos fedora"\nVERSION_ID="9.4"\n'
ALMA_9 = 'NAME="AlmaLinux"\nID="almalinux"\nID_LIKE="rhel centos fedora"\n'
MINT = 'NAME="Linux Mint"\nID=linuxmint\nID_LIKE="ubuntu debian"\n'
ARCH = 'NAME="Arch Linux"\nID=arch\n'


def test_the_family_is_read_from_os_release_as_the_facts_name_it():
    # what ansible_facts.os_family says on those systems: the packages are named for the same family
    assert host_prerequisites.os_family_from_os_release(DEBIAN_12) == 'Debian'
    assert host_prerequisites.os_family_from_os_release(UBUNTU_22) == 'Debian'
    assert host_prerequisites.os_family_from_os_release(MINT) == 'Debian'          # by ID_LIKE
    assert host_prerequisites.os_family_from_os_release(ROCKY_9) == 'RedHat'
    assert host_prerequisites.os_family_from_os_release(ALMA_9) == 'RedHat'
    assert host_prerequisites.os_family_from_os_release('# comment\nID="rhel"\n') == 'RedHat'
    # unknown or unreadable: no family, so what is missing is refused as unpackaged, naming the unknown family
    assert host_prerequisites.os_family_from_os_release(ARCH) == ''
    assert host_prerequisites.os_family_from_os_release('') == ''
    assert host_prerequisites.read_os_family('/nonexistent/os-release') == ''


def test_without_os_family_the_module_names_the_packages_of_the_os_release_family(tmp_path, monkeypatch):
    monkeypatch.setenv('PATH', str(tmp_path))
    release = tmp_path / 'os-release'
    release.write_text(ROCKY_9)
    monkeypatch.setattr(host_prerequisites, 'OS_RELEASE', str(release))
    result = run_module(host_prerequisites, dict(commands=['dig'], install=False))
    assert result['os_family'] == 'RedHat'
    assert result['missing'] == ['dig'] and result['packages'] == ['bind-utils']
    assert 'install the packages bind-utils' in result['refusal']
    # a family given (the gathered facts) is used as it is, the file is not asked
    given = run_module(host_prerequisites, dict(commands=['dig'], os_family='Debian', install=False))
    assert given['os_family'] == 'Debian' and given['packages'] == ['bind9-dnsutils']
