#!/usr/bin/env bash
# Runs the four steps of cluster-scale extraction on Kubernetes in order, each after the previous
# one completed: features (Indexed Job), merge + seen head, importances (Indexed Job), merge.
# Usage: bash run.sh [NAMESPACE]   (edit 00-storage.yaml's ConfigMap and the image first; a
# PersistentVolumeClaim "niwt-data" must hold the data set and the bundle).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
ns=(--namespace "${1:-default}")
shards=$(sed -n 's/^ *NIWT_SHARDS: *"\([0-9]*\)".*/\1/p' "$here/00-storage.yaml")
for job in 10-features.yaml 30-importances.yaml; do
    completions=$(sed -n 's/^ *completions: *\([0-9]*\).*/\1/p' "$here/$job")
    if [ "$completions" != "$shards" ]; then
        echo "run.sh: $job has completions: $completions but NIWT_SHARDS is $shards (00-storage.yaml)" >&2
        exit 1
    fi
done
kubectl "${ns[@]}" apply -f "$here/00-storage.yaml"
for step in 10-features:niwt-features 20-merge-head:niwt-merge-head 30-importances:niwt-importances 40-merge:niwt-merge; do
    kubectl "${ns[@]}" apply -f "$here/${step%%:*}.yaml"
    kubectl "${ns[@]}" wait --for=condition=complete --timeout=48h "job/${step#*:}"
done
echo "merged caches are on the niwt-cache volume"
