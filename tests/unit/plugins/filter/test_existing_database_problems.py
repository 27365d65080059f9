# Copyright (c) drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""drweb.cluster.existing_database_problems: the Servers' PostgreSQL role and database refused before anything is
created or altered (a superuser role, another application's database, another encoding, foreign tables)."""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.drweb.cluster.plugins.filter.existing_database_problems import existing_database_problems

NEW = dict(superuser=None, owner=None, encoding=None)   # neither the role nor the database exists yet


def problems(found, tables=None, user='drwcs', admin_user='postgres', encoding='UTF8'):
    return existing_database_problems(found, tables, user, admin_user, 'drwcs', 'db1', encoding)


def test_nothing_there_yet_or_the_servers_own_database_is_fine():
    assert problems(NEW) == []
    assert problems({}) == [] and problems(None) == []    # the read did not run
    assert problems(dict(superuser=False, owner='drwcs', encoding='UTF8'), dict(tables=0, dbstruct=0)) == []
    # a Dr.Web Server database: tables, among them dbstruct
    assert problems(dict(superuser=False, owner='drwcs', encoding='UTF8'), dict(tables=112, dbstruct=1)) == []


@pytest.mark.parametrize('wanted', ['UTF-8', 'utf8', 'utf-8'])
def test_utf8_is_one_encoding_however_it_is_spelt(wanted):
    assert problems(dict(superuser=False, owner='drwcs', encoding='UTF8'), encoding=wanted) == []


def test_the_administrator_as_the_servers_role_is_refused_naming_both_variables():
    assert problems(NEW, user='postgres') == [
        'drweb_db_user postgres is drweb_database_admin_user: the Servers must log in with a role of their own, without '
        'superuser rights (choose another drweb_db_user).']


def test_a_superuser_role_is_refused_even_when_its_database_is_fine():
    assert problems(dict(superuser=True, owner='drwcs', encoding='UTF8')) == [
        'drweb_db_user drwcs is a PostgreSQL superuser: the Servers must log in with a role of their own, without '
        'superuser rights (choose another drweb_db_user).']


def test_another_owners_database_is_refused_and_never_taken_over():
    assert problems(dict(superuser=False, owner='billing', encoding='LATIN1'), dict(tables=3, dbstruct=0)) == [
        "The database drweb_db_name=drwcs on db1 exists and belongs to billing, not to drweb_db_user=drwcs: it is not the "
        "Servers' database. Choose another drweb_db_name (its owner is never changed)."]


def test_an_existing_database_in_another_encoding_is_refused():
    assert problems(dict(superuser=False, owner='drwcs', encoding='SQL_ASCII')) == [
        "The database drwcs on db1 is owned by drwcs with encoding SQL_ASCII; the Servers need owner drwcs and encoding "
        "UTF8. An existing database's encoding cannot be changed: drop it (if it holds nothing) or choose another "
        "drweb_db_name."]


@pytest.mark.parametrize('dbstruct', [0, None, '0'])
def test_tables_without_the_dr_web_schema_are_another_applications_data(dbstruct):
    assert problems(dict(superuser=False, owner='drwcs', encoding='UTF8'), dict(tables='1', dbstruct=dbstruct)) == [
        "The database drweb_db_name=drwcs on db1 holds 1 table(s) but no Dr.Web Server schema (no dbstruct): another "
        "application's data. Choose another drweb_db_name."]


def test_reads_that_are_not_rows_are_an_error():
    with pytest.raises(AnsibleFilterError, match='first rows'):
        problems(['not', 'a', 'row'])
    with pytest.raises(AnsibleFilterError, match='table counts'):
        problems(dict(owner='drwcs'), dict(tables='many'))
