#!/usr/bin/env bash
# Renders the application icon (resources/icons/niwt-explorer.svg) into the hicolor PNG sizes the
# Debian package installs: resources/icons/hicolor/<N>x<N>/apps/<app id>.png. The PNGs are committed,
# so that building needs no SVG renderer; run this after changing the SVG and commit the result.
# Reproducible: rsvg-convert (Debian's librsvg2-bin) writes no time stamp, so the same SVG and
# librsvg give the same bytes.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
app_id="io.github.niwt.explorer"   # keep in step with packaging/CMakeLists.txt (NIWT_APP_ID)
svg="$root/resources/icons/niwt-explorer.svg"
sizes=(16 24 32 48 64 128 256)

if ! command -v rsvg-convert >/dev/null; then
  echo "render_icons: rsvg-convert not found (apt-get install librsvg2-bin)" >&2
  exit 1
fi
for n in "${sizes[@]}"; do
  dir="$root/resources/icons/hicolor/${n}x${n}/apps"
  mkdir -p "$dir"
  # Written beside the target, then renamed: a failed render never leaves a half-written icon.
  rsvg-convert --width "$n" --height "$n" --format png --output "$dir/.$app_id.png.tmp" "$svg"
  mv -f "$dir/.$app_id.png.tmp" "$dir/$app_id.png"
  echo "render_icons: $dir/$app_id.png"
done
