#!/usr/bin/env bash
# Reproduce the bundled default model and every number in its model card.
#   bash scripts/train_default.sh [RUNS_DIR]        RUNS_DIR default: runs
# The GSN (configs/default.yaml) and its deterministic ablation (configs/ablation.yaml) train side by side,
# one thread each, the ablation with at least the GSN's wall clock (both configs say how), then both are
# evaluated on CB513 and NEW364 and the GSN is packaged with its model card.
set -euo pipefail
case "${1:-}" in
  -h|--help)     # not a runs directory: without this, `mkdir -p --help` would run
    sed -n '2,6s/^# \{0,1\}//p' "$0"
    exit 0 ;;
  -*)
    echo "train_default.sh: unknown option $1 (usage: bash scripts/train_default.sh [RUNS_DIR])" >&2
    exit 2 ;;
esac
cd "$(dirname "$0")/.."
RUNS=${1:-runs}
DATA=${SEQGSN_DATA:-../shared/data}
CB513="$DATA/prottrans_netsurfp2_csv/CB513_HHblits.csv"
NEW364="$DATA/flip_secondary_structure/splits.zip?split=test"
mkdir -p "$RUNS"
declare -A PID
for c in default ablation; do
  seqgsn train --config configs/$c.yaml --run-dir "$RUNS/$c" > "$RUNS/$c.log" 2>&1 &
  PID[$c]=$!
done
# A bare `wait` returns 0 whatever the jobs exited with: wait for each one and stop on a failed run,
# rather than evaluating a missing or stale model.
failed=0
for c in default ablation; do
  if ! wait "${PID[$c]}"; then
    echo "train_default.sh: training run '$c' failed: see $RUNS/$c.log" >&2
    failed=1
  fi
done
[ "$failed" = 0 ] || exit 1
for c in default ablation; do
  seqgsn evaluate --model "$RUNS/$c/model.pt" --data "$CB513" --json "$RUNS/$c/cb513.json"
  seqgsn evaluate --model "$RUNS/$c/model.pt" --data "$NEW364" --json "$RUNS/$c/new364.json"
done
python scripts/package_model.py --run "$RUNS/default" --cb513 "$RUNS/default/cb513.json" \
  --new364 "$RUNS/default/new364.json" --ablation-run "$RUNS/ablation" \
  --ablation-cb513 "$RUNS/ablation/cb513.json" --ablation-new364 "$RUNS/ablation/new364.json"
