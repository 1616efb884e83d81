#pragma once
// Shared pieces of the `niwt` command-line tool: parsed options and the subcommands.
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace niwt::cli {

// The command line as main.cpp's CLI11 parser filled it: only options the subcommand declares.
struct Options {
    std::vector<std::string> positional;                     // subcommand words ("bench", "learn"), then merge's inputs
    std::map<std::string, std::vector<std::string>> values;  // --name VALUE (repeatable)
    std::map<std::string, bool> flags;                       // --name

    std::string value(const std::string& name, const std::string& fallback = "") const;
    std::vector<std::string> all(const std::string& name) const;
    int integer(const std::string& name, int fallback) const;
    bool flag(const std::string& name) const { return flags.count(name) > 0; }
};

// Prints `result` (as JSON with --json, else as readable lines) to stdout.
void printResult(const Options& options, const nlohmann::json& result);
// Progress on stderr ("features 120/5902"): on a terminal one line rewritten in place (at most
// twice a second); elsewhere plain lines, the first and last of each phase and at most one every
// 10 s between them (no carriage returns in logs).
void progressLine(const std::string& phase, int done, int total);
// Ends a terminal's progress line left open by an interrupted phase, so that the error or
// "niwt: cancelled" that follows starts a line of its own. Does nothing elsewhere.
void endProgressLine();

// Ctrl+C: main() lets SIGINT and SIGTERM set a flag (a second signal ends niwt at once). Long work
// polls it: cancelRequested() is what the engine's `cancelled` callbacks get (true -> the engine
// throws niwt::Cancelled, caches stay as they were); loops of niwt's own call throwIfCancelled().
// main() turns niwt::Cancelled into "niwt: cancelled" on stderr and exit code 130.
bool cancelRequested();
void throwIfCancelled();

int commandInfo(const Options& options);
int commandExtract(const Options& options);
int commandMerge(const Options& options);  // joins `extract --shard` partial caches
int commandBenchExtract(const Options& options);
int commandRun(const Options& options);
int commandBenchLearn(const Options& options);
int commandExplain(const Options& options);   // explain.cpp
int commandNeurons(const Options& options);   // explain.cpp
int commandDescribe(const Options& options);  // describe.cpp

}  // namespace niwt::cli

#include "core/data/dataset.h"
#include "core/data/text_encoder.h"
#include "core/model/bundle.h"
#include "core/pipeline/engine_context.h"

#include <memory>

#include <optional>
#include <set>

namespace niwt::cli {

// The data set from --dataset (default fashion-mnist), every --split and every --modality.
Dataset openDatasetFromOptions(const Options& options);

// The bundle folder or file from --bundle; for the embedded default data set without --bundle, the
// default network's folder (trained on first use, then cached).
std::string bundlePathFromOptions(const Options& options, const Dataset& dataset);
// That bundle, loaded. Device from --device (auto|cpu|cuda).
Bundle openBundleFromOptions(const Options& options, const Dataset& dataset, const torch::Device& device);

// The engine context the common options name: the bundle as bundlePathFromOptions, --stage,
// --modality's name, --descriptions, --device and --cache-dir.
EngineContext engineContextFromOptions(const Options& options, std::shared_ptr<const Dataset> dataset);

// The modality name --modality selects (default "attributes"; for NAME=csv:FILE the NAME).
std::string modalityNameFromOptions(const Options& options);
// The --descriptions file, else CUB's descriptors beside the data set; "" when neither exists.
std::string descriptionsFileFromOptions(const Options& options, const Dataset& dataset);

// The modality named by --modality (default "attributes"; for NAME=csv:FILE the NAME, added on
// opening). "captions" is built from class descriptions: --descriptions FILE, else CUB's
// descriptors beside the data set (../cub_descriptors/descriptors_cub.json); its encoder goes to
// `captionsEncoder` when given (left empty when the data set already had a "captions" modality).
const Modality& modalityFromOptions(Dataset& dataset, const Options& options,
                                    std::optional<TextEncoder>* captionsEncoder = nullptr);

}  // namespace niwt::cli

#include "core/data/description_parser.h"

namespace niwt::cli {

// How typed sentences become class vectors (describe.cpp):
//   Parser    niwt::DescriptionParser over a modality with dimension names (prior-filled vector);
//   Keyword   the old matcher, attributeScoresFromCaption (core/data/caption_attributes.h): each
//             score in [0, 1] times the largest value of its dimension over the seen classes' rows
//             (1 where that largest value is not positive), nothing else filled;
//   Captions  the captions modality's TF-IDF encoder (fitted on the seen classes' descriptions).
enum class SentenceRoute { Parser, Keyword, Captions };

// One sentence's class vector and what was understood of it.
struct SentenceVector {
    std::vector<float> vector;  // modality dims; empty when `problem` is set
    std::string problem;        // why no vector ("the description is empty", ...)
    // "phrases" [{"text", "negated", "attributes": [{"dim", "name", "attribute", "value", "weight"}]}],
    // "unknown_words" [word], "nearest_seen_classes" [name], "stated_dims" [{"dim", "name",
    // "attribute", "value"}] (values: the final vector's at those dims); Parser also
    // "wordnet_readings" [{"word", "reading"}] (words the lexicon lacks, read through WordNet).
    nlohmann::json report;
    double milliseconds = 0;  // turning the text into the vector
};

class SentenceVectors {
public:
    // `modality` (and `encoder`, for Captions) must outlive this. Parser and Keyword need the
    // modality's dimension names; Captions needs `encoder` with modality.dims terms. Throws
    // std::invalid_argument otherwise.
    SentenceVectors(const Dataset& dataset, const Modality& modality, SentenceRoute route,
                    const TextEncoder* encoder = nullptr);
    SentenceVector operator()(const std::string& text) const;
    SentenceRoute route() const { return route_; }

private:
    const Dataset& dataset_;
    const Modality& modality_;
    SentenceRoute route_;
    const TextEncoder* encoder_;
    std::optional<DescriptionParser> parser_;
    std::vector<float> seenMaximum_;    // Keyword: per dim, over the seen classes' rows
    std::set<std::string> nameTokens_;  // Keyword: every token of every dimension name
};

// --typed-parser parser|keyword, or Captions for --modality captions.
SentenceRoute sentenceRouteFromOptions(const Options& options);

}  // namespace niwt::cli

#include "core/pipeline/extraction.h"

namespace niwt::cli {

// --cache-dir, --batch-size, --decode-threads, --limit, --no-cache.
ExtractionOptions extractionOptionsFromOptions(const Options& options);

// LibTorch's intra-op threads: --torch-threads N, else one per core. Returns the count in use.
int configureThreadsFromOptions(const Options& options);

}  // namespace niwt::cli
