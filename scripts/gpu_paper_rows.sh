#!/usr/bin/env bash
# Louro et al.'s Table 1 rows at the `paper` profile on a lent GPU: published widths, the full
# 96 x 1366 log-mel, 10 x 10 folds, up to 100 epochs with the paper's 90 % training-accuracy stop.
#
#   scripts/gpu_paper_rows.sh ["DL Baseline,Sample CNN"]
#
# Default subset: the DL Baseline row alone (100 folds). Its cost is measured, not assumed: on a
# 2-core CPU one training step of 16 clips at published width costs 95 GFLOP forward + backward
# (`mer train-benchmark`), about 2.2 s; an H200 should run it in milliseconds, so the row should
# fit the device's 10-minute limit. UNTESTED ON A GPU so far: no session has had a device since
# this script was written. Finished rows go to the run store under $MER_CACHE_DIR (a row is
# saved when all its folds are done) and the chapter's records to $OUT (or _build/gpu_results).
#
# Needs: this package installed (`make setup`), the 4Q audio and top-100 features on
# MER_DATA_DIR; the log-mel cache is rebuilt if absent (a few minutes on 16 cores).
set -euo pipefail
cd "$(dirname "$0")/.."
rows="${1:-DL Baseline}"
out="${OUT:-_build/gpu_results}"
mkdir -p "$out"
python - <<'PY'
import torch
if not torch.cuda.is_available():
    raise SystemExit("no CUDA device: this script is for a lent GPU (the cpu profile runs without one)")
print("device:", torch.cuda.get_device_name(0))
PY
start=$SECONDS
# `mer book` executes into _build/executed/paper and never writes book/ (no --publish here)
timeout 570 mer book --profile paper --only louro_dl --no-build --param "rows=$rows" \
  --build-dir _build/gpu || echo "::: mer book stopped (rc $?): rows finished before the limit are in the run store"
cp -v _build/gpu/executed/paper/results/louro_dl*.csv "$out/" 2>/dev/null || true
echo "::: $rows at the paper profile: $(( SECONDS - start )) s on $(python -c 'import torch; print(torch.cuda.get_device_name(0))')"
