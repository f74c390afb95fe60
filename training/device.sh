#!/usr/bin/env bash
# Continue training on a lent GPU (the `device` tool), in one call, one or several configurations
# side by side (one GPU runs a few of these small LSTMs at once: each process is mostly bound by
# kernel launches, so three in parallel cost far less than three in a row).
# The data does not travel with the checkout, so first, here (the pack is IAM-OnDB data: .data/ is
# ignored, never commit it):
#   grep -qx /.data/ .git/info/exclude || echo /.data/ >> .git/info/exclude
#   python -m training.data pack .data/iam.npz && cp ../shared/data/iam-ondb/splits/{training,validation}_set.txt .data/
# then: run(command='bash training/device.sh 8 "--lr 1e-3 --dropout 0.2" "--lr 1e-3 --dropout 0.3"',
#           carry=[".data"], timeout_s=600)
# Arguments: minutes of training (the cosine schedule spans exactly that wall time, --time-schedule,
# so each run ends annealed whatever the GPU's throughput), then one quoted string of
# training.train options per configuration (default "--batch 128 --lr 2e-3"). Every configuration
# resumes from training/checkpoint.pt and keeps its best validation epoch.
# Measured on an H200 (session 2): 1.8 M points/s at batch 128 for one run, an epoch every ~4 s;
# without regularisation validation peaked at -1.600 after ~45 epochs and then overfitted (train
# -1.75, validation back to -1.56), so a longer run needs --dropout/--augment, not more minutes.
# Back in $OUT: checkpoint-N.pt per configuration N = 1, 2, … (its best validation epoch, or the
# starting checkpoint unchanged if it never beat it, then its output layer refit: copy the best to
# training/checkpoint.pt, then export), and logs.tar with train-N.log and curve-N.json. Leave a
# minute or two of timeout_s past MINUTES for the refits.
set -euo pipefail
MINUTES=${1:-8}
shift || true
[ $# -gt 0 ] || set -- "--batch 128 --lr 2e-3"
nvidia-smi --query-gpu=name,memory.total --format=csv,noheader || true
LOGS=$(mktemp -d)
THREADS=$(( $(nproc) / $# > 1 ? $(nproc) / $# : 1 ))
n=0
pids=()
for config in "$@"; do
  n=$((n + 1))
  RUN=$(mktemp -d)  # fresh each call: a warm machine keeps /tmp, and --resume would pick up the last run
  cp training/checkpoint.pt "$OUT/checkpoint-$n.pt"
  echo "[$n] $config" | tee "$LOGS/train-$n.log"
  # shellcheck disable=SC2086  # each configuration is a list of options
  (PYTHONUNBUFFERED=1 python3 -m training.train --resume --quiet --time-schedule --epochs 100000 \
    --data .data/iam.npz --train-split .data/training_set.txt --val-split .data/validation_set.txt \
    --max-minutes "$MINUTES" --eval-every 4 --threads "$THREADS" $config \
    --run-dir "$RUN" --compact "$OUT/checkpoint-$n.pt" 2>&1 | sed -u "s/^/[$n] /" | tee -a "$LOGS/train-$n.log" \
    && rc=0 || rc=$?
   cp "$RUN/curve.json" "$LOGS/curve-$n.json" || true
   exit $rc) &
  pids+=($!)
done
status=0
for pid in "${pids[@]}"; do wait "$pid" || status=$?; done
# Then each result's output layer is refit to its cells' exact outputs, one after another
# (training/refit.py: ~6.7 GB of memory each; on CPU here it takes ~6 min, so do it on the loan).
for i in $(seq 1 "$n"); do
  (PYTHONUNBUFFERED=1 python3 -m training.refit --quiet --checkpoint "$OUT/checkpoint-$i.pt" --threads "$(nproc)" \
    --data .data/iam.npz --train-split .data/training_set.txt --val-split .data/validation_set.txt \
    2>&1 | sed -u "s/^/[$i refit] /" | tee -a "$LOGS/train-$i.log") || status=$?
done
tar -cf "$OUT/logs.tar" -C "$LOGS" .
exit $status
