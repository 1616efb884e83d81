#include "core/engine/linear_head.h"

#include "core/engine/cancelled.h"

#include <chrono>
#include <stdexcept>

namespace niwt {

namespace {
constexpr double kMinRelativeGain = 1e-3;  // held-out loss improvement that resets the patience
}  // namespace

torch::Tensor LinearHead::logits(const torch::Tensor& features) const {
    return torch::addmm(bias, features, weight.t());
}

LinearHead LinearHead::to(const torch::Device& device) const { return {weight.to(device), bias.to(device)}; }

double top1Accuracy(const torch::Tensor& logits, const torch::Tensor& labels) {
    if (labels.numel() == 0) return 0.0;
    return logits.argmax(1).eq(labels.to(logits.device())).to(torch::kDouble).mean().item<double>();
}

LinearHead trainLinearHead(const torch::Tensor& features, const torch::Tensor& labels, int classes,
                           const HeadTrainingOptions& options, HeadTrainingReport* report,
                           const HeadProgress& progress) {
    const auto start = std::chrono::steady_clock::now();
    if (features.dim() != 2 || labels.dim() != 1 || features.size(0) != labels.size(0))
        throw std::invalid_argument("trainLinearHead: features must be N x F and labels N");
    if (features.size(0) < 2) throw std::invalid_argument("trainLinearHead: need at least 2 training images");
    if (!torch::isfinite(features).all().item<bool>())
        throw std::invalid_argument("trainLinearHead: features contain NaN or infinity");

    torch::NoGradGuard noGradOutside;  // re-enabled below only for the optimisation steps
    const auto device = features.device();
    const int64_t n = features.size(0);
    const auto x = features.to(torch::kFloat);
    const auto y = labels.to(torch::kLong).to(device);

    // Stratification would need every class twice; a seeded shuffle is enough for early stopping.
    auto generator = at::detail::createCPUGenerator(options.seed);
    const auto order = torch::randperm(n, generator, torch::kLong).to(device);
    int64_t heldOut = int64_t(double(n) * options.heldOutFraction);
    heldOut = std::clamp<int64_t>(heldOut, 1, n - 1);
    const auto heldIdx = order.slice(0, 0, heldOut);
    const auto fitIdx = order.slice(0, heldOut);

    const auto mean = x.index_select(0, fitIdx).mean(0);
    const auto scale = x.index_select(0, fitIdx).std(0, /*unbiased=*/false).clamp_min(1e-6);
    const auto xs = (x - mean) / scale;
    const auto xFit = xs.index_select(0, fitIdx), yFit = y.index_select(0, fitIdx);
    const auto xHeld = xs.index_select(0, heldIdx), yHeld = y.index_select(0, heldIdx);

    auto weight = torch::zeros({classes, x.size(1)}, x.options()).requires_grad_(true);
    auto bias = torch::zeros({classes}, x.options()).requires_grad_(true);
    torch::optim::Adam optimiser({weight, bias}, torch::optim::AdamOptions(options.learningRate));

    torch::Tensor bestW = weight.detach().clone(), bestB = bias.detach().clone();
    double bestHeld = -1, bestHeldLoss = 1e30;
    int epoch = 0, bestEpoch = 0;
    const int64_t nFit = xFit.size(0);
    for (epoch = 1; epoch <= options.maxEpochs; ++epoch) {
        const auto perm = torch::randperm(nFit, generator, torch::kLong).to(device);
        for (int64_t b = 0; b < nFit; b += options.batchSize) {
            const auto idx = perm.slice(0, b, std::min(nFit, b + options.batchSize));
            torch::AutoGradMode enable(true);
            optimiser.zero_grad();
            const auto out = torch::addmm(bias, xFit.index_select(0, idx), weight.t());
            auto loss = torch::nn::functional::cross_entropy(out, yFit.index_select(0, idx)) +
                        options.weightDecay * weight.pow(2).sum();
            loss.backward();
            optimiser.step();
        }
        const auto heldLogits = torch::addmm(bias, xHeld, weight.t());
        const double heldAcc = top1Accuracy(heldLogits, yHeld);
        const double heldLoss = torch::nn::functional::cross_entropy(heldLogits, yHeld).item<double>();
        // Accuracy first, held-out loss as the tie-breaker (small held-out sets tie often); a loss
        // gain under kMinRelativeGain does not count, or separable data would never stop.
        if (heldAcc > bestHeld || (heldAcc == bestHeld && heldLoss < bestHeldLoss * (1.0 - kMinRelativeGain))) {
            bestHeld = heldAcc;
            bestHeldLoss = heldLoss;
            bestEpoch = epoch;
            bestW = weight.detach().clone();
            bestB = bias.detach().clone();
        }
        if (progress && !progress(epoch, bestHeld)) throw Cancelled();
        if (epoch - bestEpoch >= options.patience) break;
    }

    // Fold the standardisation into the weights: W((x-m)/s)+b = (W/s)x + (b - (W/s)m).
    LinearHead head;
    head.weight = bestW / scale.unsqueeze(0);
    head.bias = bestB - torch::mv(head.weight, mean);
    if (report) {
        report->epochs = std::min(epoch, options.maxEpochs);
        report->bestEpoch = bestEpoch;
        report->trainAccuracy = top1Accuracy(head.logits(x.index_select(0, fitIdx)), yFit);
        report->heldOutAccuracy = top1Accuracy(head.logits(x.index_select(0, heldIdx)), yHeld);
        report->seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    }
    return head;
}

}  // namespace niwt
