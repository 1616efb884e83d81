#include "core/engine/eszsl.h"

#include "core/engine/zsl_metrics.h"

#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <unordered_map>

namespace niwt {

namespace {

torch::Tensor normaliseRows(const torch::Tensor& t) {
    auto norms = t.norm(2, {1}, /*keepdim=*/true);
    norms = torch::where(norms > 0, norms, torch::ones_like(norms));
    return t / norms;
}

torch::Tensor prepareFeatures(const torch::Tensor& features, const EszslOptions& options) {
    if (!features.defined() || features.dim() != 2)
        throw std::invalid_argument("ESZSL features must be an N x d matrix");
    auto x = features.to(torch::kDouble);
    if (!torch::isfinite(x).all().item<bool>())
        throw std::invalid_argument("ESZSL features hold NaN or infinite values");
    return options.normaliseFeatures ? normaliseRows(x) : x;
}

torch::Tensor prepareClassVectors(const torch::Tensor& vectors, const torch::Device& device,
                                  const EszslOptions& options) {
    if (!vectors.defined() || vectors.dim() != 2)
        throw std::invalid_argument("ESZSL class vectors must be a classes x a matrix");
    auto s = vectors.to(device, torch::kDouble);
    if (!torch::isfinite(s).all().item<bool>())
        throw std::invalid_argument("ESZSL class vectors hold NaN or infinite values");
    return options.normaliseClassVectors ? normaliseRows(s) : s;
}

// N x z label matrix: +1 (or 1) at the label, -1 (or 0) elsewhere.
torch::Tensor labelMatrix(const torch::Tensor& labels, int64_t z, const EszslOptions& options,
                          const torch::Device& device) {
    auto y = torch::one_hot(labels.to(device, torch::kLong), z).to(torch::kDouble);
    return options.signedLabels ? 2 * y - 1 : y;
}

// V from the shared products: XtX (d x d), B = X^T Y S (d x a), S (z x a, rows = classes).
torch::Tensor solveV(const torch::Tensor& gammaFactor, const torch::Tensor& b, const torch::Tensor& s, double lambda) {
    const int64_t a = s.size(1);
    const auto w = torch::cholesky_solve(b, gammaFactor);  // (X^T X + gamma I)^-1 X^T Y S^T
    const auto c = s.t().matmul(s) + lambda * torch::eye(a, s.options());
    const auto cFactor = torch::linalg_cholesky(c);
    return torch::cholesky_solve(w.t(), cFactor).t();  // C symmetric: W C^-1 = (C^-1 W^T)^T
}

torch::Tensor gammaFactorOf(const torch::Tensor& xtx, double gamma) {
    return torch::linalg_cholesky(xtx + gamma * torch::eye(xtx.size(0), xtx.options()));
}

void checkRegularisers(double gamma, double lambda) {
    if (!(gamma > 0) || !std::isfinite(gamma) || !(lambda > 0) || !std::isfinite(lambda))
        throw std::invalid_argument("ESZSL gamma and lambda must be finite and positive");
}

std::vector<int64_t> checkedLabels(const torch::Tensor& labels, int64_t n, int64_t z) {
    if (!labels.defined() || labels.dim() != 1 || labels.is_floating_point())
        throw std::invalid_argument("ESZSL labels must be a 1-D integer tensor");
    if (labels.size(0) != n)
        throw std::invalid_argument("ESZSL has " + std::to_string(n) + " feature rows but " +
                                    std::to_string(labels.size(0)) + " labels");
    const auto c = labels.to(torch::kCPU, torch::kLong).contiguous();
    const int64_t* p = c.data_ptr<int64_t>();
    std::vector<int64_t> out(p, p + n);
    for (int64_t v : out)
        if (v < 0 || v >= z)
            throw std::invalid_argument("ESZSL label " + std::to_string(v) + " is outside 0.." + std::to_string(z - 1));
    return out;
}

}  // namespace

torch::Tensor EszslModel::scores(const torch::Tensor& features, const torch::Tensor& classVectors) const {
    if (!V.defined()) throw std::invalid_argument("ESZSL model is not fitted");
    const auto x = prepareFeatures(features, options);
    const auto s = prepareClassVectors(classVectors, x.device(), options);
    if (x.size(1) != V.size(0))
        throw std::invalid_argument("ESZSL features have " + std::to_string(x.size(1)) + " dimensions, the model " +
                                    std::to_string(V.size(0)));
    if (s.size(1) != V.size(1))
        throw std::invalid_argument("ESZSL class vectors have " + std::to_string(s.size(1)) +
                                    " dimensions, the model " + std::to_string(V.size(1)));
    return x.matmul(V.to(x.device())).matmul(s.t());
}

EszslModel fitEszsl(const torch::Tensor& features, const torch::Tensor& labels, const torch::Tensor& seenClassVectors,
                    double gamma, double lambda, const EszslOptions& options) {
    checkRegularisers(gamma, lambda);
    const auto x = prepareFeatures(features, options);
    const auto s = prepareClassVectors(seenClassVectors, x.device(), options);
    checkedLabels(labels, x.size(0), s.size(0));
    const auto y = labelMatrix(labels, s.size(0), options, x.device());
    const auto xt = x.t();
    EszslModel model;
    model.options = options;
    model.V = solveV(gammaFactorOf(xt.matmul(x), gamma), xt.matmul(y).matmul(s), s, lambda);
    return model;
}

EszslModel fitEszslWithValidation(const torch::Tensor& features, const torch::Tensor& labels,
                                  const torch::Tensor& seenClassVectors, const EszslValidation& validation,
                                  EszslValidationReport* report, const EszslOptions& options) {
    const auto& grid = validation.grid;
    if (grid.empty()) throw std::invalid_argument("ESZSL validation grid is empty");
    for (double g : grid) checkRegularisers(g, g);
    if (validation.folds < 1) throw std::invalid_argument("ESZSL validation needs folds >= 1");
    const auto x = prepareFeatures(features, options);
    const auto s = prepareClassVectors(seenClassVectors, x.device(), options);
    const int64_t z = s.size(0);
    if (z < 3) throw std::invalid_argument("ESZSL validation needs at least 3 seen classes");
    const auto labelList = checkedLabels(labels, x.size(0), z);

    std::vector<int64_t> all(z);
    for (int64_t c = 0; c < z; ++c) all[c] = c;
    std::vector<std::vector<double>> accuracy(grid.size(), std::vector<double>(grid.size(), 0.0));
    std::vector<int64_t> firstValidation;
    for (int fold = 0; fold < validation.folds; ++fold) {
        std::vector<int64_t> fit, held;
        splitClasses(all, validation.validationFraction, validation.seed + uint64_t(fold), &fit, &held);
        if (fit.size() < 2) {  // keep at least two fit classes
            fit.push_back(held.back());
            held.pop_back();
        }
        if (fold == 0) firstValidation = held;
        std::unordered_map<int64_t, int64_t> fitSlot, heldSlot;
        for (size_t i = 0; i < fit.size(); ++i) fitSlot[fit[i]] = int64_t(i);
        for (size_t i = 0; i < held.size(); ++i) heldSlot[held[i]] = int64_t(i);
        std::vector<int64_t> fitRows, fitLabels, heldRows, heldTruth;
        for (size_t i = 0; i < labelList.size(); ++i) {
            if (fitSlot.count(labelList[i])) {
                fitRows.push_back(int64_t(i));
                fitLabels.push_back(fitSlot[labelList[i]]);
            } else {
                heldRows.push_back(int64_t(i));
                heldTruth.push_back(heldSlot[labelList[i]]);
            }
        }
        if (fitRows.empty() || heldRows.empty())
            throw std::invalid_argument("ESZSL validation: the fit or the validation classes have no images");
        const auto dev = x.device();
        const auto index = [&](const std::vector<int64_t>& v) { return torch::tensor(v, torch::kLong).to(dev); };
        const auto xf = x.index_select(0, index(fitRows));
        const auto xv = x.index_select(0, index(heldRows));
        const auto sf = s.index_select(0, index(fit));
        const auto sv = s.index_select(0, index(held));
        const auto yf = labelMatrix(index(fitLabels), int64_t(fit.size()), options, dev);
        const auto xtx = xf.t().matmul(xf);
        const auto b = xf.t().matmul(yf).matmul(sf);
        const auto truth = torch::tensor(heldTruth, torch::kLong);
        std::vector<int64_t> heldIds(held.size());
        for (size_t i = 0; i < held.size(); ++i) heldIds[i] = int64_t(i);
        for (size_t i = 0; i < grid.size(); ++i) {
            const auto factor = gammaFactorOf(xtx, grid[i]);
            for (size_t j = 0; j < grid.size(); ++j) {
                const auto v = solveV(factor, b, sf, grid[j]);
                const auto predicted = xv.matmul(v).matmul(sv.t()).argmax(1).cpu();
                accuracy[i][j] += perClassMeanTop1(predicted, truth, heldIds) / validation.folds;
            }
        }
    }

    size_t bi = 0, bj = 0;
    for (size_t i = 0; i < grid.size(); ++i)
        for (size_t j = 0; j < grid.size(); ++j)
            if (accuracy[i][j] > accuracy[bi][bj]) {
                bi = i;
                bj = j;
            }
    if (report) {
        report->gamma = grid[bi];
        report->lambda = grid[bj];
        report->validationAccuracy = accuracy[bi][bj];
        report->accuracy = accuracy;
        report->validationClasses = firstValidation;
    }
    return fitEszsl(features, labels, seenClassVectors, grid[bi], grid[bj], options);
}

}  // namespace niwt
