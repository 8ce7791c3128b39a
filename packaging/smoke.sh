#!/usr/bin/env bash
# Smoke test of the frozen build, in a throwaway SAHARA_HOME: `sahara --version`, `sahara self-test`
# (database migration, anvil devnet, chain client) and `sahara doctor` (onnxruntime, Qt, NVML, anvil).
# Exit 0 only if all pass and torch is not in the bundle.
#
#   packaging/smoke.sh [path/to/dist/sahara]      (default: dist/sahara next to this repo's root)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dist="${1:-$root/dist/sahara}"
case "$(uname -s)" in
    MINGW* | MSYS* | CYGWIN*) exe="$dist/sahara-cli.exe" ;; # sahara.exe is windowed: no console output
    *) exe="$dist/sahara" ;;
esac

if [[ ! -x "$exe" ]]; then
    echo "smoke: $exe not found; run \`make package\` first" >&2
    exit 1
fi

home="$(mktemp -d "${TMPDIR:-/tmp}/sahara-smoke-XXXXXX")"
trap 'rm -rf "$home"' EXIT
export SAHARA_HOME="$home"
export QT_QPA_PLATFORM="${QT_QPA_PLATFORM:-offscreen}"

version="$("$exe" --version)"
echo "smoke: $version"
if [[ "$version" != sahara\ * ]]; then
    echo "smoke: FAILED: unexpected --version output: $version" >&2
    exit 1
fi

limit=()
if command -v timeout >/dev/null; then limit=(timeout 120); fi  # macOS has no timeout by default
set +e
output="$(${limit[@]+"${limit[@]}"} "$exe" self-test 2>&1)"
status=$?
set -e
echo "$output" | sed 's/^/smoke:   /'
if [[ $status -ne 0 ]] || ! grep -qx "self-test: ok" <<<"$output"; then
    echo "smoke: FAILED: self-test exited $status" >&2
    if [[ -f "$home/logs/sahara.log" ]]; then
        echo "smoke: last lines of the log:" >&2
        tail -20 "$home/logs/sahara.log" | sed 's/^/smoke:   /' >&2
    fi
    exit 1
fi

# doctor imports what self-test does not (onnxruntime and numpy, Qt, NVML) and checks anvil.
set +e
output="$(${limit[@]+"${limit[@]}"} "$exe" doctor 2>&1)"
status=$?
set -e
echo "$output" | sed 's/^/smoke:   /'
if [[ $status -ne 0 ]]; then
    echo "smoke: FAILED: doctor exited $status" >&2
    exit 1
fi

if [[ -d "$dist/_internal/torch" ]]; then
    echo "smoke: FAILED: torch is in the bundle ($dist/_internal/torch)" >&2
    exit 1
fi

echo "smoke: ok ($(du -sh "$dist" | cut -f1) in $dist)"
