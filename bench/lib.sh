# bench/lib.sh — sourced by bench/run: the throwaway PostgreSQL cluster, the API and peer processes, and one
# bounded wrk measurement appended to $OUT/results.tsv. Every server listens on 127.0.0.1 only.

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
log() { printf '%s %s\n' "$(date +%T)" "$*" | tee -a "$OUT/progress.log" >&2; }

# ---- PostgreSQL 15: initdb in $PGROOT, run as the postgres OS user when we are root (it refuses uid 0) ----
if [ "$(id -u)" -eq 0 ]; then as_pg() { runuser -u "${PG_RUN_AS:-postgres}" -- "$@"; }; else as_pg() { "$@"; }; fi
PSQL=(psql_ -X -q -v ON_ERROR_STOP=1)
psql_() { "$PG_BIN/psql" -h "$PGROOT/sock" -p "$DB_PORT" -U postgres -d observatoire "$@"; }

pg_start() {
  mkdir -p "$PGROOT/sock"
  [ "$(id -u)" -eq 0 ] && chown -R "${PG_RUN_AS:-postgres}": "$PGROOT"
  local pw; pw=$(mktemp "$PGROOT/pw.XXXXXX"); echo postgres > "$pw"; [ "$(id -u)" -eq 0 ] && chown "${PG_RUN_AS:-postgres}": "$pw"
  as_pg "$PG_BIN/initdb" -D "$PGROOT/data" -U postgres -E UTF8 --locale=C.UTF-8 --auth-local=trust \
    --auth-host=scram-sha-256 --pwfile="$pw" >"$PGROOT/initdb.log" || return 1
  rm -f "$pw"
  cat >>"$PGROOT/data/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
port = $DB_PORT
unix_socket_directories = '$PGROOT/sock'
max_connections = 300
shared_buffers = 256MB
fsync = off
synchronous_commit = off
full_page_writes = off
log_line_prefix = '%m [%p] %a| '
EOF
  as_pg "$PG_BIN/pg_ctl" -D "$PGROOT/data" -l "$PGROOT/pg.log" -w -t 60 start >/dev/null || return 1
  "$PG_BIN/createdb" -h "$PGROOT/sock" -p "$DB_PORT" -U postgres observatoire
}
pg_stop() { [ -f "$PGROOT/data/postmaster.pid" ] && as_pg "$PG_BIN/pg_ctl" -D "$PGROOT/data" -m fast -w stop >/dev/null; }

# ---- the API (published Release) and the peer; pids in $WORK/<name>.pid ----
# api_start NAME PORT [VAR=value ...]: waits for /health/ready (the first start migrates and seeds). The load comes
# from one address, so the per-client rate limits are off: they would answer 429 to the measurement itself.
api_start() {
  local name=$1 port=$2; shift 2
  ( cd "$WORK/app" && exec env DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 ASPNETCORE_ENVIRONMENT=Production \
      ConnectionStrings__Observatoire="Host=127.0.0.1;Port=$DB_PORT;Username=postgres;Password=postgres;Database=observatoire" \
      Auth__BootstrapKey=bench-key-0123456789abcdef0123456789abcdef RateLimits__Enabled=false "$@" \
      dotnet Observatoire.Api.dll --urls "http://127.0.0.1:$port" ) >"$WORK/$name.log" 2>&1 &
  echo $! >"$WORK/$name.pid"
  wait_up "$name" "http://127.0.0.1:$port/health/ready" 600
}
peer_start() {
  local mode=$1
  cp "$HERE/peer/platformatic.json" "$HERE/peer/watt-db.json" "$HERE/peer/server.mjs" "$PEER_DIR/"
  ( cd "$PEER_DIR" && export NODE_ENV=production PLT_HOST=127.0.0.1 PLT_PORT=$PEER_PORT PLT_POOL_SIZE=16 PLT_WORKERS=2 \
      PLT_DATABASE_URL="postgres://postgres:postgres@127.0.0.1:$DB_PORT/observatoire"
    if [ "$mode" = watt ]; then exec ./node node_modules/wattpm/bin/cli.js start -c watt-db.json
    else exec ./node server.mjs; fi ) >"$WORK/peer.log" 2>&1 &
  echo $! >"$WORK/peer.pid"
  wait_up peer "http://127.0.0.1:$PEER_PORT/documentation/json" 240
}
wait_up() {
  local name=$1 url=$2 tries=$3 pid; pid=$(cat "$WORK/$name.pid")
  for _ in $(seq 1 "$tries"); do
    curl -fs -m 2 -o /dev/null "$url" && return 0
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.25
  done
  echo "$name did not start; its log:" >&2; tail -20 "$WORK/$name.log" >&2; return 1
}
stop_pid() {  # stop_pid NAME: SIGTERM to the pid we recorded, then SIGKILL after 10 s
  local f="$WORK/$1.pid" pid; [ -f "$f" ] || return 0; pid=$(cat "$f")
  kill "$pid" 2>/dev/null && for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
  kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null
  rm -f "$f"
}
pid_of() { case $1 in ours) cat "$WORK/api.pid" ;; uncached) cat "$WORK/api-uncached.pid" ;; peer) cat "$WORK/peer.pid" ;; esac; }
url_of() { case $1 in ours) echo "$API" ;; uncached) echo "$API_UNCACHED" ;; peer) echo "$PEER" ;; esac; }

# ---- CPU used meanwhile, in % of one core, by a process and by PostgreSQL (postmaster and its children) ----
ticks() { local t=0 p v; for p in "$@"; do v=$(awk '{print $14+$15+$16+$17}' "/proc/$p/stat" 2>/dev/null); t=$((t + ${v:-0})); done; echo $t; }
pg_ticks() { local pm; pm=$(head -1 "$PGROOT/data/postmaster.pid"); echo $(( $(ticks "$pm") + $(ticks $(pgrep -P "$pm")) )); }
to_ms() { awk '{v=$1; if (v ~ /us$/) {sub(/us/,"",v); v=v/1000} else if (v ~ /ms$/) {sub(/ms/,"",v)} else if (v ~ /s$/) {sub(/s/,"",v); v=v*1000}; printf "%.3f", v}' <<<"$1"; }
to_mb() { awk '{v=$1; m=1/1048576; if (v ~ /KB$/) m=1/1024; else if (v ~ /MB$/) m=1; else if (v ~ /GB$/) m=1024; sub(/[KMG]?B$/,"",v); printf "%.2f", v*m}' <<<"$1"; }

# wrk_args TARGET SPEC -> the wrk arguments for one target. SPEC is "path" (same URL each time) or
# "@ids:FILE:PREFIX" (a random id from FILE after PREFIX, by random-id.lua). WRK_HEADER adds one header.
wrk_url() { case $2 in @ids:*) url_of "$1" ;; *) echo "$(url_of "$1")$2" ;; esac; }
wrk_env() { case $1 in @ids:*) local r=${1#@ids:}; echo "ID_FILE=${r%%:*} ID_PREFIX=${r#*:}" ;; *) echo "NONE=" ;; esac; }
wrk_lua() { case $1 in @ids:*) echo "-s $HERE/random-id.lua" ;; esac; }

warm() {  # warm TARGET SPEC
  # shellcheck disable=SC2046
  env $(wrk_env "$2") timeout $((WARMUP + 30)) wrk -t2 -c32 -d"${WARMUP}s" ${WRK_HEADER:+-H "$WRK_HEADER"} $(wrk_lua "$2") "$(wrk_url "$1" "$2")" >/dev/null 2>&1
}
# measure SECTION TEST TARGET CONC RUN SPEC [DUR]: one wrk run, one line in results.tsv.
measure() {
  local section=$1 test=$2 target=$3 conc=$4 run=$5 spec=$6 dur=${7:-$DUR}
  local f="$OUT/raw/${test}_${target}_c${conc}_r${run}.txt" spid s0 p0 t0 el
  spid=$(pid_of "$target"); s0=$(ticks "$spid"); p0=$(pg_ticks); t0=$(date +%s.%N)
  # shellcheck disable=SC2046
  env $(wrk_env "$spec") timeout $((dur + 30)) wrk -t2 -c"$conc" -d"${dur}s" --timeout 10s --latency ${WRK_HEADER:+-H "$WRK_HEADER"} \
    $(wrk_lua "$spec") "$(wrk_url "$target" "$spec")" >"$f" 2>&1
  el=$(echo "$(date +%s.%N) - $t0" | bc)
  local rps p50 p99 bad serr mbs scpu pcpu
  rps=$(awk '/Requests\/sec/{print $2}' "$f"); mbs=$(to_mb "$(awk '/Transfer\/sec/{print $2}' "$f")")
  p50=$(to_ms "$(awk '$1=="50%"{print $2}' "$f")"); p99=$(to_ms "$(awk '$1=="99%"{print $2}' "$f")")
  bad=$(awk '/Non-2xx/{print $NF}' "$f"); serr=$(awk -F'[ ,]+' '/Socket errors/{print $4+$6+$8+$10}' "$f")
  scpu=$(echo "scale=0; ($(ticks "$spid") - $s0) * 100 / $TCK / $el" | bc); pcpu=$(echo "scale=0; ($(pg_ticks) - $p0) * 100 / $TCK / $el" | bc)
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$section" "$test" "$target" "$conc" "$run" "${rps:-0}" \
    "$p50" "$p99" "${bad:-0}" "${serr:-0}" "$mbs" "$scpu" "$pcpu" >>"$OUT/results.tsv"
  log "  $test $target c$conc run $run: ${rps:-0} req/s, p99 $p99 ms"
}
# cell SECTION TEST "CONCS" TARGET=SPEC ...: warm every target, then RUNS rounds, targets interleaved in each.
cell() {
  local section=$1 test=$2 concs=$3 t c r; shift 3
  for t in "$@"; do warm "${t%%=*}" "${t#*=}"; done
  for c in $concs; do for r in $(seq 1 "$RUNS"); do
    for t in "$@"; do measure "$section" "$test" "${t%%=*}" "$c" "$r" "${t#*=}"; done
  done; done
}
