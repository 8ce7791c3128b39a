#!/usr/bin/env bash
# Compile the contracts with forge (solc-js behind tools/solc) and export ABI + bytecode of each
# deployable contract to resources/contracts/<Name>.json plus resources/contracts/manifest.json.
# Needs `npm ci` at the repository root. Usage: contracts/build.sh
set -euo pipefail
cd "$(dirname "$0")"
FORGE=tools/forge # the native binary: the npm wrapper hides exit codes
start=$(date +%s)
"$FORGE" build --skip test --skip script
node tools/export-artifacts.mjs
echo "contracts built in $(( $(date +%s) - start ))s"
