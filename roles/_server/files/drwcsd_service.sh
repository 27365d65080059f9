#!/bin/sh
# Start, stop or restart the Dr.Web Server through its service manager - systemd where it is PID 1 and knows the
# Server's unit, else the init script (drweb.cluster.server_facts chooses: service.manager) - and, after a start or
# restart, wait until its process runs (status 0) and its Web API port accepts TCP on 127.0.0.1 - a started daemon
# is not yet a serving one: it opens its ports only after reading its configuration and its database. The role then
# asks the Web API itself (the administrator login) and checks the database the Server uses.
#
#   drwcsd_service.sh ACTION INIT_SCRIPT HTTPS_PORT TIMEOUT_SECONDS LOG_FILE [MANAGER UNIT]
#   ACTION: start | stop | restart | predict-start | predict-stop   (predict-*: check mode, reads only)
#   MANAGER: init (default) | systemd, with UNIT the systemd unit
#
# The last output line is "drweb-service: changed" or "drweb-service: unchanged" (the role's changed_when). On a
# failure the output says what the init script answered and ends with the last lines of the Server's log.
set -u
action=$1 init=$2 port=$3 timeout=$4 log=$5 manager=${6:-init} unit=${7:-}

# the service manager's command for a verb (start, stop, restart, status)
control() {
    if [ "$manager" = systemd ]; then
        if [ "$1" = status ]; then systemctl is-active "$unit"; else systemctl "$1" "$unit"; fi
    else
        "$init" "$1"
    fi
}
controller() { if [ "$manager" = systemd ]; then echo "systemctl $1 $unit"; else echo "$init $1"; fi; }

running() { control status >/dev/null 2>&1; }

accepting() {
    /usr/bin/python3 -c 'import socket, sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 2).close()' \
        "$port" 2>/dev/null
}

log_tail() {
    echo "Last lines of $log:"
    tail -n 20 "$log" 2>/dev/null || echo "(cannot read $log)"
}

wait_serving() {
    deadline=$(( $(date +%s) + timeout ))
    until running && accepting; do
        if [ "$(date +%s)" -ge "$deadline" ]; then
            echo "drwcsd does not serve: $(controller status) said $(control status 2>&1; echo " (exit $?)"), 127.0.0.1:$port" \
                 "not accepting after ${timeout}s."
            log_tail
            exit 1
        fi
        # a process that exited (it refused its configuration or its database) will not come back by waiting
        if ! running && [ "$(( $(date +%s) + timeout - deadline ))" -ge 5 ]; then
            echo "drwcsd exited after its start: $(controller status) said $(control status 2>&1; echo " (exit $?)")."
            log_tail
            exit 1
        fi
        sleep 0.3
    done
}

# run the service manager's VERB, keeping what it printed for the failure message
init_verb() {
    said=$(control "$1" 2>&1)
    rc=$?
    if [ "$rc" -ne 0 ]; then
        echo "$(controller "$1") failed (exit $rc) and said:"
        # the reason comes first (a usage text may follow it), the last lines may add to it
        if [ "$(printf '%s\n' "$said" | wc -l)" -le 14 ]; then
            printf '%s\n' "$said"
        else
            printf '%s\n' "$said" | head -n 6
            echo "  [...]"
            printf '%s\n' "$said" | tail -n 4
        fi
        log_tail
        exit 1
    fi
}

case "$action" in
    predict-start)
        if running; then echo "drweb-service: unchanged"; else echo "drweb-service: changed"; fi ;;
    predict-stop)
        if running; then echo "drweb-service: changed"; else echo "drweb-service: unchanged"; fi ;;
    start)
        if running; then
            wait_serving
            echo "drweb-service: unchanged"
        else
            init_verb start
            wait_serving
            echo "drweb-service: changed"
        fi ;;
    stop)
        if running; then
            init_verb stop
            echo "drweb-service: changed"
        else
            echo "drweb-service: unchanged"
        fi ;;
    restart)
        init_verb restart
        wait_serving
        echo "drweb-service: changed" ;;
    *)
        echo "usage: $0 start|stop|restart|predict-start|predict-stop INIT_SCRIPT PORT TIMEOUT LOG [init|systemd UNIT]" >&2
        exit 2 ;;
esac
