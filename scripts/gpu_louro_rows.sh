#!/usr/bin/env bash
# Louro et al.'s Table 1 rows that read only the log-mel (louro_dl.BUNDLE_ROWS), trained on a lent
# GPU from a bundle: such a machine cannot reach the dataset, so the clips, their log-mel (lossless)
# and the code's digest travel with the working tree, and the finished folds come back as one
# archive for this machine's run store. The keys are the ones this machine computes, so the
# notebook then reads the folds as if it had trained them.
#
#   here:  python -m mer_core.experiments.louro_dl --profile cpu --write-bundle .gpu/bundle
#   there: scripts/gpu_louro_rows.sh .gpu/bundle [ROWS|all] [BUDGET_S]       (carry .gpu and .whl)
#   here:  python -m mer_core.experiments.louro_dl --import-store <files>/louro_store.tgz <commit>
#
# Packages the GPU image lacks (librosa, audiomentations, imbalanced-learn, soundfile, ... as wheels
# for its Python, see the device notes) are installed from .whl when it exists. No row is started
# after BUDGET_S seconds (default 420); a started row finishes, every fold is saved as it ends.
# The `cpu` bundle (900 clips x 48 x 341 floats) is 44 MB; the `paper` profile's full 96 x 1366
# log-mel is 472 MB and does not fit a 64 MiB transfer, so `paper` runs only where the data is.
set -euo pipefail
cd "$(dirname "$0")/.."
bundle="${1:?usage: scripts/gpu_louro_rows.sh BUNDLE_DIR [ROWS|all] [BUDGET_S]}"
rows="${2:-all}"
budget="${3:-420}"
out="${OUT:-_build/gpu_results}"
store="$(mktemp -d)"
mkdir -p "$out"
if [ -d .whl ]; then
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl
  export PYTHONPATH="/tmp/site:${PYTHONPATH:-}"
fi
export PYTHONPATH="$PWD:${PYTHONPATH:-}" PYTHONUNBUFFERED=1
# the copy's git history is not this tree's (a lent machine gets the session's first commit): hide
# it, so that the folds record no commit and --import-store stamps the commit the bundle came from
export GIT_DIR=/nonexistent
# deterministic cuBLAS (torch_runtime asks for deterministic algorithms)
export CUBLAS_WORKSPACE_CONFIG=:4096:8
python3 -c "import torch, numpy, pandas, sklearn; print('torch', torch.__version__, 'numpy', numpy.__version__, 'pandas', pandas.__version__, 'sklearn', sklearn.__version__, 'cuda', torch.cuda.is_available())"
start=$SECONDS
status=0
timeout $(( budget + 150 )) python3 -m mer_core.experiments.louro_dl --bundle "$bundle" --rows "$rows" \
  --budget-s "$budget" --store "$store" --threads 8 || status=$?
tar -czf "$out/louro_store.tgz" -C "$store" .
echo "::: $(ls "$store" | grep -c '\.pkl$') folds in $out/louro_store.tgz after $(( SECONDS - start )) s (exit $status)"
exit $status
