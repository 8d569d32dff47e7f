#!/usr/bin/env bash
# Builds bench/gpu/pack/ (git-ignored, about 50 MB): everything bench/gpu/run.sh needs on a GPU machine that has no
# network and no Node: Node itself (this machine's binary, gzipped), two bundles (parity.mjs and simclr.mjs: tfjs-core,
# its cpu and webgpu backends and selfsup in one file each), Dawn's Node addon for linux-x64 (from the npm package
# webgpu, which holds every platform's build: only ours is kept), and Debian's Vulkan loader (libvulkan.so.1).
#   bash bench/gpu/prepare.sh      then carry bench/gpu/pack to the GPU machine and run bash bench/gpu/run.sh there
set -euo pipefail
cd "$(dirname "$0")/../.."
pack=bench/gpu/pack
rm -rf "$pack"
mkdir -p "$pack/node_modules/webgpu/dist/linux-x64" "$pack/vulkan"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

npx -y pnpm@10 --filter "@selfsup/cli..." build >/dev/null
# ESM bundles for Node 20; `webgpu` stays outside (a native addon, found in pack/node_modules at run time).
for entry in gpu/parity simclr; do
  node_modules/.bin/esbuild "bench/$entry.ts" --bundle --platform=node --format=esm --target=node20 --log-level=warning \
    --external:webgpu --external:node-fetch --external:usearch --external:@tensorflow/tfjs-node --external:@tensorflow/tfjs-node-gpu \
    --banner:js="import { createRequire as __selfsupRequire } from 'node:module'; const require = __selfsupRequire(import.meta.url);" \
    --outfile="$pack/$(basename "$entry").mjs"
done

# Dawn for Node: the package as published, linux-x64 only.
(cd "$work" && npm pack webgpu@0.6.2 --silent >/dev/null)
tar -xzf "$work"/webgpu-0.6.2.tgz -C "$work"
for f in package.json index.js LICENSE; do [ -e "$work/package/$f" ] && cp "$work/package/$f" "$pack/node_modules/webgpu/"; done
cp "$work"/package/*.d.ts "$pack/node_modules/webgpu/" 2>/dev/null || true
# Gzipped (21 MB -> about 7): the carried files must stay under 64 MiB; run.sh unpacks it.
gzip -9 -c "$work/package/dist/linux-x64/dawn.node" > "$pack/node_modules/webgpu/dist/linux-x64/dawn.node.gz"

# The Vulkan loader (the GPU machine brings the NVIDIA ICD; the loader may be missing there).
(cd "$work" && apt-get download libvulkan1 >/dev/null 2>&1) || { echo "prepare: apt-get download libvulkan1 failed (run apt-get update)" >&2; exit 1; }
dpkg-deb -x "$work"/libvulkan1_*.deb "$work/vk"
# The file itself under its soname (a symbolic link may not travel).
cp -L "$work"/vk/usr/lib/x86_64-linux-gnu/libvulkan.so.1 "$pack/vulkan/libvulkan.so.1"

gzip -9 -c "$(readlink -f "$(command -v node)")" > "$pack/node.gz"
du -sh "$pack"
