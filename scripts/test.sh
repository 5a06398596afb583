#!/usr/bin/env bash
# The whole test suite: type check, then every tap test against Ceph RGW, the disk driver, SQLite and
# PostgreSQL, with Redis for subscriptions across processes and RabbitMQ, NATS JetStream, Mosquitto and
# Redis as event destinations. Starts what it needs (idempotently) and ends with the line "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."

say() { printf 's3gate test: %s\n' "$*" >&2; }

say "starting Ceph RGW (scripts/rgw.sh)"
if ! endpoint=$(bash scripts/rgw.sh start); then
  say "could not start Ceph RGW; see the message above"
  echo "0 passed, 1 failed"
  exit 1
fi
say "RGW at $endpoint"

pg_url=${S3GATE_TEST_PG_URL:-postgres://postgres@127.0.0.1:5432/postgres}
if ! node -e "const c=new (require('pg').Client)(process.argv[1]);c.connect().then(()=>c.end(),e=>{console.error(e.message);process.exit(1)})" "$pg_url" 2>/dev/null; then
  say "PostgreSQL does not answer at $pg_url; trying to start it"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql 2>/dev/null | head -1)" main start 2>/dev/null || true
  sleep 2
  node -e "const c=new (require('pg').Client)(process.argv[1]);c.connect().then(()=>c.end(),e=>{console.error(e.message);process.exit(1)})" "$pg_url" \
    || { say "PostgreSQL is needed at $pg_url (or set S3GATE_TEST_PG_URL)"; echo "0 passed, 1 failed"; exit 1; }
fi

redis_url=${S3GATE_TEST_REDIS_URL:-redis://127.0.0.1:6379}
redis_ping() { node -e "const R=require('ioredis');const r=new R(process.argv[1],{lazyConnect:true,maxRetriesPerRequest:0,retryStrategy:()=>null});r.connect().then(()=>r.ping()).then(()=>r.quit(),e=>{console.error(e.message);process.exit(1)})" "$redis_url" 2>/dev/null; }
if ! redis_ping; then
  say "Redis does not answer at $redis_url; trying to start it"
  if command -v redis-server >/dev/null 2>&1 || { command -v apt-get >/dev/null 2>&1 && apt-get install -y -q redis-server >/dev/null 2>&1; }; then
    redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no >/dev/null 2>&1 || true
    sleep 1
  fi
  redis_ping || { say "Redis is needed at $redis_url for the multi-process GraphQL test (or set S3GATE_TEST_REDIS_URL)"; echo "0 passed, 1 failed"; exit 1; }
fi

# The brokers the event-destination tests publish to and read from (test/events/destination*.test.ts):
# RabbitMQ, NATS with JetStream, Mosquitto. Started with Debian's packages' own commands when down.
port_open() { node -e "const s=require('net').connect(+process.argv[1],'127.0.0.1');s.setTimeout(2000);s.on('connect',()=>{s.destroy();process.exit(0)});s.on('error',()=>process.exit(1));s.on('timeout',()=>process.exit(1))" "$1" 2>/dev/null; }
broker() { # name port package its-binary start-command...
  local name=$1 port=$2 package=$3 binary=$4; shift 4
  port_open "$port" && return 0
  say "$name does not answer on 127.0.0.1:$port; trying to start it"
  if ! [ -x "$binary" ]; then
    command -v apt-get >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$package" >/tmp/s3gate-apt.log 2>&1
  fi
  "$@" >/dev/null 2>&1 || true
  for _ in $(seq 1 30); do port_open "$port" && return 0; sleep 1; done
  say "$name is needed on 127.0.0.1:$port for the event-destination tests: start it ($*)"
  echo "0 passed, 1 failed"
  exit 1
}
broker RabbitMQ 5672 rabbitmq-server /usr/sbin/rabbitmq-server rabbitmq-server -detached
broker NATS 4222 nats-server /usr/sbin/nats-server start-stop-daemon --start --oknodo --background --exec /usr/sbin/nats-server -- -a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server -l /var/log/nats-server.log
broker Mosquitto 1883 mosquitto /usr/sbin/mosquitto mosquitto -d -c /etc/mosquitto/mosquitto.conf

# Real S3 clients the S3-door tests drive: Debian's AWS CLI v2, boto3, rclone and s3cmd.
missing=()
[ -x /usr/bin/aws ] || missing+=(awscli)
/usr/bin/python3 -c 'import boto3' 2>/dev/null || missing+=(python3-boto3)
command -v rclone >/dev/null 2>&1 || missing+=(rclone)
command -v s3cmd >/dev/null 2>&1 || missing+=(s3cmd)
# Ceph's s3-tests (test/conformance) run on Debian's Python with these.
/usr/bin/python3 -c 'import boto3, munch, gevent, isodate, requests, pytz, httplib2, lxml, pytest, pytest_timeout, yaml' 2>/dev/null \
  || missing+=(python3-munch python3-gevent python3-isodate python3-requests python3-tz python3-httplib2 python3-lxml python3-pytest python3-pytest-timeout python3-yaml)
# Debian's Chromium for the browser test (Uppy uploading through tus), driven by playwright-core.
[ -x /usr/bin/chromium ] || missing+=(chromium)
if [ ${#missing[@]} -gt 0 ]; then
  say "installing the clients the tests use: ${missing[*]} (apt-get)"
  if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >/tmp/s3gate-apt.log 2>&1; then
    apt-get update -q >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >/tmp/s3gate-apt.log 2>&1 \
      || { say "could not install ${missing[*]} (see /tmp/s3gate-apt.log); the S3-door and browser tests need them: apt-get install ${missing[*]}"; echo "0 passed, 1 failed"; exit 1; }
  fi
fi

failed=0
say "type check (tsc --noEmit, the gateway and the console)"
if ! npx tsc --noEmit -p tsconfig.json || ! npx tsc -p console/tsconfig.json; then
  say "type check failed"
  failed=1
fi

say "lint and format (biome ci, the rules of biome.json; npx biome check --write fixes most of what it finds)"
if ! npx biome ci --colors=off >&2; then
  say "lint or format check failed"
  failed=1
fi

log=$(mktemp)
trap 'rm -f "$log"' EXIT
npx tap --reporter=tap "$@" 2>&1 | tee "$log"
tap_status=${PIPESTATUS[0]}

summary=$(grep -E '^# \{ total: [0-9]+' "$log" | tail -1)
pass=$(sed -nE 's/.*pass: ([0-9]+).*/\1/p' <<<"$summary")
fail=$(sed -nE 's/.*fail: ([0-9]+).*/\1/p' <<<"$summary")
pass=${pass:-0}
fail=${fail:-0}
if [ "$tap_status" != 0 ] && [ "$fail" = 0 ]; then fail=1; fi
fail=$((fail + failed))
echo "$pass passed, $fail failed"
[ "$fail" = 0 ] && [ "$pass" -gt 0 ]
