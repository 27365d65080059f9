# Copyright (c) drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""drweb.cluster._server's service script drives the Server through the manager server_facts chose: systemctl and the
unit where systemd is PID 1 (systemd's view of the Server stays true), the init script elsewhere - and never the other
one. Fake systemctl and init script record every call."""

from __future__ import annotations

import pathlib
import socket
import subprocess

import pytest

SCRIPT = pathlib.Path(__file__).resolve().parents[3] / "roles" / "_server" / "files" / "drwcsd_service.sh"


@pytest.fixture
def host(tmp_path):
    """A fake systemctl on PATH and a fake init script, both sharing one 'running' flag file and one call log."""
    calls, state = tmp_path / "calls.log", tmp_path / "running"
    body = ('#!/bin/sh\necho "%(name)s $*" >> {calls}\ncase "$%(verb)s" in\n'
            '  is-active|status) [ -e {state} ] ;;\n'
            '  start|restart) touch {state} ;;\n'
            '  stop) rm -f {state} ;;\n'
            'esac\n').format(calls=calls, state=state)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    systemctl = bin_dir / "systemctl"
    systemctl.write_text(body % dict(name="systemctl", verb="1"))
    init = tmp_path / "drwcsd-init"
    init.write_text(body % dict(name="init", verb="1"))
    for path in (systemctl, init):
        path.chmod(0o755)
    log = tmp_path / "drwcsd.log"
    log.write_text("started\n")
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    yield dict(calls=calls, state=state, bin=bin_dir, init=init, log=log, port=listener.getsockname()[1])
    listener.close()


def service(host, action, *manager):
    return subprocess.run(["sh", str(SCRIPT), action, str(host["init"]), str(host["port"]), "5", str(host["log"])] + list(manager),
                          capture_output=True, text=True, timeout=30, check=False,
                          env={"PATH": "%s:/usr/bin:/bin" % host["bin"]})


def calls(host):
    return host["calls"].read_text().splitlines() if host["calls"].exists() else []


def test_with_systemd_the_server_starts_and_stops_through_its_unit_only(host):
    started = service(host, "start", "systemd", "drwcsd.service")
    assert started.returncode == 0, started.stdout + started.stderr
    assert started.stdout.strip().endswith("drweb-service: changed")
    assert "systemctl start drwcsd.service" in calls(host)
    stopped = service(host, "stop", "systemd", "drwcsd.service")
    assert stopped.returncode == 0 and stopped.stdout.strip().endswith("drweb-service: changed")
    assert "systemctl stop drwcsd.service" in calls(host)
    assert not [call for call in calls(host) if call.startswith("init ")], "the init script was called behind systemd's back"


def test_without_systemd_the_init_script_is_used(host):
    restarted = service(host, "restart")
    assert restarted.returncode == 0, restarted.stdout + restarted.stderr
    assert "init restart" in calls(host)
    assert not [call for call in calls(host) if call.startswith("systemctl ")]


def test_a_failed_systemd_start_names_the_command_and_what_it_said(host):
    (host["bin"] / "systemctl").write_text('#!/bin/sh\necho "Job for drwcsd.service failed." >&2\nexit 1\n')
    failed = service(host, "start", "systemd", "drwcsd.service")
    assert failed.returncode == 1
    assert "systemctl start drwcsd.service failed (exit 1) and said:" in failed.stdout
    assert "Job for drwcsd.service failed." in failed.stdout
    assert "Last lines of %s:" % host["log"] in failed.stdout


def test_a_running_server_is_not_started_again(host):
    host["state"].touch()
    again = service(host, "start", "systemd", "drwcsd.service")
    assert again.returncode == 0 and again.stdout.strip().endswith("drweb-service: unchanged")
    assert "systemctl start drwcsd.service" not in calls(host)
