# MusicAI Live: one entry point for people and CI (.ci/run calls `make test`).
#
#   make venv    create .venv (Python >=3.10,<3.13, python3.11 preferred) and install the project
#   make test    venv + JACK, then pytest next to a private JACK dummy server (PYTEST_ARGS=...)
#   make live    run the instrument: make live ARGS='--port "IAC Bus 1"'
#   make bench   run every bench/*.py in order and print their tables
#   make lint    ruff check .
#   make jack    install JACK if missing (Debian jackd2 when root), else say how
#   make clean   remove caches and build output (keeps .venv); make distclean also drops .venv

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := test

VENV := .venv
PY := $(VENV)/bin/python
# Reinstall only when pyproject.toml is newer than this stamp: a repeated `make test` is fast.
STAMP := $(VENV)/.musicai-installed
EXTRAS := train,corpus,dev
# Interpreters tried in order; the first with a version in [3.10, 3.13) builds the venv.
export PYTHON_CANDIDATES ?= python3.11 python3.12 python3.10 python3
PYTEST_ARGS ?=
ARGS ?=

.PHONY: venv test live bench lint jack tmux clean distclean

venv: $(STAMP)

$(STAMP): pyproject.toml
	@tools/venv.sh "$(VENV)" "$(EXTRAS)"
	@touch "$(STAMP)"

jack:
	@tools/ensure-jack.sh

tmux:
	@tools/ensure-tmux.sh

test: venv jack tmux
	@tools/with-jack.sh "$(PY)" -m pytest $(PYTEST_ARGS)

live: venv
	"$(VENV)/bin/musicai-live" $(ARGS)

# Benchmarks run next to a private JACK server when jackd is installed, so MIDI benches work.
bench: venv
	@shopt -s nullglob; export LC_ALL=C; benches=(bench/*.py); \
	if [ $${#benches[@]} -eq 0 ]; then echo "bench: no benchmarks in bench/ yet"; exit 0; fi; \
	wrap=(); \
	if [ -z "$${JACK_DEFAULT_SERVER:-}" ] && command -v jackd >/dev/null 2>&1; then \
	  wrap=(tools/with-jack.sh); \
	elif [ -z "$${JACK_DEFAULT_SERVER:-}" ]; then \
	  echo "bench: jackd not installed ('make jack'); MIDI benchmarks will have no ports"; \
	fi; \
	"$${wrap[@]}" bash -c 'failed=(); \
	  for b in "$$@"; do \
	    echo "== $$b"; \
	    "$(PY)" "$$b" || failed+=("$$b"); \
	  done; \
	  if [ $${#failed[@]} -gt 0 ]; then echo "bench: failed: $${failed[*]}" >&2; exit 1; fi' \
	  bench "$${benches[@]}"

lint: venv
	"$(VENV)/bin/ruff" check .

clean:
	rm -rf build dist .pytest_cache .ruff_cache .hypothesis ./*.egg-info
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +

distclean: clean
	rm -rf "$(VENV)"

# Results: headless takes over keys x temperatures x sources beside held-out human melodies,
# written to results/ (RESULTS.md, PNGs, summary.json). make results ARGS='--bars 64'
.PHONY: results
results: venv
	"$(VENV)/bin/musicai-eval" --out results $(ARGS)
