#!/usr/bin/env bash
# Continue training on a lent GPU (the `device` tool), in one call. The data does not travel with
# the checkout, so first, here:
#   mkdir -p .data && cp ../shared/data/iam-ondb/lineStrokes-all.tar.xz ../shared/data/iam-ondb/splits/*.txt .data/
#   grep -qx /.data/ .git/info/exclude || echo /.data/ >> .git/info/exclude
# then: run(command="bash training/device.sh 11 60", carry=[".data"], timeout_s=600)
# Arguments: minutes of training (default 11), schedule length in epochs (default 60).
# Back in $OUT: checkpoint.pt (copy it to training/checkpoint.pt, then export), train.log, curve.json.
set -euo pipefail
MINUTES=${1:-11}
EPOCHS=${2:-60}
cp training/checkpoint.pt "$OUT/checkpoint.pt"
nvidia-smi --query-gpu=name,memory.total --format=csv,noheader || true
PYTHONUNBUFFERED=1 python3 -m training.train --resume --quiet \
  --data .data/lineStrokes-all.tar.xz --train-split .data/training_set.txt --val-split .data/validation_set.txt \
  --batch 128 --lr 2e-3 --epochs "$EPOCHS" --max-minutes "$MINUTES" \
  --run-dir /tmp/run --compact "$OUT/checkpoint.pt" 2>&1 | tee "$OUT/train.log"
cp /tmp/run/curve.json "$OUT/curve.json"
