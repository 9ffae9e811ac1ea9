#!/usr/bin/env bash
# Build the peer predictor's venv for scripts/bench.py: PredictDSSP 1.3.1 (its `dssp-fasta` command).
#
#   scripts/peer_env.sh [DIR]        DIR default: $SEQGSN_PEER_VENV, else /work/peer_venv
#
# Kept OUTSIDE the repo and apart from seqgsn's environment: PredictDSSP pulls metapredict, matplotlib,
# protfasta, alphaPredict, getSequence, ... which seqgsn does not need. torch is pinned to the same CPU
# build as seqgsn (2.13.0) through a constraints file, so the resolver never swaps in a CUDA torch.
# The network weights ship inside the wheel (PredictDSSP/networks/*.pt): nothing is downloaded at run time.
# Idempotent: a complete venv with the pinned versions is left as it is; a partial one is repaired.
set -euo pipefail

case "${1:-}" in
  -h|--help)     # not a venv directory: without this, `python3 -m venv --help` would run
    sed -n '2,10s/^# \{0,1\}//p' "$0"
    exit 0 ;;
  -*)
    echo "peer_env.sh: unknown option $1 (usage: scripts/peer_env.sh [DIR])" >&2
    exit 2 ;;
esac

DIR="${1:-${SEQGSN_PEER_VENV:-/work/peer_venv}}"
PY="${PYTHON:-python3}"
TORCH_VERSION="2.13.0"
PEER_VERSION="1.3.1"

installed() {   # true when DIR holds both pinned packages and the command
    [ -x "$DIR/bin/dssp-fasta" ] || return 1
    "$DIR/bin/python" - "$TORCH_VERSION" "$PEER_VERSION" <<'EOF' 2>/dev/null
import sys
from importlib.metadata import version
torch_v, peer_v = sys.argv[1], sys.argv[2]
ok = version("torch").split("+")[0] == torch_v and version("PredictDSSP") == peer_v
sys.exit(0 if ok else 1)
EOF
}

if installed; then
    echo "peer_env: $DIR already has torch $TORCH_VERSION + PredictDSSP $PEER_VERSION"
    exit 0
fi

[ -x "$DIR/bin/python" ] || "$PY" -m venv "$DIR"
PIP=("$DIR/bin/python" -m pip install --quiet --disable-pip-version-check)

CONSTRAINTS="$(mktemp)"
trap 'rm -f "$CONSTRAINTS"' EXIT
echo "torch==$TORCH_VERSION" > "$CONSTRAINTS"

"${PIP[@]}" -c "$CONSTRAINTS" "torch==$TORCH_VERSION"
"${PIP[@]}" -c "$CONSTRAINTS" "PredictDSSP==$PEER_VERSION"

installed || { echo "peer_env: install in $DIR did not give the pinned versions" >&2; exit 1; }
echo "peer_env: ready: $DIR/bin/dssp-fasta"
