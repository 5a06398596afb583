#!/usr/bin/env bash
# Starts (idempotently) a throwaway single-node Ceph RADOS Gateway on 127.0.0.1 for tests and benchmarks.
# Usage: scripts/rgw.sh start | restart | stop | status | user UID ACCESS_KEY SECRET_KEY
# Env: S3GATE_RGW_DIR (scratch dir, default /tmp/s3gate-rgw), S3GATE_RGW_PORT (default 7480).
# One monitor, one memstore OSD and radosgw, started directly as root (no systemd, no ceph-mgr); the
# comments in write_conf say why each setting is there. Data lives in the OSD's RAM (at most 8 GiB) and does not survive a stop;
# deleted data is freed by RGW's garbage collector after about 5 s.
set -euo pipefail

DIR=${S3GATE_RGW_DIR:-/tmp/s3gate-rgw}
PORT=${S3GATE_RGW_PORT:-7480}
MON_PORT=${S3GATE_RGW_MON_PORT:-3300}
CONF="$DIR/ceph.conf"
ENDPOINT="http://127.0.0.1:$PORT"

die() { echo "rgw.sh: $*" >&2; exit 1; }

healthy() { curl -s --max-time 2 "$ENDPOINT/" 2>/dev/null | grep -q ListAllMyBucketsResult; }

# A pid file names a live daemon of ours only if that pid runs a Ceph daemon on our config: after a
# restart the pid may belong to another process, which must not be signalled.
alive() {
  [ -f "$1" ] || return 1
  local pid
  pid=$(cat "$1")
  kill -0 "$pid" 2>/dev/null && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q -- "$CONF"
}

port_taken() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

install_if_missing() {
  if command -v radosgw >/dev/null && command -v ceph-mon >/dev/null && command -v ceph-osd >/dev/null \
    && command -v radosgw-admin >/dev/null && command -v curl >/dev/null; then
    return
  fi
  [ "$(id -u)" = 0 ] || die "Ceph RGW is not installed and installing it needs root: apt-get install radosgw ceph-mon ceph-osd ceph-common curl"
  echo "rgw.sh: installing Ceph RGW from Debian packages (once, about 20 s)..." >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null || die "apt-get update failed: is the Debian mirror reachable?"
  apt-get install -y -qq --no-install-recommends radosgw ceph-mon ceph-osd ceph-common curl >/dev/null \
    || die "apt-get install radosgw ceph-mon ceph-osd ceph-common curl failed"
}

stop() {
  for d in radosgw osd mon; do
    if alive "$DIR/$d.pid"; then kill "$(cat "$DIR/$d.pid")" 2>/dev/null || true; fi
  done
  for _ in $(seq 1 50); do
    if ! alive "$DIR/radosgw.pid" && ! alive "$DIR/osd.pid" && ! alive "$DIR/mon.pid"; then break; fi
    sleep 0.1
  done
  for d in radosgw osd mon; do
    if alive "$DIR/$d.pid"; then kill -9 "$(cat "$DIR/$d.pid")" 2>/dev/null || true; fi
  done
}

write_conf() {
  cat >"$CONF" <<EOF
[global]
fsid = $1
mon_host = v2:127.0.0.1:$MON_PORT
# No cephx on a throwaway loopback cluster; then every messenger mode must be crc, since radosgw's
# default 'secure' loops forever on 'get_initial_auth_request returned -13' without auth.
auth_cluster_required = none
auth_service_required = none
auth_client_required = none
ms_mon_client_mode = crc
ms_client_mode = crc
ms_mon_cluster_mode = crc
ms_mon_service_mode = crc
ms_cluster_mode = crc
ms_service_mode = crc
ms_bind_msgr1 = false
ms_bind_msgr2 = true
# Loopback only (without cluster_addr the OSD listens on 0.0.0.0).
public_addr = 127.0.0.1
cluster_addr = 127.0.0.1
# Objects live in the OSD's RAM: one OSD, one replica, no placement-group autoscaling.
osd_objectstore = memstore
memstore_device_bytes = 8589934592
osd_pool_default_size = 1
osd_pool_default_min_size = 1
mon_allow_pool_size_one = true
osd_crush_chooseleaf_type = 0
osd_pool_default_pg_num = 8
osd_pool_default_pgp_num = 8
osd_pool_default_pg_autoscale_mode = off
# radosgw creates its pools one by one at first start: 11.8 s with the default paxos timing, 1.1 s here.
paxos_propose_interval = 0.05
paxos_min_wait = 0.01
run_dir = $DIR/run
admin_socket = $DIR/run/\$name.asok
log_file = $DIR/log/\$name.log
mon_data = $DIR/mon/\$name
osd_data = $DIR/osd/\$name
[mon.a]
pid_file = $DIR/mon.pid
[osd.0]
pid_file = $DIR/osd.pid
[client.rgw.a]
pid_file = $DIR/radosgw.pid
# Without tcp_nodelay every small GET takes a flat 44 ms (Nagle).
rgw_frontends = beast endpoint=127.0.0.1:$PORT tcp_nodelay=1
# Deleted data waits 2 h for garbage collection by default: RAM, with memstore.
rgw_gc_obj_min_wait = 5
rgw_gc_processor_period = 5
# STS (AssumeRole) for temporary-credential tests; the key must be exactly 16 characters.
rgw_s3_auth_use_sts = true
rgw_sts_key = s3gatetestsecret
EOF
}

start() {
  if healthy; then echo "$ENDPOINT"; return; fi
  install_if_missing
  stop
  for p in "$PORT" "$MON_PORT"; do
    port_taken "$p" && die "port 127.0.0.1:$p is taken by another process (not this RGW); free it or set S3GATE_RGW_PORT / S3GATE_RGW_MON_PORT"
  done
  rm -rf "$DIR"
  mkdir -p "$DIR/run" "$DIR/log" "$DIR/mon/mon.a" "$DIR/osd/osd.0"
  local fsid uuid
  fsid=$(cat /proc/sys/kernel/random/uuid)
  uuid=$(cat /proc/sys/kernel/random/uuid)
  write_conf "$fsid"
  monmaptool --create --fsid "$fsid" --addv a "[v2:127.0.0.1:$MON_PORT]" "$DIR/monmap" >/dev/null
  ceph-mon -c "$CONF" -i a --mkfs --monmap "$DIR/monmap" >/dev/null 2>&1 || die "ceph-mon --mkfs failed (see $DIR/log)"
  ceph-mon -c "$CONF" -i a || die "ceph-mon did not start (see $DIR/log/mon.a.log)"
  local id
  id=$(timeout 30 ceph -c "$CONF" osd new "$uuid" 2>/dev/null) || die "the monitor did not answer 'osd new' within 30 s (see $DIR/log/mon.a.log)"
  ceph-osd -c "$CONF" -i "$id" --mkfs --osd-uuid "$uuid" >/dev/null 2>&1 || die "ceph-osd --mkfs failed (see $DIR/log)"
  ceph-osd -c "$CONF" -i "$id" >/dev/null 2>&1 || die "ceph-osd did not start (see $DIR/log/osd.0.log)"
  setsid radosgw -c "$CONF" -n client.rgw.a -f >"$DIR/log/radosgw.out" 2>&1 < /dev/null &
  echo $! >"$DIR/radosgw.pid"
  for _ in $(seq 1 600); do
    if healthy; then echo "$ENDPOINT"; return; fi
    alive "$DIR/radosgw.pid" || die "radosgw exited during start-up (see $DIR/log/radosgw.out and $DIR/log/client.rgw.a.log)"
    sleep 0.1
  done
  die "radosgw did not answer on $ENDPOINT within 60 s (see $DIR/log)"
}

user() {
  local uid=$1 ak=$2 sk=$3
  if radosgw-admin -c "$CONF" user info --uid="$uid" >/dev/null 2>&1; then return; fi
  radosgw-admin -c "$CONF" user create --uid="$uid" --display-name="$uid" --access-key="$ak" --secret-key="$sk" >/dev/null \
    || die "radosgw-admin user create $uid failed"
  radosgw-admin -c "$CONF" caps add --uid="$uid" --caps="roles=*" >/dev/null 2>&1 || true
}

case "${1:-start}" in
  start) start ;;
  restart) stop; start ;;
  stop) stop; echo "rgw.sh: stopped" ;;
  status) if healthy; then echo "up $ENDPOINT"; else echo "down"; exit 1; fi ;;
  user) shift; [ $# = 3 ] || die "usage: rgw.sh user UID ACCESS_KEY SECRET_KEY"; user "$@" ;;
  *) die "usage: rgw.sh start|restart|stop|status|user UID ACCESS_KEY SECRET_KEY" ;;
esac
