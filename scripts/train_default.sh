#!/usr/bin/env bash
# Reproduce the bundled default model and every number in its model card.
#   bash scripts/train_default.sh [RUNS_DIR]
# The two trainings run side by side (1 thread each) with the same budget: 10 epochs (and a 57-min cap).
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-runs}
DATA=${SEQGSN_DATA:-../shared/data}
CB513="$DATA/prottrans_netsurfp2_csv/CB513_HHblits.csv"
for c in default ablation; do
  seqgsn train --config configs/$c.yaml --run-dir "$RUNS/$c" > "$RUNS/$c.log" 2>&1 &
done
wait
for c in default ablation; do
  seqgsn evaluate --model "$RUNS/$c/model.pt" --data "$CB513" --json "$RUNS/$c/cb513.json"
done
python scripts/package_model.py --run "$RUNS/default" --cb513 "$RUNS/default/cb513.json" \
  --ablation-run "$RUNS/ablation" --ablation-cb513 "$RUNS/ablation/cb513.json"
