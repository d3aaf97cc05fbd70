#!/usr/bin/env bash
# No Docker engine runs on our machines, so CI exercises the image recipe without one:
# copies what the Dockerfile COPYs into a fresh folder, runs its install step
# (scripts/setup.sh --production) there, starts its CMD as an unprivileged user like the
# image's USER, and runs its HEALTHCHECK command.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
ctx=$(mktemp -d /tmp/datarun-image-XXXXXX)
chmod 755 "$ctx"
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true; rm -rf "$ctx"; }
trap cleanup EXIT

# COPY <src>... <dest> lines of the Dockerfile, into $ctx (dest relative to WORKDIR /app)
grep -E '^COPY ' Dockerfile | while read -r _ args; do
  set -- $args
  dest=${!#}
  for src in "${@:1:$#-1}"; do
    target="$ctx/${dest#./}"
    case "$dest" in */) mkdir -p "$target"; cp -a "$root/$src" "$target" ;; *) mkdir -p "$(dirname "$target")"; cp -a "$root/$src" "$target" ;; esac
  done
done
echo "[image] context: $(ls "$ctx" | tr '\n' ' ')"

# The image's RUN step
(cd "$ctx" && ./scripts/setup.sh --production)
[ ! -d "$ctx/node_modules/jest" ] || { echo "[image] dev dependencies were not pruned" >&2; exit 1; }

# USER, ENV and CMD, then the HEALTHCHECK command
user=nobody
data="$ctx/data"
mkdir -p "$data"
chown -R "$user" "$data" 2>/dev/null || true
port=$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
health=$(sed -n 's/^ *CMD node -e "\(.*\)"$/\1/p' Dockerfile)
[ -n "$health" ] || { echo "[image] no HEALTHCHECK command found in the Dockerfile" >&2; exit 1; }
run_as() { if [ "$(id -u)" = 0 ]; then setpriv --reuid="$(id -u $user)" --regid="$(id -g $user)" --clear-groups "$@"; else "$@"; fi; }
(cd "$ctx" && PORT=$port DATARUN_DATA_DIR=$data NODE_ENV=production DATARUN_ADMIN_USERNAME=admin DATARUN_ADMIN_PASSWORD=image-check-pw \
  run_as env HOME=/tmp node dist/src/main.js > "$ctx/service.log" 2>&1) &
pid=$!
for _ in $(seq 1 120); do
  if PORT=$port node -e "$health"; then
    echo "[image] HEALTHCHECK passed: the service runs from the image's install step as $user"
    exit 0
  fi
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.5
done
echo "[image] the service did not become healthy:" >&2
tail -40 "$ctx/service.log" >&2
exit 1
