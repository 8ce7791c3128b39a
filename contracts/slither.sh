#!/usr/bin/env bash
# Static analysis with slither (not a project dependency: install it in a throwaway venv, e.g.
#   python3 -m venv /tmp/slither-venv && /tmp/slither-venv/bin/pip install slither-analyzer
# then SLITHER=/tmp/slither-venv/bin/slither contracts/slither.sh). Settings: slither.config.json
# (excluded detectors are false positives for this code: time-based deadlines, enum equalities,
# `position % batchCount`, zero-initialised locals). Note: slither runs `forge clean`.
set -euo pipefail
cd "$(dirname "$0")"
SLITHER=${SLITHER:-slither}
tools/forge --version >/dev/null # makes the node_modules link
bindir=$(mktemp -d)
trap 'rm -rf "$bindir"' EXIT
# crytic-compile calls `forge` from PATH: give it the native binary (the npm wrapper loses exit codes).
ln -s "$(cd ../node_modules/@foundry-rs && pwd)/forge-$(uname -s | tr 'A-Z' 'a-z' | sed 's/darwin/darwin/')-$(uname -m | sed 's/x86_64/amd64/;s/aarch64/arm64/')/bin/forge" "$bindir/forge"
PATH="$bindir:$PATH" "$SLITHER" . --config-file slither.config.json "$@"
