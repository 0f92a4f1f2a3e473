#!/usr/bin/env bash
# Runs every fuzz target for SECONDS (default 20) and prints the executions per target.
# Fails (exit 1) when a target crashes, times out or breaks an invariant; the input that did
# it is left under fuzz/artifacts/<target>/ (replay: cargo fuzz run <target> <file>).
#
#   fuzz/run.sh [SECONDS] [TARGET...]
#
# Needs cargo-fuzz (cargo install cargo-fuzz --locked). Works on the stable toolchain:
# RUSTC_BOOTSTRAP=1 lets it take the -Z flags libFuzzer's instrumentation needs.
# FUZZ_TARGET_DIR: where to build (default fuzz/target); CI points it at a cache.
set -euo pipefail
cd "$(dirname "$0")"

seconds="${1:-20}"
shift || true
targets=(report_json import topology_toml events_jsonl)
if [ "$#" -gt 0 ]; then targets=("$@"); fi

export RUSTC_BOOTSTRAP=1
# No sanitizer: the code under test is safe Rust, where a bug shows as a panic (with overflow
# checks and debug assertions on, cargo-fuzz's default), and without ASan it runs and builds
# much faster.
flags=(--sanitizer none)
if [ -n "${FUZZ_TARGET_DIR:-}" ]; then flags+=(--target-dir "$FUZZ_TARGET_DIR"); fi

dict_of() {
  case "$1" in
    report_json | import) echo dicts/report.dict ;;
    events_jsonl) echo dicts/events.dict ;;
    topology_toml) echo dicts/topology.dict ;;
  esac
}

started=$(date +%s)
cargo fuzz build "${flags[@]}"
built=$(date +%s)
echo "fuzz targets built in $((built - started)) s"

mkdir -p logs
failed=()
summary=()
for t in "${targets[@]}"; do
  mkdir -p "corpus/$t" "artifacts/$t"
  log="logs/$t.log"
  set +e
  cargo fuzz run "${flags[@]}" "$t" "corpus/$t" "seeds/$t" -- \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -dict="$(dict_of "$t")" \
    -print_final_stats=1 >"$log" 2>&1
  rc=$?
  set -e
  execs=$(sed -n 's/^stat::number_of_executed_units: *\([0-9]*\).*/\1/p' "$log" | tail -n1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *\([0-9]*\).*/\1/p' "$log" | tail -n1)
  units=$(find "corpus/$t" -type f | wc -l)
  if [ "$rc" -eq 0 ]; then
    result=ok
  else
    result="FAILED (exit $rc)"
    failed+=("$t")
    echo "---- $t failed; the end of $log:"
    tail -n 40 "$log"
    echo "---- inputs kept in fuzz/artifacts/$t/:"
    ls "artifacts/$t"
  fi
  summary+=("$(printf '%-14s %8s execs %7s/s  corpus %5s  %s' "$t" "${execs:-?}" "${rate:-?}" "$units" "$result")")
done

echo "fuzz: ${seconds} s per target, $(($(date +%s) - started)) s in all"
printf '  %s\n' "${summary[@]}"
if [ "${#failed[@]}" -gt 0 ]; then
  echo "fuzz: ${#failed[@]} target(s) failed: ${failed[*]}"
  exit 1
fi
