// niwt: the headless NIWT tool. `niwt --help` lists the subcommands, `niwt COMMAND --help` (and
// `niwt bench learn --help`, ...) a subcommand's options. The command line is parsed with CLI11
// into niwt::cli::Options, which the commands read.
#include "app/niwt/cli.h"
#include "core/engine/alpha2w_space.h"
#include "core/engine/cancelled.h"
#include "core/pipeline/engine_info.h"

#include <CLI/CLI.hpp>

#include <unistd.h>
#include <algorithm>
#include <atomic>
#include <cerrno>
#include <climits>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <iostream>

namespace {

// ---- Ctrl+C --------------------------------------------------------------------------------

std::atomic<bool> gCancelRequested{false};

extern "C" void onCancelSignal(int) { gCancelRequested.store(true); }

// SIGINT and SIGTERM set the flag that cancelRequested() reads. SA_RESETHAND: a second signal
// finds the default action again and ends niwt at once (for work that polls rarely). A signal that
// was ignored when niwt started (nohup, a background job of a script) stays ignored.
void installCancelHandlers() {
    for (const int signal : {SIGINT, SIGTERM}) {
        struct sigaction previous {};
        if (sigaction(signal, nullptr, &previous) == 0 && previous.sa_handler == SIG_IGN) continue;
        struct sigaction action {};
        action.sa_handler = onCancelSignal;
        sigemptyset(&action.sa_mask);
        action.sa_flags = SA_RESTART | SA_RESETHAND;
        sigaction(signal, &action, nullptr);
    }
}

// ---- Errors on stderr -----------------------------------------------------------------------

// An error message as one printable line: line breaks and tabs become spaces; other control bytes,
// DEL, C1 controls and bytes that are not part of valid UTF-8 become \xNN (a binary CSV header or file name must not
// reach the terminal raw), and the line is cut at kMaxErrorBytes (an error that quotes a megabyte-long line stays one
// screen line).
constexpr size_t kMaxErrorBytes = 600;

std::string printableLine(const std::string& text) {
    std::string out;
    size_t i = 0;
    while (i < text.size() && out.size() < kMaxErrorBytes) {
        const auto byte = static_cast<unsigned char>(text[i]);
        // Length of a well-formed UTF-8 sequence starting here (0: not one).
        size_t length = byte < 0x80                    ? 1
                        : byte >= 0xc2 && byte <= 0xdf ? 2
                        : byte >= 0xe0 && byte <= 0xef ? 3
                        : byte >= 0xf0 && byte <= 0xf4 ? 4
                                                       : 0;
        for (size_t k = 1; k < length; ++k)
            if (i + k >= text.size() || (static_cast<unsigned char>(text[i + k]) & 0xc0) != 0x80) length = 0;
        // U+0080..U+009F are control characters too (U+009B starts a terminal escape sequence).
        if (length == 2 && byte == 0xc2 && static_cast<unsigned char>(text[i + 1]) < 0xa0) length = 0;
        if (length == 1 && byte >= 0x20 && byte != 0x7f) {
            out += text[i];
        } else if (byte == '\n' || byte == '\r' || byte == '\t') {
            // Multi-line messages (LibTorch's) join into one line.
            if (!out.empty() && out.back() != ' ') out += ' ';
        } else if (length > 1) {
            out.append(text, i, length);
        } else {
            char escaped[5];
            std::snprintf(escaped, sizeof escaped, "\\x%02x", byte);
            out += escaped;
            length = 1;
        }
        i += length;
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();
    if (i < text.size()) out += "... (" + std::to_string(text.size() - i) + " more bytes)";
    return out;
}

// std::filesystem's "filesystem error: cannot create directories: Permission denied [/a/b]" as
// "/a/b: cannot create directories: Permission denied", the project's "PATH: problem" form.
std::string filesystemErrorLine(const std::filesystem::filesystem_error& e) {
    std::string what = e.what();
    const std::string prefix = "filesystem error: ";
    if (what.rfind(prefix, 0) == 0) what.erase(0, prefix.size());
    for (const auto& path : {e.path2(), e.path1()}) {
        if (path.empty()) continue;
        const std::string bracketed = " [" + path.string() + "]";
        if (what.size() >= bracketed.size() &&
            what.compare(what.size() - bracketed.size(), bracketed.size(), bracketed) == 0)
            what.erase(what.size() - bracketed.size());
    }
    return e.path1().empty() ? what : e.path1().string() + ": " + what;
}

// Every error niwt prints: a progress line left open on the terminal is ended first, so that the
// error starts a line of its own, then "niwt: MESSAGE" as one printable line.
void printError(const std::string& message) {
    niwt::cli::endProgressLine();
    std::cerr << "niwt: " << printableLine(message) << "\n" << std::flush;
}

// ---- Option values -------------------------------------------------------------------------

// The allowed range of each numeric option (documented in each option's --help line and the
// README). Threads: at most kMaxThreads, far above any core count this runs on, so that a typo
// such as 100000 is refused instead of starting that many threads and never finishing.
constexpr long long kMaxThreads = 256;
constexpr long long kMaxBatchSize = 4096;
constexpr long long kMaxEpochs = 1000;

struct IntegerRange {
    const char* name;
    long long minimum;
    long long maximum;
};

const IntegerRange kIntegerOptions[] = {
    {"torch-threads", 1, kMaxThreads},
    {"decode-threads", 1, kMaxThreads},
    {"batch-size", 1, kMaxBatchSize},
    {"epochs", 1, kMaxEpochs},
    {"limit", 1, INT_MAX},
    {"top", 1, INT_MAX},
    {"images", 1, INT_MAX},
    {"units", 1, INT_MAX},
    {"calibration-folds", 1, INT_MAX},
};

std::string rangeText(const IntegerRange& range) {
    return range.maximum == INT_MAX
               ? "an integer of at least " + std::to_string(range.minimum)
               : "an integer from " + std::to_string(range.minimum) + " to " + std::to_string(range.maximum);
}

// Why the value is not an integer in `range` ("" when it is).
std::string integerProblem(const std::string& value, const IntegerRange& range) {
    const std::string problem =
        std::string("--") + range.name + " must be " + rangeText(range) + ", got '" + value + "'";
    const size_t digits = value[0] == '-' || value[0] == '+' ? 1 : 0;
    if (value.size() == digits || value.find_first_not_of("0123456789", digits) != std::string::npos) return problem;
    errno = 0;
    const long long n = std::strtoll(value.c_str(), nullptr, 10);
    if (errno == ERANGE || n < range.minimum || n > range.maximum) return problem;
    return "";
}

// --modality: NAME=csv:FILE adds a modality; a bare NAME (commands that select one) names it. Why
// `value` is neither ("" when it is one), e.g. "att:file.csv" with ':' where '=' belongs, which
// would otherwise be taken for a modality name or dropped.
std::string modalityProblem(const std::string& value, bool selects) {
    const std::string expected = selects ? "NAME or NAME=csv:FILE" : "NAME=csv:FILE";
    const size_t equals = value.find('=');
    if (equals == std::string::npos) {
        if (selects && value.find(':') == std::string::npos) return "";
        return "--modality expects " + expected + ", got '" + value + "'" +
               (selects ? " (a modality from a CSV file is NAME=csv:FILE)" : "");
    }
    if (equals == 0 || value.compare(equals + 1, 4, "csv:") != 0 || value.size() == equals + 5)
        return "--modality expects " + expected + ", got '" + value + "'";
    return "";
}

// Why a folder the command writes into cannot be written ("" when it can): the folder itself when
// it exists, else the nearest existing folder above it, where it would be created. Checked before
// any work, so that an unwritable --export does not fail after an hour of computing.
std::string unwritableFolderProblem(const std::string& folder) {
    namespace fs = std::filesystem;
    std::error_code ec;
    const fs::path wanted = fs::absolute(folder, ec);
    if (ec) return ec.message();
    for (fs::path p = wanted;; p = p.parent_path()) {
        const fs::file_status status = fs::status(p, ec);
        if (fs::exists(status)) {
            const std::string which = p == wanted ? "" : p.string() + ": ";
            if (!fs::is_directory(status)) return which + "not a folder";
            if (access(p.c_str(), W_OK | X_OK) != 0) return which + std::strerror(errno);
            return "";
        }
        if (p == p.parent_path() || !p.has_parent_path()) return "no existing folder above it";
    }
}

const char* const kOutputFolderOptions[] = {"cache-dir", "export", "out"};

// The option values niwt::cli::Options holds, checked before any data set or network is opened:
// no empty value, every integer option within its range, --modality well formed. Returns the
// first problem as an error line ("" when none). Usage errors: exit code 2.
std::string optionValueProblem(const niwt::cli::Options& options, const std::string& command) {
    for (const auto& [name, values] : options.values)
        for (const auto& value : values)
            if (value.empty()) return "--" + name + ": empty value";
    for (const IntegerRange& range : kIntegerOptions)
        for (const auto& value : options.all(range.name))
            if (auto problem = integerProblem(value, range); !problem.empty()) return problem;
    // info, extract and bench extract only add modalities; the others select one by name.
    const bool selects = command != "niwt info" && command != "niwt extract" && command != "niwt bench extract";
    for (const auto& value : options.all("modality"))
        if (auto problem = modalityProblem(value, selects); !problem.empty()) return problem;
    return "";
}

// Output folders (--cache-dir, --export, --out) that cannot be written: one error line, exit
// code 1 ("" when all can).
std::string outputFolderProblem(const niwt::cli::Options& options) {
    for (const char* name : kOutputFolderOptions)
        for (const auto& folder : options.all(name))
            if (auto problem = unwritableFolderProblem(folder); !problem.empty())
                return folder + ": --" + name + " folder cannot be written (" + problem + ")";
    return "";
}

// ---- The command line ----------------------------------------------------------------------

const char* kFooter = R"(Run `niwt COMMAND --help` (`niwt bench learn --help`, ...) for a command's options.

Data sets (--dataset):  cub:DIR  awa2:DIR  folder:DIR  fashion-mnist[:DIR] (the default)
Splits (--split):       xlsa17:DIR (trainvalclasses.txt/testclasses.txt, att_splits.mat)
                        classes:FILE (one unseen class name per line)
Modalities:             --modality NAME=csv:FILE (header "class,<dim>,...", one row per class)
Networks (--bundle):    a niwt-bundle folder (bundle.pt + bundle.json) or its bundle.pt;
                        for fashion-mnist without --bundle, a small CNN is trained once and cached

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

Option values are checked before any work: integers within their range (--torch-threads and
--decode-threads 1 to 256, --batch-size 1 to 4096, --epochs 1 to 1000, --limit, --top, --images,
--units and --calibration-folds at least 1), no empty value, --modality NAME=csv:FILE well formed
(usage errors), and output folders (--cache-dir, --export, --out) writable.
Exit code 0 only on success; errors are one line on stderr (usage errors: exit code 2).
Ctrl+C (SIGINT) or SIGTERM stops the work at the next batch: "niwt: cancelled", exit code 130,
caches and output files as before the run (they are written atomically).
)";

// Option builders: each subcommand declares exactly the options its command reads.
struct Declare {
    CLI::App* app;

    Declare& value(const std::string& name, const std::string& type, const std::string& help) {
        app->add_option("--" + name, help)->type_name(type)->take_all();
        return *this;
    }
    Declare& flag(const std::string& name, const std::string& help) {
        app->add_flag("--" + name, help);
        return *this;
    }
    // --dataset, --split and --modality NAME=csv:FILE (every command that opens a data set).
    Declare& data(const std::string& modalityType, const std::string& modalityHelp) {
        return value("dataset", "SPEC", "cub:DIR, awa2:DIR, folder:DIR or fashion-mnist[:DIR] (the default)")
            .value("split", "SPEC", "xlsa17:DIR or classes:FILE (unseen class names); repeatable")
            .value("modality", modalityType, modalityHelp);
    }
    Declare& addsModality() {
        return data("NAME=csv:FILE", "adds a modality from a CSV (header class,<dim>,...); repeatable");
    }
    Declare& selectsModality(bool captions = true) {
        return data(captions ? "NAME|NAME=csv:FILE|captions" : "NAME|NAME=csv:FILE",
                    std::string("class vectors (default attributes); NAME=csv:FILE adds one") +
                        (captions ? "; captions: from --descriptions" : ""));
    }
    Declare& descriptions() {
        return value("descriptions", "FILE", "captions' class descriptions, JSON class -> phrases (default: CUB's)");
    }
    // --bundle (with --device and --epochs of the default network) and --stage.
    Declare& network() {
        return value("bundle", "DIR|FILE", "niwt-bundle folder or its bundle.pt (fashion-mnist: default CNN)")
            .value("device", "D", "auto (CUDA when available; the default), cpu, cuda, cuda:N")
            .value("epochs", "N", "epochs of the default fashion-mnist CNN, without --bundle, 1 to 1000 (default 3)")
            .value("stage", "NAME", "importance stage (default: the input of the bundle's last stage)");
    }
    // --alpha2w (run, describe, bench learn); the default named from kDefaultAlpha2WSpace.
    Declare& alpha2wSpace() {
        const bool fullByDefault = niwt::kDefaultAlpha2WSpace == niwt::Alpha2WSpace::Full;
        return value("alpha2w", "span|full",
                     std::string("alpha2w's search space: the seen rows' span") + (fullByDefault ? "" : " (default)") +
                         ", or all weights from the span solution" + (fullByDefault ? " (default)" : ""));
    }
    Declare& threads() {
        return value("torch-threads", "N", "LibTorch intra-op threads, 1 to 256 (default: one per core)");
    }
    Declare& cacheDir() {
        return value("cache-dir", "DIR",
                     "where caches and the default network go (default $XDG_CACHE_HOME/niwt-explorer/cache)");
    }
    Declare& batches() {
        return value("batch-size", "N", "images per batch, 1 to 4096 (default 32)")
            .value("decode-threads", "N", "JPEG decoding threads, 1 to 256 (default: automatic)");
    }
    Declare& limit(const std::string& help = "at most N images per list, N >= 1 (quick runs)") {
        return value("limit", "N", help);
    }
    // What extractionOptionsFromOptions reads.
    Declare& extraction() {
        return cacheDir().batches().limit().flag("no-cache",
                                                 "recompute and overwrite cached features, heads and importances");
    }
    Declare& json() { return flag("json", "print the result as one JSON object"); }
};

// The deepest subcommand given ("niwt", "niwt run", "niwt bench learn").
std::vector<CLI::App*> chainOf(CLI::App& app) {
    std::vector<CLI::App*> chain = {&app};
    while (!chain.back()->get_subcommands().empty()) chain.push_back(chain.back()->get_subcommands().front());
    return chain;
}

std::string commandName(const std::vector<CLI::App*>& chain) {
    std::string name = "niwt";
    for (size_t i = 1; i < chain.size(); ++i) name += " " + chain[i]->get_name();
    return name;
}

enum class Parsed { Run, Exit };

// Fills `out` from the command line; Exit with `code` when help, the version or an error was printed.
Parsed parseCommandLine(int argc, char** argv, niwt::cli::Options& out, int& code) {
    CLI::App app("niwt - Neuron Importance-aware Weight Transfer, headless", "niwt");
    app.set_help_flag("-h,--help", "print this help and exit");
    app.add_flag("--version", "print the version and exit");
    app.require_subcommand(0, 1);
    app.get_formatter()->column_width(34);

    CLI::App* info = app.add_subcommand("info", "summarise a data set and, with --bundle, a network");
    Declare{info}
        .addsModality()
        .value("bundle", "DIR|FILE", "also summarise this bundle (its stages, checked by running them)")
        .json();

    CLI::App* extract = app.add_subcommand("extract", "compute and cache features, the seen head and importances");
    Declare{extract}
        .addsModality()
        .network()
        .threads()
        .extraction()
        .value("shard", "I/N", "with --phase features|importances: the I-th (1-based) of N slices")
        .value("phase", "P", "one step of cluster-scale extraction: features, importances (with --shard) or head")
        .json();

    CLI::App* merge = app.add_subcommand("merge", "join the partial caches of `extract --shard` jobs");
    static std::vector<std::string> mergeInputs;
    merge->add_option("parts", mergeInputs, "part files or folders (default: the cache folder's parts/)")
        ->type_name("PART_FILE|FOLDER");
    Declare{merge}.cacheDir().flag("keep-parts", "keep the part files after merging").json();

    CLI::App* run = app.add_subcommand("run", "learn the unseen classes, report generalized zero-shot accuracy");
    Declare{run}
        .selectsModality()
        .descriptions()
        .network()
        .threads()
        .extraction()
        .value("method", "niwt|eszsl", "NIWT (mod2alpha + alpha2w; the default) or the ESZSL baseline alone")
        .flag("no-calibration", "skip calibrated stacking (no validation pass)")
        .value("calibration-folds", "N", "validation folds of pseudo-unseen classes choosing gamma (default 5)")
        .value("export", "DIR", "write the classifier there (classifier.json, .pt, projector/)")
        .value("typed", "FILE.json", "{\"unseen class\": \"sentence\", ...}: classes learned from sentences")
        .value("typed-parser", "parser|keyword", "with --typed: the description parser (default) or keywords")
        .alpha2wSpace()
        .value("alpha2w-bias", "level|zero", "new biases: at the seen classes' level (default) or zero (the original)")
        .value("alpha2w-norm", "spread|rescale|keep",
               "new logits spread like the seen ones over the training features (default), new weights at "
               "the mean seen norm, or kept as solved (the original)")
        .json();

    CLI::App* describe =
        app.add_subcommand("describe", "learn a class from a sentence, list the images it ranks highest");
    Declare{describe}
        .selectsModality()
        .descriptions()
        .network()
        .cacheDir()
        .value("text", "SENTENCE", "the new class's description (needed)")
        .value("top", "N", "images listed (default 10)")
        .alpha2wSpace()
        .json();

    CLI::App* bench = app.add_subcommand("bench", "benchmarks: bench learn, bench extract");
    bench->require_subcommand(1, 1);
    CLI::App* benchLearn =
        bench->add_subcommand("learn", "time alpha2w for all unseen classes and the interactive path");
    Declare{benchLearn}
        .selectsModality(/*captions=*/false)
        .network()
        .threads()
        .cacheDir()
        .value("text", "SENTENCE", "also time the interactive path from this typed sentence (parse included)")
        .alpha2wSpace()
        .json();
    CLI::App* benchExtract = bench->add_subcommand("extract", "images/s of decoding, the network and full extraction");
    Declare{benchExtract}
        .addsModality()
        .network()
        .threads()
        .batches()
        .limit("seen training images timed, N >= 1 (default 256)")
        .json();

    CLI::App* explain = app.add_subcommand("explain", "Grad-CAM, predictions and words for one image and class");
    Declare{explain}
        .selectsModality()
        .descriptions()
        .network()
        .threads()
        .extraction()
        .value("image", "FILE", "the image to explain (needed)")
        .value("class", "NAME", "the class to explain, seen or unseen (needed)")
        .value("top", "N", "predictions, words and units listed (default 5)")
        .value("out", "DIR", "where the Grad-CAM overlay PNG goes (default .)")
        .json();

    CLI::App* neurons = app.add_subcommand("neurons", "a stage's neuron table: unit names, top images, overlays");
    Declare{neurons}
        .selectsModality()
        .descriptions()
        .network()
        .threads()
        .extraction()
        .value("class", "NAME", "rank units by this class's importance (seen or unseen)")
        .value("top", "N", "attributes named per unit (default 5)")
        .value("images", "N", "top images per unit (default 3)")
        .value("units", "N", "units given overlays (default all; with --class its most important)")
        .value("out", "DIR", "where neurons.csv, neurons.json and crops/ go (default neurons)")
        .json();

    // Subcommands copy the footer when they are added: set it last, for the top level alone.
    app.footer(kFooter);
    // Unknown arguments are collected (not thrown) so that the error can name the command.
    for (CLI::App* a : {&app, info, extract, merge, run, describe, bench, benchLearn, benchExtract, explain, neurons})
        a->allow_extras();

    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp&) {
        std::cout << app.help();  // the deepest subcommand's help
        code = 0;
        return Parsed::Exit;
    } catch (const CLI::ParseError& e) {
        const auto chain = chainOf(app);
        const std::string command = commandName(chain);
        const std::string what = e.what();
        const auto colon = what.find(": ");
        if (chain.back() == bench && !bench->remaining().empty() && bench->remaining().front()[0] != '-')
            printError("unknown command 'bench " + bench->remaining().front() + "' (see niwt bench --help)");
        else if (chain.back() == bench)
            printError("bench needs a subcommand, learn or extract (see niwt bench --help)");
        else if (dynamic_cast<const CLI::ArgumentMismatch*>(&e) && what.rfind("--", 0) == 0 &&
                 colon != std::string::npos && what.find(" missing") != std::string::npos)
            printError(what.substr(0, colon) + " needs a value (see " + command + " --help)");
        else
            printError(what + " (see " + command + " --help)");
        code = 2;
        return Parsed::Exit;
    }

    const auto chain = chainOf(app);
    const std::string command = commandName(chain);
    for (CLI::App* a : chain) {
        const auto extras = a->remaining();
        if (extras.empty()) continue;
        const std::string name = commandName({chain.begin(), std::find(chain.begin(), chain.end(), a) + 1});
        const std::string& first = extras.front();
        if (first.size() > 1 && first[0] == '-') {
            if (a == &app && chain.size() > 1)
                printError("unknown option " + first.substr(0, first.find('=')) +
                           " (a command's options go after it: " + command + " " + first + " ...)");
            else
                printError("unknown option " + first.substr(0, first.find('=')) + " for " + name + " (see " + name +
                           " --help)");
        } else if (a == &app) {
            printError("unknown command '" + first + "' (see niwt --help)");
        } else {
            printError("unexpected argument '" + first + "' for " + name + " (see " + name + " --help)");
        }
        code = 2;
        return Parsed::Exit;
    }
    if (app.count("--version") > 0) {
        std::cout << "niwt " << niwt::niwtVersion() << " (LibTorch " << niwt::libtorchVersion() << ", OpenCV "
                  << niwt::opencvVersion() << ")\n";
        code = 0;
        return Parsed::Exit;
    }
    if (chain.size() == 1) {  // no command: the overview, as a usage error
        std::cout << app.help();
        code = 2;
        return Parsed::Exit;
    }

    for (size_t i = 1; i < chain.size(); ++i) out.positional.push_back(chain[i]->get_name());
    out.positional.insert(out.positional.end(), mergeInputs.begin(), mergeInputs.end());
    for (const CLI::Option* option : chain.back()->get_options()) {
        if (option->count() == 0 || option->get_lnames().empty() || option->get_lnames().front() == "help") continue;
        const std::string name = option->get_lnames().front();
        if (option->get_expected_max() == 0) {  // a flag: --name alone, no =VALUE
            for (const auto& result : option->results())
                if (result != "true") {
                    printError("--" + name + " takes no value (see " + command + " --help)");
                    code = 2;
                    return Parsed::Exit;
                }
            out.flags[name] = true;
        } else {
            out.values[name] = option->results();
        }
    }
    if (const std::string problem = optionValueProblem(out, command); !problem.empty()) {
        printError(problem + " (see " + command + " --help)");
        code = 2;
        return Parsed::Exit;
    }
    return Parsed::Run;
}

}  // namespace

namespace niwt::cli {

bool cancelRequested() { return gCancelRequested.load(); }

void throwIfCancelled() {
    if (cancelRequested()) throw Cancelled();
}

}  // namespace niwt::cli

int main(int argc, char** argv) {
    niwt::cli::Options options;
    int code = 0;
    if (parseCommandLine(argc, argv, options, code) == Parsed::Exit) return code;
    if (const std::string problem = outputFolderProblem(options); !problem.empty()) {
        printError(problem);
        return 1;
    }
    installCancelHandlers();
    const auto& words = options.positional;
    try {
        if (words[0] == "info") return niwt::cli::commandInfo(options);
        if (words[0] == "extract") return niwt::cli::commandExtract(options);
        if (words[0] == "merge") return niwt::cli::commandMerge(options);
        if (words[0] == "run") return niwt::cli::commandRun(options);
        if (words[0] == "describe") return niwt::cli::commandDescribe(options);
        if (words[0] == "explain") return niwt::cli::commandExplain(options);
        if (words[0] == "neurons") return niwt::cli::commandNeurons(options);
        if (words[0] == "bench" && words[1] == "learn") return niwt::cli::commandBenchLearn(options);
        if (words[0] == "bench" && words[1] == "extract") return niwt::cli::commandBenchExtract(options);
        printError("unknown command '" + words[0] + "' (see niwt --help)");
        return 2;
    } catch (const niwt::Cancelled&) {
        printError("cancelled");
        return 130;
    } catch (const c10::Error& e) {
        printError(e.what_without_backtrace());
        return 1;
    } catch (const std::filesystem::filesystem_error& e) {
        printError(filesystemErrorLine(e));
        return 1;
    } catch (const std::exception& e) {
        printError(e.what());
        return 1;
    }
}
