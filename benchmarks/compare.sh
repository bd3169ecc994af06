#!/usr/bin/env bash
# Transition and lifecycle cost of this tree against an earlier revision, side by side: builds
# REV's benchmark jar in a temporary git worktree (removed on exit), then runs the same
# benchmarks from both jars in alternating rounds (before, after, before, after, ...) so that
# machine drift falls on both sides. Same configuration as run.sh, plus this tree's
# CpuTimeProfiler on both sides (CPU time per operation, steadier than wall time on a busy
# machine; its class is put after REV's jar on the class path). Writes JMH JSON as
# OUT/compare/{before,after}-ROUND-{transition-1t,transition-2t,lifecycle}.json, which Report
# turns into the before/after table of docs/benchmarks.md.
#
#   benchmarks/compare.sh REV [ROUNDS]    # ROUNDS defaults to 2
#   BEFORE_JAR=path/to/benchmarks.jar benchmarks/compare.sh REV   # REV's jar already built
#
# Compared: CounterTransitionBenchmark (sendq only; 1 and 2 threads), TransitionCycleBenchmark,
# LifecycleBenchmark.lifecycle and lifecycleWithRetry (sendq and the baseline, the latter as a
# control: its code is the same on both sides). About 3 minutes per round.
set -euo pipefail
cd "$(dirname "$0")/.."
rev=${1:?usage: benchmarks/compare.sh REV [ROUNDS]}
rounds=${2:-2}
OUT=${OUT:-docs/benchmarks}/compare
AFTER_JAR=benchmarks/target/benchmarks.jar
COMMON=(-f 1 -wi 3 -w 1s -i 5 -r 1s -prof gc)
[ -f "$AFTER_JAR" ] || mvn -B -q -DskipTests package
tree=
prof=$(mktemp -d -t sendq-prof.XXXXXX)
cleanup() {
  rm -rf "$prof"
  if [ -n "$tree" ]; then
    git worktree remove --force "$tree" >/dev/null 2>&1 || true
    rm -rf "$tree"
  fi
}
trap cleanup EXIT
before_jar=${BEFORE_JAR:-}
if [ -z "$before_jar" ]; then
  tree=$(mktemp -d -t sendq-before.XXXXXX)
  git worktree add --detach "$tree" "$rev" >/dev/null
  (cd "$tree" && mvn -B -q -DskipTests package)
  before_jar="$tree/benchmarks/target/benchmarks.jar"
fi
(cd "$prof" && jar xf "$OLDPWD/$AFTER_JAR" dev/sendq/bench/CpuTimeProfiler.class)
COMMON+=(-prof dev.sendq.bench.CpuTimeProfiler)
rm -rf "$OUT"
mkdir -p "$OUT"
git rev-parse --short "$rev" > "$OUT/revision"
for ((round = 1; round <= rounds; round++)); do
  for side in before after; do
    jar=$AFTER_JAR
    [ "$side" = after ] || jar=$before_jar
    jmh=(java -cp "$jar:$prof" org.openjdk.jmh.Main)
    "${jmh[@]}" CounterTransitionBenchmark -p impl=SENDQ -t 1 "${COMMON[@]}" \
      -rf json -rff "$OUT/$side-$round-transition-1t.json"
    "${jmh[@]}" CounterTransitionBenchmark -p impl=SENDQ -t 2 "${COMMON[@]}" \
      -rf json -rff "$OUT/$side-$round-transition-2t.json"
    "${jmh[@]}" 'TransitionCycleBenchmark|LifecycleBenchmark\.lifecycle' -p impl=SENDQ,BASELINE "${COMMON[@]}" \
      -rf json -rff "$OUT/$side-$round-lifecycle.json"
  done
done
echo "wrote $OUT/"
