#!/usr/bin/env bash
# Make sure tmux is installed (`make tmux`; `make test` needs it in CI).
#
# Why: tests/live/tui/test_tmux.py runs the real musicai-live screen on a tmux pane (send-keys,
# capture-pane) next to a JACK receiver; in CI (CI=true) a missing tmux fails that test instead
# of skipping it. On Linux as root we install Debian's tmux package; anywhere else we say how.
set -euo pipefail

if command -v tmux >/dev/null 2>&1; then
    exit 0
fi

echo "tmux: not installed" >&2
if [[ "$(uname -s)" == Linux && "$(id -u)" -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
    echo "tmux: installing Debian package tmux" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends tmux </dev/null
    command -v tmux >/dev/null 2>&1 || { echo "tmux: installed but not on PATH" >&2; exit 1; }
    echo "tmux: $(tmux -V)" >&2
    exit 0
fi

case "$(uname -s)" in
    Darwin) how="brew install tmux" ;;
    Linux) how="sudo apt-get install tmux (Debian/Ubuntu) or your distribution's tmux package" ;;
    *) how="install tmux from https://github.com/tmux/tmux/wiki/Installing" ;;
esac
echo "tmux: install it with: $how" >&2
exit 1
