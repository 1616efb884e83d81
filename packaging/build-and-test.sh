#!/usr/bin/env bash
# The test command: install what is missing, build, run every test (ctest). Exit 0 only when all pass.
# Tests that need ../shared (real CUB images, the pretrained MobileNetV2) skip cleanly without it.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bash "$root/packaging/build.sh"
cd "$root/build"
# A private cache, so that tests never see (or disturb) the user's cached networks and importances.
export NIWT_CACHE_DIR="$root/build/test-cache"
export QT_QPA_PLATFORM=offscreen
ctest --output-on-failure -j"$(nproc)" --timeout 900
