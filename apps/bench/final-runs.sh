#!/usr/bin/env bash
# The full-size runs behind apps/bench/README.md's tables, in one go, on a quiet machine (nothing
# else running: every run prints a WARNING under its table when other processes took > 15 % of a
# core). About 60–90 minutes on 2 cores. Logs and JSON land in apps/bench/results/final-<date>/.
#
#   bash apps/bench/final-runs.sh [path/to/node20]     # default /usr/bin/node when it is a Node 20
set -euo pipefail
cd "$(dirname "$0")/../.."

OUT="apps/bench/results/final-$(date -u +%Y-%m-%dT%H-%M-%SZ)"
mkdir -p "$OUT"
NODE20="${1:-/usr/bin/node}"

run() {
  local name="$1"
  shift
  echo "== $name: pnpm bench $*" | tee -a "$OUT/commands.txt"
  pnpm bench "$@" --out "$PWD/$OUT/$name.json" 2>&1 | tee "$OUT/$name.log"
}

pnpm build

# Issue 18's row: max rate of the app against the three references, Node 24 (pnpm's).
run rooms-2000-max --scenario rooms --connections 2000 --rate 500 --duration 10 --max --emulator-limits off

# The same on Node 20, side by side (the app and every reference on it; the bench stays on 24).
if "$NODE20" --version 2>/dev/null | grep -q '^v20\.'; then
  run rooms-2000-max-node20 --scenario rooms --connections 2000 --rate 500 --duration 10 --max --emulator-limits off --node "$NODE20"
else
  echo "== skipped the Node 20 run: $NODE20 is not a Node 20" | tee -a "$OUT/commands.txt"
fi

# The 10k table (connect storm, idle memory, rooms + max for all four targets, lobby, slow).
run all-10k --scenario all --connections 10000 --rate 1000 --duration 30 --max --emulator-limits off

# Issue 17: 10,000 players over 12 guilds with Discord's limits on (~209 rooms each), then the
# shards scenario (2 instances × 4 shards on Redis at 127.0.0.1:6379, kill -9 of one mid-stream).
run guilds-12-10k --scenario rooms --guilds 12 --connections 10000 --rate 1000 --duration 30
run shards --scenario shards --connections 2000 --rate 500 --duration 30

# Where the time goes: the app alone at 1,000 events/s with the profiler on.
run profile-2000 --scenario rooms --connections 2000 --rate 1000 --duration 20 --no-reference --cpu-prof --emulator-limits off
echo "profiles: apps/bench/results/profiles/ (read with: cd apps/bench && node --import tsx src/profile-top.ts <file> 45 <fromS> <toS>)"
