#!/usr/bin/env bash
# Run the Foundry tests (unit, fuzz, invariant) and print a summary; exits non-zero on failure.
# FOUNDRY_PROFILE=quick for a fast pass, FOUNDRY_PROFILE=deep for long fuzzing. Extra arguments
# go to forge test (e.g. --match-contract TaskBoard, -vvv).
set -euo pipefail
cd "$(dirname "$0")"
FORGE=tools/forge # the native binary: the npm wrapper hides exit codes
start=$(date +%s)
status=0
"$FORGE" test --summary --detailed "$@" || status=$?
echo "forge test: $([ $status -eq 0 ] && echo ok || echo FAILED) in $(( $(date +%s) - start ))s (profile ${FOUNDRY_PROFILE:-default})"
exit $status
