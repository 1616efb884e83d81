#!/usr/bin/env bash
# The run command: install what is missing, build, and open the explorer on the embedded default
# data set (Fashion-MNIST; its small network is trained once, then cached). Arguments pass through,
# e.g. packaging/run-explorer.sh --dataset cub:DIR --split xlsa17:DIR --bundle DIR
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bash "$root/packaging/build.sh"
exec "$root/build/app/explorer/niwt-explorer" "$@"
