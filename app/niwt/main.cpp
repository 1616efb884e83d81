// niwt: the headless NIWT tool. `niwt --help` lists the subcommands.
#include "app/niwt/cli.h"
#include "core/engine/cancelled.h"
#include "core/pipeline/engine_info.h"

#include <algorithm>
#include <iostream>

namespace {

const char* kUsage = R"(niwt — Neuron Importance-aware Weight Transfer, headless

Usage:
  niwt info    [--dataset SPEC] [--split SPEC] [--modality NAME=csv:FILE]... [--bundle DIR|FILE] [--json]
  niwt extract --dataset SPEC [--split SPEC] [--bundle DIR|FILE] [--stage NAME] [--json]
               [--shard I/N --phase features|importances | --phase head]
  niwt merge   [--cache-dir DIR] [--keep-parts] [PART_FILE|FOLDER]... [--json]
  niwt run     --dataset SPEC --split SPEC [--bundle DIR|FILE] [--stage NAME]
               [--modality NAME|NAME=csv:FILE|captions] [--descriptions FILE]
               [--method niwt|eszsl] [--no-calibration] [--export DIR]
               [--typed FILE.json [--typed-parser parser|keyword]] [--json]
  niwt describe --dataset SPEC --split SPEC [--bundle DIR|FILE] [--stage NAME]
               [--modality NAME|NAME=csv:FILE|captions] [--descriptions FILE]
               --text "SENTENCE" [--top N] [--json]
  niwt bench learn --dataset SPEC --split SPEC --bundle DIR|FILE [--modality NAME] [--text "SENTENCE"]
  niwt bench extract --dataset SPEC [--split SPEC] --bundle DIR|FILE [--stage NAME] [--limit N]
  niwt explain --dataset SPEC --split SPEC [--bundle DIR|FILE] --image FILE --class NAME
               [--modality NAME] [--stage NAME] [--out DIR] [--top N] [--json]
  niwt neurons --dataset SPEC --split SPEC [--bundle DIR|FILE] [--stage NAME] [--class NAME]
               [--modality NAME] [--out DIR] [--top N] [--images N] [--units N] [--limit N] [--json]

Data sets (--dataset):  cub:DIR  awa2:DIR  folder:DIR  fashion-mnist[:DIR] (the default)
Splits (--split):       xlsa17:DIR (trainvalclasses.txt/testclasses.txt, att_splits.mat)
                        classes:FILE (one unseen class name per line)
Modalities:             --modality NAME=csv:FILE (header "class,<dim>,...", one row per class)

Typed descriptions (a new class from a sentence):
  describe --text S     parses S into a class vector of the modality (--modality attributes, the
                        default, or any modality with dimension names; captions: the TF-IDF encoder
                        fitted on the seen classes' descriptions), prints what it understood (phrases
                        and the attributes they set, unknown words, the nearest seen classes), learns
                        the class (mod2alpha, alpha2w) and lists the --top N (default 10) images of
                        the whole data set it ranks highest
  run --typed FILE      FILE: JSON object {"unseen class name": "sentence", ...}; those classes learn
                        from their sentence instead of the data set's row (names match ignoring case,
                        a leading "NNN.", '_', '-' and spaces); the result gains "typed"
  --typed-parser P      parser (default: niwt's description parser) or keyword (the older keyword
                        matcher, each score times the attribute's largest seen value)

Cluster-scale extraction (large data sets; packaging/cluster/ has Slurm and Kubernetes jobs):
  1. niwt extract ... --shard I/N --phase features     N jobs, I = 1..N (1-based): the I-th of N
                                                       contiguous slices of whole batches
  2. niwt merge --cache-dir DIR                        joins DIR/parts/ into the full caches
  3. niwt extract ... --phase head                     once: the seen head on the merged features
  4. niwt extract ... --shard I/N --phase importances  N jobs: the seen training images' importances
  5. niwt merge --cache-dir DIR                        then niwt run and the explorer find every cache
  Every step needs the same --dataset, --split, --bundle, --stage, --batch-size, --limit, --device
  and --cache-dir (a folder all jobs share). Shards cut at batch boundaries, so the merged caches
  equal the unsharded run's bit for bit. Parts go to DIR/parts/; merge checks that they come from
  the same inputs and cover each shard once, writes atomically and removes them (--keep-parts keeps).

Common options:
  --bundle PATH       a niwt-bundle folder (bundle.pt + bundle.json) or its bundle.pt;
                      for fashion-mnist without --bundle, a small CNN is trained once and cached
  --stage NAME        importance stage (default: the input of the bundle's last stage)
  --device D          auto (CUDA when available), cpu, cuda, cuda:N
  --batch-size N      images per batch (default 32)
  --decode-threads N  JPEG decoding threads (default: automatic)
  --torch-threads N   LibTorch intra-op threads (default: one per core)
  --limit N           at most N images per list (quick runs, benchmarks)
  --cache-dir DIR     where caches go (default $XDG_CACHE_HOME/niwt-explorer/cache)
  --no-cache          recompute and overwrite cached features, heads and importances
  --json              print the result as one JSON object
  --version, --help
Exit code 0 only on success; errors are one line on stderr.
)";

const std::vector<std::string> kValueOptions = {"dataset", "split", "modality", "bundle", "stage", "device",
                                                "batch-size", "decode-threads", "torch-threads", "limit", "cache-dir", "epochs", "method",
                                                "descriptions", "export", "image", "class", "out", "top", "images", "units",
                                                "shard", "phase", "text", "typed", "typed-parser"};
const std::vector<std::string> kFlagOptions = {"json", "no-cache", "no-calibration", "help", "version", "keep-parts"};

bool parse(int argc, char** argv, niwt::cli::Options& out, std::string& error) {
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        if (a.rfind("--", 0) != 0) {
            out.positional.push_back(a);
            continue;
        }
        std::string name = a.substr(2), value;
        const auto eq = name.find('=');
        const bool inlineValue = eq != std::string::npos && std::find(kValueOptions.begin(), kValueOptions.end(),
                                                                      name.substr(0, eq)) != kValueOptions.end();
        if (inlineValue) {
            value = name.substr(eq + 1);
            name = name.substr(0, eq);
        }
        if (std::find(kFlagOptions.begin(), kFlagOptions.end(), name) != kFlagOptions.end()) {
            out.flags[name] = true;
        } else if (std::find(kValueOptions.begin(), kValueOptions.end(), name) != kValueOptions.end()) {
            if (!inlineValue) {
                if (i + 1 >= argc) {
                    error = "--" + name + " needs a value";
                    return false;
                }
                value = argv[++i];
            }
            out.values[name].push_back(value);
        } else {
            error = "unknown option --" + name + " (see niwt --help)";
            return false;
        }
    }
    return true;
}

}  // namespace

int main(int argc, char** argv) {
    niwt::cli::Options options;
    std::string error;
    if (!parse(argc, argv, options, error)) {
        std::cerr << "niwt: " << error << "\n";
        return 2;
    }
    if (options.flag("version")) {
        std::cout << "niwt " << niwt::niwtVersion() << " (LibTorch " << niwt::libtorchVersion() << ", OpenCV "
                  << niwt::opencvVersion() << ")\n";
        return 0;
    }
    const auto& words = options.positional;
    if (options.flag("help") || words.empty()) {
        std::cout << kUsage;
        return words.empty() && !options.flag("help") ? 2 : 0;
    }
    try {
        if (words[0] == "info")
            return niwt::cli::commandInfo(options);
        if (words[0] == "extract")
            return niwt::cli::commandExtract(options);
        if (words[0] == "merge")
            return niwt::cli::commandMerge(options);
        if (words[0] == "run")
            return niwt::cli::commandRun(options);
        if (words[0] == "describe")
            return niwt::cli::commandDescribe(options);
        if (words[0] == "explain")
            return niwt::cli::commandExplain(options);
        if (words[0] == "neurons")
            return niwt::cli::commandNeurons(options);
        if (words[0] == "bench" && words.size() > 1 && words[1] == "learn")
            return niwt::cli::commandBenchLearn(options);
        if (words[0] == "bench" && words.size() > 1 && words[1] == "extract")
            return niwt::cli::commandBenchExtract(options);
        std::cerr << "niwt: unknown command '" << words[0] << "' (see niwt --help)\n";
        return 2;
    } catch (const niwt::Cancelled&) {
        std::cerr << "niwt: cancelled\n";
        return 130;
    } catch (const c10::Error& e) {
        std::cerr << "niwt: " << e.what_without_backtrace() << "\n";
        return 1;
    } catch (const std::exception& e) {
        std::cerr << "niwt: " << e.what() << "\n";
        return 1;
    }
}
