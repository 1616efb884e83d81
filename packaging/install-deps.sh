#!/usr/bin/env bash
# Installs every Debian package that building, testing and running NIWT Explorer needs.
# Does nothing (no apt-get call at all) when they are all present already.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build pkg-config git
  qt6-base-dev qt6-base-dev-tools qt6-svg-dev libqt6svg6 qt6-qpa-plugins libgl-dev
  libtorch-dev
  libopencv-dev
  libqcustomplot-dev libqcustomplot2.1-qt6
  nlohmann-json3-dev
  libcli11-dev            # niwt's command line (header-only)
  libmatio-dev zlib1g-dev
  wordnet-base            # WordNet 3.0 database: the description parser reads unknown words through it
  libopenblas0-pthread
  dataset-fashion-mnist
  python3-torch python3-torchvision
  libbenchmark-dev libgtest-dev
  clang libclang-rt-14-dev
  xvfb xauth imagemagick x11-utils
  desktop-file-utils
  dpkg-dev appstream file   # cpack with dpkg-shlibdeps, AppStream validation, the package test
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#PACKAGES[@]} packages present"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
