#!/bin/sh
# Start, stop or restart the Dr.Web Server through its init script and, after a start or restart, wait until it
# serves again: init status 0 AND the Web API port accepting TCP on 127.0.0.1 (a started daemon is not yet a
# serving one: it opens its ports only after reading the configuration and the database).
#
#   drwcsd_service.sh ACTION INIT_SCRIPT HTTPS_PORT TIMEOUT_SECONDS LOG_FILE
#   ACTION: start | stop | restart | predict-start | predict-stop   (predict-*: check mode, reads only)
#
# The last output line is "drweb-service: changed" or "drweb-service: unchanged" (the role's changed_when).
set -u
action=$1 init=$2 port=$3 timeout=$4 log=$5

running() { "$init" status >/dev/null 2>&1; }

accepting() {
    /usr/bin/python3 -c 'import socket, sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 2).close()' \
        "$port" 2>/dev/null
}

wait_serving() {
    deadline=$(( $(date +%s) + timeout ))
    until running && accepting; do
        if [ "$(date +%s)" -ge "$deadline" ]; then
            echo "drwcsd does not serve: init status $("$init" status 2>&1; echo " (exit $?)"), 127.0.0.1:$port" \
                 "not accepting after ${timeout}s. Last lines of $log:"
            tail -n 20 "$log" 2>/dev/null
            exit 1
        fi
        sleep 0.3
    done
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
            "$init" start || { echo "$init start failed (exit $?). Last lines of $log:"; tail -n 20 "$log" 2>/dev/null; exit 1; }
            wait_serving
            echo "drweb-service: changed"
        fi ;;
    stop)
        if running; then
            "$init" stop || exit 1
            echo "drweb-service: changed"
        else
            echo "drweb-service: unchanged"
        fi ;;
    restart)
        "$init" restart || { echo "$init restart failed (exit $?). Last lines of $log:"; tail -n 20 "$log" 2>/dev/null; exit 1; }
        wait_serving
        echo "drweb-service: changed" ;;
    *)
        echo "usage: $0 start|stop|restart|predict-start|predict-stop INIT_SCRIPT PORT TIMEOUT LOG" >&2
        exit 2 ;;
esac
