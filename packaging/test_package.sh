#!/usr/bin/env bash
# ctest packaging_deb: builds the Debian package with cpack from a built tree, checks its control
# fields (dependencies from dpkg-shlibdeps plus the declared ones) and contents, unpacks it into a
# scratch root with dpkg-deb -x and runs the installed programs from there, with no build or source
# tree on their library path and a private home, so that only what the package holds is used.
#   test_package.sh BUILD_DIR VERSION APP_ID "ICON_SIZES"
set -euo pipefail
build="$1" version="$2" app_id="$3" sizes="${4//;/ }"  # CMake passes the sizes as a ;-list

fail() { echo "test_package: FAIL: $*" >&2; exit 1; }
seconds_since() { echo "$(( $(date +%s%N) / 1000000 - $1 ))" | awk '{printf "%.1f", $1 / 1000}'; }
now_ms() { echo "$(( $(date +%s%N) / 1000000 ))"; }

for tool in cpack dpkg-deb dpkg-shlibdeps readelf ldd file timeout xvfb-run xwininfo xprop; do
  command -v "$tool" >/dev/null || fail "$tool not found (packaging/install-deps.sh installs it)"
done
for program in app/niwt/niwt app/explorer/niwt-explorer; do
  [ -x "$build/$program" ] || fail "$build/$program is missing: build it before packaging"
done

scratch="$(mktemp -d "${TMPDIR:-/tmp}/niwt-package-test.XXXXXX")"
trap 'rm -rf "$scratch"' EXIT

# 1. cpack, into the scratch folder (the build folder stays as it was).
start=$(now_ms)
if ! cpack --config "$build/CPackConfig.cmake" -B "$scratch/out" >"$scratch/cpack.log" 2>&1; then
  cat "$scratch/cpack.log" >&2
  fail "cpack failed"
fi
deb="$scratch/out/niwt-explorer_${version}_$(dpkg --print-architecture).deb"
[ -f "$deb" ] || { cat "$scratch/cpack.log" >&2; fail "cpack wrote no $(basename "$deb")"; }
echo "test_package: cpack took $(seconds_since "$start") s; $(basename "$deb") is $(du -k "$deb" | cut -f1) KiB"

# 2. Control fields.
field() { dpkg-deb --field "$deb" "$1"; }
[ "$(field Package)" = "niwt-explorer" ] || fail "Package is '$(field Package)', expected niwt-explorer"
[ "$(field Version)" = "$version" ] || fail "Version is '$(field Version)', expected project()'s $version"
[ "$(field Section)" = "science" ] || fail "Section is '$(field Section)', expected science"
depends="$(field Depends)"
echo "test_package: Depends: $depends"
[ -n "$depends" ] || fail "the Depends field is empty"
# One package name a line, without version constraints or alternatives' bars.
depends_names="$(echo "$depends" | tr ',|' '\n\n' | sed -E 's/\(.*\)//; s/^ +//; s/ +$//')"
# The libraries the binaries link (found by dpkg-shlibdeps), and what they load at run time,
# which only cpack_settings.cmake can name: the data set and Qt's SVG plugins.
for expected in 'libqt6core6' 'libqt6gui6' 'libqt6widgets6' 'libtorch[0-9.]+' 'libopencv-core[0-9.]+' \
                'libmatio[0-9]+' 'dataset-fashion-mnist' 'libqt6svg6'; do
  echo "$depends_names" | grep -Eqx "$expected" || fail "Depends names no package matching $expected"
done
field Recommends | grep -q 'libopenblas0-pthread' || fail "Recommends lacks libopenblas0-pthread"
field Recommends | grep -q 'wordnet-base' || fail "Recommends lacks wordnet-base"

# 3. Contents.
root="$scratch/root"
dpkg-deb -x "$deb" "$root"
for path in usr/bin/niwt usr/bin/niwt-explorer "usr/share/applications/$app_id.desktop" \
            "usr/share/metainfo/$app_id.metainfo.xml" "usr/share/icons/hicolor/scalable/apps/$app_id.svg"; do
  [ -f "$root/$path" ] || fail "the package lacks /$path"
done
for n in $sizes; do
  icon="$root/usr/share/icons/hicolor/${n}x${n}/apps/$app_id.png"
  [ -f "$icon" ] || fail "the package lacks /${icon#"$root"/}"
  file "$icon" | grep -q "PNG image data, $n x $n," || fail "$(file "$icon") (expected a $n x $n PNG)"
done
# One name throughout: the desktop entry's icon, the AppStream id, its launchable, and the
# binaries it says the package provides.
desktop="$root/usr/share/applications/$app_id.desktop"
metainfo="$root/usr/share/metainfo/$app_id.metainfo.xml"
grep -qx "Icon=$app_id" "$desktop" || fail "$desktop: Icon is not $app_id"
grep -qx "Exec=niwt-explorer" "$desktop" || fail "$desktop: Exec is not niwt-explorer"
grep -qF "<id>$app_id</id>" "$metainfo" || fail "$metainfo: id is not $app_id"
grep -qF "<launchable type=\"desktop-id\">$app_id.desktop</launchable>" "$metainfo" ||
  fail "$metainfo: the launchable is not $app_id.desktop"
first_release="$(grep -o '<release version="[^"]*"' "$metainfo" | head -1 | cut -d'"' -f2)"
[ "$first_release" = "$version" ] ||
  fail "$metainfo: the newest release is '$first_release', project() says $version (add a <release>)"
for binary in $(grep -o '<binary>[^<]*</binary>' "$metainfo" | sed -E 's#</?binary>##g'); do
  [ -x "$root/usr/bin/$binary" ] || fail "$metainfo provides $binary, the package has no /usr/bin/$binary"
done

# 4. The binaries: stripped, no RPATH/RUNPATH (the build tree's is dropped on install, and every
# library comes from the system), our own libraries linked in statically, nothing unresolved.
for program in niwt niwt-explorer; do
  binary="$root/usr/bin/$program"
  file "$binary" | grep -q 'ELF 64-bit.*, stripped' || fail "$(file "$binary") (expected a stripped ELF)"
  if readelf --dynamic "$binary" | grep -E 'R(UN)?PATH'; then fail "$program carries an RPATH/RUNPATH"; fi
  libraries="$(env -u LD_LIBRARY_PATH ldd "$binary")"
  if echo "$libraries" | grep -E 'not found|libniwt|'"$build"; then
    fail "$program links the libraries above (unresolved, or ours, or from the build tree)"
  fi
done

# 5. Run them from the scratch root: private home, settings and caches; no library path.
run() {
  env -u LD_LIBRARY_PATH HOME="$scratch/home" XDG_CONFIG_HOME="$scratch/home/.config" \
      XDG_CACHE_HOME="$scratch/home/.cache" XDG_RUNTIME_DIR="$scratch/runtime" \
      NIWT_CACHE_DIR="$scratch/cache" QT_QPA_PLATFORM=offscreen "$@"
}
mkdir -p "$scratch/home" "$scratch/runtime" && chmod 700 "$scratch/runtime"
line="$(run "$root/usr/bin/niwt" --version)" || fail "niwt --version exited with $?"
echo "test_package: $line"
[[ "$line" =~ ^niwt\ ${version//./\\.}\ \(LibTorch\ [0-9.]+,\ OpenCV\ [0-9.]+\)$ ]] ||
  fail "niwt --version printed '$line', expected 'niwt $version (LibTorch X, OpenCV Y)'"
line="$(run "$root/usr/bin/niwt-explorer" --version)" || fail "niwt-explorer --version exited with $?"
echo "test_package: $line"
[[ "$line" =~ ^niwt-explorer\ ${version//./\\.}\ \(Qt\ [0-9.]+, ]] ||
  fail "niwt-explorer --version printed '$line', expected 'niwt-explorer $version (Qt X, ...)'"

# The explorer's own unattended start: open the window on the default data set (Fashion-MNIST from
# /usr/share/datasets, the attribute table compiled in), wait for it and its first thumbnails,
# save the window and quit. Exit 2 means the data set failed; a timeout is reported on stderr.
start=$(now_ms)
set +e
run timeout 150 "$root/usr/bin/niwt-explorer" --dataset fashion-mnist --no-train \
    --screenshot "$scratch/smoke.png" >"$scratch/smoke.log" 2>&1
code=$?
set -e
echo "test_package: explorer smoke start took $(seconds_since "$start") s (exit $code)"
[ "$code" -eq 0 ] || { cat "$scratch/smoke.log" >&2; fail "niwt-explorer --screenshot exited with $code"; }
if grep -q 'timed out' "$scratch/smoke.log"; then cat "$scratch/smoke.log" >&2; fail "the explorer timed out"; fi
file "$scratch/smoke.png" | grep -q 'PNG image data' || { cat "$scratch/smoke.log" >&2; fail "no window screenshot"; }
echo "test_package: $(file -b "$scratch/smoke.png" | cut -d, -f1-2)"

# 6. Under X11, desktop shells match a window to its desktop entry by WM_CLASS; the entry's
# StartupWMClass must be the class the explorer's window really has (Qt puts the application
# name there). Checked on a private X server: start the explorer, wait for its main window.
wm_class="$(sed -n 's/^StartupWMClass=//p' "$desktop")"
[ -n "$wm_class" ] || fail "$desktop has no StartupWMClass"
cat >"$scratch/wm_class.sh" <<'PROBE'
"$@" >/dev/null 2>&1 &
explorer=$!
for _ in $(seq 1 100); do
  for window in $(xwininfo -root -children | grep -Eo '^ +0x[0-9a-f]+'); do
    xprop -id "$window" WM_CLASS 2>/dev/null | grep -q '^WM_CLASS(STRING) = "niwt-explorer", ' &&
      { xprop -id "$window" WM_CLASS | sed -E 's/^[^,]*, "(.*)"$/\1/'; kill "$explorer"; exit 0; }
  done
  sleep 0.2
done
kill "$explorer" 2>/dev/null
exit 1
PROBE
actual="$(run env -u QT_QPA_PLATFORM timeout 60 xvfb-run --auto-servernum bash "$scratch/wm_class.sh" \
          "$root/usr/bin/niwt-explorer" --dataset fashion-mnist --no-train)" ||
  fail "no niwt-explorer window appeared on the X server within 20 s"
[ "$actual" = "$wm_class" ] ||
  fail "the explorer's WM_CLASS class is '$actual', $app_id.desktop says StartupWMClass=$wm_class"
echo "test_package: WM_CLASS class '$actual' matches StartupWMClass"
echo "test_package: OK"
