#!/usr/bin/env bash
# The whole test suite built with AddressSanitizer + UndefinedBehaviorSanitizer, then run by ctest.
#   bash packaging/sanitize.sh [ctest arguments, e.g. -R data_]
# Builds into build-asan/ (beside build/, which it does not touch). Any ASan report (heap/stack
# overflow, use after free, leak) or UBSan report (overflow, misaligned or null access, bad shift,
# invalid enum/bool, ...) aborts the test that triggered it, so the suite passes only when clean.
# Only the project's code is instrumented; LibTorch, Qt and OpenCV come from Debian as they are.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bash "$root/packaging/install-deps.sh"

flags="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
cmake -S "$root" -B "$root/build-asan" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS="$flags" -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined" \
  -DCMAKE_SHARED_LINKER_FLAGS="-fsanitize=address,undefined"
cmake --build "$root/build-asan" -j"$(nproc)"

cd "$root/build-asan"
supp="$root/packaging/sanitizers"
# Leaks inside system libraries we do not build (fontconfig's and Qt's process-lifetime caches,
# LibTorch's operator registry) are suppressed by name; leaks in our code are not.
# (No strict_string_checks: it flags Qt's xcb/dbus code for strndup on buffers that are bounded,
# not NUL-terminated, which is correct use.)
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:detect_stack_use_after_return=0:check_initialization_order=1"
export LSAN_OPTIONS="suppressions=$supp/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:suppressions=$supp/ubsan.supp"
export NIWT_CACHE_DIR="$root/build-asan/test-cache"
export QT_QPA_PLATFORM=offscreen
ctest --output-on-failure -j"$(nproc)" --timeout 2400 "$@"
