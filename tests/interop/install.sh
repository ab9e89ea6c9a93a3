#!/usr/bin/env bash
# Installs the Node peer's pinned dependencies (package-lock.json) into tests/interop/node_modules.
# Idempotent: does nothing when node_modules was installed from the current lockfile.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")"

for tool in node npm; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "install.sh: '$tool' is not on PATH; the interop test needs Node.js >= 20 and npm" >&2
    exit 127
  fi
done
if ! node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)'; then
  echo "install.sh: Node.js >= 20 is needed, found $(node --version)" >&2
  exit 1
fi

# A stamp of the lockfile's hash, so a changed lockfile triggers a fresh install.
stamp=node_modules/.microcred-lock.sha256
wanted="$(sha256sum package-lock.json | cut -d' ' -f1)"
if [[ -f "$stamp" && "$(cat "$stamp")" == "$wanted" ]]; then
  exit 0
fi

# --ignore-scripts: none of these packages needs an install script, so none is allowed to run.
npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
echo "$wanted" > "$stamp"
