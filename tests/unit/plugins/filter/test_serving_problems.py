# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the drweb.cluster.serving_problems filter: when a started Server serves."""

from __future__ import annotations

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.drweb.cluster.plugins.filter.serving_problems import FilterModule, describe_database, serving_problems

COMMON = dict(mode='external', host='10.0.0.2', port=5432, name='drwcs', dbuuid='uuid-1')


def server(**changes):
    base = dict(installed=True, running=True,
                database=dict(COMMON, schema_version=522, schema_expected=522),
                own_data=dict(source='external database 10.0.0.2:5432/drwcs'),
                web_api=dict(status='ok', error=None))
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            base[key] = dict(base[key], **value)
        else:
            base[key] = value
    return base


def test_the_filter_is_registered():
    assert FilterModule().filters()['serving_problems'] is serving_problems


def test_a_serving_server_on_the_expected_database_has_no_problem():
    assert serving_problems(server(), COMMON, True) == []
    assert serving_problems(server(), dict(COMMON, port='5432'), True) == []   # the port as text (a template's output)


def test_not_installed_or_not_running_is_said_first():
    assert serving_problems(server(installed=False), COMMON, True) == ['no Dr.Web Server is installed']
    assert serving_problems(server(running=False), COMMON, True) == ['drwcsd is not running (its init script status is not 0)']


def test_a_refused_login_on_the_common_database_does_not_serve():
    problems = serving_problems(server(web_api=dict(status='error', error='summary.ds refused: the database is not available')),
                                COMMON, True)
    assert problems == ['its Web API does not answer the administrator login (summary.ds refused: the database is not available)']


def test_the_login_is_not_judged_without_the_password_or_on_the_embedded_database():
    refused = dict(status='error', error='Authentication failed')
    assert serving_problems(server(web_api=refused), COMMON, False) == []
    embedded = server(web_api=refused, database=dict(mode='embedded', host=None, port=None, name=None, dbuuid='own'))
    assert serving_problems(embedded, dict(mode='embedded'), True) == []


def test_another_database_than_the_expected_one_is_named():
    problems = serving_problems(server(database=dict(host='10.0.0.9')), COMMON, True)
    assert problems == ['it is configured for the database 10.0.0.9:5432/drwcs, expected the database 10.0.0.2:5432/drwcs']
    problems = serving_problems(server(database=dict(mode='embedded')), COMMON, True)
    assert problems[0].startswith('it is configured for its embedded database (dbuuid uuid-1), expected the database 10.0.0.2')


def test_the_dbuuid_proves_the_database_is_the_expected_one():
    assert serving_problems(server(database=dict(dbuuid='uuid-2')), COMMON, True) == ['it runs on dbuuid uuid-2, not the expected uuid-1']
    unread = serving_problems(server(database=dict(dbuuid=None), own_data=dict(source='psycopg: connection refused')), COMMON, True)
    assert unread == ['its database 10.0.0.2:5432/drwcs cannot be read to confirm it is the expected one (dbuuid uuid-1): '
                      'psycopg: connection refused']
    # no dbuuid expected (a database initialised in this run): the target is enough
    assert serving_problems(server(database=dict(dbuuid=None)), dict(COMMON, dbuuid=''), True) == []


def test_without_an_expected_database_only_the_process_and_the_login_count():
    assert serving_problems(server(database=dict(host='elsewhere')), {}, True) == []
    assert serving_problems(server(database=dict(host='elsewhere')), None, True) == []


def test_a_database_at_another_schema_version_does_not_serve():
    assert serving_problems(server(database=dict(schema_version=521)), COMMON, True) == [
        'its database is at schema version 521, its release needs 522']


def test_bad_input_is_named():
    with pytest.raises(AnsibleFilterError, match='server dictionary'):
        serving_problems('node1')
    with pytest.raises(AnsibleFilterError, match='expected must be a database dictionary'):
        serving_problems(server(), 'drwcs')


def test_describe_database():
    assert describe_database(dict(mode='embedded')) == 'its embedded database'
    assert describe_database(None) == 'no readable database section'
    assert describe_database(COMMON) == 'the database 10.0.0.2:5432/drwcs (dbuuid uuid-1)'
