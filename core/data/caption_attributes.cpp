#include "core/data/caption_attributes.h"

#include "core/data/text_encoder.h"

#include <algorithm>
#include <map>
#include <set>

namespace niwt {

namespace {
double shareFound(const std::vector<std::string>& words, const std::set<std::string>& caption) {
    if (words.empty()) return 0;
    const auto found =
        std::count_if(words.begin(), words.end(), [&](const std::string& w) { return caption.count(w) > 0; });
    return double(found) / double(words.size());
}
}  // namespace

std::vector<float> attributeScoresFromCaption(const std::string& caption, const std::vector<std::string>& dimNames) {
    const std::vector<std::string> tokens = tokenize(caption);
    const std::set<std::string> words(tokens.begin(), tokens.end());
    std::vector<float> scores(dimNames.size(), 0.0f);
    // For "part::value" names whose value is mentioned: the share of the part's words, and per value
    // text the largest such share (is any part of that value named at all?).
    std::vector<double> partShare(dimNames.size(), -1.0);
    std::map<std::string, double> bestPartShareOfValue;
    for (size_t d = 0; d < dimNames.size(); ++d) {
        const std::string& name = dimNames[d];
        const size_t cut = name.find("::");
        if (cut == std::string::npos) {
            scores[d] = float(shareFound(tokenize(name), words));
            continue;
        }
        const std::vector<std::string> valueWords = tokenize(name.substr(cut + 2));
        if (valueWords.empty() || shareFound(valueWords, words) < 1.0) continue;
        partShare[d] = shareFound(tokenize(name.substr(0, cut)), words);
        double& best = bestPartShareOfValue[name.substr(cut + 2)];
        best = std::max(best, partShare[d]);
    }
    for (size_t d = 0; d < dimNames.size(); ++d) {
        if (partShare[d] < 0) continue;
        const double best = bestPartShareOfValue[dimNames[d].substr(dimNames[d].find("::") + 2)];
        scores[d] = best > 0 && partShare[d] == 0 ? 0.0f : float(0.5 + 0.5 * partShare[d]);
    }
    return scores;
}

}  // namespace niwt
