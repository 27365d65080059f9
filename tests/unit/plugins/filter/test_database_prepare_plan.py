# Copyright (c) drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""drweb.cluster.database_prepare_plan: the database prepare entry point creates the Servers' role and database only
where the read shows them missing (or could not read them), and refuses what existing_database_problems refuses."""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.drweb.cluster.plugins.filter.database_prepare_plan import database_prepare_plan

CONVERGED = dict(superuser=False, login=True, owner='drwcs', encoding='UTF8')
DRWEB_TABLES = dict(tables=112, dbstruct=1)


def plan(found, tables=None, user='drwcs', encoding='UTF8'):
    return database_prepare_plan(found, tables, user, 'postgres', 'drwcs', 'db1', encoding)


def test_a_converged_role_and_database_need_neither_step():
    assert plan(CONVERGED, DRWEB_TABLES) == {'problems': [], 'role': False, 'database': False}
    # the database created before the first Server, still empty
    assert plan(CONVERGED, dict(tables=0, dbstruct=0)) == {'problems': [], 'role': False, 'database': False}


def test_nothing_there_yet_needs_both_steps():
    nothing = dict(superuser=None, login=None, owner=None, encoding=None)
    assert plan(nothing) == {'problems': [], 'role': True, 'database': True}


def test_a_failed_read_runs_both_steps_so_that_the_failed_login_is_named():
    # the administrator's read failed (query_result missing): the role step's own failure names the variables
    assert plan({}) == {'problems': [], 'role': True, 'database': True}
    assert plan(None) == {'problems': [], 'role': True, 'database': True}


def test_a_role_that_may_not_log_in_is_given_login_and_the_database_is_left_alone():
    assert plan(dict(CONVERGED, login=False), DRWEB_TABLES) == {'problems': [], 'role': True, 'database': False}


def test_a_read_without_the_login_column_never_skips_the_role_step():
    found = dict(CONVERGED)
    del found['login']
    assert plan(found, DRWEB_TABLES)['role'] is True


def test_a_role_without_its_database_creates_only_the_database():
    role_only = dict(superuser=False, login=True, owner=None, encoding=None)
    assert plan(role_only) == {'problems': [], 'role': False, 'database': True}


@pytest.mark.parametrize('found, tables, reason', [
    (dict(CONVERGED, superuser=True), DRWEB_TABLES, 'superuser'),
    (dict(CONVERGED, owner='billing'), dict(tables=3, dbstruct=0), 'belongs to billing'),
    (dict(CONVERGED, encoding='LATIN1'), DRWEB_TABLES, 'encoding LATIN1'),
    (CONVERGED, dict(tables=3, dbstruct=0), 'no Dr.Web Server schema'),
])
def test_what_existing_database_problems_refuses_is_refused(found, tables, reason):
    result = plan(found, tables)
    assert len(result['problems']) == 1 and reason in result['problems'][0], result


def test_another_owner_never_counts_as_the_servers_database():
    assert plan(dict(CONVERGED, owner='billing'))['database'] is True


def test_a_read_that_is_not_a_row_is_refused():
    with pytest.raises(AnsibleFilterError, match='first row'):
        plan(['superuser'])
