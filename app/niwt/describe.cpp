// `niwt describe`: one sentence -> what the description parser understood of it -> a new class
// learned from it (NiwtSession: mod2alpha, alpha2w) -> the images it ranks highest over the whole
// data set. Also the sentence-to-vector routes `niwt run --typed` and `niwt bench learn --text` share.
#include "app/niwt/cli.h"
#include "core/data/caption_attributes.h"
#include "core/pipeline/niwt_session.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <iomanip>
#include <iostream>
#include <sstream>

namespace niwt::cli {

namespace {

double millisecondsSince(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

// The words of `text` as typed, split as tokenize() splits (on bytes that are not ASCII letters or
// digits; UTF-8 bytes stay inside words).
std::vector<std::string> rawWords(const std::string& text) {
    std::vector<std::string> words;
    std::string word;
    for (const char ch : text) {
        const auto c = static_cast<unsigned char>(ch);
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c >= 0x80) {
            word.push_back(ch);
        } else if (!word.empty()) {
            words.push_back(word);
            word.clear();
        }
    }
    if (!word.empty()) words.push_back(word);
    return words;
}

// Words of `text` that carry meaning (a token after tokenize()) but none that `known` accepts.
template <typename Known>
nlohmann::json unknownWordsOf(const std::string& text, const Known& known) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& word : rawWords(text)) {
        const auto tokens = tokenize(word);
        if (!tokens.empty() && std::none_of(tokens.begin(), tokens.end(), known)) out.push_back(word);
    }
    return out;
}

// Up to 5 seen classes (seen and in the split) whose rows are closest in cosine to `vector`, best
// first; classes at cosine 0 or below are left out.
nlohmann::json nearestSeenByCosine(const Dataset& dataset, const Modality& modality, const std::vector<float>& vector) {
    std::vector<std::pair<double, int>> scored;
    for (size_t c = 0; c < dataset.classes.size(); ++c) {
        if (!dataset.classes[c].seen || !dataset.classes[c].inSplit) continue;
        const std::vector<float> row(modality.row(int(c)), modality.row(int(c)) + modality.dims);
        const double cosine = cosineSimilarity(vector, row);
        if (cosine > 0) scored.emplace_back(cosine, int(c));
    }
    std::stable_sort(scored.begin(), scored.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
    nlohmann::json out = nlohmann::json::array();
    for (size_t i = 0; i < scored.size() && i < 5; ++i) out.push_back(dataset.classes[size_t(scored[i].second)].name);
    return out;
}

std::string dimName(const Modality& modality, int d) {
    return d < int(modality.dimNames.size()) ? modality.dimNames[size_t(d)] : "dim " + std::to_string(d);
}

nlohmann::json dimJson(const Modality& modality, int d, const std::vector<float>& vector) {
    const std::string name = dimName(modality, d);
    return {{"dim", d},
            {"name", name},
            {"attribute", DescriptionParser::readableDimName(name)},
            {"value", vector[size_t(d)]}};
}

}  // namespace

SentenceRoute sentenceRouteFromOptions(const Options& options) {
    if (modalityNameFromOptions(options) == "captions") {
        if (!options.value("typed-parser").empty())
            throw std::invalid_argument(
                "--typed-parser does not apply to --modality captions (its sentences go "
                "through the captions encoder)");
        return SentenceRoute::Captions;
    }
    const std::string parser = options.value("typed-parser", "parser");
    if (parser == "parser") return SentenceRoute::Parser;
    if (parser == "keyword") return SentenceRoute::Keyword;
    throw std::invalid_argument("--typed-parser " + parser + " is unknown (use parser or keyword)");
}

SentenceVectors::SentenceVectors(const Dataset& dataset, const Modality& modality, SentenceRoute route,
                                 const TextEncoder* encoder)
    : dataset_(dataset), modality_(modality), route_(route), encoder_(encoder) {
    if (route == SentenceRoute::Captions) {
        if (!encoder || encoder->dims() != modality.dims)
            throw std::invalid_argument("the modality \"" + modality.name +
                                        "\" has no captions encoder for typed text (it was not built from "
                                        "class descriptions)");
        return;
    }
    if (int(modality.dimNames.size()) != modality.dims || modality.dims == 0)
        throw std::invalid_argument("the modality \"" + modality.name +
                                    "\" has no dimension names, so typed text cannot be read into it");
    if (route == SentenceRoute::Parser) {
        parser_.emplace(dataset, modality);
        return;
    }
    // Keyword: each dimension's range over the seen classes' rows.
    seenMaximum_.assign(size_t(modality.dims), 0.0f);
    bool anySeen = false;
    for (size_t c = 0; c < dataset.classes.size(); ++c) {
        if (!dataset.classes[c].seen || !dataset.classes[c].inSplit) continue;
        const float* row = modality.row(int(c));
        for (int d = 0; d < modality.dims; ++d)
            seenMaximum_[size_t(d)] = anySeen ? std::max(seenMaximum_[size_t(d)], row[d]) : row[d];
        anySeen = true;
    }
    if (!anySeen) throw std::invalid_argument("the data set has no seen class to scale keyword scores by");
    for (float& m : seenMaximum_)
        if (!(m > 0)) m = 1.0f;
    for (const auto& name : modality.dimNames)
        for (const auto& token : tokenize(name)) nameTokens_.insert(token);
}

SentenceVector SentenceVectors::operator()(const std::string& text) const {
    SentenceVector out;
    out.report = nlohmann::json::object();
    const auto start = std::chrono::steady_clock::now();
    nlohmann::json phrases = nlohmann::json::array();
    nlohmann::json unknown = nlohmann::json::array();
    nlohmann::json nearest = nlohmann::json::array();
    std::vector<int> stated;

    if (route_ == SentenceRoute::Parser) {
        const DescriptionParse parse = parser_->parse(text);
        out.milliseconds = millisecondsSince(start);
        out.problem = parse.ok() ? "" : (parse.problem.empty() ? "nothing in it was understood" : parse.problem);
        if (parse.ok()) out.vector = parse.vector;
        for (const auto& phrase : parse.phrases) {
            nlohmann::json attributes = nlohmann::json::array();
            for (size_t i = 0; i < phrase.dims.size(); ++i) {
                const int d = phrase.dims[i];
                nlohmann::json a = {{"dim", d},
                                    {"name", dimName(modality_, d)},
                                    {"attribute", DescriptionParser::readableDimName(dimName(modality_, d))},
                                    {"weight", i < phrase.weights.size() ? phrase.weights[i] : 0.0f}};
                if (!out.vector.empty()) a["value"] = out.vector[size_t(d)];
                attributes.push_back(std::move(a));
            }
            phrases.push_back({{"text", phrase.text}, {"negated", phrase.negated}, {"attributes", attributes}});
        }
        for (const auto& word : parse.unknownWords) unknown.push_back(word.word);
        for (int c : parse.nearestSeenClasses)
            if (c >= 0 && c < int(dataset_.classes.size())) nearest.push_back(dataset_.classes[size_t(c)].name);
        stated = parse.statedDims;
        nlohmann::json readings = nlohmann::json::array();
        for (const auto& [word, reading] : parse.wordNetReadings)
            readings.push_back({{"word", word}, {"reading", reading}});
        out.report["wordnet_readings"] = readings;
    } else if (route_ == SentenceRoute::Keyword) {
        const std::vector<float> scores = attributeScoresFromCaption(text, modality_.dimNames);
        std::vector<float> vector(scores.size(), 0.0f);
        for (size_t d = 0; d < scores.size(); ++d) {
            vector[d] = scores[d] * seenMaximum_[d];
            if (scores[d] > 0) stated.push_back(int(d));
        }
        out.milliseconds = millisecondsSince(start);
        if (tokenize(text).empty())
            out.problem = "the description is empty";
        else if (stated.empty())
            out.problem = "the keyword matcher found no attribute named in it";
        else
            out.vector = std::move(vector);
        unknown = unknownWordsOf(text, [&](const std::string& t) { return nameTokens_.count(t) > 0; });
        if (!out.vector.empty()) nearest = nearestSeenByCosine(dataset_, modality_, out.vector);
    } else {
        std::vector<float> vector = encoder_->encode(text);
        out.milliseconds = millisecondsSince(start);
        for (size_t d = 0; d < vector.size(); ++d)
            if (vector[d] != 0.0f) stated.push_back(int(d));
        if (tokenize(text).empty())
            out.problem = "the description is empty";
        else if (stated.empty())
            out.problem = "no word of it occurs in the seen classes' descriptions (the captions vocabulary, " +
                          std::to_string(encoder_->dims()) + " terms)";
        else
            out.vector = std::move(vector);
        unknown = unknownWordsOf(text, [&](const std::string& t) { return encoder_->termIndex(t) >= 0; });
        if (!out.vector.empty()) {
            nearest = nearestSeenByCosine(dataset_, modality_, out.vector);
            // One "phrase" per known term, as the encoder saw it (stemmed), with its TF-IDF weight.
            for (int d : stated)
                phrases.push_back({{"text", encoder_->vocabulary()[size_t(d)]},
                                   {"negated", false},
                                   {"attributes", nlohmann::json::array({dimJson(modality_, d, out.vector)})}});
        }
    }

    nlohmann::json statedJson = nlohmann::json::array();
    if (!out.vector.empty())
        for (int d : stated) statedJson.push_back(dimJson(modality_, d, out.vector));
    out.report.update({{"phrases", phrases},
                       {"unknown_words", unknown},
                       {"nearest_seen_classes", nearest},
                       {"stated_dims", statedJson}});
    return out;
}

namespace {

std::string fixed(double v, int digits) {
    std::ostringstream s;
    s << std::fixed << std::setprecision(digits) << v;
    return s.str();
}

std::string joined(const nlohmann::json& strings) {
    std::string out;
    for (const auto& s : strings) out += (out.empty() ? "" : ", ") + s.get<std::string>();
    return out.empty() ? "(none)" : out;
}

void printReadable(const nlohmann::json& r) {
    std::cout << "text: " << r["text"].get<std::string>() << "\n"
              << "dataset: " << r["dataset"].get<std::string>() << "\n"
              << "bundle: " << r["bundle"].get<std::string>() << " (stage " << r["stage"].get<std::string>() << ")\n"
              << "modality: " << r["modality"].get<std::string>() << "\n"
              << "phrases:\n";
    if (r["phrases"].empty()) std::cout << "  (none)\n";
    for (const auto& p : r["phrases"]) {
        std::cout << "  \"" << p["text"].get<std::string>() << "\"" << (p["negated"].get<bool>() ? " (negated)" : "")
                  << " ->";
        if (p["attributes"].empty()) std::cout << " (no attribute of this modality)";
        std::string sep = " ";
        for (const auto& a : p["attributes"]) {
            std::cout << sep << a["attribute"].get<std::string>();
            if (a.contains("value")) std::cout << " = " << fixed(a["value"].get<double>(), 3);
            sep = "; ";
        }
        std::cout << "\n";
    }
    if (r.contains("wordnet_readings"))
        for (const auto& w : r["wordnet_readings"])
            std::cout << "read through WordNet: " << w["word"].get<std::string>() << " -> "
                      << w["reading"].get<std::string>() << "\n";
    // The first few nearest seen classes (--json lists them all).
    nlohmann::json nearest = nlohmann::json::array();
    for (size_t i = 0; i < r["nearest_seen_classes"].size() && i < 6; ++i)
        nearest.push_back(r["nearest_seen_classes"][i]);
    const size_t more = r["nearest_seen_classes"].size() - nearest.size();
    std::cout << "unknown words: " << joined(r["unknown_words"]) << "\n"
              << "nearest seen classes: " << joined(nearest)
              << (more > 0 ? " (and " + std::to_string(more) + " more)" : std::string()) << "\n"
              << "top images:\n";
    std::cout << "  rank    margin     logit  class  file\n";
    int rank = 0;
    for (const auto& image : r["top_images"])
        std::cout << "  " << std::setw(4) << ++rank << "  " << std::setw(8) << fixed(image["margin"].get<double>(), 3)
                  << "  " << std::setw(8) << fixed(image["score"].get<double>(), 3) << "  "
                  << image["class"].get<std::string>() << "  " << image["file"].get<std::string>() << "\n";
    std::cout << "parse: " << fixed(r["parse_ms"].get<double>(), 3)
              << " ms, learn: " << fixed(r["learn_ms"].get<double>(), 1) << " ms (alpha2w "
              << r["alpha2w_iterations"].get<int>()
              << " iterations), prepare: " << fixed(r["prepare_s"].get<double>(), 1) << " s\n";
}

}  // namespace

int commandDescribe(const Options& options) {
    if (!options.values.count("text")) {
        std::cerr << "niwt: describe needs --text \"SENTENCE\" (see niwt --help)\n";
        return 2;
    }
    const std::string text = options.value("text");
    const int top = options.integer("top", 10);
    if (top < 1) throw std::invalid_argument("--top must be at least 1, got " + std::to_string(top));
    if (!options.value("typed-parser").empty())
        throw std::invalid_argument("--typed-parser belongs to niwt run --typed, not describe");

    auto dataset = std::make_shared<Dataset>(openDatasetFromOptions(options));
    const std::string modalityName = modalityNameFromOptions(options);
    // "captions" built from descriptions (a CSV modality of that name is read like any other).
    const SentenceRoute route =
        modalityName == "captions" && !dataset->modality("captions") ? SentenceRoute::Captions : SentenceRoute::Parser;

    // The text first: an empty or meaningless sentence fails before minutes of extraction. The
    // captions encoder is fitted here as the session fits it (same file, same data set), so the
    // vector learned from below (the session's own encoding) is this one.
    std::optional<CaptionModel> captions;
    const Modality* modality = nullptr;
    std::string descriptionsFile;
    if (route == SentenceRoute::Captions) {
        descriptionsFile = descriptionsFileFromOptions(options, *dataset);
        if (descriptionsFile.empty())
            throw std::invalid_argument(
                "the captions modality needs --descriptions FILE (JSON: class name -> phrases)");
        captions = captionModelFromFile(*dataset, descriptionsFile);
        modality = &captions->modality;
    } else {
        modality = &modalityFromOptions(*dataset, options);
    }
    const SentenceVectors sentences(*dataset, *modality, route, captions ? &captions->encoder : nullptr);
    SentenceVector parsed = sentences(text);
    if (!parsed.problem.empty()) throw std::invalid_argument("--text: " + parsed.problem);

    EngineContext so = engineContextFromOptions(options, dataset);
    so.modality = modalityName;
    so.descriptionsFile = descriptionsFile;
    NiwtSessionOptions sessionOptions;
    sessionOptions.alpha2wSpace = parseAlpha2WSpace(options.value("alpha2w", alpha2wSpaceName(kDefaultAlpha2WSpace)));
    NiwtSession session(so, sessionOptions);
    const NiwtSessionInfo info = session.prepare(progressLine, cancelRequested);
    const std::vector<float> vector =
        route == SentenceRoute::Captions ? session.classVectorFromCaption(text) : parsed.vector;

    const auto learnStart = std::chrono::steady_clock::now();
    const LearnedClass learned = session.learnClass("described", vector, {}, cancelRequested);
    const double learnMs = millisecondsSince(learnStart);

    nlohmann::json topImages = nlohmann::json::array();
    for (size_t i = 0; i < learned.ranking.size() && int(i) < top; ++i) {
        const ImageInfo& image = dataset->images[size_t(learned.ranking[i].image)];
        topImages.push_back({{"file", image.path},
                             {"class", dataset->classes[size_t(image.classIndex)].name},
                             {"score", learned.ranking[i].score},
                             {"margin", learned.ranking[i].margin}});
    }
    nlohmann::json out = {{"text", text},
                          {"dataset", dataset->spec},
                          {"bundle", so.bundle},
                          {"stage", info.stageName},
                          {"modality", info.modality},
                          {"modality_dims", info.modalityDims},
                          {"device", info.device}};
    out.update(parsed.report);
    out["top_images"] = topImages;
    out["ranked_images"] = learned.ranking.size();
    out["parse_ms"] = parsed.milliseconds;
    out["learn_ms"] = learnMs;
    out["prepare_s"] = info.seconds;
    out["alpha2w_iterations"] = learned.iterations;
    out["alpha2w_converged"] = learned.converged;
    out["alpha2w"] = {{"mode", learned.alpha2wMode}, {"cosine_loss", learned.cosineLoss}};
    if (learned.alpha2wMode == "full") out["alpha2w"]["span_cosine_loss"] = learned.spanCosineLoss;
    out["mod2alpha_validation_cosine_distance"] = learned.mod2alphaValidationCosineDistance;
    if (options.flag("json"))
        std::cout << out.dump(2) << "\n";
    else
        printReadable(out);
    return 0;
}

}  // namespace niwt::cli
