# Copyright (c) drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Init process of one lab host (stdlib only; runs with the system /usr/bin/python3).

``lab.py up`` starts it as::

    ip netns exec <prefix>-<host> unshare --mount --uts --ipc --pid --fork --kill-child \
        --propagation private /usr/bin/python3 hostinit.py <spec.json>

so it is PID 1 of a fresh PID namespace, inside the host's network namespace, with its own mount, UTS and IPC
namespaces.  It then

* sets the hostname,
* mounts a tmpfs, a copy-on-write overlay of ``/`` (upper/work dirs on that tmpfs) and ``pivot_root``s into it,
  dropping the old root, so everything a host writes stays in its own overlay,
* mounts fresh /proc, /sys, /dev (device nodes, devpts, shm), /run and /tmp,
* runs the steps of the spec (write files, make dirs, run commands, spawn daemons, wait for ports),
* reports ``pid <outer pid>``, then ``ready`` (or ``error <text>``) on stdout, one line each,
* and stays PID 1 of the host forever, reaping orphans, so daemons started later (init scripts, Ansible) behave.

Killing it (SIGKILL from the root namespace) kills every process of the host and, with the last of them, its
mount namespace and overlay.
"""

from __future__ import annotations

import json
import os
import pwd
import grp
import signal
import socket
import stat
import subprocess
import sys
import time

DEVICES = (
    ("null", 1, 3),
    ("zero", 1, 5),
    ("full", 1, 7),
    ("random", 1, 8),
    ("urandom", 1, 9),
    ("tty", 5, 0),
)


# opened before pivot_root: the new root has no /dev/null until make_fresh_mounts()
DEVNULL = os.open("/dev/null", os.O_RDWR)


class StepError(Exception):
    """A step of the spec failed."""


def report(line: str) -> None:
    """Send one status line to ``lab.py`` (which may be gone: then drop it)."""
    try:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()
    except OSError:
        pass


def log(msg: str) -> None:
    """Write a line to the host's init log (stderr, a file in the lab state directory)."""
    try:
        sys.stderr.write("%.3f %s\n" % (time.time(), msg))
        sys.stderr.flush()
    except OSError:
        pass


def run(argv: list[str], timeout: float = 60) -> None:
    """Run a command to completion, output to the init log; raise on failure."""
    log("run: %s" % " ".join(argv))
    try:
        proc = subprocess.run(argv, stdin=DEVNULL, stdout=sys.stderr, stderr=sys.stderr, timeout=timeout, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise StepError("%s: %s" % (argv[0], exc)) from exc
    if proc.returncode != 0:
        raise StepError("%s exited %d" % (" ".join(argv), proc.returncode))


def mount(fstype: str, target: str, options: str = "", source: str | None = None) -> None:
    """Mount a filesystem with mount(8)."""
    argv = ["mount", "-n", "-t", fstype]
    if options:
        argv += ["-o", options]
    run(argv + [source or fstype, target], timeout=20)


def ids(owner: str | None, group: str | None) -> tuple[int, int]:
    """Numeric uid/gid of owner/group names (-1 = unchanged)."""
    uid = pwd.getpwnam(owner).pw_uid if owner else -1
    gid = grp.getgrnam(group).gr_gid if group else -1
    return uid, gid


def make_root(mnt: str, repo: str | None = None) -> None:
    """Build the overlay root on a tmpfs at ``mnt`` and pivot into it.

    The new root gets a fresh /tmp, and the checkout the lab runs from (``repo``) bind-mounted read-only at its own
    path: the overlay only covers the root file system, and a checkout under /tmp (or on another mount) would be
    invisible inside the hosts otherwise.
    """
    run(["mount", "-n", "-t", "tmpfs", "-o", "mode=0755", "drwlab-host", mnt])
    for sub in ("upper", "work", "root"):
        os.mkdir(os.path.join(mnt, sub), 0o755)
    root = os.path.join(mnt, "root")
    mount("overlay", root, "lowerdir=/,upperdir=%s/upper,workdir=%s/work" % (mnt, mnt), "drwlab-root")
    mount("tmpfs", os.path.join(root, "tmp"), "mode=1777,nosuid,nodev", "tmp")
    if repo:
        target = root + repo
        os.makedirs(target, exist_ok=True)
        run(["mount", "-n", "--bind", repo, target])
        run(["mount", "-n", "-o", "remount,bind,ro", target])
    os.chdir(root)
    # the old root lands on ./run (an existing directory of every Debian root) and is detached right away
    run(["pivot_root", ".", "run"])
    os.chdir("/")
    mount("proc", "/proc", "nosuid,nodev,noexec")
    run(["umount", "-n", "-l", "/run"])


def make_fresh_mounts() -> None:
    """Fresh /sys, /dev and /run inside the new root (/tmp is made before the pivot, see make_root)."""
    mount("sysfs", "/sys", "nosuid,nodev,noexec")
    mount("tmpfs", "/dev", "mode=0755,size=16m,nosuid", "dev")
    for name, major, minor in DEVICES:
        path = "/dev/" + name
        os.mknod(path, 0o666 | stat.S_IFCHR, os.makedev(major, minor))
        os.chmod(path, 0o666)
    for name in ("pts", "shm", "mqueue"):
        os.mkdir("/dev/" + name, 0o755)
    mount("devpts", "/dev/pts", "newinstance,ptmxmode=0666,mode=0620,gid=%d" % grp.getgrnam("tty").gr_gid)
    os.symlink("pts/ptmx", "/dev/ptmx")
    mount("tmpfs", "/dev/shm", "mode=1777,nosuid,nodev", "shm")
    mount("mqueue", "/dev/mqueue", "nosuid,nodev,noexec")
    for name, target in (("fd", "/proc/self/fd"), ("stdin", "/proc/self/fd/0"), ("stdout", "/proc/self/fd/1"),
                         ("stderr", "/proc/self/fd/2"), ("core", "/proc/kcore")):
        os.symlink(target, "/dev/" + name)
    mount("tmpfs", "/run", "mode=0755,nosuid,nodev", "run")
    os.mkdir("/run/lock", 0o1777)
    os.chmod("/run/lock", 0o1777)


def wait_until(check, timeout: float, what: str) -> None:
    """Poll ``check()`` every 50 ms until true or ``timeout`` seconds passed."""
    deadline = time.monotonic() + timeout
    while True:
        if check():
            return
        if time.monotonic() > deadline:
            raise StepError("timed out after %ss waiting for %s" % (timeout, what))
        time.sleep(0.05)


def tcp_open(host: str, port: int) -> bool:
    """True if a TCP connection to host:port succeeds."""
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def cmd_ok(argv: list[str]) -> bool:
    """True if the command exits 0 within 5 s."""
    try:
        return subprocess.run(argv, stdin=DEVNULL, stdout=DEVNULL, stderr=DEVNULL,
                              timeout=5, check=False).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def do_file(step: dict) -> None:
    """Write (or append to) a file, replacing a symlink at its path."""
    path = step["file"]
    os.makedirs(os.path.dirname(path), exist_ok=True)
    if not step.get("append") and os.path.islink(path):
        os.unlink(path)
    with open(path, "a" if step.get("append") else "w", encoding="utf-8") as handle:
        handle.write(step.get("content", ""))
    os.chmod(path, int(step.get("mode", "0644"), 8))
    os.chown(path, *ids(step.get("owner"), step.get("group")))


def do_mkdir(step: dict) -> None:
    """Create a directory with mode and owner."""
    path = step["mkdir"]
    os.makedirs(path, exist_ok=True)
    os.chmod(path, int(step.get("mode", "0755"), 8))
    os.chown(path, *ids(step.get("owner"), step.get("group")))


def do_spawn(step: dict) -> None:
    """Start a long-running child (not daemonizing itself); its output goes to a log file of the host."""
    argv = step["spawn"]
    log("spawn: %s" % " ".join(argv))
    with open(step.get("log", "/dev/null"), "ab") as out:
        subprocess.Popen(argv, stdin=DEVNULL, stdout=out, stderr=out,  # pylint: disable=consider-using-with
                         start_new_session=True, cwd="/")


def do_step(step: dict) -> None:
    """Dispatch one step of the spec."""
    if "file" in step:
        do_file(step)
    elif "mkdir" in step:
        do_mkdir(step)
    elif "run" in step:
        run(step["run"], timeout=step.get("timeout", 60))
    elif "spawn" in step:
        do_spawn(step)
    elif "wait_tcp" in step:
        host, port = step["wait_tcp"]
        wait_until(lambda: tcp_open(host, port), step.get("timeout", 30), "%s:%s" % (host, port))
    elif "wait_cmd" in step:
        wait_until(lambda: cmd_ok(step["wait_cmd"]), step.get("timeout", 30), " ".join(step["wait_cmd"]))
    else:
        raise StepError("unknown step %r" % (step,))


def reap_forever() -> None:
    """Be a proper PID 1: reap every child and orphan, forever."""
    signal.signal(signal.SIGTERM, lambda *_: shutdown())
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    while True:
        try:
            os.waitpid(-1, 0)
        except ChildProcessError:
            time.sleep(0.5)
        except InterruptedError:
            pass


def shutdown() -> None:
    """SIGTERM: terminate everything in the host, then exit (which kills the rest)."""
    try:
        os.kill(-1, signal.SIGTERM)
    except OSError:
        pass
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline:
        try:
            if os.waitpid(-1, os.WNOHANG) == (0, 0):
                time.sleep(0.05)
        except ChildProcessError:
            break
    os._exit(0)  # pylint: disable=protected-access


def main() -> int:
    """Set the host up from its spec, then reap forever."""
    with open(sys.argv[1], encoding="utf-8") as handle:
        spec = json.load(handle)
    # /proc is still the root namespace's procfs here, so this is the pid the root namespace sees
    report("pid %s" % os.readlink("/proc/self"))
    started = time.monotonic()
    try:
        if os.getpid() != 1:
            raise StepError("not PID 1 of a new PID namespace (run me through unshare --pid --fork)")
        socket.sethostname(spec["name"])
        make_root(spec["mnt"], spec.get("repo"))
        make_fresh_mounts()
        os.environ.clear()
        os.environ.update({"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME": "/root",
                           "LANG": "C.UTF-8", "HOSTNAME": spec["name"]})
        for step in spec["steps"]:
            do_step(step)
    except (StepError, OSError, KeyError, ValueError) as exc:
        log("error: %s" % exc)
        report("error %s" % exc)
        return 1
    log("ready in %.2fs" % (time.monotonic() - started))
    report("ready %.2f" % (time.monotonic() - started))
    os.dup2(DEVNULL, 0)
    os.dup2(DEVNULL, 1)
    reap_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
