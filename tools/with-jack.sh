#!/usr/bin/env bash
# shellcheck disable=SC2317  # the cleanup functions run from traps
# Run a command next to a private, throw-away JACK server.
#
#   tools/with-jack.sh CMD [ARGS...]
#
# Why: the MIDI tests need real JACK ports, but must never touch a JACK server the user is
# running (their DAW hangs off it). So we start our own server under a unique name with the
# dummy driver (no sound card needed), point every client at it through JACK_DEFAULT_SERVER,
# forbid clients from auto-starting any other server, and stop it however CMD ends.
# The exit status is CMD's; 1 with the server log tail if the server does not come up.
#
# Environment knobs (all optional):
#   MUSICAI_JACK_WAIT   seconds to wait for the server to accept clients (default 10)
#   MUSICAI_JACK_RATE   sample rate (default 48000); MUSICAI_JACK_PERIOD frames (default 64)
#   MUSICAI_JACK_KEEP_LOG=1 keeps the temp dir with jackd.log (kept anyway when jackd fails to
#                       start; when CMD fails, what jackd said beyond its banner is printed)
set -uo pipefail

prog=with-jack
if [[ $# -eq 0 ]]; then
    echo "usage: $0 CMD [ARGS...]  (runs CMD next to a private JACK dummy server)" >&2
    exit 2
fi
for tool in jackd jack_lsp; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "$prog: $tool not found; run 'make jack' (Debian/Ubuntu: apt-get install jackd2)" >&2
        exit 1
    fi
done

wait_s=${MUSICAI_JACK_WAIT:-10}
rate=${MUSICAI_JACK_RATE:-48000}
period=${MUSICAI_JACK_PERIOD:-64}
for knob in "$wait_s" "$rate" "$period"; do
    if ! [[ "$knob" =~ ^[1-9][0-9]*$ ]]; then
        echo "$prog: MUSICAI_JACK_WAIT/RATE/PERIOD must be positive integers, got '$knob'" >&2
        exit 2
    fi
done

# Fixed-length name: jack_lsp 1.9.21 crashes in malloc on `-s NAME` for names of 24, 40 or 56
# characters; this one is always 20 (pids have at most 7 digits), and we probe via the env var.
name=$(printf 'musicai-test-%07d' "$$")
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# Free registry slots that earlier, killed runs of this script left behind.
# In CI every dead slot goes (any name: the machine may carry dead servers of earlier
# sessions); on a person's machine only our own, so their JACK setup is never touched.
if [[ "${CI:-}" == true ]]; then "$here/jack-gc.sh" || true; else "$here/jack-gc.sh" --ours || true; fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/musicai-jack.XXXXXX")
log="$tmp/jackd.log"
keep_log=${MUSICAI_JACK_KEEP_LOG:-0}
jack_pid=""
watchdog_pid=""
child=""
log_shown=""

log_tail() {
    log_shown=1
    echo "---- last lines of $log ----" >&2
    tail -n 25 "$log" >&2 2>/dev/null || true
    echo "---- end of jackd log ----" >&2
}

stop_server() {
    # Stop only the server this script started, by its pid; never a broad kill.
    local status=0
    if [[ -n "$watchdog_pid" ]]; then
        kill "$watchdog_pid" 2>/dev/null || true
        wait "$watchdog_pid" 2>/dev/null || true
        watchdog_pid=""
    fi
    [[ -n "$jack_pid" ]] || return 0
    kill -TERM "$jack_pid" 2>/dev/null || true
    for _ in $(seq 1 30); do
        kill -0 "$jack_pid" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$jack_pid" 2>/dev/null; then
        # Seen with -S after a client process exited without closing its ports: jackd spends
        # ~6 s on shutdown and then dies of SIGPIPE. Do not wait for that.
        echo "$prog: jackd ($name) did not stop within 3 s of SIGTERM; killing it" >&2
        kill -KILL "$jack_pid" 2>/dev/null || true
    fi
    wait "$jack_pid" 2>/dev/null || status=$?
    jack_pid=""
    if ((status != 0)); then
        # A server that did not exit cleanly keeps its slot in JACK's 8-slot registry and its
        # shared memory; starting and cleanly stopping one of the same name frees both.
        "$here/jack-gc.sh" --ours || true
    fi
}

log_news() {
    # What jackd said beyond its banner and routine xrun notes (there are many without RT).
    grep -v -E 'XRun|^jackdmp |Copyright|ABSOLUTELY NO WARRANTY|free software|certain conditions|no message buffer overruns|server starting in|self-connect-mode|caught signal|^[[:space:]]*$' \
        "$log" 2>/dev/null | tail -n 15
}

on_exit() {
    local rc=$?
    trap - EXIT INT TERM HUP
    stop_server
    if [[ $rc -ne 0 && -z "$log_shown" && -n "$(log_news)" ]]; then
        echo "$prog: jackd said:" >&2
        log_news | sed 's/^/    /' >&2
    fi
    if [[ "$keep_log" == 1 || -n "$log_shown" ]]; then
        echo "$prog: jackd log kept at $log" >&2
    else
        rm -rf "$tmp"
    fi
    exit "$rc"
}

on_signal() {
    # Hand a termination signal on to CMD; on_exit stops the server once CMD is gone.
    local sig=$1
    if [[ -z "$child" ]] || ! kill -0 "$child" 2>/dev/null; then
        case $sig in INT) exit 130 ;; HUP) exit 129 ;; *) exit 143 ;; esac
    fi
    if [[ $sig == INT ]]; then
        # A terminal's Ctrl-C already reached CMD (same process group): give it time to stop
        # on its own, so pytest does not get a second interrupt in the middle of its teardown.
        for _ in $(seq 1 30); do
            kill -0 "$child" 2>/dev/null || return 0
            sleep 0.1
        done
    fi
    kill "-$sig" "$child" 2>/dev/null || true
}

trap on_exit EXIT
trap 'on_signal INT' INT
trap 'on_signal TERM' TERM
trap 'on_signal HUP' HUP

# JACK_NO_AUDIO_RESERVATION: do not ask D-Bus for a sound card (there is none).
# JACK_NO_START_SERVER: a client that cannot reach our server must fail, not start another.
export JACK_NO_AUDIO_RESERVATION=1
export JACK_NO_START_SERVER=1

# -S (synchronous mode): measured here, the default asynchronous mode hands a reader the wrong
# cycle's MIDI buffer when threads run without realtime priority (1-4% of 64-message bursts
# arrived as duplicates of earlier messages or not at all). Synchronous mode: 0 in thousands.
jackd -n "$name" -S --no-realtime -d dummy -r "$rate" -p "$period" >"$log" 2>&1 </dev/null &
jack_pid=$!

# If this script is SIGKILLed (a CI timeout), nothing above runs: a watchdog stops the server.
wrapper_pid=$$
(
    trap '' INT HUP
    while kill -0 "$wrapper_pid" 2>/dev/null && kill -0 "$jack_pid" 2>/dev/null; do
        sleep 1
    done
    kill -TERM "$jack_pid" 2>/dev/null
) >/dev/null 2>&1 </dev/null &
watchdog_pid=$!

deadline=$(($(date +%s%N) + wait_s * 1000000000))
until JACK_DEFAULT_SERVER="$name" jack_lsp >/dev/null 2>&1; do
    if ! kill -0 "$jack_pid" 2>/dev/null; then
        wait "$jack_pid"
        echo "$prog: jackd exited with status $? before accepting clients" >&2
        jack_pid=""
        log_tail
        if grep -q "too many servers already active" "$log"; then
            echo "$prog: JACK's registry (8 servers per machine) is full of dead servers;" \
                "run tools/jack-gc.sh to reclaim their slots" >&2
        fi
        exit 1
    fi
    if (($(date +%s%N) > deadline)); then
        echo "$prog: jackd ($name) did not accept clients within ${wait_s} s" >&2
        log_tail
        exit 1
    fi
    sleep 0.05
done

export JACK_DEFAULT_SERVER="$name"
echo "$prog: private JACK server '$name' is up (dummy driver, ${rate} Hz, ${period} frames)" >&2

# CMD runs as a job so the traps above fire at once, not after CMD ends. bash starts jobs with
# SIGINT ignored; the subshell restores it so Ctrl-C still interrupts CMD. Stdin is passed
# through and CMD stays in our process group, so an interactive CMD can read the terminal.
(
    trap - INT QUIT
    exec "$@"
) <&0 &
child=$!
# wait returns early (status > 128) when a trapped signal arrives: keep waiting while CMD
# lives, then ask once more, since bash remembers a finished job's real status.
wait "$child"
while kill -0 "$child" 2>/dev/null; do
    wait "$child"
done
wait "$child"
rc=$?
child=""
exit "$rc"
