#!/usr/bin/env bash
# Create the project virtualenv and install the project into it (`make venv` runs this).
#
#   tools/venv.sh VENV EXTRAS
#
# Why a script: CI starts from a bare machine, so this has to find a Python the dependencies
# support (>=3.10,<3.13: python-rtmidi has no 3.13 wheels, TensorFlow 2.21 none past 3.12),
# and on Debian the venv module may be missing. The Makefile decides *when* to run this
# (pyproject.toml newer than the stamp); this decides *how*.
set -euo pipefail

venv=${1:?usage: tools/venv.sh VENV EXTRAS}
extras=${2:?usage: tools/venv.sh VENV EXTRAS}
candidates=${PYTHON_CANDIDATES:-python3.11 python3.12 python3.10 python3}
supported='import sys; sys.exit(not (3, 10) <= sys.version_info[:2] < (3, 13))'

can_apt() { [[ "$(id -u)" -eq 0 ]] && command -v apt-get >/dev/null 2>&1; }

apt_install() {
    echo "venv: installing Debian packages: $*" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" </dev/null
}

find_python() {
    local candidate
    for candidate in $candidates; do
        command -v "$candidate" >/dev/null 2>&1 || continue
        if "$candidate" -c "$supported" 2>/dev/null; then
            echo "$candidate"
            return 0
        fi
    done
    return 1
}

if [[ ! -x "$venv/bin/python" ]]; then
    if ! python=$(find_python); then
        if can_apt; then
            apt_install python3 python3-venv
        fi
        python=$(find_python) || {
            echo "venv: need Python >=3.10,<3.13 (tried: $candidates); install python3.11" >&2
            exit 1
        }
    fi
    echo "venv: creating $venv with $python ($("$python" -V 2>&1))" >&2
    if ! "$python" -m venv "$venv" 2>/dev/null; then
        # Debian splits ensurepip out of the interpreter package.
        rm -rf "$venv"
        version=$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
        if can_apt; then
            apt_install "python$version-venv"
        fi
        "$python" -m venv "$venv" || {
            rm -rf "$venv"
            echo "venv: '$python -m venv' failed; install python$version-venv" >&2
            exit 1
        }
    fi
    "$venv/bin/python" -m pip install -q --disable-pip-version-check --upgrade pip
fi

if ! "$venv/bin/python" -c "$supported"; then
    echo "venv: $venv uses $("$venv/bin/python" -V 2>&1); need >=3.10,<3.13:" \
        "run 'make distclean venv'" >&2
    exit 1
fi

echo "venv: installing -e '.[$extras]' into $venv (the first time takes a few minutes)" >&2
"$venv/bin/python" -m pip install -q --disable-pip-version-check --progress-bar off \
    -e ".[$extras]"
