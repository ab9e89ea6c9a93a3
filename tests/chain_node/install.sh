#!/usr/bin/env bash
# Installs the pinned Hardhat 2 (package-lock.json) into tests/chain_node/node_modules.
# Idempotent: does nothing when node_modules was installed from the current lockfile.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")"

for tool in node npm; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "install.sh: '$tool' is not on PATH; the chain node test needs Node.js 20 and npm" >&2
    exit 127
  fi
done

stamp=node_modules/.microcred-lock.sha256
wanted="$(sha256sum package-lock.json | cut -d' ' -f1)"
if [[ -f "$stamp" && "$(cat "$stamp")" == "$wanted" ]]; then
  exit 0
fi

# --ignore-scripts: Hardhat's node (its EDR engine ships as a prebuilt npm package) needs no
# install script, so none is allowed to run.
npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
echo "$wanted" > "$stamp"
