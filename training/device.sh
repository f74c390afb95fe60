#!/usr/bin/env bash
# Continue training on a CUDA machine: one or several configurations side by side, each resumed
# from training/checkpoint.pt, then each result's output layer refit (training/refit.py).
#
# Usage, from the repository root:
#   bash training/device.sh MINUTES ["OPTIONS" ["OPTIONS" ...]]
#   bash training/device.sh synthesis MINUTES ["OPTIONS" ...]   # the synthesis model instead (below)
# e.g.
#   bash training/device.sh 8 "--batch 128 --lr 1e-3 --drop-rests --dropout 0.3 --augment 0.3" \
#                             "--batch 128 --lr 1e-3 --drop-rests --dropout 0.3 --augment 0.4"
#
# MINUTES: wall time of training. With --time-schedule the cosine schedule spans exactly that
# time, so each run ends annealed whatever the machine's throughput. Allow a minute or two more
# for the refits that follow. Each quoted OPTIONS string is one configuration of training.train
# options (default "--batch 128 --lr 2e-3"). One GPU runs a few of these small LSTMs at once: each
# process is mostly bound by kernel launches, so three side by side cost far less than three in a
# row (on an H200: 1.8 M points/s for one run at batch 128, ~0.8 M each for three).
#
# Needs the [train] extra and the packed data in .data/ (IAM-OnDB data under its licence, never
# committed: .gitignore lists .data/). On a
# machine with the raw data (corpora.SHARED_DATA, by default ../shared/data/):
#   python -m corpora.iam pack .data/iam.npz
#   cp ../shared/data/iam-ondb/splits/{training,validation}_set.txt .data/
# then copy the checkout with .data/ to the CUDA machine.
#
# Output, in $OUT_DIR (default: $OUT when set, else runs-out/):
#   checkpoint-N.pt  per configuration N = 1, 2, …: its best validation epoch (or the starting
#                    checkpoint unchanged if it never beat it), then its output layer refit;
#   logs.tar         checkpoint-N.log (training and refit output) and checkpoint-curve-N.json per
#                    configuration (synthesis-N.log, synthesis-curve-N.json for the synthesis model).
# To adopt one: copy it to training/checkpoint.pt, then `python -m training.export --evaluate`
# and `python -m training.card` (see training/README.md).
set -euo pipefail
# Which model: the unconditional one (training.train, then a refit of each result's output layer)
# or, with "synthesis" first, the synthesis model (training.train_synthesis: each configuration
# resumes from training/synthesis-checkpoint.pt when it exists, else starts fresh, and writes its
# latest checkpoint as $OUT_DIR/synthesis-N.pt; no refit; the pack must carry the texts, as
# python -m corpora.iam pack does by default; to adopt one, copy it to
# training/synthesis-checkpoint.pt and run python -m training.export_synthesis).
MODULE=training.train START=training/checkpoint.pt NAME=checkpoint EXTRA="--eval-every 4" DEFAULT="--batch 128 --lr 2e-3"
if [ "${1:-}" = synthesis ]; then
  shift
  MODULE=training.train_synthesis START=training/synthesis-checkpoint.pt NAME=synthesis
  EXTRA="--texts .data/iam.npz" DEFAULT="--batch 64 --lr 1e-3"
fi
MINUTES=${1:-8}
shift || true
[ $# -gt 0 ] || set -- "$DEFAULT"
OUT_DIR=${OUT_DIR:-${OUT:-runs-out}}
mkdir -p "$OUT_DIR"
need=(.data/iam.npz .data/training_set.txt .data/validation_set.txt)
[ "$MODULE" = training.train ] && need+=("$START")
for f in "${need[@]}"; do
  [ -f "$f" ] || { echo "missing $f (run from the repository root; see the comments at the top)" >&2; exit 2; }
done
nvidia-smi --query-gpu=name,memory.total --format=csv,noheader || true
LOGS=$(mktemp -d)
THREADS=$(( $(nproc) / $# > 1 ? $(nproc) / $# : 1 ))
n=0
pids=()
for config in "$@"; do
  n=$((n + 1))
  RUN=$(mktemp -d)  # fresh each call: a reused machine keeps /tmp, and --resume would pick up the last run
  RESUME=""
  if [ -f "$START" ]; then cp "$START" "$OUT_DIR/$NAME-$n.pt"; RESUME=--resume; fi
  echo "[$n] $config" | tee "$LOGS/$NAME-$n.log"
  # shellcheck disable=SC2086  # each configuration is a list of options
  (PYTHONUNBUFFERED=1 python3 -m "$MODULE" $RESUME --quiet --time-schedule --epochs 100000 \
    --data .data/iam.npz --train-split .data/training_set.txt --val-split .data/validation_set.txt \
    --max-minutes "$MINUTES" --threads "$THREADS" $EXTRA $config \
    --run-dir "$RUN" --compact "$OUT_DIR/$NAME-$n.pt" 2>&1 | sed -u "s/^/[$n] /" | tee -a "$LOGS/$NAME-$n.log" \
    && rc=0 || rc=$?
   cp "$RUN/curve.json" "$LOGS/$NAME-curve-$n.json" || true
   exit $rc) &
  pids+=($!)
done
status=0
for pid in "${pids[@]}"; do wait "$pid" || status=$?; done
# Then each unconditional result's output layer is refit to its cells' exact outputs, one after
# another (~6.7 GB of memory each; CUDA when present, ~6 min on 2 CPU threads).
if [ "$MODULE" = training.train ]; then
  for i in $(seq 1 "$n"); do
    (PYTHONUNBUFFERED=1 python3 -m training.refit --quiet --checkpoint "$OUT_DIR/checkpoint-$i.pt" --threads "$(nproc)" \
      --data .data/iam.npz --train-split .data/training_set.txt --val-split .data/validation_set.txt \
      2>&1 | sed -u "s/^/[$i refit] /" | tee -a "$LOGS/checkpoint-$i.log") || status=$?
  done
fi
tar -cf "$OUT_DIR/logs.tar" -C "$LOGS" .
echo "results in $OUT_DIR/"
exit $status
