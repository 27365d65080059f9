#!/usr/bin/env bash
# Prepare this machine for the lab and the tests: Debian packages and a Python >= 3.12 virtualenv in .venv.
# Idempotent and fast on a warm machine: it only installs what is missing or changed.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$repo_root"
packages_file=tests/setup/debian-packages.txt
requirements_file=tests/requirements.txt
venv=.venv
started=${EPOCHREALTIME/./}

say() { printf 'setup: %s\n' "$*"; }

if [ "$(id -u)" -ne 0 ]; then
    say "must run as root (it installs Debian packages and the lab needs network namespaces)" >&2
    exit 1
fi

# --- Debian packages -------------------------------------------------------------------------------------------
mapfile -t wanted < <(grep -Ev '^\s*(#|$)' "$packages_file")
missing=()
for package in "${wanted[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed'; then
        missing+=("$package")
    fi
done
if [ "${#missing[@]}" -gt 0 ]; then
    say "installing Debian packages: ${missing[*]}"
    apt-get update -qq
    # No daemon may start here: the lab starts its own servers inside network namespaces.
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
    chmod 0755 /usr/sbin/policy-rc.d
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    rm -f /usr/sbin/policy-rc.d
    trap - EXIT
else
    say "Debian packages present"
fi
# Distribution services must not run in the root namespace: the lab runs its own copies inside namespaces.
for service in postgresql named bind9 ssh prometheus; do
    if [ -x "/etc/init.d/$service" ] && "/etc/init.d/$service" status >/dev/null 2>&1; then
        "/etc/init.d/$service" stop >/dev/null 2>&1 || true
    fi
done

# --- Python >= 3.12 for ansible-core 2.21 ------------------------------------------------------------------------
usable_python() {
    "$1" -c 'import sys, venv; sys.exit(0 if sys.version_info >= (3, 12) else 1)' >/dev/null 2>&1
}
find_python() {
    local candidate pyenv_root="${PYENV_ROOT:-}"
    if [ -z "$pyenv_root" ] && command -v pyenv >/dev/null 2>&1; then pyenv_root="$(pyenv root)"; fi
    [ -n "$pyenv_root" ] || pyenv_root="$HOME/.pyenv"
    # pyenv shims answer for versions that are not selected, so each candidate is tried, not just looked up.
    for candidate in "$(command -v python3.12 || true)" "$(command -v python3.13 || true)" \
            "$pyenv_root"/versions/3.12.*/bin/python3 "$pyenv_root"/versions/3.13.*/bin/python3; do
        if [ -n "$candidate" ] && [ -x "$candidate" ] && usable_python "$candidate"; then echo "$candidate"; return 0; fi
    done
    return 1
}
if ! python=$(find_python); then
    say "no Python >= 3.12 found (looked for python3.13/python3.12 on PATH and in pyenv's versions)." >&2
    say "ansible-core 2.21 needs Python 3.12 or newer: install one (e.g. 'pyenv install 3.12') and rerun." >&2
    exit 1
fi

stamp="$venv/.setup-stamp"
want_stamp="$("$python" --version 2>&1) $(sha256sum "$requirements_file" | cut -d' ' -f1)"
if [ -x "$venv/bin/python" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want_stamp" ]; then
    say "virtualenv $venv up to date ($("$venv/bin/python" --version))"
else
    # Recreate only when the interpreter changed; otherwise pip brings the existing venv to the pins in place.
    if ! [ -x "$venv/bin/python" ] || [ "$("$venv/bin/python" --version 2>&1)" != "$("$python" --version 2>&1)" ]; then
        say "creating $venv with $python"
        rm -rf "$venv"
        "$python" -m venv "$venv"
    else
        say "updating $venv to $requirements_file"
    fi
    "$venv/bin/pip" install -q --disable-pip-version-check --upgrade pip 2>&1 | grep -v '^WARNING: Location' || true
    "$venv/bin/pip" install -q --disable-pip-version-check -r "$requirements_file" 2>&1 | grep -v '^WARNING: Location' || true
    "$venv/bin/python" -c 'import ansible, molecule, testinfra, psycopg, cryptography, dns, yaml' \
        || { say "virtualenv incomplete: pip install failed" >&2; exit 1; }
    echo "$want_stamp" > "$stamp"
fi

elapsed_us=$(( ${EPOCHREALTIME/./} - started ))
say "done in $((elapsed_us / 1000000)).$(( (elapsed_us / 100000) % 10 )) s"
