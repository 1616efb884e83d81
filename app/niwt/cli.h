#pragma once
// Shared pieces of the `niwt` command-line tool: parsed options and the subcommands.
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace niwt::cli {

struct Options {
    std::vector<std::string> positional;           // subcommand words
    std::map<std::string, std::vector<std::string>> values;  // --name VALUE (repeatable)
    std::map<std::string, bool> flags;             // --name

    std::string value(const std::string& name, const std::string& fallback = "") const;
    std::vector<std::string> all(const std::string& name) const;
    int integer(const std::string& name, int fallback) const;
    bool flag(const std::string& name) const { return flags.count(name) > 0; }
};

// Prints `result` (as JSON with --json, else as readable lines) to stdout.
void printResult(const Options& options, const nlohmann::json& result);
// Progress line on stderr ("features 120/5902"), rate-limited.
void progressLine(const std::string& phase, int done, int total);

int commandInfo(const Options& options);
int commandExtract(const Options& options);
int commandMerge(const Options& options);     // joins `extract --shard` partial caches
int commandBenchExtract(const Options& options);
int commandRun(const Options& options);
int commandBenchLearn(const Options& options);
int commandExplain(const Options& options);  // explain.cpp
int commandNeurons(const Options& options);  // explain.cpp

}  // namespace niwt::cli

#include "core/data/dataset.h"
#include "core/model/bundle.h"

namespace niwt::cli {

// The data set from --dataset (default fashion-mnist), every --split and every --modality.
Dataset openDatasetFromOptions(const Options& options);

// The bundle from --bundle; for the embedded default data set without --bundle, the default
// network (trained on first use, then cached). Device from --device (auto|cpu|cuda).
Bundle openBundleFromOptions(const Options& options, const Dataset& dataset, const torch::Device& device);

// The modality named by --modality (default "attributes"; for NAME=csv:FILE the NAME, added on
// opening). "captions" is built from class descriptions: --descriptions FILE, else CUB's
// descriptors beside the data set (../cub_descriptors/descriptors_cub.json).
const Modality& modalityFromOptions(Dataset& dataset, const Options& options);

}  // namespace niwt::cli

#include "core/pipeline/extraction.h"

namespace niwt::cli {

// --cache-dir, --batch-size, --decode-threads, --limit, --no-cache.
ExtractionOptions extractionOptionsFromOptions(const Options& options);

// LibTorch's intra-op threads: --torch-threads N, else one per core. Returns the count in use.
int configureThreadsFromOptions(const Options& options);

}  // namespace niwt::cli
