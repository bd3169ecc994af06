#!/usr/bin/env bash
# Runs the whole JMH suite in a short but honest configuration (1 fork, 3 x 1 s warm-up,
# 5 x 1 s measurement, -prof gc), writes JMH's JSON into docs/benchmarks/, compares transition
# and lifecycle cost with the revision before issue 5 (compare.sh: builds it in a temporary
# worktree, 3 alternating rounds), measures memory, and regenerates docs/benchmarks.md with its
# charts. About 45 minutes on a quiet 2-core machine (ages 8, stats 7, before/after 7, transitions 8, hold 4).
#
#   benchmarks/run.sh            # everything
#   benchmarks/run.sh adapter    # only the results whose name starts so, then the report
#   SENDQ_BEFORE=REV benchmarks/run.sh before   # the before/after step against another revision
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=docs/benchmarks
mkdir -p "$OUT"
[ -f benchmarks/target/benchmarks.jar ] || mvn -B -q -DskipTests install
JAR=benchmarks/target/benchmarks.jar
COMMON=(-wi 3 -w 1s -i 5 -r 1s -prof gc)
only="${1:-}"
run() { # name, args... (FORKS=n for more than one fork)
  local name=$1; shift
  if [ -z "$only" ] || [[ "$name" == "$only"* ]]; then
    java -jar "$JAR" "$@" -f "${FORKS:-1}" "${COMMON[@]}" -rf json -rff "$OUT/$name.json"
  fi
}
run transition-1t CounterTransitionBenchmark -t 1
# Two threads land, fork by fork, in one of a few steady modes (how they share this VM's cores):
# several forks, each reported, and the report judges by the median fork.
FORKS=3 run transition-2t CounterTransitionBenchmark -t 2
run lifecycle 'LifecycleBenchmark.lifecycle'
FORKS=5 run lifecycle-pw 'LifecycleBenchmark.producersAndWorkers'
FORKS=3 run lifecycle-sides PipelineSidesBenchmark
run transition-cycle TransitionCycleBenchmark
run stats StatsQueryBenchmark
run stats-floor StatsFloorBenchmark
run rate-limit RateLimitBenchmark
run hold HoldReleaseBenchmark
run ages AgeQueryBenchmark
run age-span AgeSpanBenchmark
run adapter AdapterBenchmark
run metrics MetricsScrapeBenchmark
if [ -z "$only" ] || [[ "before" == "$only"* ]]; then
  # Transition and lifecycle cost against the revision before the operator's controls (issue 5).
  benchmarks/compare.sh "${SENDQ_BEFORE:-772a501}" 3
fi
if [ -z "$only" ] || [[ "memory" == "$only"* ]]; then
  java -Djdk.attach.allowAttachSelf=true -cp "$JAR" dev.sendq.bench.MemoryFootprint "$OUT/memory.json"
fi
java -Djava.awt.headless=true -cp "$JAR" dev.sendq.bench.Report "$OUT" docs/benchmarks.md
echo "wrote docs/benchmarks.md and $OUT/"
