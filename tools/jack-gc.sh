#!/usr/bin/env bash
# Free JACK server-registry slots left behind by servers that died without unregistering.
#
#   tools/jack-gc.sh          reclaim every dead slot of the current user
#   tools/jack-gc.sh --ours   only slots of our own test servers (musicai-test-*)
#
# Why: jackd (jack2 1.9.21) records each running server in /dev/shm/jack-shm-registry, which
# holds 8 servers per machine. A server that is SIGKILLed or crashes keeps its slot, and jackd
# only reclaims a dead slot when a server *of the same name* starts. Eight leaks and every new
# jackd fails with "too many servers already active". We reclaim a dead slot the way jackd
# intends: start a dummy server under that name (jackd frees the dead entry, takes it), then
# stop it cleanly (it unregisters). Slots of live servers are never touched.
set -euo pipefail

only_ours=0
case "${1:-}" in
    --ours) only_ours=1 ;;
    "") ;;
    *)
        echo "usage: $0 [--ours]" >&2
        exit 2
        ;;
esac

registry=/dev/shm/jack-shm-registry
[[ -r "$registry" ]] || exit 0
command -v jackd >/dev/null 2>&1 || exit 0

read_i32() { od -An -t d4 -j "$1" -N 4 "$registry" | tr -d ' '; }

# Layout of jack_shm_header_t: magic, protocol, type, size, hdr_len, entry_len, then
# 8 x {pid_t pid; char name[257]} padded. Check what we can, and leave anything unexpected.
magic=$(od -An -t x4 -j 0 -N 4 "$registry" | tr -d ' ')
hdr_len=$(read_i32 16)
if [[ "$magic" != 4a41434b ]] || (((hdr_len - 24) % 8 != 0)); then
    echo "jack-gc: unrecognised $registry layout; leaving it alone" >&2
    exit 0
fi
stride=$(((hdr_len - 24) / 8))
uid=$(id -u)

reclaim() {
    local server=$1 pid
    JACK_NO_AUDIO_RESERVATION=1 jackd -n "$server" --no-realtime -d dummy -r 48000 -p 64 \
        >/dev/null 2>&1 </dev/null &
    pid=$!
    for _ in $(seq 1 100); do
        kill -0 "$pid" 2>/dev/null || break
        JACK_DEFAULT_SERVER="$server" JACK_NO_START_SERVER=1 jack_lsp >/dev/null 2>&1 && break
        sleep 0.05
    done
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
        kill -KILL "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
}

for slot in 0 1 2 3 4 5 6 7; do
    offset=$((24 + slot * stride))
    pid=$(read_i32 "$offset")
    [[ "$pid" -gt 0 ]] || continue
    kill -0 "$pid" 2>/dev/null && continue # live (or not ours to signal): leave it
    entry=$(dd if="$registry" bs=1 skip=$((offset + 4)) count=257 2>/dev/null | tr '\0' '\n' |
        head -n 1)
    [[ "$entry" == "jack-$uid:"*":" ]] || continue # another user's server
    server=${entry#"jack-$uid:"}
    server=${server%:}
    [[ -n "$server" ]] || continue
    if ((only_ours)) && [[ "$server" != musicai-test-* ]]; then
        continue
    fi
    echo "jack-gc: reclaiming registry slot $slot of dead server '$server' (pid $pid)" >&2
    reclaim "$server"
done
