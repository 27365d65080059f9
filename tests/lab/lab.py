# Copyright (c) drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The drweb.cluster test lab: real hosts made of Linux namespaces, no containers.

Run as root with the project's venv Python::

    .venv/bin/python tests/lab/lab.py up [--nodes N] [--recreate]
    .venv/bin/python tests/lab/lab.py down
    .venv/bin/python tests/lab/lab.py status
    .venv/bin/python tests/lab/lab.py exec HOST [-- CMD ...]
    .venv/bin/python tests/lab/lab.py inventory
    .venv/bin/python tests/lab/lab.py service HOST {sshd,postgresql,http} {stop,start,status}

Every host is a network namespace ``<prefix>-<host>`` holding one init process (``hostinit.py``, PID 1 of its own
PID namespace) with private mount/UTS/IPC namespaces and a copy-on-write overlay of ``/``.  A bridge ``br0`` in
``<prefix>-sw`` joins the hosts' ``eth0`` and the controller namespace ``<prefix>-ctl``, through which ssh enters
(``ProxyCommand=ip netns exec <prefix>-ctl nc %h %p``).  The root namespace gets no lab address, only a blackhole
route for the lab's /16 and one for its IPv6 /48 (``ipv6_prefix``), installed before anything else and removed last by
``down``.

Environment: ``DRWLAB_PREFIX`` (default ``drwlab``), ``DRWLAB_SUBNET`` (a /24, default ``10.213.0.0/24``),
``DRWLAB_STATE`` (default ``tests/lab/state``).  See tests/lab/README.md.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import fcntl
import ipaddress
import json
import os
import re
import secrets
import selectors
import shutil
import signal
import subprocess
import sys
import time
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
HOSTINIT = os.path.join(HERE, "hostinit.py")
PREFIX = os.environ.get("DRWLAB_PREFIX", "drwlab")
SUBNET = os.environ.get("DRWLAB_SUBNET", "10.213.0.0/24")
STATE = os.path.abspath(os.environ.get("DRWLAB_STATE", os.path.join(HERE, "state")))

MIN_NODES, MAX_NODES, DEFAULT_NODES = 1, 12, 3
SYS_PYTHON = "/usr/bin/python3"
PG_BIN = "/usr/lib/postgresql/15/bin"
PG_DATA = "/var/lib/postgresql/lab"
DNS_ZONE = "drweb.test"
TSIG_NAME = "drweb-lab-tsig"
TSIG_ALGORITHM = "hmac-sha256"
ZONE_ROOT = "/srv/drweb-zone"
# A second login on every host besides root: an unprivileged account with passwordless sudo and the same lab key, as
# on real hosts where root logins are closed (the playbooks then run with become).
SUDO_USER = "drwops"
# The revisions the update zone serves from `lab.py up` on (oldest first; Servers take the newest), published with the
# drwcsd double's zone generator, so a plain site.yml has something to take (issue 7). The inventory names them
# (lab_update_zone_revisions) for tests that put the zone back as it was.
ZONE_REVISIONS = ("20250101000000", "20250201000000")
UP_TIMEOUT = 90
LOCK_TIMEOUT = 300
PROC_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

# tool -> Debian package (tests/setup/debian-packages.txt installs them)
TOOLS = {
    "ip": "iproute2", "unshare": "util-linux", "nsenter": "util-linux", "pivot_root": "util-linux",
    "runuser": "util-linux", "nc": "netcat-openbsd", "ssh": "openssh-client", "ssh-keygen": "openssh-client",
    "/usr/sbin/sshd": "openssh-server", "named": "bind9", "dig": "bind9-dnsutils",
    PG_BIN + "/initdb": "postgresql-15", PG_BIN + "/pg_ctl": "postgresql-15", SYS_PYTHON: "python3",
    "openssl": "openssl",
}
# The database's TLS: a lab CA signs PostgreSQL's certificate (its subjectAltName: the database host's address and
# name, for verify-full); every host holds the CA, and another CA that signed nothing here (the wrong-CA test).
DB_CA_FILE = "/etc/drwlab/db-ca.pem"
DB_WRONG_CA_FILE = "/etc/drwlab/db-wrong-ca.pem"


class LabError(Exception):
    """A user-facing error: printed without a traceback."""


# ----------------------------------------------------------------------------------------------------- model


def check_config() -> tuple[ipaddress.IPv4Network, ipaddress.IPv4Network]:
    """Validate prefix and subnet; return (subnet, blackholed /16)."""
    if not re.fullmatch(r"[a-z][a-z0-9]{0,9}", PREFIX):
        raise LabError("DRWLAB_PREFIX must be 1-10 lowercase letters/digits, starting with a letter: %r" % PREFIX)
    try:
        net = ipaddress.IPv4Network(SUBNET)
    except ValueError as exc:
        raise LabError("DRWLAB_SUBNET: %s" % exc) from exc
    if net.prefixlen != 24 or not net.is_private:
        raise LabError("DRWLAB_SUBNET must be a private /24, got %s" % net)
    return net, net.supernet(new_prefix=16)


def ipv6_prefix() -> ipaddress.IPv6Network:
    """The lab's IPv6 prefix, a unique-local /48 named after its IPv4 /16 (10.222.0.0/16 -> fd64:ade::/48): the hosts
    have IPv6 addresses too (Servers accept Agents on IPv6, DNS publishes AAAA records). Blackholed in the root
    namespace like the IPv4 /16; it stays clear of any fd00::/64 the root namespace uses itself."""
    first, second = check_config()[1].network_address.packed[:2]
    return ipaddress.IPv6Network("fd64:%x::/48" % (first * 256 + second))


def host_ipv6(ipv4: str) -> str:
    """A lab host's IPv6 address: the third octet of its IPv4 address names the /64, the fourth the host."""
    third, fourth = ipaddress.IPv4Address(ipv4).packed[2:]
    return str(ipv6_prefix().network_address + (third << 64) + fourth)


def ns_name(name: str) -> str:
    """Network namespace name of a lab host (or 'sw' / 'ctl')."""
    return "%s-%s" % (PREFIX, name)


def host_table(nodes: int) -> list[dict]:
    """The lab's hosts: name, role, address, inventory group."""
    base = check_config()[0].network_address
    rows = [("db1", "db", 2, "drweb_database"), ("dns1", "dns", 3, "drweb_dns"), ("zone1", "zone", 4, "drweb_update_zone")]
    rows += [("node%d" % i, "node", 10 + i, "drweb_servers") for i in range(1, nodes + 1)]
    return [{"name": n, "role": r, "ip": str(base + o), "ip6": host_ipv6(str(base + o)), "group": g, "ns": ns_name(n)}
            for n, r, o, g in rows]


def ctl_ip() -> str:
    """Address of the controller namespace."""
    return str(check_config()[0].network_address + 254)


def path(*parts: str) -> str:
    """A path in the state directory."""
    return os.path.join(STATE, *parts)


def inventory_path() -> str:
    """Where ``up`` writes the Ansible inventory."""
    return path("inventory.yml")


def control_dir() -> str:
    """Directory for ssh ControlPath sockets, short enough for a unix socket path (108 bytes)."""
    cp_dir = path("cp")
    if len(cp_dir) + 42 > 100:
        cp_dir = "/tmp/%s-cp-%08x" % (PREFIX, zlib.crc32(STATE.encode("utf-8")))
    return cp_dir


# ----------------------------------------------------------------------------------------------------- helpers


def say(msg: str) -> None:
    """Progress output."""
    print(msg, flush=True)


def cmd(argv: list[str], stdin: str | None = None, check: bool = True, timeout: float = 60) -> subprocess.CompletedProcess:
    """Run a command in the root namespace (never anything that talks to a lab address)."""
    try:
        proc = subprocess.run(argv, input=stdin, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired as exc:
        raise LabError("%s timed out after %ss" % (" ".join(argv), timeout)) from exc
    if check and proc.returncode != 0:
        raise LabError("%s failed (%d): %s" % (" ".join(argv), proc.returncode, (proc.stderr or proc.stdout).strip()))
    return proc


def ip_batch(lines: list[str], netns: str | None = None) -> subprocess.Popen:
    """Start ``ip [-n NS] -batch -`` with the given commands (caller waits)."""
    argv = ["ip"] + (["-n", netns] if netns else []) + ["-batch", "-"]
    proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,  # pylint: disable=consider-using-with
                            stderr=subprocess.PIPE, text=True)
    proc.stdin.write("\n".join(lines) + "\n")
    proc.stdin.close()
    return proc


def wait_all(procs: list[tuple[str, subprocess.Popen]], timeout: float = 30) -> None:
    """Wait for background commands; raise on the first failure."""
    errors = []
    for what, proc in procs:
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            errors.append("%s: timed out" % what)
            continue
        if proc.returncode != 0:
            errors.append("%s: %s" % (what, (proc.stderr.read() if proc.stderr else "").strip()))
        for stream in (proc.stdout, proc.stderr):
            if stream:
                stream.close()
    if errors:
        raise LabError("; ".join(errors))


@contextlib.contextmanager
def locked():
    """Serialize up/down of the same lab (released by the kernel if we are killed)."""
    os.makedirs(STATE, exist_ok=True)
    with open(path(".lock"), "w", encoding="utf-8") as handle:
        deadline, waited = time.monotonic() + LOCK_TIMEOUT, False
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError as exc:
                if not waited:
                    say("waiting for another lab.py up/down to finish ...")
                    waited = True
                if time.monotonic() > deadline:
                    raise LabError("another lab.py up/down still holds %s after %ss" % (path(".lock"), LOCK_TIMEOUT)) from exc
                time.sleep(0.1)
        yield


def lab_namespaces() -> list[str]:
    """Names of this lab's network namespaces (what ``ip netns list`` shows with our prefix)."""
    try:
        names = os.listdir("/run/netns")
    except FileNotFoundError:
        return []
    return sorted(n for n in names if n.startswith(PREFIX + "-"))


# Labs of several prefixes may share one /16 (each its own /24): the root namespace's blackhole for that /16 (and its
# IPv6 prefix) is theirs together. Each lab that is up holds it with a file named after its prefix; the routes go only
# when the last lab holding them comes down - else one lab's "down" would leave the others' addresses routable from
# the root namespace (out of this machine) while they still run.
BLACKHOLE_HOLDERS = "/run/drweb-lab-blackholes"


def blackhole_holders_dir(blackhole: ipaddress.IPv4Network) -> str:
    return os.path.join(BLACKHOLE_HOLDERS, str(blackhole).replace("/", "_"))


def hold_blackhole(blackhole: ipaddress.IPv4Network) -> None:
    """This lab holds the blackhole routes of its /16 (and installs them: idempotent)."""
    holders = blackhole_holders_dir(blackhole)
    os.makedirs(holders, exist_ok=True)
    with open(os.path.join(holders, PREFIX), "w", encoding="utf-8"):
        pass
    cmd(["ip", "route", "replace", "blackhole", str(blackhole)])
    cmd(["ip", "-6", "route", "replace", "blackhole", str(ipv6_prefix())])


def release_blackhole(blackhole: ipaddress.IPv4Network) -> list[str]:
    """This lab lets go of the blackhole routes; they are deleted when no other lab that still has namespaces holds
    them. Returns the other labs still holding them."""
    holders = blackhole_holders_dir(blackhole)
    with contextlib.suppress(FileNotFoundError):
        os.unlink(os.path.join(holders, PREFIX))
    try:
        others, namespaces = os.listdir(holders), os.listdir("/run/netns") if os.path.isdir("/run/netns") else []
    except FileNotFoundError:
        others, namespaces = [], []
    alive = sorted(other for other in others if any(name.startswith(other + "-") for name in namespaces))
    for gone in set(others) - set(alive):      # a lab that vanished without its "down" holds nothing any more
        with contextlib.suppress(FileNotFoundError):
            os.unlink(os.path.join(holders, gone))
    if alive:
        return alive
    with contextlib.suppress(OSError):
        os.rmdir(holders)
    with contextlib.suppress(OSError):
        os.rmdir(BLACKHOLE_HOLDERS)
    routes = cmd(["ip", "route", "show", "type", "blackhole", str(blackhole)]).stdout
    if routes.strip():
        cmd(["ip", "route", "del", "blackhole", str(blackhole)])
    routes = cmd(["ip", "-6", "route", "show", "type", "blackhole", str(ipv6_prefix())]).stdout
    if routes.strip():
        cmd(["ip", "-6", "route", "del", "blackhole", str(ipv6_prefix())])
    return []


def ns_inode(name: str) -> tuple[int, int] | None:
    """(dev, inode) identifying a named network namespace."""
    try:
        st = os.stat(os.path.join("/run/netns", name))
    except OSError:
        return None
    return (st.st_dev, st.st_ino)


def proc_netns(pid: int) -> tuple[int, int] | None:
    """(dev, inode) of the network namespace of a process."""
    try:
        st = os.stat("/proc/%d/ns/net" % pid)
    except OSError:
        return None
    return (st.st_dev, st.st_ino)


def proc_cmdline(pid: int) -> list[str]:
    """argv of a process ([] for kernel threads, zombies and gone processes)."""
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as handle:
            return [a.decode("utf-8", "replace") for a in handle.read().split(b"\0") if a]
    except OSError:
        return []


def proc_state(pid: int) -> str:
    """One-letter state of a process ('' if gone)."""
    try:
        with open("/proc/%d/stat" % pid, encoding="utf-8", errors="replace") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return ""


def protected_pids() -> set[int]:
    """This process and its ancestors: never killed by ``down``."""
    pids, pid = set(), os.getpid()
    while pid > 1 and pid not in pids:
        pids.add(pid)
        try:
            with open("/proc/%d/stat" % pid, encoding="utf-8", errors="replace") as handle:
                pid = int(handle.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            break
    return pids


def lab_processes(names: list[str]) -> list[int]:
    """Live processes of the lab: everything inside its namespaces, leftover host init processes, and ssh
    clients going through the controller namespace or its control sockets."""
    inodes = {ns_inode(n) for n in names} - {None}
    skip = protected_pids()
    marker_ns = "netns exec %s-" % PREFIX
    cp_dir = control_dir()
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        pid = int(entry)
        if pid in skip or proc_state(pid) in ("Z", "X", ""):
            continue
        if inodes and proc_netns(pid) in inodes:
            found.append(pid)
            continue
        argv = proc_cmdline(pid)
        line = " ".join(argv)
        # A host init process is this lab's only when its spec lives in this lab's state directory: labs with
        # other prefixes (DRWLAB_PREFIX/DRWLAB_STATE) may run from the same checkout at the same time.
        ours = HOSTINIT in argv and any(arg.startswith(STATE + os.sep) for arg in argv)
        ssh_client = bool(argv) and os.path.basename((argv[0].split() or [""])[0]).startswith("ssh")
        if ours or (ssh_client and (marker_ns in line or cp_dir in line)):
            found.append(pid)
    return found


def alive(pid: int) -> bool:
    """True if pid exists and is not a zombie."""
    return proc_state(pid) not in ("", "Z", "X")


def load_state() -> dict:
    """The state written by ``up`` ({} if none)."""
    try:
        with open(path("state.json"), encoding="utf-8") as handle:
            return json.load(handle)
    except (OSError, ValueError):
        return {}


def save_state(state: dict) -> None:
    """Write state.json atomically."""
    write_file(path("state.json"), json.dumps(state, indent=1), 0o600)


def write_file(name: str, content: str, mode: int = 0o644) -> None:
    """Write a state file atomically with the given mode."""
    tmp = name + ".tmp"
    with open(tmp, "w", encoding="utf-8") as handle:
        handle.write(content)
    os.chmod(tmp, mode)
    os.replace(tmp, name)


def read(name: str) -> str:
    """Contents of a text file."""
    with open(name, encoding="utf-8") as handle:
        return handle.read()


# ----------------------------------------------------------------------------------------------------- health


def health(state: dict, names: list[str]) -> str | None:
    """Why the running lab is not the complete lab of state.json (None if it is)."""
    if not state.get("complete"):
        return "no record of a finished 'up'"
    if state.get("prefix") != PREFIX or state.get("subnet") != SUBNET:
        return "state.json belongs to another prefix/subnet"
    expected = {ns_name("sw"), ns_name("ctl")} | {h["ns"] for h in state["hosts"]}
    if set(names) != expected:
        missing, extra = sorted(expected - set(names)), sorted(set(names) - expected)
        return "namespaces missing %s, unexpected %s" % (missing or "none", extra or "none")
    for host in state["hosts"]:
        pid = host.get("pid")
        if not pid or not alive(pid) or proc_netns(pid) != ns_inode(host["ns"]):
            return "init process of %s is gone" % host["name"]
        if not host.get("ip6"):
            return "made before the lab had IPv6 addresses"
    return None


# ----------------------------------------------------------------------------------------------------- files


def make_database_tls(db_host: dict) -> dict:
    """PEM texts of the lab CA, a second CA (signs nothing the lab serves), and PostgreSQL's key and certificate."""
    work = path("db-tls")
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work, mode=0o700)

    def openssl(*argv: str) -> None:
        subprocess.run(["openssl", *argv], check=True, stdin=subprocess.DEVNULL, capture_output=True, timeout=60)

    for name in ("ca", "wrong-ca"):
        openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "30",
                "-subj", "/CN=drweb.cluster lab %s" % name, "-keyout", os.path.join(work, name + ".key"),
                "-out", os.path.join(work, name + ".pem"))
    extensions = os.path.join(work, "server.ext")
    names = (db_host["ip"], db_host["name"], DNS_ZONE, db_host["name"])
    write_file(extensions, "subjectAltName = IP:%s, DNS:%s.%s, DNS:%s\n" % names)
    openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-subj",
            "/CN=%s.%s" % (db_host["name"], DNS_ZONE), "-keyout", os.path.join(work, "server.key"),
            "-out", os.path.join(work, "server.csr"))
    openssl("x509", "-req", "-in", os.path.join(work, "server.csr"), "-CA", os.path.join(work, "ca.pem"),
            "-CAkey", os.path.join(work, "ca.key"), "-CAcreateserial", "-days", "30", "-extfile", extensions,
            "-out", os.path.join(work, "server.pem"))
    texts = {name: read(os.path.join(work, name)) for name in ("ca.pem", "wrong-ca.pem", "server.key", "server.pem")}
    shutil.rmtree(work, ignore_errors=True)
    return texts


def ensure_keys(hosts: list[dict]) -> None:
    """Lab ssh client key and one ed25519 host key per host (kept across up/down)."""
    ssh_dir = path("ssh")
    os.makedirs(ssh_dir, mode=0o700, exist_ok=True)
    jobs = []
    wanted = [("id_ed25519", "drwlab controller")] + [("host_%s" % h["name"], "drwlab host %s" % h["name"]) for h in hosts]
    for name, comment in wanted:
        key = os.path.join(ssh_dir, name)
        if os.path.exists(key) and os.path.exists(key + ".pub"):
            continue
        for stale in (key, key + ".pub"):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(stale)
        jobs.append((name, subprocess.Popen(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", key],  # pylint: disable=consider-using-with
                                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)))
    wait_all(jobs)


def hosts_file(hosts: list[dict]) -> str:
    """/etc/hosts of every lab host."""
    lines = ["127.0.0.1\tlocalhost", "::1\tlocalhost ip6-localhost ip6-loopback", ""]
    lines += ["%s\t%s.%s %s" % (h["ip"], h["name"], DNS_ZONE, h["name"]) for h in hosts]
    lines += ["%s\tcontroller.%s controller" % (ctl_ip(), DNS_ZONE), ""]
    return "\n".join(lines)


def sshd_config(host: dict) -> str:
    """sshd_config of one host (own host key, lab key, pid file; no PAM, no systemd)."""
    return "\n".join([
        "# drweb.cluster lab sshd for %s (written by tests/lab/lab.py)" % host["name"],
        "ListenAddress %s" % host["ip"],
        "Port 22",
        "HostKey /etc/drwlab/ssh/ssh_host_ed25519_key",
        "AuthorizedKeysFile /etc/drwlab/ssh/authorized_keys",
        "PidFile /run/sshd-drwlab.pid",
        "StrictModes no",
        "UsePAM no",
        "UseDNS no",
        "PermitRootLogin prohibit-password",
        "PubkeyAuthentication yes",
        "PasswordAuthentication no",
        "KbdInteractiveAuthentication no",
        "MaxSessions 50",
        "MaxStartups 100:30:200",
        "PrintMotd no",
        "AcceptEnv LANG LC_*",
        "Subsystem sftp /usr/lib/openssh/sftp-server",
        "",
    ])


def zone_files(hosts: list[dict]) -> tuple[str, str, str]:
    """(reverse zone name, forward zone text, reverse zone text)."""
    octets = str(check_config()[0].network_address).split(".")
    rev_name = "%s.%s.%s.in-addr.arpa" % (octets[2], octets[1], octets[0])
    head = ["$TTL 300", "@\tIN SOA dns1.%s. hostmaster.%s. ( 1 60 30 3600 60 )" % (DNS_ZONE, DNS_ZONE),
            "@\tIN NS dns1.%s." % DNS_ZONE]
    fwd = head + ["%s\tIN A %s" % (h["name"], h["ip"]) for h in hosts] + ["controller\tIN A %s" % ctl_ip(), ""]
    rev = head + ["%s\tIN PTR %s.%s." % (h["ip"].rsplit(".", 1)[1], h["name"], DNS_ZONE) for h in hosts]
    rev += ["%s\tIN PTR controller.%s." % (ctl_ip().rsplit(".", 1)[1], DNS_ZONE), ""]
    return rev_name, "\n".join(fwd), "\n".join(rev)


def named_conf(ip: str, secret: str, rev_name: str) -> str:
    """named.conf of dns1: authoritative only, TSIG-signed dynamic updates."""
    return """// drweb.cluster lab DNS (written by tests/lab/lab.py)
key "%(key)s" {
    algorithm %(alg)s;
    secret "%(secret)s";
};
controls { };
options {
    directory "/var/cache/bind";
    pid-file "/run/named/named.pid";
    listen-on port 53 { %(ip)s; 127.0.0.1; };
    listen-on-v6 { none; };
    recursion no;
    allow-query { any; };
    allow-transfer { key %(key)s; };
    dnssec-validation no;
    notify no;
};
logging {
    channel lab { file "/var/log/drwlab/named.log"; severity info; print-time yes; print-category yes; };
    category default { lab; };
    category update { lab; };
    category update-security { lab; };
};
zone "%(zone)s" {
    type primary;
    file "/var/lib/bind/db.%(zone)s";
    allow-update { key %(key)s; };
};
zone "%(rev)s" {
    type primary;
    file "/var/lib/bind/db.%(rev)s";
    allow-update { key %(key)s; };
};
""" % {"key": TSIG_NAME, "alg": TSIG_ALGORITHM, "secret": secret, "ip": ip, "zone": DNS_ZONE, "rev": rev_name}


# Every host's syslog: a catcher on /dev/log writes what programs log there (Ansible modules log each invocation) to
# /var/log/drwlab/syslog, for the tests that check no secret reaches a host's log. Bounded: it stops writing at 64 MiB.
SYSLOG_FILE = "/var/log/drwlab/syslog"
SYSLOG_CATCHER = """import os, socket
LIMIT = 64 * 1024 * 1024
try:
    os.unlink("/dev/log")
except FileNotFoundError:
    pass
sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
sock.bind("/dev/log")
os.chmod("/dev/log", 0o666)
with open("%s", "ab", buffering=0) as log:
    while True:
        data = sock.recv(262144)
        if log.tell() < LIMIT:
            log.write(data.rstrip(b"\\0\\n") + b"\\n")
""" % SYSLOG_FILE


def host_spec(host: dict, state: dict) -> dict:
    """What hostinit.py does in one host: files, sshd, and the host's service."""
    ssh_dir = path("ssh")
    hostkey = os.path.join(ssh_dir, "host_%s" % host["name"])
    steps = [
        {"file": "/etc/hostname", "content": host["name"] + "\n"},
        {"file": "/etc/machine-id", "content": secrets.token_hex(16) + "\n", "mode": "0444"},
        {"file": "/etc/hosts", "content": hosts_file(state["hosts"])},
        {"file": "/etc/resolv.conf", "content": "nameserver %s\nsearch %s\noptions timeout:1 attempts:2\n" % (
            state["hosts"][1]["ip"], DNS_ZONE)},
        {"mkdir": "/var/log/drwlab"},
        {"mkdir": "/etc/drwlab/ssh", "mode": "0755"},  # the host key inside stays 0600
        {"file": "/etc/drwlab/syslog_catcher.py", "content": SYSLOG_CATCHER},
        {"spawn": [SYS_PYTHON, "/etc/drwlab/syslog_catcher.py"], "log": "/var/log/drwlab/syslog_catcher.log"},
        {"wait_cmd": ["test", "-S", "/dev/log"], "timeout": 10},
        {"file": DB_CA_FILE, "content": state["db_tls"]["ca.pem"], "mode": "0644"},
        {"file": DB_WRONG_CA_FILE, "content": state["db_tls"]["wrong-ca.pem"], "mode": "0644"},
        {"file": "/etc/drwlab/ssh/ssh_host_ed25519_key", "content": read(hostkey), "mode": "0600"},
        {"file": "/etc/drwlab/ssh/ssh_host_ed25519_key.pub", "content": read(hostkey + ".pub")},
        # sshd reads it with the logging-in user's rights: readable by the sudo user too (a public key)
        {"file": "/etc/drwlab/ssh/authorized_keys", "content": read(os.path.join(ssh_dir, "id_ed25519.pub")), "mode": "0644"},
        {"run": ["sh", "-c", "id -u {0} >/dev/null 2>&1 || useradd --create-home --shell /bin/sh --password '*' {0}".format(SUDO_USER)]},
        {"file": "/etc/sudoers.d/drwlab", "content": "%s ALL=(ALL:ALL) NOPASSWD: ALL\n" % SUDO_USER, "mode": "0440"},
        {"file": "/etc/drwlab/sshd_config", "content": sshd_config(host)},
        {"mkdir": "/run/sshd", "mode": "0755"},
        {"run": ["/usr/sbin/sshd", "-f", "/etc/drwlab/sshd_config", "-E", "/var/log/drwlab/sshd.log"]},
    ]
    role = host["role"]
    if role == "db":
        steps += [
            {"mkdir": "/etc/drwlab/pg", "mode": "0700", "owner": "postgres", "group": "postgres"},
            {"file": "/etc/drwlab/pg/pwfile", "content": state["pg_password"] + "\n", "mode": "0600", "owner": "postgres"},
            {"file": "/etc/drwlab/pg/server.key", "content": state["db_tls"]["server.key"], "mode": "0600", "owner": "postgres"},
            {"file": "/etc/drwlab/pg/server.pem", "content": state["db_tls"]["server.pem"], "mode": "0644", "owner": "postgres"},
            {"mkdir": "/run/postgresql", "mode": "2775", "owner": "postgres", "group": "postgres"},
            {"run": ["runuser", "-u", "postgres", "--", PG_BIN + "/initdb", "-D", PG_DATA, "-U", "postgres",
                     "--auth-local=peer", "--auth-host=scram-sha-256", "--pwfile=/etc/drwlab/pg/pwfile",
                     "-E", "UTF8", "--locale=C.UTF-8", "--no-sync", "--no-instructions"]},
            {"file": PG_DATA + "/postgresql.conf", "append": True, "mode": "0600", "owner": "postgres", "content": "\n".join([
                "", "# drweb.cluster lab", "listen_addresses = '%s,localhost'" % host["ip"], "port = 5432",
                "unix_socket_directories = '/run/postgresql'", "password_encryption = scram-sha-256",
                "fsync = off", "synchronous_commit = off", "full_page_writes = off",
                # TLS with the lab CA's certificate: clients choose (sslmode prefer by default, verify-full by test)
                "ssl = on", "ssl_cert_file = '/etc/drwlab/pg/server.pem'", "ssl_key_file = '/etc/drwlab/pg/server.key'",
                # CREATE/ALTER ROLE statements in the log: the secrets test checks no password reaches it in clear
                "log_statement = 'ddl'", ""])},
            {"file": PG_DATA + "/pg_hba.conf", "mode": "0600", "owner": "postgres", "content": "\n".join([
                "# drweb.cluster lab", "local all all peer", "host all all 127.0.0.1/32 scram-sha-256",
                "host all all ::1/128 scram-sha-256", "host all all %s scram-sha-256" % state["subnet"],
                "host replication all %s scram-sha-256" % state["subnet"], ""])},
            {"run": ["runuser", "-u", "postgres", "--", PG_BIN + "/pg_ctl", "-D", PG_DATA, "-l", "/var/log/postgresql/lab.log",
                     "-w", "-t", "60", "start"], "timeout": 70},
            {"wait_cmd": [PG_BIN + "/pg_isready", "-q", "-h", host["ip"], "-p", "5432", "-t", "1"], "timeout": 30},
        ]
    elif role == "dns":
        rev_name, fwd, rev = zone_files(state["hosts"])
        steps += [
            {"file": "/etc/bind/drwlab-named.conf", "content": named_conf(host["ip"], state["tsig_secret"], rev_name),
             "mode": "0640", "group": "bind"},
            {"file": "/var/lib/bind/db.%s" % DNS_ZONE, "content": fwd, "owner": "bind", "group": "bind"},
            {"file": "/var/lib/bind/db.%s" % rev_name, "content": rev, "owner": "bind", "group": "bind"},
            {"file": "/var/log/drwlab/named.log", "owner": "bind", "group": "bind"},
            {"mkdir": "/run/named", "mode": "0775", "owner": "bind", "group": "bind"},
            {"run": ["named", "-u", "bind", "-n", "2", "-c", "/etc/bind/drwlab-named.conf"]},
            {"wait_cmd": ["sh", "-c", "dig +time=1 +tries=1 +short @%s %s SOA | grep -q ." % (host["ip"], DNS_ZONE)], "timeout": 30},
        ]
    elif role == "zone":
        steps += [
            {"mkdir": ZONE_ROOT},
            {"file": ZONE_ROOT + "/index.txt", "content": "drweb.cluster lab update zone (a GUS mirror of the drwcsd double)\n"},
            {"run": zone_seed_argv(os.path.dirname(os.path.dirname(HERE)))},
            {"spawn": [SYS_PYTHON, "-m", "http.server", "80", "--bind", host["ip"], "--directory", ZONE_ROOT],
             "log": "/var/log/drwlab/http.log"},
            {"wait_tcp": [host["ip"], 80], "timeout": 20},
        ]
    steps.append({"wait_tcp": [host["ip"], 22], "timeout": 20})
    return {"name": host["name"], "mnt": path("hosts", host["name"], "mnt"), "steps": steps,
            "repo": os.path.dirname(os.path.dirname(HERE))}


def zone_seed_argv(repo: str) -> list[str]:
    """argv, run on zone1, that publishes ZONE_REVISIONS in ZONE_ROOT with the double's zone generator (idempotent:
    the same files are written again, revisions already there stay)."""
    argv = ["env", "PYTHONDONTWRITEBYTECODE=1", "PYTHONPATH=" + os.path.join(repo, "tests", "drwcsd_double", "src"),
            SYS_PYTHON, "-m", "drwcsd_double.zone", ZONE_ROOT]
    for revision in ZONE_REVISIONS:
        argv += ["--revision", revision]
    return argv


def inventory(state: dict) -> dict:
    """The Ansible inventory of the lab."""
    known_hosts, cp_dir = path("known_hosts"), control_dir()
    common = " ".join([
        '-o ProxyCommand="ip netns exec %s nc %%h %%p"' % ns_name("ctl"),
        "-o UserKnownHostsFile=%s" % known_hosts,
        "-o StrictHostKeyChecking=yes",
        "-o IdentitiesOnly=yes",
        "-o ControlMaster=auto",
        "-o ControlPersist=60s",
        "-o ControlPath=%s/%%C" % cp_dir,
    ])
    by_ip = {h["name"]: h["ip"] for h in state["hosts"]}
    groups: dict = {}
    for host in state["hosts"]:
        groups.setdefault(host["group"], {"hosts": {}})["hosts"][host["name"]] = {
            "ansible_host": host["ip"], "lab_netns": host["ns"], "lab_address6": host.get("ip6") or host_ipv6(host["ip"])}
    return {"all": {
        "vars": {
            "ansible_user": "root",
            "ansible_ssh_private_key_file": path("ssh", "id_ed25519"),
            "ansible_python_interpreter": "/usr/bin/python3",
            "ansible_ssh_common_args": common,
            "lab_prefix": PREFIX,
            "lab_subnet": state["subnet"],
            "lab_ipv6_prefix": str(ipv6_prefix()),
            "lab_state_dir": STATE,
            # the checkout the lab runs from: playbooks anywhere (Molecule, ansible-runner) find the packages with it
            "lab_repo_root": os.path.dirname(os.path.dirname(HERE)),
            "lab_nodes": state["nodes"],
            "lab_controller_netns": ns_name("ctl"),
            "lab_controller_ip": ctl_ip(),
            # the unprivileged login with passwordless sudo (ansible_user=<it> with become)
            "lab_sudo_user": SUDO_USER,
            "lab_postgres_host": by_ip["db1"],
            "lab_postgres_port": 5432,
            "lab_postgres_superuser": "postgres",
            "lab_postgres_password": state["pg_password"],
            # a file on every lab host: the CA that signed PostgreSQL's certificate, and one that did not
            "lab_postgres_ca_file": DB_CA_FILE,
            "lab_postgres_wrong_ca_file": DB_WRONG_CA_FILE,
            "lab_dns_zone": DNS_ZONE,
            "lab_dns_server": by_ip["dns1"],
            "lab_tsig_key_name": TSIG_NAME,
            "lab_tsig_key_secret": state["tsig_secret"],
            "lab_tsig_key_algorithm": TSIG_ALGORITHM,
            "lab_update_zone_host": "zone1",
            "lab_update_zone_url": "http://%s/" % by_ip["zone1"],
            "lab_update_zone_root": ZONE_ROOT,
            "lab_update_zone_revisions": list(ZONE_REVISIONS),
        },
        "children": {g: groups[g] for g in ("drweb_servers", "drweb_database", "drweb_dns", "drweb_update_zone")},
    }}


def write_outputs(state: dict) -> None:
    """inventory.yml, known_hosts and ssh_config in the state directory."""
    os.makedirs(control_dir(), mode=0o700, exist_ok=True)
    known = []
    for host in state["hosts"]:
        key = " ".join(read(path("ssh", "host_%s.pub" % host["name"])).split()[:2])
        known.append("%s,%s.%s,%s %s" % (host["name"], host["name"], DNS_ZONE, host["ip"], key))
    write_file(path("known_hosts"), "\n".join(known) + "\n")
    blocks = ["# ssh -F %s node1   (drweb.cluster lab, written by lab.py up)" % path("ssh_config")]
    for host in state["hosts"]:
        blocks.append("\n".join([
            "Host %s %s.%s" % (host["name"], host["name"], DNS_ZONE),
            "    HostName %s" % host["ip"],
            "    User root",
            "    IdentityFile %s" % path("ssh", "id_ed25519"),
            "    IdentitiesOnly yes",
            "    ProxyCommand ip netns exec %s nc %%h %%p" % ns_name("ctl"),
            "    UserKnownHostsFile %s" % path("known_hosts"),
            "    StrictHostKeyChecking yes",
            "    ControlMaster auto",
            "    ControlPersist 60s",
            "    ControlPath %s/%%C" % control_dir(),
        ]))
    write_file(path("ssh_config"), "\n\n".join(blocks) + "\n")
    import yaml  # pylint: disable=import-outside-toplevel  # only 'up' needs PyYAML: 'down' runs with any python3
    text = "# drweb.cluster lab inventory, written by tests/lab/lab.py up (removed by down)\n"
    text += yaml.safe_dump(inventory(state), sort_keys=False, default_flow_style=False, width=1000)
    write_file(inventory_path(), text, 0o600)


# ----------------------------------------------------------------------------------------------------- up


def preflight() -> None:
    """Root and the tools the lab runs."""
    if os.geteuid() != 0:
        raise LabError("the lab needs root (network namespaces, mounts)")
    missing = sorted({pkg for tool, pkg in TOOLS.items() if not (os.access(tool, os.X_OK) if "/" in tool else shutil.which(tool, path=PROC_PATH))})
    if missing:
        raise LabError("missing Debian packages: %s (see tests/setup/debian-packages.txt)" % " ".join(missing))


def create_network(hosts: list[dict]) -> None:
    """Namespaces, bridge, veths, addresses, routes (multicast route on every host)."""
    net = check_config()[0]
    members = [("ctl", ns_name("ctl"), ctl_ip())] + [(h["name"], h["ns"], h["ip"]) for h in hosts]
    ipv6 = {h["ns"]: h["ip6"] for h in hosts}
    ipv6[ns_name("ctl")] = host_ipv6(ctl_ip())
    wait_all([("netns add", ip_batch(["netns add %s" % ns for ns in [ns_name("sw")] + [m[1] for m in members]]))])
    switch = ["link add br0 type bridge stp_state 0 forward_delay 0 mcast_snooping 0", "link set br0 up"]
    for name, netns, _addr in members:
        switch += ["link add p-%s type veth peer name eth0 netns %s" % (name, netns),
                   "link set p-%s master br0" % name, "link set p-%s up" % name]
    wait_all([("switch", ip_batch(switch, ns_name("sw")))])
    jobs = []
    for _name, netns, addr in members:
        # IPv6 without duplicate address detection: the address is usable at once (a new lab, no duplicates)
        jobs.append((netns, ip_batch(["link set lo up", "addr add %s/%d dev eth0" % (addr, net.prefixlen),
                                      "addr add %s/64 dev eth0 nodad" % ipv6[netns],
                                      "link set eth0 up", "route add 224.0.0.0/4 dev eth0"], netns)))
    wait_all(jobs)


def start_hosts(hosts: list[dict], state: dict) -> dict[str, int]:
    """Start every host's init process in parallel; wait (bounded) until all report ready."""
    procs, logs = {}, {}
    sel = selectors.DefaultSelector()
    for host in hosts:
        hdir = path("hosts", host["name"])
        os.makedirs(os.path.join(hdir, "mnt"), exist_ok=True)
        spec_file = os.path.join(hdir, "spec.json")
        write_file(spec_file, json.dumps(host_spec(host, state)), 0o600)
        logs[host["name"]] = os.path.join(hdir, "init.log")
        with open(logs[host["name"]], "w", encoding="utf-8") as log:
            proc = subprocess.Popen(  # pylint: disable=consider-using-with
                ["ip", "netns", "exec", host["ns"], "unshare", "--mount", "--uts", "--ipc", "--pid", "--fork", "--kill-child",
                 "--propagation", "private", SYS_PYTHON, HOSTINIT, spec_file],
                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=log, start_new_session=True, cwd="/")
        procs[host["name"]] = proc
        os.set_blocking(proc.stdout.fileno(), False)
        sel.register(proc.stdout, selectors.EVENT_READ, host["name"])
    pids: dict[str, int] = {}
    ready: dict[str, float] = {}
    errors: dict[str, str] = {}
    buffers = {name: b"" for name in procs}
    deadline = time.monotonic() + UP_TIMEOUT
    while len(ready) + len(errors) < len(procs):
        left = deadline - time.monotonic()
        if left <= 0:
            for name in procs:
                if name not in ready and name not in errors:
                    errors[name] = "not ready after %ss" % UP_TIMEOUT
            break
        for key, _events in sel.select(timeout=min(left, 1.0)):
            name = key.data
            chunk = key.fileobj.read()
            if not chunk:
                sel.unregister(key.fileobj)
                if name not in ready:
                    errors.setdefault(name, "init process exited")
                continue
            buffers[name] += chunk
            while b"\n" in buffers[name]:
                line, buffers[name] = buffers[name].split(b"\n", 1)
                word, _sep, rest = line.decode("utf-8", "replace").partition(" ")
                if word == "pid":
                    pids[name] = int(rest)
                elif word == "ready":
                    ready[name] = float(rest)
                elif word == "error":
                    errors[name] = rest
    sel.close()
    for proc in procs.values():
        proc.stdout.close()
    if errors:
        details = []
        for name, err in sorted(errors.items()):
            tail = read(logs[name]).strip().splitlines()[-8:]
            details.append("%s: %s\n    %s" % (name, err, "\n    ".join(tail)))
        raise LabError("hosts failed to start (the lab is left as is for inspection; 'lab.py down' removes it):\n"
                       + "\n".join(details))
    slowest = max(ready, key=ready.get)
    say("hosts ready (slowest: %s in %.2fs)" % (slowest, ready[slowest]))
    return pids


def awkward_tsig_secret() -> str:
    """A random TSIG secret (base64 of 32 bytes) holding every character base64 adds to letters and digits - '+', '/'
    and the '=' padding - so that the tests prove each one survives quoting in the DNS role, its masking and the
    fault matrix's search for secrets (about one random secret in five holds both '+' and '/')."""
    while True:
        secret = base64.b64encode(secrets.token_bytes(32)).decode("ascii")
        if "+" in secret and "/" in secret:
            return secret


def fresh_up(nodes: int) -> dict:
    """Build the lab from nothing."""
    blackhole = check_config()[1]
    # network safety first: nothing from the root namespace may ever reach a lab address (IPv4 or IPv6)
    hold_blackhole(blackhole)
    hosts = host_table(nodes)
    ensure_keys(hosts)
    state = {
        "prefix": PREFIX, "subnet": SUBNET, "nodes": nodes, "hosts": hosts, "complete": False,
        "pg_password": secrets.token_urlsafe(18),
        "tsig_secret": awkward_tsig_secret(),
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    # the database's TLS texts live in the state only while hosts are set up (host_spec), never in state.json
    save_state(state)
    state["db_tls"] = make_database_tls(next(h for h in hosts if h["role"] == "db"))
    create_network(hosts)
    pids = start_hosts(hosts, state)
    del state["db_tls"]
    for host in hosts:
        host["pid"] = pids[host["name"]]
    state["complete"] = True
    save_state(state)
    write_outputs(state)
    return state


def cmd_up(args: argparse.Namespace) -> int:
    """``up``: idempotent."""
    started = time.monotonic()
    nodes = args.nodes
    if nodes is not None and not MIN_NODES <= nodes <= MAX_NODES:
        raise LabError("--nodes must be between %d and %d, got %d" % (MIN_NODES, MAX_NODES, nodes))
    check_config()
    preflight()
    with locked():
        names = lab_namespaces()
        state = load_state()
        if names:
            problem = health(state, names)
            if problem is None and (nodes is None or nodes == state["nodes"]):
                hold_blackhole(check_config()[1])   # also when another lab of the same /16 let go of it
                if not os.path.exists(inventory_path()):
                    write_outputs(state)
                say("lab already up: %d nodes, inventory %s (%.2fs)" % (state["nodes"], inventory_path(), time.monotonic() - started))
                return 0
            if problem is None and not args.recreate:
                raise LabError("the lab is up with %d nodes, not %d: run 'lab.py down' first, or 'lab.py up --nodes %d --recreate'"
                               % (state["nodes"], nodes, nodes))
            say("recreating the lab (%s)" % (problem or "--recreate with another node count"))
            teardown()
        state = fresh_up(nodes or DEFAULT_NODES)
    say("lab up: %d nodes + db1, dns1, zone1 on %s; inventory %s" % (state["nodes"], SUBNET, inventory_path()))
    say("  ssh -F %s node1    |    lab.py exec node1 -- hostname" % path("ssh_config"))
    say("up took %.2fs" % (time.monotonic() - started))
    return 0


# ----------------------------------------------------------------------------------------------------- down


def kill_all(names: list[str], timeout: float = 10) -> int:
    """SIGKILL every lab process until none is left (bounded); returns how many were killed."""
    killed: set[int] = set()
    deadline = time.monotonic() + timeout
    while True:
        victims = lab_processes(names)
        if not victims:
            break
        if time.monotonic() > deadline:
            raise LabError("processes of the lab survive SIGKILL: %s" % victims)
        for pid in victims:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            killed.add(pid)
        time.sleep(0.01)
    return len(killed)


def umount_leftovers() -> None:
    """Unmount anything of the lab still mounted in the root namespace (normally nothing)."""
    with open("/proc/self/mountinfo", encoding="utf-8") as handle:
        points = [line.split()[4] for line in handle]
    for point in reversed(points):
        if point.startswith(STATE + "/") or point.startswith("/run/netns/%s-" % PREFIX):
            cmd(["umount", "-l", point], check=False)
    # ip netns add turns /run/netns into a bind mount; drop it when no namespace at all is left in it
    if "/run/netns" in points and not os.listdir("/run/netns"):
        cmd(["umount", "/run/netns"], check=False)
        with contextlib.suppress(OSError):
            os.rmdir("/run/netns")


def teardown() -> tuple[int, int]:
    """Remove everything of the lab; the blackhole route goes last. Returns (namespaces, processes)."""
    blackhole = check_config()[1]
    names = lab_namespaces()
    killed = kill_all(names)
    if names:
        proc = ip_batch(["netns del %s" % n for n in names])
        wait_all([("netns del", proc)])
    leftover = lab_namespaces()
    if leftover:
        raise LabError("namespaces could not be deleted: %s" % leftover)
    umount_leftovers()
    kill_all([])
    for name in ("inventory.yml", "known_hosts", "ssh_config", "state.json"):
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path(name))
    shutil.rmtree(path("hosts"), ignore_errors=True)
    shutil.rmtree(control_dir(), ignore_errors=True)
    # last: the root namespace's blackholes for the lab subnet and its IPv6 prefix, unless another lab of the same
    # /16 still runs
    others = release_blackhole(blackhole)
    if others:
        say("blackhole %s kept: the lab(s) %s of the same /16 still run" % (blackhole, ", ".join(others)))
    return len(names), killed


def cmd_down(_args: argparse.Namespace) -> int:
    """``down``: idempotent, also after a killed or failed ``up``."""
    started = time.monotonic()
    check_config()
    if os.geteuid() != 0:
        raise LabError("the lab needs root")
    with locked():
        namespaces, processes = teardown()
    say("lab down: %d namespaces, %d processes removed; down took %.2fs" % (namespaces, processes, time.monotonic() - started))
    return 0


# ----------------------------------------------------------------------------------------------------- status, exec


PROBE = """
import socket, sys
from concurrent.futures import ThreadPoolExecutor
def probe(target):
    host, port = target.rsplit(":", 1)
    try:
        socket.create_connection((host, int(port)), timeout=1).close()
        return target + " open"
    except OSError as exc:
        return target + " " + (exc.strerror or type(exc).__name__).replace(" ", "_")
with ThreadPoolExecutor(16) as pool:
    print("\\n".join(pool.map(probe, sys.argv[1:])))
"""


def cmd_status(_args: argparse.Namespace) -> int:
    """``status``: namespaces, init processes, and TCP probes from the controller namespace."""
    names, state = lab_namespaces(), load_state()
    if not names:
        say("lab is down (no %s-* namespace)" % PREFIX)
        return 3
    problem = health(state, names)
    say("lab %s: prefix %s, subnet %s, %s nodes, created %s" % (
        "up" if problem is None else "BROKEN (%s)" % problem, PREFIX, SUBNET, state.get("nodes", "?"), state.get("created", "?")))
    services = {"db": 5432, "dns": 53, "zone": 80}
    targets = []
    for host in state.get("hosts", []):
        targets.append("%s:22" % host["ip"])
        if host["role"] in services:
            targets.append("%s:%d" % (host["ip"], services[host["role"]]))
    results = {}
    if ns_name("ctl") in names and targets:
        out = cmd(["ip", "netns", "exec", ns_name("ctl"), SYS_PYTHON, "-c", PROBE] + targets, check=False, timeout=20).stdout
        results = dict(line.split(" ", 1) for line in out.splitlines() if " " in line)
    say("%-7s %-13s %-8s %s" % ("HOST", "ADDRESS", "PID", "PORTS (probed from %s)" % ns_name("ctl")))
    for host in state.get("hosts", []):
        pid = host.get("pid")
        ports = [t for t in targets if t.startswith(host["ip"] + ":")]
        probed = "  ".join("%s %s" % (t.rsplit(":", 1)[1], results.get(t, "?")) for t in ports)
        say("%-7s %-13s %-8s %s" % (host["name"], host["ip"], "%s%s" % (pid, "" if pid and alive(pid) else "(dead)"), probed))
    say("inventory: %s" % (inventory_path() if os.path.exists(inventory_path()) else "(missing)"))
    return 0 if problem is None else 1


def host_nsenter(name: str, command: list[str]) -> tuple[list[str], dict]:
    """(argv, env) running command inside a running lab host (all its namespaces and its root)."""
    state = load_state()
    hosts = {h["name"]: h for h in state.get("hosts", [])}
    if name not in hosts:
        raise LabError("no lab host %r (hosts: %s)" % (name, " ".join(hosts) or "none, the lab is down"))
    host = hosts[name]
    pid = host.get("pid")
    if not pid or not alive(pid) or proc_netns(pid) != ns_inode(host["ns"]):
        raise LabError("%s is not running; run 'lab.py up'" % name)
    env = {"PATH": PROC_PATH, "HOME": "/root", "USER": "root", "LOGNAME": "root", "LANG": "C.UTF-8",
           "TERM": os.environ.get("TERM", "dumb"), "HOSTNAME": name}
    return ["nsenter", "-t", str(pid), "-m", "-u", "-i", "-n", "-p", "-r", "-w", "--"] + command, env


def cmd_exec(args: argparse.Namespace) -> int:
    """``exec HOST -- CMD``: run a command inside a host (all its namespaces and its root)."""
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    argv, env = host_nsenter(args.host, command or ["/bin/bash", "-l"])
    sys.stdout.flush()
    os.execvpe("nsenter", argv, env)
    return 127


def cmd_zone_reset(_args: argparse.Namespace) -> int:
    """``zone-reset``: the update zone on zone1 serves exactly ZONE_REVISIONS again, as ``up`` left it."""
    empty = ["sh", "-c", "rm -rf %s/products.txt %s/[0-9][0-9]-*" % (ZONE_ROOT, ZONE_ROOT)]
    for command in (empty, zone_seed_argv(os.path.dirname(os.path.dirname(HERE)))):
        argv, env = host_nsenter("zone1", command)
        proc = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=60, check=False)
        if proc.returncode != 0:
            raise LabError("zone1: %s failed (%d): %s" % (" ".join(command), proc.returncode, proc.stderr.strip()))
    say("zone1 serves revisions %s at %s" % (", ".join(ZONE_REVISIONS), ZONE_ROOT))
    return 0


# ----------------------------------------------------------------------------------------------------- service (faults)


# The daemons a host's init started (host_spec), as the fault tests stop and start them: name -> (role of the host
# that runs it or None for every host, how its processes are recognised in the host, how it is started again).
SERVICES = {
    # the listener, and per connection "sshd: root@notty" / "sshd-session: ..." (OpenSSH >= 9.8)
    "sshd": (None, lambda argv: bool(argv) and os.path.basename(argv[0].split()[0].rstrip(":")) in ("sshd", "sshd-session")),
    "postgresql": ("db", lambda argv: bool(argv) and (argv[0] == PG_BIN + "/postgres" or argv[0].startswith("postgres:"))),
    "http": ("zone", lambda argv: argv[1:3] == ["-m", "http.server"]),
}


def host_pid_namespace(pid: int) -> str | None:
    """Identity of the PID namespace of a process (None if gone)."""
    try:
        return os.readlink("/proc/%d/ns/pid" % pid)
    except OSError:
        return None


def service_pids(host: dict, name: str) -> list[int]:
    """PIDs (root namespace numbers) of the service's processes inside one host: its listener and its sessions."""
    match = SERVICES[name][1]
    init_ns = host_pid_namespace(host["pid"])
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == host["pid"]:
            continue
        pid = int(entry)
        if proc_state(pid) in ("Z", "X", "") or host_pid_namespace(pid) != init_ns:
            continue
        if match(proc_cmdline(pid)):
            pids.append(pid)
    return sorted(pids)


def service_start_argv(host: dict, name: str) -> tuple[list[str], str]:
    """(argv run inside the host, log file) that starts the service again as host_spec started it."""
    if name == "sshd":
        return ["/usr/sbin/sshd", "-f", "/etc/drwlab/sshd_config", "-E", "/var/log/drwlab/sshd.log"], ""
    if name == "postgresql":
        return ["runuser", "-u", "postgres", "--", PG_BIN + "/pg_ctl", "-D", PG_DATA, "-l", "/var/log/postgresql/lab.log",
                "-w", "-t", "60", "start"], ""
    # http.server does not daemonize itself: setsid + output to its log, the host's init reaps it later
    return ["sh", "-c", "setsid %s -m http.server 80 --bind %s --directory %s >>/var/log/drwlab/http.log 2>&1 </dev/null &"
            % (SYS_PYTHON, host["ip"], ZONE_ROOT)], ""


def cmd_service(args: argparse.Namespace) -> int:
    """``service HOST NAME stop|start|status``: fault injection for the tests (bounded; SIGKILL by PID, only the
    processes of that service inside that host)."""
    state = load_state()
    hosts = {h["name"]: h for h in state.get("hosts", [])}
    if args.host not in hosts:
        raise LabError("no lab host %r (hosts: %s)" % (args.host, " ".join(hosts) or "none, the lab is down"))
    host = hosts[args.host]
    if not host.get("pid") or not alive(host["pid"]) or proc_netns(host["pid"]) != ns_inode(host["ns"]):
        raise LabError("%s is not running; run 'lab.py up'" % args.host)
    role = SERVICES[args.name][0]
    if role is not None and host["role"] != role:
        raise LabError("%s does not run %s" % (args.host, args.name))
    pids = service_pids(host, args.name)
    if args.action == "status":
        say("%s %s: %s" % (args.host, args.name, ("running, pids %s" % " ".join(map(str, pids))) if pids else "stopped"))
        return 0 if pids else 3
    if args.action == "stop" and args.name == "postgresql" and pids:
        # as a crash would stop it (no checkpoint), but through pg_ctl so the data directory stays startable
        cmd(["nsenter", "-t", str(host["pid"]), "-m", "-u", "-i", "-n", "-p", "-r", "-w", "--", "runuser", "-u", "postgres", "--",
             PG_BIN + "/pg_ctl", "-D", PG_DATA, "-m", "immediate", "-w", "-t", "30", "stop"], check=False, timeout=60)
        pids = service_pids(host, args.name)
    if args.action == "stop":
        deadline = time.monotonic() + 10
        while pids:
            if time.monotonic() > deadline:
                raise LabError("%s %s survives SIGKILL: %s" % (args.host, args.name, pids))
            for pid in pids:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            time.sleep(0.05)
            pids = service_pids(host, args.name)
        say("%s %s stopped" % (args.host, args.name))
        return 0
    if pids:
        say("%s %s already running" % (args.host, args.name))
        return 0
    argv, _log = service_start_argv(host, args.name)
    env = {"PATH": PROC_PATH, "HOME": "/root", "LANG": "C.UTF-8"}
    cmd(["nsenter", "-t", str(host["pid"]), "-m", "-u", "-i", "-n", "-p", "-r", "-w", "--", "env", "-i"]
        + ["%s=%s" % item for item in env.items()] + argv, timeout=90)
    port = {"sshd": 22, "postgresql": 5432, "http": 80}[args.name]
    deadline = time.monotonic() + 30
    probe_argv = ["ip", "netns", "exec", ns_name("ctl"), SYS_PYTHON, "-c", PROBE, "%s:%d" % (host["ip"], port)]
    while not cmd(probe_argv, check=False, timeout=20).stdout.strip().endswith(" open"):
        if time.monotonic() > deadline:
            raise LabError("%s %s did not open port %d within 30 s" % (args.host, args.name, port))
        time.sleep(0.1)
    say("%s %s started" % (args.host, args.name))
    return 0


def cmd_inventory(_args: argparse.Namespace) -> int:
    """``inventory``: print the inventory path (exit 1 if the lab is not up)."""
    if not os.path.exists(inventory_path()):
        print("no inventory: the lab is down (run lab.py up)", file=sys.stderr)
        return 1
    print(inventory_path())
    return 0


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(prog="lab.py", description="drweb.cluster test lab of namespace hosts")
    sub = parser.add_subparsers(dest="action", required=True)
    p_up = sub.add_parser("up", help="bring the lab up (idempotent)")
    p_up.add_argument("--nodes", type=int, default=None, help="number of nodes %d..%d (default %d)" % (MIN_NODES, MAX_NODES, DEFAULT_NODES))
    p_up.add_argument("--recreate", action="store_true", help="rebuild the lab if it is up with another node count")
    p_up.set_defaults(func=cmd_up)
    sub.add_parser("down", help="remove everything of the lab (idempotent)").set_defaults(func=cmd_down)
    sub.add_parser("status", help="show hosts and probe their services").set_defaults(func=cmd_status)
    p_exec = sub.add_parser("exec", help="run a command inside a host: exec HOST -- CMD ...")
    p_exec.add_argument("host")
    p_exec.add_argument("command", nargs=argparse.REMAINDER)
    p_exec.set_defaults(func=cmd_exec)
    sub.add_parser("inventory", help="print the inventory path").set_defaults(func=cmd_inventory)
    sub.add_parser("zone-reset", help="the update zone serves exactly the seeded revisions again").set_defaults(func=cmd_zone_reset)
    p_service = sub.add_parser("service", help="stop/start/status of a host's daemon (fault tests): service HOST NAME ACTION")
    p_service.add_argument("host")
    p_service.add_argument("name", choices=sorted(SERVICES))
    p_service.add_argument("action", choices=["stop", "start", "status"])
    p_service.set_defaults(func=cmd_service)
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except LabError as exc:
        print("lab.py %s: error: %s" % (args.action, exc), file=sys.stderr)
        return 1
    except BrokenPipeError:
        # output piped into head & co.: not an error of the lab
        with contextlib.suppress(OSError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
