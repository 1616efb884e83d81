#include "core/engine/mod2alpha.h"

#include "core/engine/cancelled.h"

#include <chrono>
#include <stdexcept>

namespace niwt {

namespace {

// Class-level targets: for each class, n_c and m_c = mean of its images' unit importance vectors.
struct ClassTargets {
    torch::Tensor counts;    // C
    torch::Tensor meanUnit;  // C x K
};

ClassTargets classTargets(const torch::Tensor& importances, const torch::Tensor& imageClass, int64_t classes) {
    const auto unit = torch::nn::functional::normalize(importances.to(torch::kFloat),
                                                       torch::nn::functional::NormalizeFuncOptions().dim(1).eps(1e-12));
    auto sums = torch::zeros({classes, importances.size(1)});
    sums.index_add_(0, imageClass, unit);
    auto counts = torch::zeros({classes});
    counts.index_add_(0, imageClass, torch::ones({imageClass.size(0)}));
    return {counts, sums / counts.clamp_min(1).unsqueeze(1)};
}

// Mean over the images of the given classes of 1 - cos(prediction of its class, its importance).
torch::Tensor cosineDistance(const torch::Tensor& predicted, const ClassTargets& t, const torch::Tensor& rows) {
    const auto p = predicted.index_select(0, rows);
    const auto m = t.meanUnit.index_select(0, rows);
    const auto n = t.counts.index_select(0, rows);
    // sum_i cos(p_c, a_i) = |m_c| n_c cos(p_c, m_c) = n_c (p_c . m_c) / |p_c|
    const auto agreement = (p * m).sum(1) / p.norm(2, 1).clamp_min(1e-12);
    return 1.0 - (n * agreement).sum() / n.sum().clamp_min(1);
}

}  // namespace

torch::Tensor normaliseClassVectors(const torch::Tensor& classVectors) {
    return torch::nn::functional::normalize(classVectors.to(torch::kFloat),
                                            torch::nn::functional::NormalizeFuncOptions().dim(1).eps(1e-12));
}

torch::Tensor Mod2Alpha::predict(const torch::Tensor& classVectors) const {
    return torch::addmm(bias, normaliseClassVectors(classVectors).to(weight.device()), weight.t());
}

Mod2Alpha fitMod2Alpha(const torch::Tensor& importances, const torch::Tensor& imageClass,
                       const torch::Tensor& classVectors, const Mod2AlphaOptions& options, Mod2AlphaReport* report,
                       const std::function<bool(int, double)>& progress) {
    const auto start = std::chrono::steady_clock::now();
    if (importances.dim() != 2 || imageClass.dim() != 1 || importances.size(0) != imageClass.size(0))
        throw std::invalid_argument("fitMod2Alpha: importances must be N x K with one class per image");
    if (!torch::isfinite(importances).all().item<bool>() || !torch::isfinite(classVectors).all().item<bool>())
        throw std::invalid_argument("fitMod2Alpha: importances or class vectors contain NaN or infinity");
    const int64_t classes = classVectors.size(0);
    const auto labels = imageClass.to(torch::kLong).cpu();
    const auto targets = classTargets(importances.cpu(), labels, classes);
    const auto inputs = normaliseClassVectors(classVectors.cpu());

    // Classes that have images, split into fit and validation classes.
    std::vector<int64_t> present;
    for (int64_t c = 0; c < classes; ++c)
        if (targets.counts[c].item<float>() > 0) present.push_back(c);
    if (present.size() < 2) throw std::invalid_argument("fitMod2Alpha: need images of at least 2 classes");
    auto generator = at::detail::createCPUGenerator(options.seed);
    const auto order = torch::randperm(int64_t(present.size()), generator, torch::kLong);
    const int64_t held = std::clamp<int64_t>(int64_t(double(present.size()) * options.validationFraction), 1,
                                             int64_t(present.size()) - 1);
    std::vector<int64_t> fit, validation;
    for (int64_t i = 0; i < int64_t(present.size()); ++i)
        (i < held ? validation : fit).push_back(present[size_t(order[i].item<int64_t>())]);
    const auto fitRows = torch::tensor(fit, torch::kLong), validationRows = torch::tensor(validation, torch::kLong);
    const auto allRows = torch::tensor(present, torch::kLong);

    const int64_t k = importances.size(1), a = classVectors.size(1);
    auto train = [&](const torch::Tensor& rows, int steps, bool watchValidation, int* bestStep,
                     double* bestValidation) {
        torch::manual_seed(options.seed);
        auto weight = (torch::randn({k, a}) * (1.0 / std::sqrt(double(a)))).requires_grad_(true);
        auto bias = torch::zeros({k}).requires_grad_(true);
        torch::optim::Adam optimiser({weight, bias}, torch::optim::AdamOptions(options.learningRate));
        Mod2Alpha best{weight.detach().clone(), bias.detach().clone()};
        double bestLoss = 1e30;
        for (int step = 1; step <= steps; ++step) {
            optimiser.zero_grad();
            const auto predicted = torch::addmm(bias, inputs, weight.t());
            auto loss = cosineDistance(predicted, targets, rows) + options.weightDecay * weight.pow(2).sum();
            loss.backward();
            optimiser.step();
            if (watchValidation) {
                torch::NoGradGuard g;
                const double v =
                    cosineDistance(torch::addmm(bias, inputs, weight.t()), targets, validationRows).item<double>();
                if (v < bestLoss - 1e-7) {
                    bestLoss = v;
                    *bestStep = step;
                    best = {weight.detach().clone(), bias.detach().clone()};
                }
                if (progress && !progress(step, v)) throw Cancelled();
                if (step - *bestStep >= options.patience) {
                    if (report) report->epochs = step;
                    break;
                }
                if (report) report->epochs = step;
            }
        }
        if (bestValidation) *bestValidation = bestLoss;
        return watchValidation ? best : Mod2Alpha{weight.detach().clone(), bias.detach().clone()};
    };

    int bestStep = 0;
    double bestValidation = 0;
    train(fitRows, options.maxEpochs, true, &bestStep, &bestValidation);
    // Refit on every seen class for the number of steps validation chose.
    const Mod2Alpha final = train(allRows, std::max(1, bestStep), false, nullptr, nullptr);
    if (report) {
        report->bestEpoch = bestStep;
        report->validationCosineDistance = bestValidation;
        torch::NoGradGuard g;
        report->trainCosineDistance =
            cosineDistance(torch::addmm(final.bias, inputs, final.weight.t()), targets, allRows).item<double>();
        report->fitClasses = int(fit.size());
        report->validationClasses = int(validation.size());
        report->seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    }
    return final;
}

}  // namespace niwt
