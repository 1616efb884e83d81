#include "core/engine/zsl_metrics.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <random>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <unordered_set>

namespace niwt {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

std::vector<int64_t> toIds(const torch::Tensor& t, const char* what) {
    if (!t.defined() || t.dim() != 1)
        throw std::invalid_argument(std::string(what) + " must be a 1-D tensor of class ids");
    if (t.is_floating_point() || t.is_complex())
        throw std::invalid_argument(std::string(what) + " must hold integer class ids");
    const auto c = t.to(torch::kCPU, torch::kLong).contiguous();
    const int64_t* p = c.data_ptr<int64_t>();
    return std::vector<int64_t>(p, p + c.numel());
}

void checkDistinct(const std::vector<int64_t>& classes, const char* what) {
    std::unordered_set<int64_t> seen;
    for (int64_t c : classes)
        if (!seen.insert(c).second)
            throw std::invalid_argument(std::string(what) + " lists class " + std::to_string(c) + " twice");
}

// Fraction correct per listed class and their mean, from (truth, predicted) pairs.
double meanOfClasses(const std::vector<int64_t>& predicted, const std::vector<int64_t>& truth,
                     const std::vector<int64_t>& classes, std::vector<double>* perClass) {
    std::unordered_map<int64_t, size_t> slot;
    for (size_t i = 0; i < classes.size(); ++i) slot[classes[i]] = i;
    std::vector<int64_t> count(classes.size(), 0), correct(classes.size(), 0);
    for (size_t i = 0; i < truth.size(); ++i) {
        const auto it = slot.find(truth[i]);
        if (it == slot.end()) continue;
        ++count[it->second];
        if (predicted[i] == truth[i]) ++correct[it->second];
    }
    double sum = 0;
    int present = 0;
    if (perClass) perClass->assign(classes.size(), kNaN);
    for (size_t k = 0; k < classes.size(); ++k) {
        if (count[k] == 0) continue;
        const double accuracy = double(correct[k]) / double(count[k]);
        if (perClass) (*perClass)[k] = accuracy;
        sum += accuracy;
        ++present;
    }
    return present ? sum / present : kNaN;
}

// Logits on the CPU in double, checked against the truth and the class lists.
struct Problem {
    torch::Tensor logits;  // N x C, contiguous double
    std::vector<int64_t> truth;
    int64_t n = 0, c = 0;
    const double* row(int64_t i) const { return logits.data_ptr<double>() + i * c; }
};

Problem prepare(const torch::Tensor& logits, const torch::Tensor& truth, const std::vector<int64_t>& seen,
                const std::vector<int64_t>& unseen, const char* seenName, const char* unseenName) {
    if (!logits.defined() || logits.dim() != 2) throw std::invalid_argument("logits must be an N x C matrix");
    Problem p;
    p.logits = logits.to(torch::kCPU, torch::kDouble).contiguous();
    p.truth = toIds(truth, "truth");
    p.n = p.logits.size(0);
    p.c = p.logits.size(1);
    if (int64_t(p.truth.size()) != p.n)
        throw std::invalid_argument("logits have " + std::to_string(p.n) + " rows but truth has " +
                                    std::to_string(p.truth.size()) + " entries");
    if (seen.empty()) throw std::invalid_argument(std::string(seenName) + " is empty");
    if (unseen.empty()) throw std::invalid_argument(std::string(unseenName) + " is empty");
    checkDistinct(seen, seenName);
    checkDistinct(unseen, unseenName);
    std::unordered_set<int64_t> seenSet(seen.begin(), seen.end());
    for (int64_t u : unseen)
        if (seenSet.count(u))
            throw std::invalid_argument("class " + std::to_string(u) + " is in both " + seenName + " and " +
                                        unseenName);
    for (const auto* list : {&seen, &unseen})
        for (int64_t k : *list)
            if (k < 0 || k >= p.c)
                throw std::invalid_argument("class " + std::to_string(k) + " is outside the " + std::to_string(p.c) +
                                            " logit columns");
    if (!torch::isfinite(p.logits).all().item<bool>())
        throw std::invalid_argument("logits hold NaN or infinite values");
    return p;
}

// Column of `classes` with the largest value in `row` (the first one on ties), and that value.
int64_t bestOf(const double* row, const std::vector<int64_t>& classes, double* value) {
    int64_t best = classes.front();
    double bestValue = row[best];
    for (size_t k = 1; k < classes.size(); ++k)
        if (row[classes[k]] > bestValue) {
            bestValue = row[classes[k]];
            best = classes[k];
        }
    *value = bestValue;
    return best;
}

// Per image: best seen class, best unseen class and the gap between their logits.
struct Contest {
    std::vector<int64_t> seenBest, unseenBest;
    std::vector<double> gap;  // max seen logit - max unseen logit
};

Contest contest(const Problem& p, const std::vector<int64_t>& seen, const std::vector<int64_t>& unseen) {
    Contest r;
    r.seenBest.resize(p.n);
    r.unseenBest.resize(p.n);
    r.gap.resize(p.n);
    for (int64_t i = 0; i < p.n; ++i) {
        double s, u;
        r.seenBest[i] = bestOf(p.row(i), seen, &s);
        r.unseenBest[i] = bestOf(p.row(i), unseen, &u);
        r.gap[i] = s - u;
    }
    return r;
}

GzslResult evaluate(const Problem& p, const Contest& k, const std::vector<int64_t>& seen,
                    const std::vector<int64_t>& unseen, double calibration) {
    std::vector<int64_t> overAll(p.n);
    for (int64_t i = 0; i < p.n; ++i) overAll[i] = k.gap[i] >= calibration ? k.seenBest[i] : k.unseenBest[i];
    GzslResult r;
    r.S = 100.0 * meanOfClasses(overAll, p.truth, seen, &r.perClassS);
    r.U = 100.0 * meanOfClasses(overAll, p.truth, unseen, &r.perClassU);
    for (auto* v : {&r.perClassS, &r.perClassU})
        for (double& x : *v) x *= 100.0;
    r.H = harmonicMean(r.U, r.S);
    r.zsl = 100.0 * meanOfClasses(k.unseenBest, p.truth, unseen, nullptr);
    return r;
}

}  // namespace

double harmonicMean(double u, double s) {
    if (std::isnan(u) || std::isnan(s)) return kNaN;
    if (u + s == 0) return 0;
    return 2 * u * s / (u + s);
}

double perClassMeanTop1(const torch::Tensor& predicted, const torch::Tensor& truth, const std::vector<int64_t>& classes,
                        std::vector<double>* perClass) {
    const auto p = toIds(predicted, "predicted");
    const auto t = toIds(truth, "truth");
    if (p.size() != t.size())
        throw std::invalid_argument("predicted has " + std::to_string(p.size()) + " entries but truth has " +
                                    std::to_string(t.size()));
    checkDistinct(classes, "classes");
    return meanOfClasses(p, t, classes, perClass);
}

GzslResult evaluateGzsl(const torch::Tensor& logits, const torch::Tensor& truth,
                        const std::vector<int64_t>& seenClasses, const std::vector<int64_t>& unseenClasses,
                        double calibration) {
    if (!std::isfinite(calibration)) throw std::invalid_argument("calibration must be finite");
    const auto p = prepare(logits, truth, seenClasses, unseenClasses, "seenClasses", "unseenClasses");
    return evaluate(p, contest(p, seenClasses, unseenClasses), seenClasses, unseenClasses, calibration);
}

namespace {

// The steps of H(gamma) for one validation set: midpoints between the distinct gaps of the listed
// classes' images, one candidate beyond each end, subsampled evenly to search.maxCandidates.
// Keeps at most `limit` (>= 2) of the sorted values, evenly spaced by rank, first and last included.
void thinEvenly(std::vector<double>& values, int limit) {
    const size_t n = size_t(std::max(2, limit));
    if (values.size() <= n) return;
    std::vector<double> subset(n);
    for (size_t i = 0; i < n; ++i)
        subset[i] = values[size_t(std::llround(double(i) * double(values.size() - 1) / double(n - 1)))];
    values.swap(subset);
}

std::vector<double> gammaCandidates(const Problem& p, const Contest& k, const std::vector<int64_t>& pseudoSeenClasses,
                                    const std::vector<int64_t>& pseudoUnseenClasses, const CalibrationSearch& search) {
    // Only images of the listed classes take part; their distinct gaps are the steps of H(gamma).
    std::unordered_set<int64_t> listed(pseudoSeenClasses.begin(), pseudoSeenClasses.end());
    listed.insert(pseudoUnseenClasses.begin(), pseudoUnseenClasses.end());
    std::vector<double> gaps;
    for (int64_t i = 0; i < p.n; ++i)
        if (listed.count(p.truth[i])) gaps.push_back(k.gap[i]);
    if (gaps.empty()) throw std::invalid_argument("no validation image belongs to the listed classes");
    std::sort(gaps.begin(), gaps.end());
    gaps.erase(std::unique(gaps.begin(), gaps.end()), gaps.end());

    const double margin = std::max(1.0, gaps.back() - gaps.front());
    std::vector<double> candidates;
    candidates.push_back(gaps.front() - margin);
    for (size_t i = 0; i + 1 < gaps.size(); ++i) candidates.push_back(0.5 * (gaps[i] + gaps[i + 1]));
    candidates.push_back(gaps.back() + margin);
    thinEvenly(candidates, search.maxCandidates);

    return candidates;
}

}  // namespace

double chooseCalibrationGamma(const torch::Tensor& validationLogits, const torch::Tensor& validationTruth,
                              const std::vector<int64_t>& pseudoSeenClasses,
                              const std::vector<int64_t>& pseudoUnseenClasses, GzslResult* atBest,
                              const CalibrationSearch& search) {
    const auto p = prepare(validationLogits, validationTruth, pseudoSeenClasses, pseudoUnseenClasses,
                           "pseudoSeenClasses", "pseudoUnseenClasses");
    const auto k = contest(p, pseudoSeenClasses, pseudoUnseenClasses);

    const std::vector<double> candidates = gammaCandidates(p, k, pseudoSeenClasses, pseudoUnseenClasses, search);
    double bestGamma = 0, bestH = -1;
    GzslResult best;
    for (double gamma : candidates) {
        const auto r = evaluate(p, k, pseudoSeenClasses, pseudoUnseenClasses, gamma);
        const double h = std::isnan(r.H) ? -1 : r.H;
        if (h > bestH || (h == bestH && std::abs(gamma) < std::abs(bestGamma))) {
            bestH = h;
            bestGamma = gamma;
            best = r;
        }
    }
    if (bestH < 0)
        throw std::invalid_argument(
            "choosing gamma needs validation images of both pseudo-seen and pseudo-unseen classes");
    if (atBest) *atBest = best;
    return bestGamma;
}

void splitClasses(const std::vector<int64_t>& classes, double heldOutFraction, uint64_t seed,
                  std::vector<int64_t>* kept, std::vector<int64_t>* heldOut) {
    const size_t n = classes.size();
    if (n < 2) throw std::invalid_argument("splitting classes needs at least 2 classes");
    if (!(heldOutFraction > 0 && heldOutFraction < 1))
        throw std::invalid_argument("heldOutFraction must lie strictly between 0 and 1");
    // One fold of pseudoUnseenFolds: the first round(fraction n) classes of the seeded shuffle.
    const auto folds = pseudoUnseenFolds(n, size_t(std::llround(heldOutFraction * double(n))), 1, seed);
    std::vector<bool> isHeld(n, false);
    for (size_t i : folds[0]) isHeld[i] = true;
    if (kept) kept->clear();
    if (heldOut) heldOut->clear();
    for (size_t i = 0; i < n; ++i) {
        auto* target = isHeld[i] ? heldOut : kept;
        if (target) target->push_back(classes[i]);
    }
}

std::vector<std::vector<size_t>> pseudoUnseenFolds(size_t n, size_t perFold, int folds, uint64_t seed) {
    if (n < 2) throw std::invalid_argument("validation folds need at least 2 classes");
    if (folds < 1) throw std::invalid_argument("validation folds: need at least one fold");
    perFold = std::min(std::max<size_t>(perFold, 1), n - 1);
    std::vector<size_t> order(n);
    std::iota(order.begin(), order.end(), 0);
    std::mt19937_64 rng(seed);
    std::shuffle(order.begin(), order.end(), rng);
    std::vector<std::vector<size_t>> out(static_cast<size_t>(folds));
    for (size_t f = 0; f < out.size(); ++f) {
        for (size_t j = 0; j < perFold; ++j) out[f].push_back(order[(f * perFold + j) % n]);
        std::sort(out[f].begin(), out[f].end());
    }
    return out;
}

FoldedCalibration chooseCalibrationGammaAcrossFolds(const std::vector<CalibrationFold>& folds,
                                                    const CalibrationSearch& search) {
    if (folds.empty()) throw std::invalid_argument("choosing gamma across folds needs at least one fold");
    std::vector<Problem> prepared;
    std::vector<Contest> contests;
    std::vector<double> candidates = {0.0};
    for (const auto& f : folds) {
        prepared.push_back(
            prepare(f.logits, f.truth, f.pseudoSeen, f.pseudoUnseen, "pseudoSeenClasses", "pseudoUnseenClasses"));
        contests.push_back(contest(prepared.back(), f.pseudoSeen, f.pseudoUnseen));
        const auto c = gammaCandidates(prepared.back(), contests.back(), f.pseudoSeen, f.pseudoUnseen, search);
        candidates.insert(candidates.end(), c.begin(), c.end());
    }
    std::sort(candidates.begin(), candidates.end());
    candidates.erase(std::unique(candidates.begin(), candidates.end()), candidates.end());
    thinEvenly(candidates, search.maxCandidates - 1);
    candidates.insert(std::upper_bound(candidates.begin(), candidates.end(), 0.0), 0.0);  // gamma 0: the baseline
    candidates.erase(std::unique(candidates.begin(), candidates.end()), candidates.end());
    const auto meanH = [&](double gamma, std::vector<GzslResult>* results) {
        double sum = 0;
        for (size_t i = 0; i < folds.size(); ++i) {
            const auto r = evaluate(prepared[i], contests[i], folds[i].pseudoSeen, folds[i].pseudoUnseen, gamma);
            if (results) results->push_back(r);
            sum += std::isnan(r.H) ? 0 : r.H;
        }
        return sum / double(folds.size());
    };
    FoldedCalibration out;
    out.meanHAtZero = meanH(0.0, nullptr);
    out.meanH = out.meanHAtZero;
    for (double gamma : candidates) {
        const double h = meanH(gamma, nullptr);
        // Strictly better than the best so far; ties go to the smaller |gamma|, so gamma stays 0
        // unless calibrating raises the mean validation H.
        if (h > out.meanH || (h == out.meanH && std::abs(gamma) < std::abs(out.gamma))) {
            out.meanH = h;
            out.gamma = gamma;
        }
    }
    meanH(out.gamma, &out.atGamma);
    return out;
}

}  // namespace niwt
