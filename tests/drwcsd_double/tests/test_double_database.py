"""Database verbs and rules: initdb refuses data, importdb erases, shared PostgreSQL, schema version checks."""

import os

import psycopg

from double_helpers import PG_BIN, wait_for


def pg_rows(pg, sql):
    """Rows of a query on the current throwaway database."""
    with psycopg.connect(host='127.0.0.1', port=pg.port, user=pg.user, password=pg.password, dbname=pg.current) as conn:
        return conn.execute(sql).fetchall()


def salt_of(srv):
    """<passwd-salt> of an instance."""
    return srv.read('drwcsd.conf').split('<passwd-salt value="')[1].split('"')[0]


def test_initdb_refuses_a_non_empty_database(make_instance):
    """product-facts 5.3: the database must be absent or empty."""
    srv = make_instance()
    srv.install('13.00.0')
    result = srv.drwcsd('initdb')
    assert result.returncode == 3
    assert 'database is not empty' in result.stderr and 'initdb refused' in result.stderr
    os.unlink(os.path.join(srv.var, 'database.sqlite'))
    result = srv.drwcsd('initdb', '-', '-', '-', 'other-password')
    assert result.returncode == 0, result.stderr
    # every initdb makes a new database UUID (dbstruct.dbuuid, vendor Database manual)
    (dbuuid,), = srv.sqlite('SELECT dbuuid FROM dbstruct')
    assert len(dbuuid) == 36 and dbuuid.count('-') == 4
    srv.start()
    assert srv.api('server/summary.ds', password='other-password')['head']['status'] is True
    assert srv.api('server/summary.ds')['head']['status'] is False


def test_importdb_replaces_everything(make_instance, tmp_path):
    """exportdb from one Server, importdb into another: the target's own stations are gone."""
    source = make_instance('source')
    source.install('13.00.0')
    source.start()
    source.agent('REGISTER from-source')
    source.stop()
    dump = str(tmp_path / 'esbase.es')
    result = source.drwcsd('exportdb', dump)
    assert result.returncode == 0 and 'exported to' in result.stderr
    target = make_instance('target')
    target.install('13.00.0')
    target.start()
    target.agent('REGISTER precious-1', 'REGISTER precious-2')
    target.stop()
    assert len(target.sqlite('SELECT id FROM stations')) == 2
    result = target.drwcsd('importdb', dump)
    assert result.returncode == 0, result.stderr
    assert 'all previous contents erased' in target.log_text()
    assert [r[0] for r in target.sqlite('SELECT name FROM stations')] == ['from-source']
    # the database UUID (dbstruct.dbuuid) travels with the data
    assert target.sqlite('SELECT dbuuid FROM dbstruct') == source.sqlite('SELECT dbuuid FROM dbstruct')
    assert target.drwcsd('importdb', str(tmp_path / 'missing.es')).returncode == 1


def test_empty_external_database_is_refused(make_instance, pgdb):
    """A Server pointed at an empty external database does not start (product-facts 6.7/6.8 GUESS)."""
    srv = make_instance()
    srv.install('13.00.0')
    srv.use_pgsql(pgdb)
    result = srv.service('start')
    assert result.returncode == 3
    assert 'database is not initialised' in result.stderr + srv.log_text() and 'run initdb' in srv.log_text()
    assert srv.drwcsd('verifydb').returncode == 3


def test_shared_postgresql_cluster_and_version_mismatch(make_instance, pgdb, tmp_path):
    """Two 13.00.0 Servers on one PostgreSQL database, each with its own records; one upgrades, the other cannot run."""
    one = make_instance('one')
    two = make_instance('two')
    one.install('13.00.0')
    two.install('13.00.0')
    # embedded -> external (product-facts 6.8): export, switch the config, import into the empty database
    dump = str(tmp_path / 'one.es')
    assert one.drwcsd('exportdb', dump).returncode == 0
    one.use_pgsql(pgdb)
    assert one.drwcsd('importdb', dump).returncode == 0
    two.use_pgsql(pgdb)
    one.start()
    two.start()
    # the admin password hash in the common database is salted with one's <passwd-salt>: two, with its own salt,
    # cannot authenticate (product-facts 2.6 / unification table: the salt must be the same on every node)
    assert two.api('server/summary.ds')['head']['status'] is False
    two.stop()
    two.edit_conf('<passwd-salt value="%s"/>' % salt_of(two), '<passwd-salt value="%s"/>' % salt_of(one))
    two.start()
    ids = {srv: srv.api('server/summary.ds')['data']['uuid'] for srv in (one, two)}
    one.agent('REGISTER a1', 'REGISTER a2')
    station = two.agent('REGISTER b1')[0].split()[1]
    assert one.api('server/summary.ds')['data']['stations']['total'] == 2
    assert two.api('server/summary.ds')['data']['stations']['total'] == 1
    # a station registered on two is served by one too (same database), and keeps its registering Server
    assert one.agent('HELLO ' + station)[0] == 'OK %s %s' % (station, ids[two])
    assert sorted(pg_rows(pgdb, 'SELECT server_id, COUNT(*) FROM stations GROUP BY server_id')) == sorted([(ids[one], 2), (ids[two], 1)])
    # the Web API lists the stations of one Server (Web API 13.0.0 groups/stations-list.ds, server-id filter)
    everyone = '20e27d73-d21d-b211-a788-85419c46f0e6'
    listed = one.api('groups/stations-list.ds?id=%s&per-page=1&server-id=%s' % (everyone, ids[two]))['data']
    assert listed['total'] == 1 and len(listed['list']) == 1
    assert '<stations total="3">' in two.api('groups/stations-list.ds?id=%s&per-page=1' % everyone, fmt='xml')
    assert two.api('groups/stations-list.ds')['head']['status'] is False
    # both Servers wrote their srv_names row (GUESS); the documented neighbour table "servers" stays empty
    assert sorted(pg_rows(pgdb, 'SELECT osid FROM srv_names')) == sorted([(ids[one],), (ids[two],)])
    assert pg_rows(pgdb, 'SELECT count(*) FROM servers') == [(0,)]
    # schedule created for the second Server id at its first start
    assert pg_rows(pgdb, "SELECT COUNT(*) FROM server_schedule WHERE server_id = '%s'" % ids[two]) == [(6,)]
    # two is upgraded while one still runs: one stops by itself once the schema changed
    two.stop()
    two.install('13.00.1')
    assert 'upgradedb: database schema upgraded 522 -> 542' in two.log_text()
    wait_for(lambda: one.pid() is None, timeout=15)
    assert 'schema version is now 542 but this Server 13.00.0 expects 522' in one.log_text()
    result = one.service('start')
    assert result.returncode == 3
    assert 'database schema version 542 does not match this Server 13.00.0 (expects 522)' in one.log_text()
    two.start()
    assert two.api('server/summary.ds')['data']['stations']['total'] == 1
    assert pg_rows(pgdb, 'SELECT dbver FROM dbstruct') == [(542,)]


def test_installer_pointed_at_a_used_external_database_erases_it(make_instance, pgdb):
    """drweb-servers-cluster.txt item 4: installing a new Server directly on the common database deletes its data."""
    first = make_instance('first')
    first.install('13.00.0')
    first.use_pgsql(pgdb)
    os.unlink(os.path.join(first.var, 'database.sqlite'))
    assert first.drwcsd('initdb').returncode == 0
    first.start()
    first.agent('REGISTER lost-soon')
    first.stop()
    late = make_instance('late')
    os.makedirs(late.etc)
    late.write('drwcsd.conf', first.read('drwcsd.conf').replace(first.read('drwcsd.conf').split('<id value="')[1].split('"')[0],
                                                                '11111111-2222-3333-4444-555555555555'))
    out = late.install('13.00.0').stdout
    assert 'ALL ITS DATA IS ERASED' in out
    assert pg_rows(pgdb, 'SELECT COUNT(*) FROM stations') == [(0,)]


def test_a_server_that_lost_its_postgresql_connection_refuses_logins_until_restarted(make_instance, pgdb):
    """GUESS (no product fact): PostgreSQL restarted under a running Server - the double never reconnects (worst case);
    its Web API refuses every login saying the database is not available, the process keeps running; a restart
    of the Server serves again."""
    srv = make_instance()
    srv.install('13.00.0')
    dump = os.path.join(srv.root, 'embedded.es')
    assert srv.drwcsd('exportdb', dump).returncode == 0
    srv.use_pgsql(pgdb)
    assert srv.drwcsd('importdb', dump).returncode == 0
    srv.start()
    assert srv.api('server/summary.ds')['head']['status'] is True
    pid = srv.pid()
    pgdb.pg(os.path.join(PG_BIN, 'pg_ctl'), '-D', pgdb.data, '-l', os.path.join(pgdb.dir, 'pg.log'), '-m', 'fast', '-w', 'restart')
    reply = srv.api('server/summary.ds')
    assert reply['head']['status'] is False
    assert reply['error'] == {'code': 1, 'message': 'Authentication failed: the database is not available'}
    assert srv.api('server/summary.ds', password='wrong')['error']['message'] == 'Authentication failed: the database is not available'
    assert srv.pid() == pid
    assert 'webapi: cannot check the administrator' in srv.log_text()
    assert srv.service('restart').returncode == 0
    wait_for(lambda: srv.api('server/summary.ds')['head']['status'] is True, timeout=30)
