# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A fake psycopg over an in-memory SQLite database laid out like the drwcsd double's, for the modules that write.

``FakeDriver.connect(**kwargs)`` records the arguments and returns a connection whose cursors run the statements on
SQLite (``%s`` -> ``?``); ``commit``/``rollback`` are SQLite's. ``refuse`` makes connect raise a PostgreSQL-worded
error; ``fail_on`` makes a statement containing that text raise.
"""

from __future__ import annotations

import sqlite3


class FakeError(Exception):
    """What the driver raises."""


class FakeCursor:
    def __init__(self, connection):
        self.connection = connection
        self.cursor = connection.db.cursor()
        self.description = None

    def execute(self, statement, arguments=()):
        self.connection.statements.append((statement, tuple(arguments)))
        if self.connection.fail_on and self.connection.fail_on in statement:
            raise FakeError('ERROR:  permission denied for table')
        try:
            self.cursor.execute(statement.replace('%s', '?'), tuple(arguments))
        except sqlite3.Error as error:
            raise FakeError('ERROR:  %s' % error) from error
        self.description = self.cursor.description

    def fetchall(self):
        return self.cursor.fetchall()

    def close(self):
        self.cursor.close()


class FakeConnection:
    def __init__(self, driver):
        self.driver = driver
        self.db = driver.db
        self.fail_on = driver.fail_on
        self.statements = driver.statements

    def cursor(self):
        return FakeCursor(self)

    def commit(self):
        self.db.commit()
        self.driver.commits += 1

    def rollback(self):
        self.db.rollback()

    def close(self):
        self.driver.closed += 1


class FakeDriver:
    """Stands in for psycopg."""

    def __init__(self):
        self.db = sqlite3.connect(':memory:')
        self.db.execute('CREATE TABLE available_keys (id VARCHAR(36) PRIMARY KEY, value TEXT, type INTEGER, '
                        'created NUMERIC(17), used_stations NUMERIC(10), used_neighbors NUMERIC(10))')
        self.db.execute('CREATE TABLE server_schedule (server_id VARCHAR(36) NOT NULL, task_id VARCHAR(64) NOT NULL, '
                        'name VARCHAR(255), action VARCHAR(64), enabled INTEGER NOT NULL, critical INTEGER NOT NULL, '
                        'period BIGINT, last_run BIGINT, last_status VARCHAR(32), PRIMARY KEY (server_id, task_id))')
        self.db.commit()
        self.connections = []
        self.statements = []
        self.refuse = None
        self.fail_on = None
        self.commits = 0
        self.closed = 0

    def connect(self, **kwargs):
        self.connections.append(kwargs)
        if self.refuse:
            raise FakeError(self.refuse)
        return FakeConnection(self)

    def add_schedule(self, server_id, tasks):
        for number, (name, enabled) in enumerate(tasks.items()):
            self.db.execute('INSERT INTO server_schedule (server_id, task_id, name, action, enabled, critical, period) '
                            'VALUES (?, ?, ?, ?, ?, 0, 86400)', (server_id, 't%d' % number, name, name, int(enabled)))
        self.db.commit()

    def schedule(self, server_id):
        return dict((name, bool(enabled)) for name, enabled in self.db.execute(
            'SELECT name, enabled FROM server_schedule WHERE server_id = ?', (server_id,)))

    def key_ids(self):
        return [row[0] for row in self.db.execute('SELECT id FROM available_keys ORDER BY id')]
