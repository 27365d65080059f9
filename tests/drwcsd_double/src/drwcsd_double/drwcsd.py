"""drwcsd command line: ``drwcsd [<switches>] <verb> [<arguments>]`` (product-facts 5.1-5.10).

Exit codes (double's choice, documented in README.md): 0 success; 1 usage error or bad argument file;
2 configuration error; 3 database error (cannot connect, not initialised, wrong schema version, not empty for
initdb); 4 the Server is running (a database verb needs it stopped) or already running (start); 5 the Server
cannot start (missing keys, port in use).
"""

import os
import signal
import sys
import time

from . import config, db, keys, licence, log as logmod, product, server, util

SWITCHES = {'activation-key': 'value', 'bin-root': 'value', 'conf': 'value', 'daemon': 'bool', 'db-verify': 'bool',
            'help': 'bool', 'hooks': 'bool', 'home': 'value', 'var-root': 'value', 'verbosity': 'value', 'log': 'value'}

USAGE = '''Usage: drwcsd [<switches>] <verb> [<arguments>]

Switches (boolean ones accept -x, -no-x, -x=yes|no; any switch may be abbreviated):
  -home=<dir>             Server installation folder (default /opt/drwcs)
  -var-root=<dir>         Server variable data folder (default /var/opt/drwcs)
  -conf=<file>            configuration file (default etc/drwcsd.conf under the var root)
  -bin-root=<dir>         executables folder (default <home>/bin)
  -activation-key=<file>  Server key, read at upgradedb and initdb only (default etc/enterprise.key)
  -daemon                 go to the background (start)
  -db-verify              check the database at start (default on)
  -hooks                  enable the user extension scripts
  -log=<file>             log file (default <var>/log/drwcsd.log)
  -verbosity=<level>      all, debug, info, notice, warning, error, crit (default info)
  -help                   this text

Verbs:
  start                   run the Server (in the foreground unless -daemon)
  stop                    stop the running Server
  initdb [<agent.key>|- [<sql_script>|- [<ini_file>|- [<password>]]]]
                          initialise an absent or empty database (admin password default "root")
  exportdb <file>         export the whole database to a file (Server stopped)
  importdb <file>         REPLACE the whole database by an exported file (Server stopped)
  upgradedb [<dir>]       upgrade the database schema to this Server version (Server stopped)
  verifydb                check the database
  selfcert                generate a new self-signed HTTPS certificate.pem / private-key.pem
'''

EXIT_USAGE, EXIT_CONFIG, EXIT_DB, EXIT_RUNNING, EXIT_START = 1, 2, 3, 4, 5


class Failure(Exception):
    """A verb failed: message and exit code."""

    def __init__(self, message, code):
        super().__init__(message)
        self.code = code


def _var_owner(paths):
    """(uid, gid) of the var root when this process is root and the var root belongs to another user, else None."""
    if os.geteuid() != 0:
        return None
    try:
        stat = os.stat(paths.var)
    except OSError:
        return None
    return (stat.st_uid, stat.st_gid) if stat.st_uid != 0 else None


def _drop_privileges(paths):
    """The Server started by root runs as the owner of the var root (drwcs)."""
    owner = _var_owner(paths)
    if owner:
        os.setgroups([])
        os.setgid(owner[1])
        os.setuid(owner[0])


def _fix_ownership(paths, log_path, args):
    """After a verb run by root: what it wrote under the var root (embedded database, log, HTTPS pair, export file)
    stays owned by the owner of the var root, so the Server (drwcs) can still use it."""
    owner = _var_owner(paths)
    if not owner:
        return
    candidates = [log_path, os.path.join(paths.etc, 'certificate.pem'), os.path.join(paths.etc, 'private-key.pem')]
    candidates += [os.path.abspath(arg) for arg in args if arg != '-']
    try:
        conf = config.load_server_config(paths.conf)
        if conf.database.kind == 'sqlite':
            dbfile = paths.resolve(conf.database.attrs.get('dbfile', 'database.sqlite'))
            candidates += [dbfile, dbfile + '-wal', dbfile + '-shm']
    except config.ConfigError:
        pass
    for path in candidates:
        if path and os.path.exists(path) and os.path.realpath(path).startswith(os.path.realpath(paths.var) + os.sep):
            os.chown(path, owner[0], owner[1])


def _running(paths):
    pid = util.read_pid(paths.pid)
    return pid if pid and pid != os.getpid() else None


def _require_stopped(paths, verb):
    pid = _running(paths)
    if pid:
        # product-facts 5.8 GUESS: the database verbs are run with the Server stopped; the double enforces it
        raise Failure('%s: the Server is running (pid %d): stop it first' % (verb, pid), EXIT_RUNNING)


def _conf(paths):
    try:
        return config.load_server_config(paths.conf)
    except config.ConfigError as exc:
        raise Failure('configuration error: %s' % exc, EXIT_CONFIG) from exc


def _database(paths, conf, create=False):
    try:
        return db.Database(conf.database, paths).open(create=create)
    except db.DatabaseError as exc:
        raise Failure('database: %s' % exc, EXIT_DB) from exc


def _read_arg_file(path, what):
    if not path or path == '-':
        return None
    try:
        with open(path, encoding='utf-8') as handle:
            return handle.read()
    except OSError as exc:
        raise Failure('cannot read %s %s: %s' % (what, path, exc), EXIT_USAGE) from exc


def verb_initdb(paths, log, args):
    """initdb [<agent.key>|- [<sql>|- [<ini>|- [<password>]]]] (product-facts 5.3)."""
    _require_stopped(paths, 'initdb')
    conf = _conf(paths)
    key_text = _read_arg_file(args[0] if args else None, 'licence key')
    if key_text is not None:
        try:
            licence.parse_key(key_text)
        except licence.LicenceError as exc:
            raise Failure('initdb: invalid licence key %s: %s' % (args[0], exc), EXIT_USAGE) from exc
    sql = _read_arg_file(args[1] if len(args) > 1 else None, 'SQL script')
    ini = _read_arg_file(args[2] if len(args) > 2 else None, 'ini file')
    password = args[3] if len(args) > 3 and args[3] != '-' else product.DEFAULT_ADMIN_PASSWORD
    database = _database(paths, conf, create=True)
    info = product.version_info()
    try:
        database.initdb(info['dbver'], password, conf.salt, key_text, sql, ini)
        with database.transaction():
            database.ensure_schedule(conf.server_id)
    except db.DatabaseError as exc:
        raise Failure('initdb: %s' % exc, EXIT_DB) from exc
    finally:
        database.close()
    log.info('initdb: database initialised: %s, schema version %d, licence key %s, default schedule of Server %s'
             % (database.describe(), info['dbver'], 'loaded' if key_text else 'not given', conf.server_id))
    return 0


def verb_exportdb(paths, log, args):
    """exportdb <file> (product-facts 5.8 GUESS)."""
    if len(args) != 1:
        raise Failure('exportdb needs one <file> argument', EXIT_USAGE)
    _require_stopped(paths, 'exportdb')
    database = _database(paths, _conf(paths))
    try:
        dump = database.export()
        db.write_dump(args[0], dump)
    except db.DatabaseError as exc:
        raise Failure('exportdb: %s' % exc, EXIT_DB) from exc
    except OSError as exc:
        raise Failure('exportdb: cannot write %s: %s' % (args[0], exc), EXIT_USAGE) from exc
    finally:
        database.close()
    log.info('exportdb: database %s (schema version %s) exported to %s: %s station(s), %s key(s)'
             % (database.describe(), dump['dbver'], args[0], len(dump['tables']['stations']['rows']),
                len(dump['tables']['available_keys']['rows'])))
    return 0


def verb_importdb(paths, log, args):
    """importdb <file>: replaces everything in the database (product-facts 6.8 GUESS, the data-loss hazard)."""
    if len(args) != 1:
        raise Failure('importdb needs one <file> argument', EXIT_USAGE)
    _require_stopped(paths, 'importdb')
    conf = _conf(paths)
    try:
        dump = db.read_dump(args[0])
    except db.DatabaseError as exc:
        raise Failure('importdb: %s' % exc, EXIT_USAGE) from exc
    database = _database(paths, conf, create=True)
    info = product.version_info()
    try:
        before = len(database.tables())
        counts = database.import_(dump, info['dbver'])
    except db.DatabaseError as exc:
        raise Failure('importdb: %s' % exc, EXIT_DB) from exc
    finally:
        database.close()
    log.warning('importdb: database %s REPLACED by %s: all previous contents erased (%d table(s) dropped); imported schema '
                'version %d, %d station(s), %d key(s)'
                % (database.describe(), args[0], before, dump['dbver'], counts['stations'], counts['available_keys']))
    if dump['dbver'] != info['dbver']:
        log.warning('importdb: the imported schema version %d is older than this Server (%d): run upgradedb' % (dump['dbver'], info['dbver']))
    return 0


def verb_upgradedb(paths, log, _args):
    """upgradedb [<dir>] (product-facts 5.9 GUESS)."""
    _require_stopped(paths, 'upgradedb')
    database = _database(paths, _conf(paths))
    info = product.version_info()
    try:
        old, new = database.upgrade(info['dbver'])
    except db.DatabaseError as exc:
        raise Failure('upgradedb: %s' % exc, EXIT_DB) from exc
    finally:
        database.close()
    if old == new:
        log.info('upgradedb: database schema is up to date (%d): %s' % (new, database.describe()))
    else:
        log.info('upgradedb: database schema upgraded %s -> %s: %s' % (old, new, database.describe()))
    return 0


def verb_verifydb(paths, log, _args):
    """verifydb (product-facts 5.6, syntax GUESS)."""
    database = _database(paths, _conf(paths))
    info = product.version_info()
    try:
        problems = database.verify(info['dbver'])
    except db.DatabaseError as exc:
        raise Failure('verifydb: %s' % exc, EXIT_DB) from exc
    finally:
        database.close()
    if problems:
        for problem in problems:
            log.error('verifydb: %s' % problem)
        return EXIT_DB
    log.info('verifydb: database OK: %s, schema version %d' % (database.describe(), info['dbver']))
    return 0


def verb_selfcert(paths, log, _args):
    """selfcert: new Control Center HTTPS pair (product-facts 5.10 GUESS)."""
    webmin = config.load_webmin_config(paths.webmin_conf, paths.etc) if os.path.exists(paths.webmin_conf) else {
        'certificate': os.path.join(paths.etc, 'certificate.pem'), 'private_key': os.path.join(paths.etc, 'private-key.pem')}
    cert, key = keys.https_pair(product.hostname())
    util.write_file(webmin['private_key'], key, 0o600)
    util.write_file(webmin['certificate'], cert, 0o644)
    log.info('selfcert: new HTTPS certificate %s' % webmin['certificate'])
    return 0


def verb_stop(paths, log, _args):
    """stop: SIGTERM to the running Server, wait for it."""
    pid = _running(paths)
    if not pid:
        log.info('stop: the Server is not running')
        return 0
    os.kill(pid, signal.SIGTERM)
    for _unused in range(300):
        if not os.path.exists(paths.pid) or not _alive(pid):
            return 0
        time.sleep(0.1)
    raise Failure('stop: the Server (pid %d) did not stop' % pid, EXIT_RUNNING)


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _set_process_name():
    try:
        import ctypes  # pylint: disable=import-outside-toplevel
        ctypes.CDLL(None).prctl(15, b'drwcsd', 0, 0, 0)  # PR_SET_NAME: pgrep drwcsd finds it
    except (OSError, AttributeError):
        pass


def _write_pid(paths):
    os.makedirs(paths.run_dir, exist_ok=True)
    util.write_file(paths.pid, '%d\n' % os.getpid(), 0o644)


def _remove_pid(paths):
    if util.read_pid(paths.pid) in (None, os.getpid()):
        try:
            os.unlink(paths.pid)
        except OSError:
            pass


def _serve(paths, log, notify=None):
    """Start and run the Server in this process; returns the exit code (re-executes itself on SIGHUP)."""
    _set_process_name()
    instance = server.Server(paths, log)
    try:
        instance.start()
    except server.StartupError as exc:
        instance.shutdown(failed=True)
        log.error(str(exc))
        log.error('Server start failed')
        _remove_pid(paths)
        if notify:
            notify('ERR %d %s' % (exc.code, exc))
        return exc.code
    _write_pid(paths)
    if notify:
        notify('OK %d' % os.getpid())
    code = instance.run()
    if instance.restart:
        # product-facts 5.14: SIGHUP restarts the Server (same process, configuration, keys and licences reread)
        os.environ['DRWCSD_DOUBLE_RESTARTED'] = '1'
        os.execv(sys.executable, [sys.executable] + sys.orig_argv[1:])
    _remove_pid(paths)
    return code


def verb_start(paths, log, daemon):
    """start: foreground, or -daemon with a readiness report to the caller."""
    pid = _running(paths)
    if pid:
        raise Failure('the Server is already running (pid %d)' % pid, EXIT_RUNNING)
    if not daemon:
        return _serve(paths, log)
    read_fd, write_fd = os.pipe()
    child = os.fork()
    if child:
        os.close(write_fd)
        chunks = []
        while True:
            chunk = os.read(read_fd, 4096)
            if not chunk:
                break
            chunks.append(chunk)
        os.close(read_fd)
        os.waitpid(child, 0)
        answer = b''.join(chunks).decode('utf-8', 'replace').strip()
        if answer.startswith('OK'):
            print('drwcsd: Server started (pid %s)' % answer.split()[1])
            return 0
        parts = answer.split(' ', 2)
        if len(parts) == 3 and parts[0] == 'ERR':
            sys.stderr.write('drwcsd: %s\n' % parts[2])
            return int(parts[1])
        sys.stderr.write('drwcsd: the Server did not start (see %s)\n' % log.path)
        return EXIT_START
    os.close(read_fd)
    os.setsid()
    if os.fork():
        os._exit(0)  # pylint: disable=protected-access
    os.chdir('/')
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    os.close(null)

    def notify(message):
        os.write(write_fd, message.encode('utf-8'))
        os.close(write_fd)
    try:
        code = _serve(paths, log, notify)
    finally:
        try:
            os.close(write_fd)
        except OSError:
            pass
    os._exit(code)  # pylint: disable=protected-access


VERBS = {'initdb': verb_initdb, 'exportdb': verb_exportdb, 'importdb': verb_importdb, 'upgradedb': verb_upgradedb,
         'verifydb': verb_verifydb, 'selfcert': verb_selfcert, 'stop': verb_stop}


def main(argv=None):
    """Entry point of /opt/drwcs/bin/drwcsd."""
    argv = list(sys.argv[1:] if argv is None else argv)
    restarted = os.environ.pop('DRWCSD_DOUBLE_RESTARTED', None) is not None
    try:
        switches, args = util.parse_switches(argv, SWITCHES)
        level = logmod.parse_verbosity(switches.get('verbosity', 'info'))
    except (util.UsageError, ValueError) as exc:
        sys.stderr.write('drwcsd: %s\n%s' % (exc, USAGE))
        return EXIT_USAGE
    if switches.get('help') or not args:
        (sys.stdout if switches.get('help') else sys.stderr).write(product.banner() + '\n' + USAGE)
        return 0 if switches.get('help') else EXIT_USAGE
    verb, rest = args[0], args[1:]
    if verb not in VERBS and verb != 'start':
        sys.stderr.write('drwcsd: unknown verb %r\n%s' % (verb, USAGE))
        return EXIT_USAGE
    paths = product.Paths(switches.get('home'), switches.get('var-root'), switches.get('conf'))
    daemon = bool(switches.get('daemon')) and not restarted
    log = logmod.Log(switches.get('log') and paths.resolve(switches['log']) or paths.log, level, echo=not (daemon or restarted))
    if log.path:
        try:
            os.makedirs(os.path.dirname(log.path), exist_ok=True)
        except OSError:
            pass
    try:
        if verb == 'start':
            _drop_privileges(paths)
            return verb_start(paths, log, daemon)
        return VERBS[verb](paths, log, rest)
    except Failure as exc:
        log.error(str(exc))
        return exc.code
    finally:
        if verb != 'start':
            _fix_ownership(paths, log.path, rest)


if __name__ == '__main__':
    sys.exit(main())
