#!/usr/bin/env bash
# Continue training on a lent GPU (the `device` tool), in one call. The data does not travel with
# the checkout, so first, here (the pack is IAM-OnDB data: .data/ is ignored, never commit it):
#   grep -qx /.data/ .git/info/exclude || echo /.data/ >> .git/info/exclude
#   python -m training.data pack .data/iam.npz && cp ../shared/data/iam-ondb/splits/{training,validation}_set.txt .data/
# then: run(command="bash training/device.sh 8", carry=[".data"], timeout_s=600)
# Arguments: minutes of training (the cosine schedule spans exactly that wall time, --time-schedule,
# so the run ends annealed whatever the GPU's throughput), batch, peak learning rate, then any further
# training.train options, e.g. "bash training/device.sh 8 128 2e-3 --dropout 0.2 --augment 0.1".
# Measured on an H200 (session 2): 1.8 M points/s at batch 128, an epoch every ~4 s; without
# regularisation validation peaked at -1.600 after ~45 epochs and then overfitted (train -1.75,
# validation back to -1.56), so a longer run needs --dropout/--augment, not more minutes.
# Back in $OUT: checkpoint.pt (best validation; copy it to training/checkpoint.pt, then export),
# train.log, curve.json.
set -euo pipefail
MINUTES=${1:-8}
BATCH=${2:-128}
LR=${3:-2e-3}
shift $(( $# < 3 ? $# : 3 ))
RUN=$(mktemp -d)  # fresh each call: a warm machine keeps /tmp, and --resume would pick up the last run
cp training/checkpoint.pt "$OUT/checkpoint.pt"
nvidia-smi --query-gpu=name,memory.total --format=csv,noheader || true
PYTHONUNBUFFERED=1 python3 -m training.train --resume --quiet --time-schedule --epochs 100000 \
  --data .data/iam.npz --train-split .data/training_set.txt --val-split .data/validation_set.txt \
  --batch "$BATCH" --lr "$LR" --max-minutes "$MINUTES" --eval-every 4 "$@" \
  --run-dir "$RUN" --compact "$OUT/checkpoint.pt" 2>&1 | tee "$OUT/train.log"
cp "$RUN/curve.json" "$OUT/curve.json"
