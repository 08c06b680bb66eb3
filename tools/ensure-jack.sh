#!/usr/bin/env bash
# Make sure a JACK server and its command-line clients are installed (`make jack`).
#
# Why: the MIDI tests run against real JACK ports (this machine kind has no ALSA sequencer),
# and CI starts from a bare machine. Debian's jackd2 package ships everything we use:
# jackd, jack_lsp, jack_connect, jack_wait, jack_midi_dump, and libasound2, which the
# python-rtmidi wheel links against. On Linux as root we install it; anywhere else we say how.
set -euo pipefail

needed=(jackd jack_lsp jack_connect jack_wait jack_midi_dump)

missing() {
    local tool
    for tool in "${needed[@]}"; do
        command -v "$tool" >/dev/null 2>&1 || echo "$tool"
    done
}

if [[ -z "$(missing)" ]]; then
    exit 0
fi

echo "jack: missing $(missing | tr '\n' ' ')" >&2
if [[ "$(uname -s)" == Linux && "$(id -u)" -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
    echo "jack: installing Debian package jackd2 (JACK server + example clients)" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends jackd2 \
        </dev/null
    if [[ -n "$(missing)" ]]; then
        echo "jack: jackd2 installed but still missing: $(missing | tr '\n' ' ')" >&2
        exit 1
    fi
    echo "jack: $(jackd --version 2>/dev/null | head -n 1)" >&2
    exit 0
fi

case "$(uname -s)" in
    Darwin) how="brew install jack" ;;
    Linux) how="sudo apt-get install jackd2 (Debian/Ubuntu) or your distribution's jack2 package" ;;
    *) how="install JACK2 from https://jackaudio.org/downloads/" ;;
esac
echo "jack: JACK is not installed; install it with: $how" >&2
exit 1
