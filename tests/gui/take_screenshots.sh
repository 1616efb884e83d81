#!/usr/bin/env bash
# Launches NIWT Explorer under Xvfb on the shared CUB-200-2011 data and MobileNetV2 bundle, has it
# learn a new class from a typed description (--describe), and saves every panel and the whole
# window as PNGs (--screenshot-dir; the explorer grabs each dock with QWidget::grab once the class
# is learned and its ranked images, heat map and neurons are shown), plus the X screen as
# ImageMagick's `import -window root` saw it just before.
#
# Usage: tests/gui/take_screenshots.sh [OUT_DIR]      (default /tmp/niwt-screenshots)
# Environment: NIWT_EXPLORER (binary; default build/app/explorer/niwt-explorer), NIWT_CACHE_DIR
# (honoured when set; a cold cache extracts the CUB images' features first: about 5 minutes on
# 2 cores), NIWT_DESCRIBE ("NAME=TEXT"), NIWT_EVALUATE=1 (also run the GZSL evaluation),
# NIWT_SIZE=WxH (the window's and the screen's size, e.g. 1920x1080).
# Skips (exit 0) when ../shared or the tools are missing. Exit status: the explorer's.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
cd "$repo"

out="${1:-/tmp/niwt-screenshots}"
shared="../shared"
dataset="$shared/data/CUB_200_2011"
split="$shared/data/xlsa17/CUB"
bundle="$shared/models/mobilenet_v2_1.0_224_imagenet"
explorer="${NIWT_EXPLORER:-build/app/explorer/niwt-explorer}"
describe="${NIWT_DESCRIBE:-Red-headed woodpecker guess=a bird with a bright red head, black back and white wings}"

skip() { echo "take_screenshots: SKIP: $*"; exit 0; }
[ -d "$shared" ] || skip "$shared is absent (the shared CUB data and MobileNetV2 bundle)"
for p in "$dataset" "$split" "$bundle"; do [ -e "$p" ] || skip "$p is absent"; done
command -v xvfb-run >/dev/null || skip "xvfb-run is not installed (packaging/install-deps.sh)"
[ -x "$explorer" ] || skip "$explorer is not built (ninja -C build niwt-explorer)"

mkdir -p "$out"
rm -f "$out"/*.png
# A private settings folder: no saved layout changes the shots, and the run changes no one's settings.
config="$(mktemp -d)"
trap 'rm -rf "$config"' EXIT

args=(--dataset "cub:$dataset" --split "xlsa17:$split" --bundle "$bundle"
      --describe "$describe" --screenshot-dir "$out")
[ "${NIWT_EVALUATE:-0}" = 1 ] && args+=(--evaluate)
# NIWT_SIZE=WxH: the window's size (Qt's -geometry), on a screen that size (default: the window's
# own default, 1280x800, on a 1600x1000 screen). The issue's two layouts: 1280x800 and 1920x1080.
screen="1600x1000"
if [ -n "${NIWT_SIZE:-}" ]; then
  args+=(-geometry "${NIWT_SIZE}+0+0")
  screen="$NIWT_SIZE"
fi

echo "take_screenshots: $explorer ${args[*]}"
echo "take_screenshots: cache ${NIWT_CACHE_DIR:-(default)}"
set +e
# The explorer runs in the background inside the X server so that `import` can capture the
# screen while the window is still up: it waits for the explorer's own window.png (written after
# the docks) and takes the screen then.
XDG_CONFIG_HOME="$config" xvfb-run -a -s "-screen 0 ${screen}x24" bash -c '
  "$@" &
  pid=$!
  if command -v import >/dev/null; then
    while kill -0 "$pid" 2>/dev/null; do
      if [ -s "'"$out"'/window.png" ]; then import -window root "'"$out"'/screen.png" 2>/dev/null || true; break; fi
      sleep 0.1
    done
  fi
  wait "$pid"' _ "$explorer" "${args[@]}"
status=$?
set -e
echo "take_screenshots: explorer exited with $status; PNGs in $out:"
ls -l "$out"/*.png 2>/dev/null || echo "  (none)"
exit "$status"
