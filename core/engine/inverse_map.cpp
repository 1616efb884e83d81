#include "core/engine/inverse_map.h"

#include "core/engine/mod2alpha.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <numeric>
#include <random>
#include <stdexcept>

namespace niwt {

namespace {

torch::Tensor asDouble(const torch::Tensor& t) { return t.detach().to(torch::kCPU, torch::kDouble).contiguous(); }

// Rows scaled to unit L2 norm; zero rows stay zero.
torch::Tensor unitRows(const torch::Tensor& x) {
    const auto norms = x.norm(2, 1, true);
    return x / torch::where(norms > 0, norms, torch::ones_like(norms));
}

void requireFinite(const torch::Tensor& t, const char* what) {
    if (!torch::isfinite(t).all().item<bool>())
        throw std::invalid_argument(std::string("inverse map: ") + what + " hold non-finite values");
}

// Everything one ridge solve needs, for many lambdas: the eigendecomposition of the centred Gram.
struct RidgeProblem {
    torch::Tensor xMean, yMean;  // K, a
    torch::Tensor eigenvalues;   // K
    torch::Tensor eigenvectors;  // K x K
    torch::Tensor vtXtY;         // K x a: V^T Xc^T Yc / N

    RidgeProblem(const torch::Tensor& X, const torch::Tensor& Y) {
        const double n = double(X.size(0));
        xMean = X.mean(0);
        yMean = Y.mean(0);
        const auto Xc = X - xMean;
        const auto Yc = Y - yMean;
        const auto gram = torch::mm(Xc.t(), Xc) / n;
        auto [values, vectors] = torch::linalg_eigh(gram);
        eigenvalues = values.clamp_min(0);
        eigenvectors = vectors;
        vtXtY = torch::mm(vectors.t(), torch::mm(Xc.t(), Yc) / n);
    }

    void solve(double lambda, torch::Tensor* weight, torch::Tensor* bias) const {
        // W^T = V diag(1 / (e + lambda)) V^T Xc^T Yc / N. With lambda = 0 a null direction of the
        // Gram matrix gets no weight (pseudo-inverse) rather than a division by zero.
        const auto denom = eigenvalues + lambda;
        const auto inv = torch::where(denom > 1e-300, 1.0 / denom, torch::zeros_like(denom));
        const auto wt = torch::mm(eigenvectors, inv.unsqueeze(1) * vtXtY);  // K x a
        *weight = wt.t().contiguous();
        *bias = yMean - torch::mv(*weight, xMean);
    }
};

double meanSquaredError(const torch::Tensor& prediction, const torch::Tensor& target) {
    return (prediction - target).pow(2).sum(1).mean().item<double>();
}

}  // namespace

torch::Tensor InverseMap::predict(const torch::Tensor& alpha) const {
    if (!weight.defined()) throw std::invalid_argument("inverse map: not fitted");
    const bool single = alpha.dim() == 1;
    auto x = asDouble(single ? alpha.unsqueeze(0) : alpha);
    if (x.dim() != 2 || x.size(1) != weight.size(1))
        throw std::invalid_argument("inverse map: importances must have " + std::to_string(weight.size(1)) +
                                    " channels");
    if (normaliseInputs) x = unitRows(x);
    const auto out = torch::addmm(bias, x, weight.t());
    return single ? out[0] : out;
}

InverseMap fitRidge(const torch::Tensor& X, const torch::Tensor& Y, double lambda) {
    if (X.dim() != 2 || Y.dim() != 2 || X.size(0) != Y.size(0) || X.size(0) < 1)
        throw std::invalid_argument("fitRidge: need X (N x K) and Y (N x a) with the same N >= 1");
    if (!(lambda >= 0) || !std::isfinite(lambda))
        throw std::invalid_argument("fitRidge: the ridge must be finite and >= 0");
    const auto x = asDouble(X), y = asDouble(Y);
    requireFinite(x, "inputs");
    requireFinite(y, "targets");
    InverseMap map;
    map.normaliseInputs = map.normaliseTargets = false;
    map.lambda = lambda;
    RidgeProblem(x, y).solve(lambda, &map.weight, &map.bias);
    map.targetMean = y.mean(0);
    return map;
}

InverseMap fitInverseMap(const torch::Tensor& importances, const torch::Tensor& imageClass,
                         const torch::Tensor& classVectors, const InverseMapOptions& options,
                         InverseMapReport* report) {
    const auto start = std::chrono::steady_clock::now();
    if (importances.dim() != 2 || importances.size(0) < 2)
        throw std::invalid_argument("inverse map: need importances N x K with N >= 2");
    if (imageClass.dim() != 1 || imageClass.size(0) != importances.size(0))
        throw std::invalid_argument("inverse map: need one class per importance row");
    if (classVectors.dim() != 2 || classVectors.size(0) < 1)
        throw std::invalid_argument("inverse map: class vectors must be C x a");
    if (options.ridges.empty()) throw std::invalid_argument("inverse map: no candidate ridge");
    for (double r : options.ridges)
        if (!(r >= 0) || !std::isfinite(r))
            throw std::invalid_argument("inverse map: candidate ridges must be finite and >= 0");

    auto x = asDouble(importances);
    requireFinite(x, "importances");
    auto s = asDouble(classVectors);
    requireFinite(s, "class vectors");
    const auto labels = imageClass.to(torch::kCPU, torch::kLong).contiguous();
    if (labels.min().item<int64_t>() < 0 || labels.max().item<int64_t>() >= s.size(0))
        throw std::invalid_argument("inverse map: an image's class is not a row of the class vectors");
    if (options.normaliseInputs) x = unitRows(x);
    if (options.normaliseTargets) s = asDouble(normaliseClassVectors(s));
    const auto y = s.index_select(0, labels);

    // Held-out classes: a seeded shuffle of the distinct classes, the first share held out.
    std::vector<int64_t> classes;
    {
        const auto* p = labels.data_ptr<int64_t>();
        classes.assign(p, p + labels.numel());
        std::sort(classes.begin(), classes.end());
        classes.erase(std::unique(classes.begin(), classes.end()), classes.end());
    }
    std::mt19937_64 rng(options.seed);
    std::shuffle(classes.begin(), classes.end(), rng);
    int held = int(std::lround(options.validationFraction * double(classes.size())));
    if (options.validationFraction > 0 && classes.size() >= 2)
        held = std::clamp(held, 1, int(classes.size()) - 1);
    else
        held = 0;

    InverseMapReport rep;
    rep.validationClasses = held;
    rep.fitClasses = int(classes.size()) - held;
    double chosen = *std::min_element(options.ridges.begin(), options.ridges.end());
    if (held > 0) {
        std::vector<char> isHeld(size_t(s.size(0)), 0);
        for (int i = 0; i < held; ++i) isHeld[size_t(classes[size_t(i)])] = 1;
        std::vector<int64_t> fitRows, valRows;
        const auto* p = labels.data_ptr<int64_t>();
        for (int64_t i = 0; i < labels.numel(); ++i) (isHeld[size_t(p[i])] ? valRows : fitRows).push_back(i);
        const auto fitIdx = torch::tensor(fitRows), valIdx = torch::tensor(valRows);
        const auto xf = x.index_select(0, fitIdx), yf = y.index_select(0, fitIdx);
        const auto xv = x.index_select(0, valIdx), yv = y.index_select(0, valIdx);
        const RidgeProblem problem(xf, yf);
        double best = std::numeric_limits<double>::infinity();
        for (double lambda : options.ridges) {
            torch::Tensor w, b;
            problem.solve(lambda, &w, &b);
            const double err = meanSquaredError(torch::addmm(b, xv, w.t()), yv);
            rep.candidateErrors.push_back(err);
            // Strictly better only: among equal errors the first (smallest, listed first) wins.
            if (err < best) {
                best = err;
                chosen = lambda;
            }
        }
        torch::Tensor w, b;
        problem.solve(chosen, &w, &b);
        const auto pred = torch::addmm(b, xv, w.t());
        rep.validationError = meanSquaredError(pred, yv);
        rep.validationBaselineError = meanSquaredError(yf.mean(0).expand_as(yv), yv);
        rep.validationCosine = torch::nn::functional::cosine_similarity(
                                   pred, yv, torch::nn::functional::CosineSimilarityFuncOptions().dim(1))
                                   .mean()
                                   .item<double>();
    }

    InverseMap map;
    map.normaliseInputs = options.normaliseInputs;
    map.normaliseTargets = options.normaliseTargets;
    map.lambda = chosen;
    RidgeProblem(x, y).solve(chosen, &map.weight, &map.bias);
    map.targetMean = y.mean(0);
    rep.lambda = chosen;
    rep.trainError = meanSquaredError(torch::addmm(map.bias, x, map.weight.t()), y);
    rep.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (report) *report = rep;
    return map;
}

std::vector<DimensionScore> topDimensions(const torch::Tensor& scores, int k) {
    if (!scores.defined() || scores.dim() != 1) throw std::invalid_argument("topDimensions: need a vector of scores");
    const auto v = asDouble(scores);
    if (torch::isnan(v).any().item<bool>()) throw std::invalid_argument("topDimensions: the scores hold NaN");
    const int n = int(v.numel());
    k = std::min(k, n);
    if (k <= 0) return {};
    const double* p = v.data_ptr<double>();
    std::vector<int> order(static_cast<size_t>(n));
    std::iota(order.begin(), order.end(), 0);
    std::partial_sort(order.begin(), order.begin() + k, order.end(),
                      [p](int a, int b) { return p[a] > p[b] || (p[a] == p[b] && a < b); });
    std::vector<DimensionScore> out;
    out.reserve(size_t(k));
    for (int i = 0; i < k; ++i) out.push_back({order[size_t(i)], p[order[size_t(i)]]});
    return out;
}

std::vector<DimensionScore> explainImportances(const InverseMap& map, const torch::Tensor& alpha, int k,
                                               bool relativeToMean) {
    auto v = alpha;
    if (v.dim() == 2 && v.size(0) == 1) v = v[0];
    if (v.dim() != 1) throw std::invalid_argument("explainImportances: need one importance vector");
    auto scores = map.predict(v);
    if (relativeToMean && map.targetMean.defined()) scores = scores - map.targetMean;
    return topDimensions(scores, k);
}

std::vector<std::vector<DimensionScore>> neuronNames(const InverseMap& map, int k) {
    if (!map.weight.defined()) throw std::invalid_argument("neuronNames: the map is not fitted");
    const auto vectors = map.neuronVectors();
    std::vector<std::vector<DimensionScore>> out;
    out.reserve(size_t(vectors.size(0)));
    for (int64_t c = 0; c < vectors.size(0); ++c) out.push_back(topDimensions(vectors[c], k));
    return out;
}

std::string dimensionName(const std::vector<std::string>& names, int index) {
    if (index >= 0 && size_t(index) < names.size() && !names[size_t(index)].empty()) return names[size_t(index)];
    return "dim" + std::to_string(index);
}

}  // namespace niwt
