#!/usr/bin/env bash
# Runs the same producer and consumer scenarios against Apache Kafka 4.x and against Runnel on
# this machine, one system at a time, each as a single-node broker on loopback (scenarios a-f) or
# as a 3-broker cluster on loopback (g-h, --cluster), and prints a side-by-side table. See
# docs/performance.md, "Side by side with Apache Kafka" and "Three brokers, replication factor 3".
#
# Run "runtime/benchmarks/compare-with-kafka.sh --help" for the options.
set -euo pipefail
unset CDPATH

script_dir="$(cd -P "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo_root="$(cd "$script_dir/../.." && pwd)"
kafka_pom="$script_dir/kafka/pom.xml"
kafka_target="$script_dir/kafka/target"

usage() {
  cat <<'EOF'
Usage: runtime/benchmarks/compare-with-kafka.sh [options]

Starts a single-node broker of each system in turn (Apache Kafka 4.x in KRaft mode; Runnel with
one ZooKeeper), each with its data in a fresh temporary folder and listening on free loopback
ports, and runs each system's producer and consumer perf tools on one-partition topics:

  a  produce 100-byte records            acks=1 batch.size=65536 linger.ms=5, --throughput -1
  b  produce 1 KB records                (same)
  c  produce ~1 KB JSON-like text        (same) + compression.type=lz4, --payload-file
  d  produce ~1 KB JSON-like text        (same) + compression.type=zstd, --payload-file
  e  consume everything scenario b wrote (consumer perf tool, --messages N)
  f  produce 1 KB records at a fixed --throughput 50000, for the latency percentiles

and, with --cluster (or --scenarios g,h), against a 3-broker cluster of each system (Kafka: 3 KRaft
nodes, each a combined broker+controller with its own ports and data folder, a static
controller.quorum.voters; Runnel: one ZooKeeper and 3 brokers), on a topic of 3 partitions with
replication factor 3 and min.insync.replicas=2:

  g  produce 1 KB records   acks=all batch.size=65536 linger.ms=5, --throughput -1
  h  produce 1 KB records   (same) at a fixed --throughput 5000, for the latency percentiles

Kafka's jars come from Maven Central through runtime/benchmarks/kafka/pom.xml into
runtime/benchmarks/kafka/target/ (git-ignored). Runnel is the distribution in
distribution/target/runnel-<version>/, built with "mvn -q package -DskipTests" if missing.
Both run on the same java (JAVA_HOME, else java on the PATH).

Options:
  --system kafka|runnel|both   which system(s) to measure (default: both)
  --scenarios LIST             comma-separated subset of a-h (default: a-f; e needs b)
  --cluster                    the 3-broker scenarios: the same as --scenarios g,h
  --cluster-partitions N       partitions of the topics of g and h (default: 3)
  --scale FACTOR               multiply every record count by FACTOR, e.g. 0.1 for a quick
                               smoke run (default: 1, about 15-25 s per scenario here)
  --kafka-version VERSION      Kafka version to download (default: the pom's kafka.version)
  --runnel-home DIR            an unpacked Runnel distribution (default:
                               distribution/target/runnel-<version>/, built if missing)
  --work-dir DIR               parent of the temporary data folders (default: $TMPDIR or /tmp)
  --keep                       keep the temporary data folders and logs of the brokers
  --wait-idle SECONDS          before each scenario, wait up to SECONDS for the rest of the
                               machine to use less than 25% of its CPU (default: 120; 0: don't)
  -h, --help                   show this help

Memory: each of Kafka's brokers runs with kafka-server-start.sh's default heap (-Xmx1G -Xms1G) and
kafka-run-class.sh's default JVM flags; its perf tools with -Xmx512M, as
kafka-producer-perf-test.sh and kafka-consumer-perf-test.sh set. Runnel's broker and tools get
the same heap and flags, unless RUNNEL_HEAP_OPTS / RUNNEL_JVM_OPTS are set. ZooKeeper, which only
Runnel needs, runs with bin/runnel's default for it.

Other work on the machine skews the figures: the note of each result gives the share of the
machine's CPU that processes other than this script's used (or the hypervisor stole) meanwhile.
Kernel threads working for the brokers (page-cache writeback, for one) count as others too.

Each run keeps the tools' output and a summary.tsv under
runtime/benchmarks/kafka/target/results/<date>-<time>/.
EOF
}

die() { echo "compare-with-kafka: $*" >&2; exit 1; }
log() { echo "==> $*" >&2; }

system=both
scenarios="a,b,c,d,e,f"
cluster_partitions=3
scale=1
kafka_version=""
runnel_home=""
work_parent="${TMPDIR:-/tmp}"
keep=false
wait_idle=120

while [ $# -gt 0 ]; do
  case "$1" in
    --system) system="${2:?--system needs kafka, runnel or both}"; shift 2 ;;
    --system=*) system="${1#*=}"; shift ;;
    --scenarios) scenarios="${2:?--scenarios needs a list}"; shift 2 ;;
    --scenarios=*) scenarios="${1#*=}"; shift ;;
    --cluster) scenarios="g,h"; shift ;;
    --cluster-partitions) cluster_partitions="${2:?--cluster-partitions needs a number}"; shift 2 ;;
    --cluster-partitions=*) cluster_partitions="${1#*=}"; shift ;;
    --scale) scale="${2:?--scale needs a number}"; shift 2 ;;
    --scale=*) scale="${1#*=}"; shift ;;
    --kafka-version) kafka_version="${2:?--kafka-version needs a version}"; shift 2 ;;
    --kafka-version=*) kafka_version="${1#*=}"; shift ;;
    --runnel-home) runnel_home="${2:?--runnel-home needs a folder}"; shift 2 ;;
    --runnel-home=*) runnel_home="${1#*=}"; shift ;;
    --work-dir) work_parent="${2:?--work-dir needs a folder}"; shift 2 ;;
    --work-dir=*) work_parent="${1#*=}"; shift ;;
    --keep) keep=true; shift ;;
    --wait-idle) wait_idle="${2:?--wait-idle needs seconds}"; shift 2 ;;
    --wait-idle=*) wait_idle="${1#*=}"; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "compare-with-kafka: unknown argument '$1' (try --help)" >&2; exit 2 ;;
  esac
done

case "$system" in
  kafka) systems=(kafka) ;;
  runnel) systems=(runnel) ;;
  both) systems=(kafka runnel) ;;
  *) echo "compare-with-kafka: --system must be kafka, runnel or both, not '$system'" >&2; exit 2 ;;
esac
IFS=',' read -r -a scenario_list <<<"$scenarios"
for s in "${scenario_list[@]}"; do
  case "$s" in a|b|c|d|e|f|g|h) ;; *) echo "compare-with-kafka: unknown scenario '$s' (a-h)" >&2; exit 2 ;; esac
done
if ! awk -v s="$scale" 'BEGIN { exit !(s + 0 > 0) }'; then
  echo "compare-with-kafka: --scale must be a positive number, not '$scale'" >&2; exit 2
fi
[[ "$cluster_partitions" =~ ^[1-9][0-9]*$ ]] || { echo "compare-with-kafka: --cluster-partitions must be a positive number" >&2; exit 2; }
wants() { [[ ",$scenarios," == *",$1,"* ]]; }
if wants e && ! wants b; then
  echo "compare-with-kafka: scenario e consumes what scenario b wrote; add b to --scenarios" >&2; exit 2
fi

# ---------------------------------------------------------------------------------------------
# Scenario parameters. The counts give about 15-25 s per producer scenario on the 2-core
# development machine (docs/performance.md); scale them with --scale elsewhere.
# ---------------------------------------------------------------------------------------------
count() { awk -v n="$1" -v s="$scale" 'BEGIN { c = int(n * s); print (c < 1000 ? 1000 : c) }'; }
n_a=$(count 7000000)    # 100 B records
n_b=$(count 2000000)    # 1 KB records
n_c=$(count 2400000)    # JSON, lz4
n_d=$(count 2400000)    # JSON, zstd
n_f=$(count 1000000)    # 1 KB at 50,000 records/s: 20 s
n_g=$(count 1500000)    # 1 KB, acks=all, 3 brokers: 20-50 s
n_h=$(count 150000)     # 1 KB at 5,000 records/s, acks=all, 3 brokers: 30 s
fixed_rate=50000
cluster_fixed_rate=5000
producer_props=(acks=1 batch.size=65536 linger.ms=5)
cluster_producer_props=(acks=all batch.size=65536 linger.ms=5)

declare -A title=(
  [a]="a. produce 100 B"
  [b]="b. produce 1 KB"
  [c]="c. produce ~1 KB JSON, lz4"
  [d]="d. produce ~1 KB JSON, zstd"
  [e]="e. consume 1 KB (b's topic)"
  [f]="f. produce 1 KB at 50k/s"
  [g]="g. 3 brokers, acks=all 1 KB"
  [h]="h. 3 brokers, acks=all 5k/s"
)

# ---------------------------------------------------------------------------------------------
# Shared setup: java, results folder, temporary folder, payload file, clean-up.
# ---------------------------------------------------------------------------------------------
if [ -n "${JAVA_HOME:-}" ]; then java="$JAVA_HOME/bin/java"; else java="$(command -v java || true)"; fi
[ -n "$java" ] && [ -x "$java" ] || die "no java: install a JDK 17 or set JAVA_HOME"
java_version="$("$java" -version 2>&1 | head -n 1 || true)"

# The JVM flags of Kafka's bin/kafka-run-class.sh (KAFKA_JVM_PERFORMANCE_OPTS) and the heaps of
# kafka-server-start.sh and kafka-{producer,consumer}-perf-test.sh.
jvm_perf_opts=(-server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35
  -XX:+ExplicitGCInvokesConcurrent -Djava.awt.headless=true)
broker_heap=(-Xmx1G -Xms1G)
tool_heap=(-Xmx512M)

results_dir="$kafka_target/results/$(date +%Y%m%d-%H%M%S)"
mkdir -p "$results_dir"
mkdir -p "$work_parent"
work_dir="$(mktemp -d "$work_parent/compare-with-kafka.XXXXXX")"

started_pids=()
cleanup() {
  local status=$?
  trap - EXIT INT TERM
  stop_processes
  if [ "$keep" = true ]; then
    echo "compare-with-kafka: kept $work_dir" >&2
  else
    rm -rf "$work_dir"
  fi
  exit "$status"
}
# Stops the processes this script started, newest first: politely, then after 30 s for good.
stop_processes() {
  local i pid
  for ((i = ${#started_pids[@]} - 1; i >= 0; i--)); do
    pid="${started_pids[$i]}"
    if kill -0 "$pid" 2>/dev/null; then
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
      kill -9 "$pid" 2>/dev/null || true
      wait "$pid" 2>/dev/null || true
    fi
  done
  started_pids=()
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# A free TCP port on 127.0.0.1: one nothing answers on, from a range the kernel does not hand out
# for outgoing connections by default.
used_ports=" "
free_port() {
  local p
  for _ in $(seq 1 200); do
    p=$((20000 + RANDOM % 12000))
    [[ "$used_ports" == *" $p "* ]] && continue
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
      used_ports+="$p "
      echo "$p"
      return
    fi
  done
  die "found no free port on 127.0.0.1"
}
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# ~1 KB JSON-like lines with varied field values, the same bytes on every machine: a Park-Miller
# generator (exact in awk's doubles) instead of awk's own rand(), which differs between awks.
payload_file="$kafka_target/payload-json-1k.txt"
generate_payload() {
  awk -v lines=2000 '
    function rnd(n) { seed = (seed * 16807) % 2147483647; return seed % n }
    function pick(list,   a, k) { k = split(list, a, " "); return a[rnd(k) + 1] }
    function hex(len,   s, i) { s = ""; for (i = 0; i < len; i++) s = s substr("0123456789abcdef", rnd(16) + 1, 1); return s }
    function words(n,   s, i) { s = pick(W); for (i = 1; i < n; i++) s = s " " pick(W); return s }
    BEGIN {
      seed = 20261124
      W = "order payment shipped delayed customer refund invoice warehouse parcel returned " \
          "priority standard express window checkout basket coupon applied declined retry " \
          "address updated confirmed pending cancelled review rating support ticket closed"
      for (line = 0; line < lines; line++) {
        s = sprintf("{\"event_id\":\"%s-%s-%s\",\"ts\":\"2026-%02d-%02dT%02d:%02d:%02d.%03dZ\"", \
          hex(8), hex(4), hex(12), rnd(12) + 1, rnd(28) + 1, rnd(24), rnd(60), rnd(60), rnd(1000))
        s = s sprintf(",\"type\":\"%s\",\"source\":\"%s\",\"version\":%d", \
          pick("page_view add_to_cart purchase search login logout refund review"), \
          pick("web ios android api batch partner"), rnd(5) + 1)
        s = s sprintf(",\"user\":{\"id\":%d,\"name\":\"%s %s\",\"email\":\"%s%d@%s\",\"country\":\"%s\",\"tier\":\"%s\",\"age\":%d}", \
          rnd(10000000), pick("Ada Grace Alan Edsger Barbara Ken Dennis Margaret Linus Donald Frances John"), \
          pick("Lovelace Hopper Turing Dijkstra Liskov Thompson Ritchie Hamilton Torvalds Knuth Allen Backus"), \
          pick("user dev ops buyer"), rnd(100000), pick("example.com example.org example.net"), \
          pick("FR DE US GB JP BR IN NG CA AU ES IT NL SE PL"), pick("free basic gold platinum"), rnd(70) + 16)
        s = s sprintf(",\"device\":{\"os\":\"%s\",\"os_version\":\"%d.%d.%d\",\"model\":\"%s-%d\",\"screen\":\"%dx%d\",\"ip\":\"10.%d.%d.%d\"}", \
          pick("linux macos windows ios android"), rnd(20), rnd(10), rnd(100), pick("alpha beta gamma delta"), \
          rnd(1000), 320 + rnd(3500), 240 + rnd(2000), rnd(256), rnd(256), rnd(256))
        s = s sprintf(",\"page\":\"/%s/%s/%d\",\"referrer\":\"https://%s/%s?q=%s\",\"session\":\"%s\",\"latency_ms\":%d.%03d", \
          pick("shop cart account help blog search"), pick("item list detail edit new"), rnd(100000), \
          pick("search.example news.example social.example mail.example"), pick("a b c d e"), hex(10), hex(32), \
          rnd(2000), rnd(1000))
        s = s ",\"items\":["
        n = rnd(4) + 2
        for (i = 0; i < n; i++)
          s = s sprintf("%s{\"sku\":\"SKU-%06d\",\"qty\":%d,\"price\":%d.%02d,\"currency\":\"%s\",\"tags\":[\"%s\",\"%s\"]}", \
            (i ? "," : ""), rnd(1000000), rnd(9) + 1, rnd(500), rnd(100), pick("EUR USD GBP JPY"), pick(W), pick(W))
        s = s "]"
        s = s sprintf(",\"flags\":{\"gift\":%s,\"first_order\":%s,\"newsletter\":%s}", \
          pick("true false"), pick("true false"), pick("true false"))
        # Pad with a free-text note to between 1000 and 1050 bytes.
        target = 1000 + rnd(50)
        note = words(3)
        while (length(s) + length(note) + 14 < target) note = note " " pick(W)
        note = substr(note, 1, target - length(s) - 12)
        print s ",\"note\":\"" note "\"}"
      }
    }' >"$payload_file.tmp"
  mv "$payload_file.tmp" "$payload_file"
}

# ---------------------------------------------------------------------------------------------
# Apache Kafka: download, format, start, topic, tools.
# ---------------------------------------------------------------------------------------------
kafka_libs=""
kafka_pid=""
kafka_bootstrap=""
kafka_tools_log4j=""

kafka_prepare() {
  if [ -z "$kafka_version" ]; then
    kafka_version="$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$kafka_pom" | head -n 1)"
  fi
  [ -n "$kafka_version" ] || die "cannot read kafka.version from $kafka_pom"
  kafka_libs="$kafka_target/kafka-$kafka_version/libs"
  if [ ! -f "$kafka_libs/kafka_2.13-$kafka_version.jar" ] || [ ! -f "$kafka_libs/kafka-tools-$kafka_version.jar" ]; then
    log "downloading Apache Kafka $kafka_version from Maven Central into $kafka_libs"
    rm -rf "$kafka_libs"
    mvn -q -B -f "$kafka_pom" dependency:copy-dependencies \
      -Dkafka.version="$kafka_version" -DoutputDirectory="$kafka_libs" -DincludeScope=runtime
  fi
  [ -f "$kafka_libs/kafka_2.13-$kafka_version.jar" ] || die "Kafka $kafka_version was not downloaded into $kafka_libs"

  # Logging as Kafka's config/log4j2.yaml (the broker's INFO log to a file) and
  # config/tools-log4j2.yaml (warnings to stderr) do it.
  cat >"$work_dir/kafka-log4j2.properties" <<EOF
status = warn
appender.file.type = File
appender.file.name = FILE
appender.file.fileName = $work_dir/kafka-logs-app/server.log
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.file.ref = FILE
EOF
  kafka_tools_log4j="$work_dir/kafka-tools-log4j2.properties"
  cat >"$kafka_tools_log4j" <<'EOF'
status = warn
appender.stderr.type = Console
appender.stderr.name = STDERR
appender.stderr.target = SYSTEM_ERR
appender.stderr.layout.type = PatternLayout
appender.stderr.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = WARN
rootLogger.appenderRef.stderr.ref = STDERR
EOF
}

# The settings of Kafka 4.x's config/server.properties other than the node, listeners, quorum and
# log.dirs.
kafka_shipped_settings() {
  cat <<'EOF'
controller.listener.names=CONTROLLER
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL
num.network.threads=3
num.io.threads=8
socket.send.buffer.bytes=102400
socket.receive.buffer.bytes=102400
socket.request.max.bytes=104857600
num.partitions=1
num.recovery.threads.per.data.dir=1
offsets.topic.replication.factor=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
log.retention.hours=168
log.segment.bytes=1073741824
log.retention.check.interval.ms=300000
EOF
}

kafka_java() {
  "$java" "$@"
}

kafka_start() {
  local dir="$work_dir/kafka" port cport config cluster_id
  mkdir -p "$dir/data" "$work_dir/kafka-logs-app"
  port=$(free_port)
  cport=$(free_port)
  kafka_bootstrap="127.0.0.1:$port"
  config="$dir/server.properties"
  # The settings of Kafka 4.x's config/server.properties (one combined broker and controller),
  # with the listeners moved to free loopback ports and the log in the temporary folder. All other
  # settings are the broker's defaults.
  cat >"$config" <<EOF
process.roles=broker,controller
node.id=1
controller.quorum.bootstrap.servers=127.0.0.1:$cport
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$cport
inter.broker.listener.name=PLAINTEXT
advertised.listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$cport
log.dirs=$dir/data
EOF
  kafka_shipped_settings >>"$config"
  # kafka-storage.sh random-uuid / format --standalone: in 4.x still the Scala kafka.tools.StorageTool.
  cluster_id="$(kafka_java -Dlog4j2.configurationFile="$kafka_tools_log4j" -cp "$kafka_libs/*" \
    kafka.tools.StorageTool random-uuid)"
  log "kafka: formatting $dir/data (cluster $cluster_id, standalone KRaft controller)"
  kafka_java -Dlog4j2.configurationFile="$kafka_tools_log4j" -cp "$kafka_libs/*" \
    kafka.tools.StorageTool format --standalone -t "$cluster_id" -c "$config" >"$dir/format.out" 2>&1 \
    || { cat "$dir/format.out" >&2; die "kafka: formatting the storage failed"; }

  log "kafka: starting the broker on $kafka_bootstrap (controller on 127.0.0.1:$cport)"
  # "$java" itself, not the kafka_java function: a function run with & is a subshell, and $! would be
  # its pid, so the broker's CPU would count as other processes' and stopping it would orphan it.
  "$java" "${broker_heap[@]}" "${jvm_perf_opts[@]}" \
    -Dlog4j2.configurationFile="$work_dir/kafka-log4j2.properties" -Dkafka.logs.dir="$work_dir/kafka-logs-app" \
    -cp "$kafka_libs/*" kafka.Kafka "$config" >"$dir/broker.out" 2>&1 &
  kafka_pid=$!
  started_pids+=("$kafka_pid")
  local deadline=$((SECONDS + 120))
  until port_open "$port" && grep -q "Kafka Server started" "$work_dir/kafka-logs-app/server.log" 2>/dev/null; do
    if ! kill -0 "$kafka_pid" 2>/dev/null; then
      tail -n 40 "$dir/broker.out" "$work_dir/kafka-logs-app/server.log" >&2 2>/dev/null || true
      die "kafka: the broker exited while starting"
    fi
    [ $SECONDS -lt $deadline ] || die "kafka: the broker did not start within 120 s"
    sleep 0.5
  done
  log "kafka: broker up (pid $kafka_pid)"
}

# Three KRaft nodes, each a combined broker+controller as in Kafka's config/server.properties, with
# its own ports and data folder and a static quorum of the three (controller.quorum.voters).
kafka_start_cluster() {
  local i ports=() cports=() voters="" cluster_id dir config deadline
  mkdir -p "$work_dir/kafka-logs-app"
  for i in 1 2 3; do ports[$i]=$(free_port); cports[$i]=$(free_port); done
  voters="1@127.0.0.1:${cports[1]},2@127.0.0.1:${cports[2]},3@127.0.0.1:${cports[3]}"
  kafka_bootstrap="127.0.0.1:${ports[1]},127.0.0.1:${ports[2]},127.0.0.1:${ports[3]}"
  cluster_id="$(kafka_java -Dlog4j2.configurationFile="$kafka_tools_log4j" -cp "$kafka_libs/*" \
    kafka.tools.StorageTool random-uuid)"
  kafka_pids=()
  for i in 1 2 3; do
    dir="$work_dir/kafka-$i"
    mkdir -p "$dir/data" "$work_dir/kafka-logs-app/node-$i"
    config="$dir/server.properties"
    cat >"$config" <<EOF
process.roles=broker,controller
node.id=$i
controller.quorum.voters=$voters
listeners=PLAINTEXT://127.0.0.1:${ports[$i]},CONTROLLER://127.0.0.1:${cports[$i]}
inter.broker.listener.name=PLAINTEXT
advertised.listeners=PLAINTEXT://127.0.0.1:${ports[$i]},CONTROLLER://127.0.0.1:${cports[$i]}
log.dirs=$dir/data
EOF
    kafka_shipped_settings >>"$config"
    kafka_java -Dlog4j2.configurationFile="$kafka_tools_log4j" -cp "$kafka_libs/*" \
      kafka.tools.StorageTool format -t "$cluster_id" -c "$config" >"$dir/format.out" 2>&1 \
      || { cat "$dir/format.out" >&2; die "kafka: formatting the storage of node $i failed"; }
    sed "s:$work_dir/kafka-logs-app/server.log:$work_dir/kafka-logs-app/node-$i/server.log:" \
      "$work_dir/kafka-log4j2.properties" >"$dir/log4j2.properties"
  done
  log "kafka: starting 3 nodes on $kafka_bootstrap (cluster $cluster_id, quorum $voters)"
  for i in 1 2 3; do
    dir="$work_dir/kafka-$i"
    "$java" "${broker_heap[@]}" "${jvm_perf_opts[@]}" \
      -Dlog4j2.configurationFile="$dir/log4j2.properties" -Dkafka.logs.dir="$work_dir/kafka-logs-app/node-$i" \
      -cp "$kafka_libs/*" kafka.Kafka "$dir/server.properties" >"$dir/broker.out" 2>&1 &
    kafka_pids+=("$!")
    started_pids+=("$!")
  done
  deadline=$((SECONDS + 180))
  for i in 1 2 3; do
    until port_open "${ports[$i]}" && grep -q "Kafka Server started" "$work_dir/kafka-logs-app/node-$i/server.log" 2>/dev/null; do
      if ! kill -0 "${kafka_pids[$((i - 1))]}" 2>/dev/null; then
        tail -n 40 "$work_dir/kafka-$i/broker.out" "$work_dir/kafka-logs-app/node-$i/server.log" >&2 2>/dev/null || true
        die "kafka: node $i exited while starting"
      fi
      [ $SECONDS -lt $deadline ] || die "kafka: node $i did not start within 180 s"
      sleep 0.5
    done
  done
  log "kafka: 3 nodes up (pids ${kafka_pids[*]})"
}

# kafka_create_topic TOPIC [PARTITIONS REPLICATION-FACTOR [KEY=VALUE...]]
kafka_create_topic() {
  local topic="$1" partitions="${2:-1}" rf="${3:-1}" c configs=()
  shift; [ $# -gt 0 ] && shift 2
  for c in "$@"; do configs+=(--config "$c"); done
  kafka_java "${tool_heap[@]}" -Dlog4j2.configurationFile="$kafka_tools_log4j" -cp "$kafka_libs/*" \
    org.apache.kafka.tools.TopicCommand --bootstrap-server "$kafka_bootstrap" \
    --create --topic "$topic" --partitions "$partitions" --replication-factor "$rf" "${configs[@]}" >&2
}

kafka_describe_topic() { # TOPIC [extra TopicCommand flags]
  local topic="$1"; shift
  kafka_java "${tool_heap[@]}" -Dlog4j2.configurationFile="$kafka_tools_log4j" -cp "$kafka_libs/*" \
    org.apache.kafka.tools.TopicCommand --bootstrap-server "$kafka_bootstrap" --describe --topic "$topic" "$@"
}

kafka_producer_perf() {
  kafka_java "${tool_heap[@]}" "${jvm_perf_opts[@]}" -Dlog4j2.configurationFile="$kafka_tools_log4j" \
    -cp "$kafka_libs/*" org.apache.kafka.tools.ProducerPerformance "$@" \
    --producer-props "bootstrap.servers=$kafka_bootstrap" "${producer_extra_props[@]}"
}

kafka_consumer_perf() {
  kafka_java "${tool_heap[@]}" "${jvm_perf_opts[@]}" -Dlog4j2.configurationFile="$kafka_tools_log4j" \
    -cp "$kafka_libs/*" org.apache.kafka.tools.ConsumerPerformance --bootstrap-server "$kafka_bootstrap" "$@"
}

kafka_stop() { stop_processes; }
kafka_describe() { echo "Apache Kafka $kafka_version (KRaft, combined broker+controller)"; }
kafka_describe_cluster() { echo "Apache Kafka $kafka_version (3 KRaft nodes, each a combined broker+controller)"; }

# ---------------------------------------------------------------------------------------------
# Runnel: the distribution's bin/runnel, with one ZooKeeper.
# ---------------------------------------------------------------------------------------------
runnel=""
runnel_bootstrap=""
runnel_version=""

runnel_prepare() {
  if [ -z "$runnel_home" ]; then
    runnel_version="$(sed -n 's:^  <version>\(.*\)</version>.*:\1:p' "$repo_root/pom.xml" | head -n 1)"
    runnel_home="$repo_root/distribution/target/runnel-$runnel_version"
    if [ ! -x "$runnel_home/bin/runnel" ]; then
      log "runnel: building the distribution (mvn -q package -DskipTests)"
      (cd "$repo_root" && mvn -q -B package -DskipTests)
    fi
  fi
  runnel="$runnel_home/bin/runnel"
  [ -x "$runnel" ] || die "runnel: no distribution at $runnel_home (bin/runnel is missing)"
  [ -n "$runnel_version" ] || runnel_version="$(basename "$runnel_home")"
  # An unknown command still exits 0 with --help (the top-level usage), so look for its own usage.
  local cmd
  for cmd in server-start topics producer-perf-test consumer-perf-test; do
    if [[ "$("$runnel" "$cmd" --help 2>&1 || true)" != *"Usage: runnel $cmd"* ]]; then
      die "runnel: $runnel has no '$cmd' command yet (try --system kafka until it has)"
    fi
  done
}

# bin/runnel with the same heap and JVM flags as Kafka's side unless the caller chose others.
runnel_cmd() {
  local heap="$1"; shift
  RUNNEL_HEAP_OPTS="${RUNNEL_HEAP_OPTS:-$heap}" RUNNEL_JVM_OPTS="${RUNNEL_JVM_OPTS:-${jvm_perf_opts[*]}}" \
    "$runnel" "$@"
}

runnel_start_zookeeper() { # DIR: sets zk_port
  local dir="$1" deadline answer
  mkdir -p "$dir/zookeeper"
  zk_port=$(free_port)
  cat >"$dir/zookeeper.properties" <<EOF
dataDir=$dir/zookeeper
clientPort=$zk_port
clientPortAddress=127.0.0.1
maxClientCnxns=0
admin.enableServer=false
4lw.commands.whitelist=ruok,srvr,stat
tickTime=2000
initLimit=10
syncLimit=5
EOF
  log "runnel: starting ZooKeeper on 127.0.0.1:$zk_port"
  "$runnel" zookeeper-start "$dir/zookeeper.properties" >"$dir/zookeeper.out" 2>&1 &
  started_pids+=("$!")
  local zk_pid=$!
  deadline=$((SECONDS + 60))
  while :; do
    answer="$( (exec 3<>"/dev/tcp/127.0.0.1/$zk_port" && printf ruok >&3 && timeout 2 cat <&3) 2>/dev/null || true)"
    [ "$answer" = imok ] && break
    kill -0 "$zk_pid" 2>/dev/null || { tail -n 40 "$dir/zookeeper.out" >&2; die "runnel: ZooKeeper exited while starting"; }
    [ $SECONDS -lt $deadline ] || die "runnel: ZooKeeper did not answer within 60 s"
    sleep 0.5
  done
}

runnel_start() {
  local dir="$work_dir/runnel" port zk_port deadline
  mkdir -p "$dir/data"
  port=$(free_port)
  runnel_bootstrap="127.0.0.1:$port"
  runnel_start_zookeeper "$dir"

  log "runnel: starting the broker on $runnel_bootstrap"
  # Not through runnel_cmd: a shell function run with & is a subshell, and $! would be its pid, not
  # the broker's, so stopping it would leave the broker running.
  RUNNEL_HEAP_OPTS="${RUNNEL_HEAP_OPTS:-${broker_heap[*]}}" RUNNEL_JVM_OPTS="${RUNNEL_JVM_OPTS:-${jvm_perf_opts[*]}}" \
    "$runnel" server-start "$runnel_home/config/server.properties" \
    --override "log.dirs=$dir/data" \
    --override "listeners=PLAINTEXT://$runnel_bootstrap" \
    --override "zookeeper.connect=127.0.0.1:$zk_port" >"$dir/broker.out" 2>&1 &
  local broker_pid=$!
  started_pids+=("$broker_pid")
  deadline=$((SECONDS + 120))
  until port_open "$port"; do
    kill -0 "$broker_pid" 2>/dev/null || { tail -n 40 "$dir/broker.out" >&2; die "runnel: the broker exited while starting"; }
    [ $SECONDS -lt $deadline ] || die "runnel: the broker did not listen within 120 s"
    sleep 0.5
  done
  log "runnel: broker up (pid $broker_pid)"
}

# One ZooKeeper and 3 brokers (ids 1-3), each with its own port and data folder, as
# "bin/runnel quickstart" starts them; every other setting is config/server.properties'.
runnel_start_cluster() {
  local dir="$work_dir/runnel-cluster" i ports=() pids=() zk_port deadline
  mkdir -p "$dir"
  runnel_start_zookeeper "$dir"
  for i in 1 2 3; do ports[$i]=$(free_port); done
  runnel_bootstrap="127.0.0.1:${ports[1]},127.0.0.1:${ports[2]},127.0.0.1:${ports[3]}"
  log "runnel: starting 3 brokers on $runnel_bootstrap"
  for i in 1 2 3; do
    mkdir -p "$dir/broker-$i"
    RUNNEL_HEAP_OPTS="${RUNNEL_HEAP_OPTS:-${broker_heap[*]}}" RUNNEL_JVM_OPTS="${RUNNEL_JVM_OPTS:-${jvm_perf_opts[*]}}" \
      "$runnel" server-start "$runnel_home/config/server.properties" \
      --override "broker.id=$i" \
      --override "log.dirs=$dir/broker-$i" \
      --override "listeners=PLAINTEXT://127.0.0.1:${ports[$i]}" \
      --override "zookeeper.connect=127.0.0.1:$zk_port" >"$dir/broker-$i.out" 2>&1 &
    pids[$i]=$!
    started_pids+=("$!")
  done
  deadline=$((SECONDS + 120))
  for i in 1 2 3; do
    until port_open "${ports[$i]}"; do
      kill -0 "${pids[$i]}" 2>/dev/null || { tail -n 40 "$dir/broker-$i.out" >&2; die "runnel: broker $i exited while starting"; }
      [ $SECONDS -lt $deadline ] || die "runnel: broker $i did not listen within 120 s"
      sleep 0.5
    done
  done
  log "runnel: 3 brokers up (pids ${pids[*]})"
}

# runnel_create_topic TOPIC [PARTITIONS REPLICATION-FACTOR [KEY=VALUE...]]
runnel_create_topic() {
  local topic="$1" partitions="${2:-1}" rf="${3:-1}" c configs=()
  shift; [ $# -gt 0 ] && shift 2
  for c in "$@"; do configs+=(--config "$c"); done
  # The brokers may listen before they have registered with ZooKeeper: retry for a while.
  local deadline=$((SECONDS + 60))
  until runnel_cmd "${tool_heap[*]}" topics --bootstrap-server "$runnel_bootstrap" \
      --create --topic "$topic" --partitions "$partitions" --replication-factor "$rf" "${configs[@]}" >&2; do
    [ $SECONDS -lt $deadline ] || die "runnel: could not create topic $topic"
    sleep 1
  done
}

runnel_describe_topic() { # TOPIC [extra flags]
  local topic="$1"; shift
  runnel_cmd "${tool_heap[*]}" topics --bootstrap-server "$runnel_bootstrap" --describe --topic "$topic" "$@"
}

runnel_producer_perf() {
  runnel_cmd "${tool_heap[*]}" producer-perf-test "$@" \
    --producer-props "bootstrap.servers=$runnel_bootstrap" "${producer_extra_props[@]}"
}

runnel_consumer_perf() {
  runnel_cmd "${tool_heap[*]}" consumer-perf-test --bootstrap-server "$runnel_bootstrap" "$@"
}

runnel_stop() { stop_processes; }
runnel_describe() { echo "Runnel $runnel_version (one broker, one ZooKeeper)"; }
runnel_describe_cluster() { echo "Runnel $runnel_version (3 brokers, one ZooKeeper)"; }

# ---------------------------------------------------------------------------------------------
# Other load on the machine: all CPU time used (or stolen by the hypervisor) in a span, less the
# time of the processes this script started (the brokers, and the perf tools it waited for).
# ---------------------------------------------------------------------------------------------
clk_tck="$(getconf CLK_TCK 2>/dev/null || echo 100)"
machine_cpu() { awk '/^cpu / { busy = $2 + $3 + $4 + $7 + $8 + $9; print busy, busy + $5 + $6; exit }' /proc/stat; }
own_ticks() { # the brokers' CPU ticks so far
  local pid sum=0 t
  for pid in "${started_pids[@]}"; do
    t="$(awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$pid/stat" 2>/dev/null || echo 0)"
    sum=$((sum + t))
  done
  echo "$sum"
}
# CPU ticks of the finished child processes of this shell (the perf tools it waited for), into
# child_ticks. "times" must run in this shell itself: a subshell's children are not this shell's.
read_child_ticks() {
  times >"$work_dir/times.txt"
  child_ticks="$(awk -v hz="$clk_tck" 'NR == 2 {
    t = 0
    for (i = 1; i <= 2; i++) { split($i, p, "m"); sub(/s$/, "", p[2]); t += p[1] * 60 + p[2] }
    printf "%d\n", t * hz }' "$work_dir/times.txt")"
}
span_begin() {
  read -r span_busy span_total < <(machine_cpu)
  read_child_ticks
  span_own=$(( $(own_ticks) + child_ticks ))
}
# Sets others_pct: percent of the whole machine (all cores) that other processes used since
# span_begin.
span_end() {
  local busy total own
  read -r busy total < <(machine_cpu)
  read_child_ticks
  own=$(( $(own_ticks) + child_ticks ))
  others_pct="$(awk -v b=$((busy - span_busy)) -v t=$((total - span_total)) -v o=$((own - span_own)) \
    'BEGIN { x = (t > 0) ? 100 * (b - o) / t : 0; if (x < 0) x = 0; printf "%.0f\n", x }')"
}
# Waits (at most --wait-idle seconds) until other processes use under 25% of the machine over 3 s.
wait_for_idle() {
  local deadline=$((SECONDS + wait_idle)) pct
  [ "$wait_idle" -gt 0 ] 2>/dev/null || return 0
  while :; do
    span_begin; sleep 3; span_end; pct=$others_pct
    [ "$pct" -lt 25 ] && return 0
    if [ $SECONDS -ge $deadline ]; then
      log "other processes still use ${pct}% of the CPU after ${wait_idle} s: measuring anyway"
      return 0
    fi
    log "other processes use ${pct}% of the CPU: waiting"
    sleep 5
  done
}

# ---------------------------------------------------------------------------------------------
# Scenarios and results.
# ---------------------------------------------------------------------------------------------
# summary.tsv: system scenario records records/s MB/s avg_ms p99_ms note
summary="$results_dir/summary.tsv"
printf 'system\tscenario\trecords\trecords_per_s\tmib_per_s\tavg_ms\tp99_ms\tnote\tothers_cpu_pct\n' >"$summary"

# The producer tool's closing line:
# "N records sent, R records/sec (M MB/sec), A ms avg latency, X ms max latency, P ms 50th, P ms 95th, P ms 99th, P ms 99.9th."
parse_producer() {
  local line
  line="$(grep -E 'records sent, .*99th' "$1" | tail -n 1 || true)"
  [ -n "$line" ] || { echo -e "-\t-\t-\t-\t-\tno result line"; return; }
  awk -F', ' '{
    split($1, n, " "); split($2, r, " "); m = $2; sub(/.*\(/, "", m); split(m, mm, " ")
    split($3, a, " "); split($4, x, " "); split($7, p99, " ")
    printf "%d\t%.0f\t%.1f\t%.1f\t%d\tmax %d ms\n", n[1], r[1], mm[1], a[1], p99[1], x[1]
  }' <<<"$line"
}

# The consumer tool's header and value line:
# "start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec,
#  rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec". The fetch.* rates leave out
# joining the group (which includes the broker's group.initial.rebalance.delay.ms); both are kept.
parse_consumer() {
  awk -F', *' '
    /^start\.time/ { header = 1; next }
    header && NF >= 10 { v = $0; header = 0 }
    END {
      if (v == "") { print "-\t-\t-\t-\t-\tno result line"; exit }
      split(v, f, /, */)
      printf "%d\t%.0f\t%.1f\t-\t-\tfetch phase; with the group join: %.0f rec/s, %.1f MiB/s (join %d ms)\n", f[5], f[10], f[9], f[6], f[4], f[7]
    }' "$1"
}

record() { # system scenario parsed-line others-cpu-pct
  printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" >>"$summary"
  printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" | awk -F'\t' '{ printf "    %s %s: %s records, %s records/s, %s MiB/s, avg %s ms, p99 %s ms (%s; other processes %s%% CPU)\n", $1, $2, $3, $4, $5, $6, $7, $8, $9 }' >&2
}

# Waits until every partition of TOPIC has a leader and its full ISR, as the system's own topic
# tool describes it.
wait_for_full_isr() { # system topic partitions
  local sys="$1" topic="$2" partitions="$3" deadline=$((SECONDS + 90)) all under
  while :; do
    all="$("${sys}_describe_topic" "$topic" 2>/dev/null | grep -cE 'Leader: ?[0-9]' || true)"
    under="$("${sys}_describe_topic" "$topic" --under-replicated-partitions 2>/dev/null | grep -c 'Partition' || true)"
    [ "$all" -ge "$partitions" ] && [ "$under" -eq 0 ] && return 0
    [ $SECONDS -lt $deadline ] || die "$sys: $topic has no leader or full ISR for every partition after 90 s"
    sleep 1
  done
}

run_producer() { # system scenario topic count extra-tool-args...
  local sys="$1" sc="$2" topic="$3" n="$4"; shift 4
  local out="$results_dir/$sys-$sc.out"
  log "$sys: ${title[$sc]}: $n records to $topic"
  if [ "$sc" = g ] || [ "$sc" = h ]; then
    "${sys}_create_topic" "$topic" "$cluster_partitions" 3 min.insync.replicas=2
    wait_for_full_isr "$sys" "$topic" "$cluster_partitions"
  else
    "${sys}_create_topic" "$topic"
  fi
  wait_for_idle
  span_begin
  "${sys}_producer_perf" --topic "$topic" --num-records "$n" "$@" >"$out" 2>"$results_dir/$sys-$sc.err" \
    || { tail -n 20 "$results_dir/$sys-$sc.err" >&2; die "$sys: the producer perf tool failed in scenario $sc"; }
  span_end
  record "$sys" "$sc" "$(parse_producer "$out")" "$others_pct"
}

run_system() {
  local sys="$1" s single=() cluster=()
  for s in "${scenario_list[@]}"; do
    case "$s" in g|h) cluster+=("$s") ;; *) single+=("$s") ;; esac
  done
  if [ ${#single[@]} -gt 0 ]; then
    "${sys}_start"
    echo "$sys	describe	$("${sys}_describe")" >"$results_dir/$sys-describe.txt"
    run_scenarios "$sys" "${single[@]}"
    "${sys}_stop"
  fi
  if [ ${#cluster[@]} -gt 0 ]; then
    "${sys}_start_cluster"
    echo "$sys	describe	$("${sys}_describe_cluster")" >"$results_dir/$sys-describe-cluster.txt"
    run_scenarios "$sys" "${cluster[@]}"
    "${sys}_stop"
  fi
}

run_scenarios() { # system scenario...
  local sys="$1" s; shift
  for s in "$@"; do
    case "$s" in
      a) producer_extra_props=("${producer_props[@]}")
         run_producer "$sys" a perf-a-100b "$n_a" --record-size 100 --throughput -1 ;;
      b) producer_extra_props=("${producer_props[@]}")
         run_producer "$sys" b perf-b-1k "$n_b" --record-size 1024 --throughput -1 ;;
      c) producer_extra_props=("${producer_props[@]}" compression.type=lz4)
         run_producer "$sys" c perf-c-json-lz4 "$n_c" --payload-file "$payload_file" --throughput -1 ;;
      d) producer_extra_props=("${producer_props[@]}" compression.type=zstd)
         run_producer "$sys" d perf-d-json-zstd "$n_d" --payload-file "$payload_file" --throughput -1 ;;
      e) local out="$results_dir/$sys-e.out"
         log "$sys: ${title[e]}: $n_b records from perf-b-1k"
         wait_for_idle
         span_begin
         "${sys}_consumer_perf" --topic perf-b-1k --messages "$n_b" >"$out" 2>"$results_dir/$sys-e.err" \
           || { tail -n 20 "$results_dir/$sys-e.err" >&2; die "$sys: the consumer perf tool failed"; }
         span_end
         record "$sys" e "$(parse_consumer "$out")" "$others_pct" ;;
      f) producer_extra_props=("${producer_props[@]}")
         run_producer "$sys" f perf-f-1k-fixed "$n_f" --record-size 1024 --throughput "$fixed_rate" ;;
      g) producer_extra_props=("${cluster_producer_props[@]}")
         run_producer "$sys" g perf-g-rf3-1k "$n_g" --record-size 1024 --throughput -1 ;;
      h) producer_extra_props=("${cluster_producer_props[@]}")
         run_producer "$sys" h perf-h-rf3-1k-fixed "$n_h" --record-size 1024 --throughput "$cluster_fixed_rate" ;;
    esac
  done
}

print_summary() {
  echo
  echo "Results ($(date '+%Y-%m-%d %H:%M'), $(nproc) cores, $java_version); MiB = 2^20 bytes as the tools print it."
  local sys
  for sys in "${systems[@]}"; do
    [ -f "$results_dir/$sys-describe.txt" ] && echo "  $sys: $(cut -f3 "$results_dir/$sys-describe.txt")"
    [ -f "$results_dir/$sys-describe-cluster.txt" ] && echo "  $sys (g, h): $(cut -f3 "$results_dir/$sys-describe-cluster.txt")"
  done
  echo "  all tool output: $results_dir"
  echo
  awk -F'\t' -v systems="${systems[*]}" '
    NR == 1 { next }
    { key = $1 SUBSEP $2; rec[key] = $4; mib[key] = $5; avg[key] = $6; p99[key] = $7; note[key] = $8; oth[key] = $9; seen[$2] = 1 }
    function cell(s, sc) {
      if (!((s SUBSEP sc) in rec)) return sprintf("| %12s | %9s | %15s | %6s ", "-", "-", "-", "-")
      return sprintf("| %12s | %9s | %15s | %6s ", rec[s, sc], mib[s, sc], avg[s, sc] " / " p99[s, sc], oth[s, sc] "%")
    }
    END {
      n = split(systems, sys, " ")
      hdr = sprintf("| %-28s ", "scenario")
      sep = "|------------------------------"
      for (i = 1; i <= n; i++) {
        hdr = hdr sprintf("| %12s | %9s | %15s | %6s ", sys[i] " rec/s", "MiB/s", "avg/p99 ms", "others")
        sep = sep "|--------------|-----------|-----------------|--------"
      }
      if (n == 2) { hdr = hdr "| runnel/kafka "; sep = sep "|--------------" }
      print hdr "|"; print sep "|"
      split("a b c d e f g h", order, " ")
      split("a. produce 100 B|b. produce 1 KB|c. produce ~1 KB JSON, lz4|d. produce ~1 KB JSON, zstd|e. consume 1 KB (b'"'"'s topic)|f. produce 1 KB at 50k/s|g. 3 brokers, acks=all 1 KB|h. 3 brokers, acks=all 5k/s", names, "|")
      for (j = 1; j <= 8; j++) {
        sc = order[j]
        if (!(sc in seen)) continue
        row = sprintf("| %-28s ", names[j])
        for (i = 1; i <= n; i++) row = row cell(sys[i], sc)
        if (n == 2) {
          k = "kafka" SUBSEP sc; r = "runnel" SUBSEP sc; ratio = "-"
          if (sc == "f" || sc == "h") {
            if ((k in p99) && (r in p99) && p99[k] + 0 > 0) ratio = sprintf("%.2fx p99", p99[r] / p99[k])
          } else if ((k in rec) && (r in rec) && rec[k] + 0 > 0) ratio = sprintf("%.2fx rec/s", rec[r] / rec[k])
          row = row sprintf("| %12s ", ratio)
        }
        print row "|"
      }
      print ""
      for (i = 1; i <= n; i++) if ((sys[i] SUBSEP "e") in note) print "  " sys[i] " e: " note[sys[i], "e"]
      print "  others: the share of the machine'"'"'s CPU that other processes used during the scenario"
    }' "$summary"
}

# ---------------------------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------------------------
# Check every system before measuring any, so a missing Runnel command fails in seconds.
if [[ " ${systems[*]} " == *" runnel "* ]]; then runnel_prepare; fi
if [[ " ${systems[*]} " == *" kafka "* ]]; then kafka_prepare; fi
if wants c || wants d; then
  generate_payload
  log "payload file: $payload_file ($(wc -l <"$payload_file") lines, $(wc -c <"$payload_file") bytes)"
fi
log "java: $java ($java_version); temporary data in $work_dir"

for sys in "${systems[@]}"; do
  run_system "$sys"
done
print_summary | tee "$results_dir/summary.txt"
