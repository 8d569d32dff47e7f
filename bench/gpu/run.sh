#!/usr/bin/env bash
# On a GPU machine, in one call (bench/README.md, "GPU"): unpack Node and Dawn from bench/gpu/pack (made here by
# bench/gpu/prepare.sh and carried along), point Vulkan at the NVIDIA ICD, then
#   1. parity.mjs: the kernels, the losses and 20 steps of every CLI method on webgpu against cpu;
#   2. simclr.mjs on webgpu (SimCLR step of ResNet-18 at batch 2 x 256, and the embedding workload), exporting the
#      initial weights and inputs, and bench/peers/simclr_peer.py --device cuda on the same state (its equal-work check
#      compares PyTorch's first loss with webgpu's);
#   3. one table (table.mjs), also written to $OUT (or /tmp/selfsup-gpu).
#   bash bench/gpu/run.sh [--local]
# --local runs the same steps on this CPU machine to check the plumbing: Dawn's null adapter (it computes nothing, so
# parity fails), PyTorch on the CPU, tiny batches. PYTHON names the interpreter that has torch (default python3).
set -uo pipefail
cd "$(dirname "$0")/../.."
pack=bench/gpu/pack
out=${OUT:-/tmp/selfsup-gpu}
local_run=false
[ "${1:-}" = "--local" ] && local_run=true
[ -e "$pack/parity.mjs" ] || { echo "run.sh: $pack is missing: run bash bench/gpu/prepare.sh where the repository is installed, and carry it" >&2; exit 2; }
mkdir -p "$out"
node_bin="$out/node"
gunzip -c "$pack/node.gz" > "$node_bin" && chmod +x "$node_bin"
dawn="$pack/node_modules/webgpu/dist/linux-x64/dawn.node"
[ -e "$dawn" ] || gunzip -c "$dawn.gz" > "$dawn"
export LD_LIBRARY_PATH="$PWD/$pack/vulkan:${LD_LIBRARY_PATH:-}"
export XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-/tmp}
if $local_run; then
  export SELFSUP_DAWN_OPTIONS=backend=null
  device=cpu batch=8 steps=1 warmup=1 images=64 parity_steps=3
else
  export VK_DRIVER_FILES=${VK_DRIVER_FILES:-/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json}
  device=cuda batch=256 steps=5 warmup=2 images=4096 parity_steps=20
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader > "$out/gpu.txt" 2>&1 || true
fi
echo "== parity (webgpu against cpu)" >&2
"$node_bin" "$pack/parity.mjs" --backend webgpu --steps "$parity_steps" --out "$out/parity.json" > "$out/parity.md" 2> "$out/parity.log"
echo "parity exit $? ($(grep -c '^FAIL' "$out/parity.log") failed); log: $out/parity.log" >&2
for workload in simclr-resnet18 embed-resnet18; do
  echo "== $workload" >&2
  "$node_bin" "$pack/simclr.mjs" --workload "$workload" --peer webgpu --batch "$batch" --steps "$steps" --warmup "$warmup" \
    --images "$images" --out "$out/$workload-webgpu.json" --export "$out/$workload-state" 2>> "$out/bench.log"
  "${PYTHON:-python3}" bench/peers/simclr_peer.py --state "$out/$workload-state" --device "$device" --steps "$steps" --warmup "$warmup" \
    --threads "$(nproc)" --out "$out/$workload-pytorch.json" 2>> "$out/bench.log"
done
"$node_bin" bench/gpu/table.mjs "$out" | tee "$out/table.md"
