#!/usr/bin/env bash
# Installs the optional Debian packages that some tests use, when they are missing and we may use apt-get:
#   chromium     headless browser for examples/browser (playwright-core drives /usr/bin/chromium)
#   libdnnl-dev  oneDNN, for the optional native kernels of @selfsup/tensors
#   libgloo-dev  Gloo, for the optional collectives of @selfsup/tensors (data-parallel training)
# Nothing in the default install needs them.
set -euo pipefail
want=()
command -v chromium >/dev/null 2>&1 || want+=(chromium)
[ -e /usr/include/dnnl.h ] || want+=(libdnnl-dev)
[ -e /usr/include/gloo/allreduce.h ] || want+=(libgloo-dev)
[ ${#want[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "ci: not root or no apt-get; skipping ${want[*]}"
  exit 0
fi
echo "ci: installing ${want[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq && apt-get install -y -qq --no-install-recommends "${want[@]}" >/dev/null
