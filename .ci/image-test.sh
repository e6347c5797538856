#!/usr/bin/env bash
# Builds peerbot's image with podman and runs it against this machine's PostgreSQL and Redis:
# `migrate` creates and migrates a database of its own, a `worker` container answers
# /healthz as uid 10001 and deploys a change that a `console` container approved (a file
# router of the demo network), and the image holds no dev dependency and no test file.
# Base images cannot be pulled here, so the Node base is built locally (.ci/node-base.sh)
# and passed as NODE_IMAGE. Run by .ci/run; alone: `bash .ci/image-test.sh`.
# Without podman (and no way to install it) it skips with a loud line, except under CI=true,
# where it fails.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '\n== image: %s\n' "$*"; }
fail() {
  printf '\nIMAGE TEST FAILED: %s\n' "$*" >&2
  exit 1
}

export CONTAINERS_CONF="$PWD/.ci/containers.conf"
PG_URL_BASE=${PEERBOT_IMAGE_TEST_PG:-postgresql://postgres@127.0.0.1:5432}
REDIS=${PEERBOT_IMAGE_TEST_REDIS:-redis://127.0.0.1:6379}
NODE_MAJOR=$(node -p 'process.versions.node.split(".")[0]')
BASE=localhost/peerbot-node-base:$NODE_MAJOR
IMAGE=localhost/peerbot:image-test
DB=peerbot_image_test
PREFIX=peerbot-image-test-$$
HTTP_PORT=${PEERBOT_IMAGE_TEST_PORT:-39302}
WORKER=peerbot-image-worker-$$

if ! command -v podman >/dev/null || ! command -v runc >/dev/null || ! command -v mmdebstrap >/dev/null; then
  log "installing podman, runc, mmdebstrap"
  if ! { apt-get update -qq &&
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      podman runc uidmap slirp4netns fuse-overlayfs mmdebstrap; } >/tmp/peerbot-image-apt.log 2>&1; then
    if [ "${CI:-}" = "true" ]; then fail "podman could not be installed (see /tmp/peerbot-image-apt.log)"; fi
    printf '\n!!!!!!!! IMAGE TEST SKIPPED: podman could not be installed (see /tmp/peerbot-image-apt.log) !!!!!!!!\n\n' >&2
    exit 0
  fi
fi

cleanup() {
  podman rm -f -t 2 "$WORKER" >/dev/null 2>&1 || true
  psql "$PG_URL_BASE/postgres" -qc "drop database if exists $DB" >/dev/null 2>&1 || true
  redis-cli -u "$REDIS" --scan --pattern "$PREFIX:*" 2>/dev/null | xargs -r redis-cli -u "$REDIS" del >/dev/null 2>&1 || true
}
trap cleanup EXIT

if ! podman image exists "$BASE"; then
  log "local Node base image $BASE (Debian bookworm and this machine's node)"
  .ci/node-base.sh "$BASE"
fi

log "podman build --build-arg NODE_IMAGE=$BASE"
start=$(date +%s)
ca=()
# This machine's registry is reached through a TLS-inspecting proxy: npm in the build stage
# trusts the same extra CA as node here.
if [ -n "${NODE_EXTRA_CA_CERTS:-}" ] && [ -f "$NODE_EXTRA_CA_CERTS" ]; then
  ca=(--secret "id=build-ca,src=$NODE_EXTRA_CA_CERTS")
fi
# The build stage's `npm ci` reads this machine's npm cache (an overlay: nothing is written
# back), so that the packages `npm ci` fetched here are not downloaded again.
cache=()
if [ -d "$HOME/.npm/_cacache" ]; then cache=(--volume "$HOME/.npm:/root/.npm:O"); fi
if ! podman build --format docker --network host --build-arg "NODE_IMAGE=$BASE" "${ca[@]}" "${cache[@]}" \
  -t "$IMAGE" . >/tmp/peerbot-image-build.log 2>&1; then
  tail -40 /tmp/peerbot-image-build.log
  fail "podman build failed (the whole log: /tmp/peerbot-image-build.log)"
fi
echo "built $IMAGE in $(($(date +%s) - start)) s"

# One-off containers without the image's health check (podman would schedule it through systemd).
run() { podman run --rm --network host --no-healthcheck -e PEERBOT_NO_ENV_FILE=true "$@"; }
ENVS=(
  -e "DATABASE_URL=$PG_URL_BASE/$DB"
  -e "REDIS_URL=$REDIS"
  -e "PEERBOT_QUEUE_PREFIX=$PREFIX"
  -e "PEERBOT_ROLES=console:alice=operator,console:bob=approver"
  -e "PEERBOT_HTTP_PORT=$HTTP_PORT"
  -e "PEERINGDB_URL=http://127.0.0.1:9"
)

log "contents: no dev dependencies, no tests, the user"
present=$(run --entrypoint /bin/sh "$IMAGE" -c \
  'for p in vitest @vitest/expect eslint typescript typescript-eslint prettier smtp-server mailparser @types/ssh2; do
     [ -e node_modules/$p/package.json ] && echo $p; done; true')
[ -z "$present" ] || fail "the image holds dev dependencies: $present"
run --entrypoint /bin/sh "$IMAGE" -c 'test ! -e tests && test ! -e /app/tests' || fail "the image holds tests/"
found=$(run --entrypoint /bin/sh "$IMAGE" -c 'find /app -path /app/node_modules -prune -o \( -name "*.test.*" -o -name "*.bench.*" \) -print | head -3')
[ -z "$found" ] || fail "the image holds test files: $found"
run --entrypoint /bin/sh "$IMAGE" -c 'bgpq4 -v >/dev/null 2>&1 || command -v bgpq4 >/dev/null' ||
  fail "the image has no bgpq4 (IRR prefix lists)"
echo "bgpq4: $(run --entrypoint /bin/sh "$IMAGE" -c 'command -v bgpq4')"
uid=$(run --entrypoint /bin/sh "$IMAGE" -c 'id -u')
[ "$uid" = 10001 ] || fail "the image runs as uid $uid, not 10001"
size=$(podman image inspect --format '{{.Size}}' "$IMAGE")
base_size=$(podman image inspect --format '{{.Size}}' "$BASE")
echo "no vitest, eslint, typescript, prettier, test servers; no tests/; runs as uid $uid"
echo "image size: $((size / 1000000)) MB (the base: $((base_size / 1000000)) MB)"

log "migrate (the database does not exist yet)"
PGOPTIONS=--client-min-messages=warning psql "$PG_URL_BASE/postgres" -qc "drop database if exists $DB" >/dev/null
out=$(run "${ENVS[@]}" "$IMAGE" migrate)
echo "$out"
grep -q "The database is up to date." <<<"$out" || fail "migrate did not finish"
tables=$(psql "$PG_URL_BASE/$DB" -Atc "select count(*) from _prisma_migrations where finished_at is not null")
dirs=$(find prisma/migrations -mindepth 1 -maxdepth 1 -type d | wc -l)
[ "$tables" = "$dirs" ] || fail "$tables migrations recorded, $dirs in prisma/migrations"
echo "$tables migrations applied"

log "a worker container: /healthz, uid"
# The image's health check without a timer (podman would schedule one through systemd):
# `podman healthcheck run` below runs it once.
# (podman 4.3 still says it cannot reach systemd: that line is left out.)
podman run -d --name "$WORKER" --network host --health-interval disable -e PEERBOT_NO_ENV_FILE=true \
  "${ENVS[@]}" "$IMAGE" worker 2>/tmp/peerbot-image-worker.log >/dev/null ||
  fail "the worker container did not start: $(grep -v 'systemd connection' /tmp/peerbot-image-worker.log)"
ready=""
for _ in $(seq 1 60); do
  if podman logs "$WORKER" 2>&1 | grep -q "waiting for jobs"; then
    ready=yes
    break
  fi
  [ "$(podman inspect -f '{{.State.Running}}' "$WORKER")" = true ] || break
  sleep 1
done
[ -n "$ready" ] || {
  podman logs "$WORKER" 2>&1 | tail -20
  fail "the worker did not start"
}
wuid=$(podman exec "$WORKER" sh -c 'awk "/^Uid:/ {print \$2}" /proc/1/status')
[ "$wuid" = 10001 ] || fail "the worker process runs as uid $wuid"
echo "worker runs as uid $wuid"
# bin/container-entry.sh: node itself is PID 1 (it gets SIGTERM), with a worker's young generation.
wcmd=$(podman exec "$WORKER" sh -c 'tr "\0" " " </proc/1/cmdline')
case "$wcmd" in
  "node --max-semi-space-size=4 dist/bot/main.js worker"*) echo "worker process: $wcmd" ;;
  *) fail "the worker's PID 1 is '$wcmd', not node with --max-semi-space-size=4" ;;
esac
if [ -e bot/ops-server.ts ]; then
  health=""
  for _ in $(seq 1 20); do
    health=$(curl -fsS -m 2 "http://127.0.0.1:$HTTP_PORT/healthz" 2>/dev/null) && break
    sleep 0.5
  done
  [ -n "$health" ] || fail "GET /healthz on port $HTTP_PORT did not answer"
  echo "GET /healthz: $health"
  podman healthcheck run "$WORKER" >/dev/null 2>&1 || fail "the image's HEALTHCHECK fails in the worker"
  echo "the image's HEALTHCHECK passes"
else
  echo "!! /healthz NOT CHECKED: this tree has no operations server (bot/ops-server.ts) yet"
fi

log "a job: the console approves a change, the worker container deploys it"
run "${ENVS[@]}" "$IMAGE" seed-demo | tail -1
printf 'peer AS6939 at LINX\n' | run -i "${ENVS[@]}" "$IMAGE" console --user alice | grep -m1 "change #1" ||
  fail "peer did not make change #1"
printf 'approve 1\n' | run -i "${ENVS[@]}" "$IMAGE" console --user bob | grep -m1 "approved" ||
  fail "approve 1 did not queue the deploy"
status=""
for _ in $(seq 1 60); do
  status=$(psql "$PG_URL_BASE/$DB" -Atc 'select status from "ChangeRequest" where id = 1' 2>/dev/null || true)
  [ "$status" = deployed ] && break
  sleep 1
done
[ "$status" = deployed ] || {
  podman logs "$WORKER" 2>&1 | tail -20
  fail "change #1 is $status, not deployed"
}
podman exec "$WORKER" test -s /var/lib/peerbot/configs/edge1.lon.conf ||
  fail "the worker container did not write edge1.lon's configuration"
echo "change #1 deployed by the worker container ($(podman exec "$WORKER" stat -c %s /var/lib/peerbot/configs/edge1.lon.conf) bytes in edge1.lon.conf)"

log "ok: built, migrated, healthy, non-root, a job taken by a worker container; $((size / 1000000)) MB"
