#!/usr/bin/env bash
# One call on a lent GPU machine (the workplace's device tool), prepared here and run there:
#   1. the CUDA tests (tests/test_cuda.py), 2. epoch times of the Beauty presets
#   (benchmarks/speed_device.py), 3. diagnostic training runs, each resumable, until BUDGET_S
#   seconds have passed since the start. Results land in $OUT: env.txt, pytest_cuda.txt,
#   speed_device.json, and per run NAME.log and NAME.tgz (the run folder, to carry back and resume).
#
# Before the call, here (that machine has torch but not pydantic, and ../shared does not travel):
#   printf '/.whl/\n/.devdata/\n' >> .git/info/exclude
#   python3 -m pip download --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
#       --platform manylinux2014_x86_64 -d .whl pydantic==2.14.4 pydantic_core==2.50.5 \
#       annotated-types==0.8.0 typing-inspection==0.4.5 typing_extensions==4.16.0
#   mkdir -p .devdata && cp ../shared/data/Beauty.txt .devdata/      # plus any NAME.tgz to resume
# The call: command "BUDGET_S=560 bash benchmarks/gpu_session.sh 'NAME|CONFIG|key=value key=value' ...",
# carry [".whl", ".devdata"], timeout_s 600. SKIP_CHECKS=1 skips steps 1 and 2; PARALLEL=1 runs the
# specs at once; DEVICE=cpu, WHEELS= (empty) and DATA=any folder run it on a CPU machine (a dry run
# with the smoke configs).
set -u
OUT=${OUT:?set OUT to the folder that comes back}
DATA=${DATA:-.devdata}
DEVICE=${DEVICE:-cuda}
BUDGET_S=${BUDGET_S:-560}
T0=$(date +%s)
elapsed() { echo $(($(date +%s) - T0)); }
export PYTHONUNBUFFERED=1 SEQAUG_DATA_DIR=$(cd "$DATA" && pwd)
WHEELS=${WHEELS-.whl}  # WHEELS= (empty) installs nothing
if [ -n "$WHEELS" ] && compgen -G "$WHEELS/*.whl" >/dev/null; then
    python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site "$WHEELS"/*.whl || exit 3
    export PYTHONPATH=/tmp/site:$PWD
else
    export PYTHONPATH=$PWD
fi
PY=${PY:-python3}
{
    command -v nvidia-smi >/dev/null && nvidia-smi -L
    $PY -c "import torch, pydantic; print('torch', torch.__version__, 'pydantic', pydantic.__version__)"
} >"$OUT/env.txt" 2>&1
cat "$OUT/env.txt"
if [ -z "${SKIP_CHECKS:-}" ]; then
    timeout 150 $PY -m pytest tests/test_cuda.py -q -p no:cacheprovider >"$OUT/pytest_cuda.txt" 2>&1
    echo "CUDA tests rc=$? after $(elapsed) s: $(tail -1 "$OUT/pytest_cuda.txt")"
    timeout 200 $PY benchmarks/speed_device.py configs/experiments/beauty/{next_item,coserec,basrec,cl4srec}_sasrec.yaml \
        --data-dir "$DATA" --device "$DEVICE" --epochs 4 --out "$OUT/speed_device.json" 2>&1 | tail -4
    echo "epoch times done after $(elapsed) s"
fi
mkdir -p /tmp/gpu_runs
run_spec() {  # one resumable training run: NAME|CONFIG|key=value ...
    local name config sets left
    IFS='|' read -r name config sets <<<"$1"
    left=$((BUDGET_S - $(elapsed)))
    [ "$left" -le 10 ] && { echo "$name: no time left"; return; }
    [ -f "$DATA/$name.tgz" ] && [ ! -d "/tmp/gpu_runs/$name" ] && tar xzf "$DATA/$name.tgz" -C /tmp/gpu_runs
    # shellcheck disable=SC2086  # $sets is a list of key=value overrides
    timeout "$left" $PY - "$config" "/tmp/gpu_runs/$name" "train.device=$DEVICE" $sets >"$OUT/$name.log" 2>&1 <<'EOF'
import sys
from pathlib import Path

from seqaug.config import load_config
from seqaug.experiment import train

train(load_config(sys.argv[1], sys.argv[3:]), Path(sys.argv[2]), log=print)
EOF
    echo "$name rc=$? after $(elapsed) s: $(tail -1 "$OUT/$name.log")"
    tar czf "$OUT/$name.tgz" -C /tmp/gpu_runs "$name"
}
# PARALLEL=1 runs every spec at once (small models leave the GPU launch-bound, so several
# processes share it well); otherwise one after another.
for spec in "$@"; do
    if [ -n "${PARALLEL:-}" ]; then run_spec "$spec" & else run_spec "$spec"; fi
done
wait
