"""The installer run by drweb-<version>-esuite-server-linux-x86_64.run (the double's installation package).

    sh drweb-13.00.0-esuite-server-linux-x86_64.run [--] [--non-interactive] [--admin-password=PW]
       [--license-key=FILE] [--no-start] [--root=DIR]

product-facts 1.14/T19: the vendor's unattended switches are a GUESS; this installer is always unattended and
accepts --non-interactive (the Agent installers' switch) for the same spelling. A fresh install creates user and
group drwcs, /opt/drwcs, /var/opt/drwcs/{etc,repository,log,backup,run}, the init script, the options file and the
product marker, writes the configuration, generates the keys (keeping any that were put in etc beforehand),
initialises the embedded database and starts the Server. Over an older version it upgrades in place: stops the
Server, keeps the configuration, keys and data, runs upgradedb on the configured database (embedded or external)
and starts the Server again. The same version installed: nothing to do. A newer version installed: refused.
--root=DIR installs below DIR without creating users (tests); --no-start leaves the Server stopped.
"""

import argparse
import os
import pwd
import grp
import shutil
import subprocess
import sys
import time

from . import config, db, keys, licence, product, repository, util

WRAPPER = '''#!/bin/sh
# Dr.Web Server {name} (drwcsd test double {version}): runs the double with the system Python
DRWCS_HOME="${{DRWCS_HOME:-{home}}}"
DRWCS_VAR="${{DRWCS_VAR:-{var}}}"
export DRWCS_HOME DRWCS_VAR
exec /usr/bin/python3 -E -s -c 'import sys; sys.path.insert(0, "{lib}"); from drwcsd_double.{module} import main; sys.exit(main())' "$@"
'''

# product-facts 1.10/T16 GUESS
OPTIONS = '''# Dr.Web Server options, sourced by {init} (kept on upgrade)
DRWCS_HOME={home}
DRWCS_VAR={var}
DRWCS_ETC={var}/etc
DRWCS_USER={user}
DRWCS_GROUP={group}
# extra drwcsd switches, e.g. -verbosity=all
DRWCS_ADDOPT=
'''

# product-facts 1.11/T15 GUESS: LSB init script with the database subcommands of 5.8
INIT_SCRIPT = '''#!/bin/sh
### BEGIN INIT INFO
# Provides:          drwcsd
# Required-Start:    $remote_fs $network $syslog
# Required-Stop:     $remote_fs $network $syslog
# Default-Start:     2 3 4 5
# Default-Stop:      0 1 6
# Short-Description: Dr.Web Server
# Description:       Dr.Web Enterprise Security Suite Server (drwcsd test double {version})
### END INIT INFO

OPTIONS_FILE={options}
# shellcheck source=/dev/null
[ -r "$OPTIONS_FILE" ] && . "$OPTIONS_FILE"
DRWCS_HOME=${{DRWCS_HOME:-{home}}}
DRWCS_VAR=${{DRWCS_VAR:-{var}}}
DRWCS_USER=${{DRWCS_USER:-drwcs}}
PIDFILE="$DRWCS_VAR/run/drwcsd.pid"
DRWCSD="$DRWCS_HOME/bin/drwcsd"
export DRWCS_HOME DRWCS_VAR

as_user() {{
    if [ "$(id -u)" = 0 ] && [ "$DRWCS_USER" != root ] && [ "$(id -un)" != "$DRWCS_USER" ]; then
        runuser -u "$DRWCS_USER" -- "$@"
    else
        "$@"
    fi
}}

running_pid() {{
    [ -r "$PIDFILE" ] || return 1
    pid=$(cat "$PIDFILE" 2>/dev/null)
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && echo "$pid"
}}

drwcsd_cmd() {{
    # shellcheck disable=SC2086
    as_user "$DRWCSD" -home="$DRWCS_HOME" -var-root="$DRWCS_VAR" $DRWCS_ADDOPT "$@"
}}

do_start() {{
    if pid=$(running_pid); then
        echo "drwcsd is already running (pid $pid)"
        return 0
    fi
    mkdir -p "$DRWCS_VAR/run"
    drwcsd_cmd -daemon start
}}

do_stop() {{
    pid=$(running_pid) || {{ echo "drwcsd is not running"; rm -f "$PIDFILE"; return 0; }}
    kill -TERM "$pid" 2>/dev/null
    i=0
    # the Server removes its pid file as its last act (a zombie not yet reaped still answers kill -0)
    while [ -e "$PIDFILE" ] && kill -0 "$pid" 2>/dev/null; do
        i=$((i + 1))
        if [ "$i" -ge 300 ]; then
            echo "drwcsd (pid $pid) did not stop" >&2
            return 1
        fi
        sleep 0.1
    done
    rm -f "$PIDFILE"
    echo "drwcsd stopped"
}}

case "$1" in
    start) do_start ;;
    stop) do_stop ;;
    restart|force-reload) do_stop && do_start ;;
    reload)
        pid=$(running_pid) || {{ echo "drwcsd is not running" >&2; exit 7; }}
        kill -HUP "$pid" ;;
    status)
        if pid=$(running_pid); then
            echo "drwcsd is running (pid $pid)"
            exit 0
        elif [ -e "$PIDFILE" ]; then
            echo "drwcsd is dead but the pid file exists"
            exit 1
        else
            echo "drwcsd is not running"
            exit 3
        fi ;;
    exportdb|importdb|initdb|upgradedb|verifydb|selfcert)
        verb=$1
        shift
        drwcsd_cmd "$verb" "$@" ;;
    *)
        echo "Usage: $0 {{start|stop|restart|reload|status|exportdb <file>|importdb <file>|initdb [...]|upgradedb|verifydb|selfcert}}" >&2
        exit 2 ;;
esac
'''

# product-facts 1.9/T18 GUESS: the marker name; its content is the double's version record (see README.md)
MARKER = '''#!/bin/sh
# Dr.Web Enterprise Security Suite Server: installed product record and uninstaller (drwcsd test double)
# product=drweb-esuite
# version={version}
# build={build}
# shellcheck disable=SC2034
PRODUCT=drweb-esuite
VERSION={version}
BUILD={build}
[ "$1" = --version ] && {{ echo "$VERSION"; exit 0; }}
[ -x {init} ] && {init} stop
rm -rf {home} {init} {options} "$0"
if [ "$1" = --purge ]; then
    rm -rf {var}
    userdel drwcs >/dev/null 2>&1
fi
echo "Dr.Web Server $VERSION removed"
'''


def installed_version(marker):
    """Version recorded in the marker file, or None."""
    try:
        with open(marker, encoding='utf-8') as handle:
            for line in handle:
                if line.startswith('VERSION='):
                    return line.strip().split('=', 1)[1]
    except OSError:
        return None
    return None


def _vtuple(version):
    return tuple(int(part) for part in version.split('.'))


class Installer:  # pylint: disable=too-many-instance-attributes
    """One run of the installer."""

    def __init__(self, args):
        self.args = args
        self.root = os.path.abspath(args.root) if args.root else ''
        self.info = product.version_info()
        self.version = self.info['version']
        self.home = self.root + product.DEFAULT_HOME
        self.var = self.root + product.DEFAULT_VAR
        self.software = self.root + product.SOFTWARE_DIR
        self.marker = os.path.join(self.software, product.MARKER_NAME)
        self.options = os.path.join(self.software, product.OPTIONS_NAME)
        self.init = self.root + product.INIT_SCRIPT
        self.paths = product.Paths(self.home, self.var)
        self.lib = os.path.join(self.home, 'lib', 'python')
        self.log_lines = []
        if self.root:
            self.user = pwd.getpwuid(os.getuid()).pw_name
            self.group = grp.getgrgid(os.getgid()).gr_name
        else:
            self.user = self.group = 'drwcs'
        self.uid = self.gid = None

    def say(self, message):
        """Print and remember an installer message."""
        print('drweb-esuite: %s' % message)
        sys.stdout.flush()
        self.log_lines.append(time.strftime('%Y%m%d.%H%M%S ') + message + '\n')

    def run(self):
        """Install or upgrade; returns the exit code."""
        if not self.root and os.geteuid() != 0:
            self.say('the installer must be run as root')
            return 1
        old = installed_version(self.marker)
        if old == self.version:
            self.say('Dr.Web Server %s is already installed: nothing to do' % self.version)
            return 0
        if old and old not in product.VERSIONS:
            self.say('an unknown Dr.Web Server version %s is installed: remove it first' % old)
            return 1
        if old and _vtuple(old) > _vtuple(self.version):
            self.say('Dr.Web Server %s is installed; downgrading to %s is not supported' % (old, self.version))
            return 1
        try:
            code = self.upgrade(old) if old else self.fresh()
        finally:
            self._write_install_log()
        return code

    # -- steps --------------------------------------------------------------------------------------------------
    def _ensure_user(self):
        # product-facts 1.8/T17 GUESS: drwcsd runs as user and group drwcs
        if self.root:
            return
        try:
            grp.getgrnam('drwcs')
        except KeyError:
            subprocess.run(['groupadd', '--system', 'drwcs'], check=True)
        try:
            pwd.getpwnam('drwcs')
        except KeyError:
            subprocess.run(['useradd', '--system', '--gid', 'drwcs', '--home-dir', product.DEFAULT_VAR, '--no-create-home',
                            '--shell', '/usr/sbin/nologin', '--comment', 'Dr.Web Server', 'drwcs'], check=True)
        self.uid = pwd.getpwnam('drwcs').pw_uid
        self.gid = grp.getgrnam('drwcs').gr_gid

    def _install_program(self):
        """/opt/drwcs: the package, the wrappers; the init script, the options file, the marker."""
        source = os.path.dirname(os.path.abspath(__file__))
        target = os.path.join(self.lib, 'drwcsd_double')
        os.makedirs(self.lib, exist_ok=True)
        if os.path.exists(target):
            shutil.rmtree(target)
        shutil.copytree(source, target, ignore=shutil.ignore_patterns('__pycache__', '*.pyc'))
        os.makedirs(self.paths.bin, exist_ok=True)
        for name, module in (('drwcsd', 'drwcsd'), ('drwsign', 'drwsign')):
            util.write_file(os.path.join(self.paths.bin, name),
                            WRAPPER.format(name=name, version=self.version, home=self.home, var=self.var, lib=self.lib, module=module), 0o755)
        os.makedirs(os.path.dirname(self.init), exist_ok=True)
        util.write_file(self.init, INIT_SCRIPT.format(version=self.version, options=self.options, home=self.home, var=self.var), 0o755)
        os.makedirs(self.software, exist_ok=True)
        if not os.path.exists(self.options):
            util.write_file(self.options, OPTIONS.format(init=product.INIT_SCRIPT, home=self.home, var=self.var, user=self.user,
                                                         group=self.group), 0o644)
        util.write_file(self.marker, MARKER.format(version=self.version, build=self.info['build'], init=self.init, home=self.home,
                                                   options=self.options, var=self.var), 0o755)

    def _make_dirs(self):
        for path in (self.var, self.paths.etc, self.paths.repository, self.paths.log_dir, self.paths.backup, self.paths.run_dir):
            os.makedirs(path, exist_ok=True)
        os.chmod(self.paths.etc, 0o750)

    def _write_configuration(self):
        paths = self.paths
        if not os.path.exists(paths.conf):
            text = config.fresh_drwcsd_conf()
            util.write_file(paths.conf, text, 0o600)
            self.say('new configuration %s (Server id %s)' % (paths.conf, config.load_server_config(paths.conf).server_id))
        else:
            self.say('keeping the existing %s' % paths.conf)
        distr = os.path.join(paths.etc, 'drwcsd.conf.distr')
        util.write_file(distr, config.fresh_drwcsd_conf('00000000-0000-0000-0000-000000000000', ''), 0o644)
        if not os.path.exists(paths.download_conf):
            util.write_file(paths.download_conf, config.DOWNLOAD_CONF_TEMPLATE, 0o644)
        if not os.path.exists(paths.webmin_conf):
            util.write_file(paths.webmin_conf, config.WEBMIN_CONF_TEMPLATE, 0o644)

    def _write_keys(self):
        """product-facts 4.2: keep keys put in etc beforehand; derive .pub and the certificate from a given .pri."""
        paths = self.paths
        if not os.path.exists(paths.private_key):
            util.write_file(paths.private_key, keys.generate_private_key_text(), 0o600)
            self.say('new encryption key pair generated')
        else:
            os.chmod(paths.private_key, 0o600)
            self.say('keeping the existing %s' % paths.private_key)
        private = keys.load_private_key(paths.private_key)
        if not os.path.exists(paths.public_key):
            util.write_file(paths.public_key, keys.public_key_text(private), 0o644)
            self.say('%s derived from drwcsd.pri' % paths.public_key)
        if not os.path.exists(paths.certificate):
            util.write_file(paths.certificate, keys.certificate_text(private, 1), 0o644)
            self.say('Server certificate %s generated (version 1)' % paths.certificate)
        https_cert = os.path.join(paths.etc, 'certificate.pem')
        https_key = os.path.join(paths.etc, 'private-key.pem')
        if not (os.path.exists(https_cert) and os.path.exists(https_key)):
            cert, key = keys.https_pair(product.hostname())
            util.write_file(https_key, key, 0o600)
            util.write_file(https_cert, cert, 0o644)

    def _licence(self):
        if not self.args.license_key:
            return None
        with open(self.args.license_key, encoding='utf-8') as handle:
            text = handle.read()
        licence.parse_key(text)
        util.write_file(self.paths.agent_key, text, 0o600)
        return text

    def _drwcsd(self, *argv):
        command = [os.path.join(self.paths.bin, 'drwcsd'), '-home=%s' % self.home, '-var-root=%s' % self.var] + list(argv)
        return subprocess.run(command, check=False).returncode

    def _chown(self):
        if self.uid is None:
            return
        for base, dirs, files in os.walk(self.var):
            for name in dirs + files:
                os.lchown(os.path.join(base, name), self.uid, self.gid)
        os.lchown(self.var, self.uid, self.gid)

    def _service(self, action):
        result = subprocess.run(['sh', self.init, action], check=False)
        return result.returncode

    def fresh(self):
        """A fresh install."""
        self.say('installing Dr.Web Server %s (%s)' % (self.version, self.info['build']))
        self._ensure_user()
        self._make_dirs()
        self._install_program()
        self._write_configuration()
        self._write_keys()
        repository.seed(self.paths.repository, self.info['repo_revision'])
        key_text = self._licence()
        conf = config.load_server_config(self.paths.conf)
        database = db.Database(conf.database, self.paths).open(create=True)
        try:
            empty = database.is_empty()
        finally:
            database.close()
        if not empty:
            if conf.database.kind == 'pgsql':
                # drweb-servers-cluster.txt item 4 (what exactly is deleted: GUESS, T21): pointing a new Server at the common database during installation
                # "may cause the deletion of the information already stored" - the double does delete it.
                self.say('WARNING: the external database %s already holds data: it is re-initialised, ALL ITS DATA IS ERASED'
                         % conf.database.describe())
                database.open()
                try:
                    database.drop_everything()
                finally:
                    database.close()
            else:
                self.say('keeping the existing embedded database')
        if empty or conf.database.kind == 'pgsql':
            password = self.args.admin_password or product.DEFAULT_ADMIN_PASSWORD
            code = self._drwcsd('initdb', self.paths.agent_key if key_text else '-', '-', '-', password)
            if code:
                self.say('initdb failed (exit %d)' % code)
                return code
        self._chown()
        self.say('Dr.Web Server %s installed' % self.version)
        return self._maybe_start()

    def upgrade(self, old):
        """In-place upgrade of an older version."""
        self.say('upgrading Dr.Web Server %s to %s' % (old, self.version))
        running = self._service('status') == 0 if os.path.exists(self.init) else False
        if running:
            self._service('stop')
        self._ensure_user()
        backup = os.path.join(self.paths.backup, 'upgrade-%s-%s' % (old, time.strftime('%Y%m%d%H%M%S')))
        shutil.copytree(self.paths.etc, backup)
        self.say('configuration and keys backed up to %s' % backup)
        self._make_dirs()
        self._install_program()
        self._write_configuration()
        self._write_keys()
        self._chown()
        # product-facts 5.9/11.7/T22 GUESS: the installer runs upgradedb on the configured database
        code = self._drwcsd('upgradedb')
        if code:
            self.say('upgradedb failed (exit %d): the Server stays stopped' % code)
            return code
        key_text = self._licence()
        if key_text:
            conf = config.load_server_config(self.paths.conf)
            database = db.Database(conf.database, self.paths).open()
            try:
                database.add_key(key_text)
            finally:
                database.close()
        self._chown()
        self.say('Dr.Web Server upgraded to %s' % self.version)
        return self._maybe_start()

    def _maybe_start(self):
        # double's choice (no fact): like vendor installers, start the Server unless --no-start
        if self.args.no_start:
            return 0
        code = self._service('start')
        if code:
            self.say('the Server did not start (exit %d), see %s' % (code, self.paths.log))
        return code

    def _write_install_log(self):
        try:
            os.makedirs(self.paths.log_dir, exist_ok=True)
            with open(os.path.join(self.paths.log_dir, 'install.log'), 'a', encoding='utf-8') as handle:
                handle.writelines(self.log_lines)
            if self.uid is not None:
                os.chown(os.path.join(self.paths.log_dir, 'install.log'), self.uid, self.gid)
        except OSError:
            pass


def main(argv=None):
    """Entry point of the .run package."""
    argv = [a for a in (sys.argv[1:] if argv is None else argv) if a != '--']
    parser = argparse.ArgumentParser(prog='drweb-%s-esuite-server-linux-x86_64.run' % product.current_version(),
                                     description='Dr.Web Server installer (drwcsd test double)')
    parser.add_argument('--non-interactive', action='store_true', help='accepted; the installer never asks')
    parser.add_argument('--admin-password', help='initial password of the admin administrator (default "root")')
    parser.add_argument('--license-key', help='licence key file (agent.key) loaded by initdb')
    parser.add_argument('--no-start', action='store_true', help='do not start the Server after installing')
    parser.add_argument('--root', help='install below this folder, without creating users (tests)')
    args = parser.parse_args(argv)
    try:
        return Installer(args).run()
    except (OSError, subprocess.CalledProcessError, keys.KeyFileError, licence.LicenceError, config.ConfigError,
            db.DatabaseError) as exc:
        print('drweb-esuite: installation failed: %s' % exc)
        return 1


if __name__ == '__main__':
    sys.exit(main())
