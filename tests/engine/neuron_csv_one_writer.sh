#!/usr/bin/env bash
# One neuron CSV writer: `niwt neurons` (app/niwt/explain.cpp) and the explorer's neuron panel
# export (widgets/neuron_panel.cpp) both write through core/pipeline/neuron_table.cpp
# (writeNeuronTable -> writeNeuronTableCsv, and writeNeuronTableCsv), and no other source writes a
# neuron CSV header of its own. Together with test_neuron_table (the writer's exact bytes) this
# makes the CLI's neurons.csv and the window's export the same bytes for the same listing.
# Usage: neuron_csv_one_writer.sh SOURCE_DIR
set -euo pipefail
root=$1
fail() { echo "FAIL: $*" >&2; exit 1; }
grep -q 'writeNeuronTable(listing, outDir)' "$root/app/niwt/explain.cpp" ||
    fail "app/niwt/explain.cpp does not write its table with writeNeuronTable(listing, outDir)"
grep -q 'writeNeuronTableCsv(' "$root/widgets/neuron_panel.cpp" ||
    fail "widgets/neuron_panel.cpp does not export with writeNeuronTableCsv"
grep -q 'writeNeuronTableCsv(' "$root/core/pipeline/neuron_table.cpp" ||
    fail "writeNeuronTable does not go through writeNeuronTableCsv"
# The header's first columns appear in one source (.cpp) file only: the writer.
writers=$(grep -rlE '"unit,(name,)?class_importance' "$root/core" "$root/app" "$root/widgets" --include='*.cpp' || true)
[ "$writers" = "$root/core/pipeline/neuron_table.cpp" ] ||
    fail "neuron CSV headers written outside core/pipeline/neuron_table.cpp: $writers"
echo "ok: one neuron CSV writer (core/pipeline/neuron_table.cpp), used by niwt neurons and the neuron panel"
