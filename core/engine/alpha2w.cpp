#include "core/engine/alpha2w.h"

#include "core/engine/cancelled.h"

#include <chrono>
#include <deque>
#include <stdexcept>

namespace niwt {

torch::Tensor importanceBasis(const StagedNetwork& net, int stage, const torch::Tensor& activations,
                              const torch::Tensor& basis, int chunk) {
    if (activations.dim() != 4 || basis.dim() != 2 || basis.size(1) != net.featureDim())
        throw std::invalid_argument("importanceBasis: activations must be P x K x h x w and basis R x featureDim");
    std::vector<torch::Tensor> parts;
    const auto b = basis.to(activations.device()).to(activations.dtype());
    for (int64_t start = 0; start < activations.size(0); start += chunk) {
        torch::AutoGradMode enable(true);
        auto a = activations.slice(0, start, std::min(activations.size(0), start + chunk)).detach().requires_grad_(true);
        const auto f = net.featuresFromStage(a, stage);  // n x F
        std::vector<torch::Tensor> rows;
        for (int64_t r = 0; r < b.size(0); ++r) {
            const auto g = torch::autograd::grad({torch::mv(f, b[r]).sum()}, {a}, {}, /*retain_graph=*/true)[0];
            rows.push_back(g.sum({2, 3}));  // n x K
        }
        parts.push_back(torch::stack(rows, 1).detach());  // n x R x K
    }
    return torch::cat(parts);
}

NewClassWeights alpha2w(const torch::Tensor& basisImportances, const LinearHead& seenHead,
                        const torch::Tensor& targets, const Alpha2WOptions& options, Alpha2WReport* report,
                        const Alpha2WProgress& progress, const torch::Tensor& meanFeature) {
    const auto start = std::chrono::steady_clock::now();
    const auto& B = seenHead.weight;  // R x F
    if (basisImportances.dim() != 3 || basisImportances.size(1) != B.size(0) || targets.dim() != 2 ||
        targets.size(1) != basisImportances.size(2))
        throw std::invalid_argument("alpha2w: need basis importances P x R x K, a head of R rows and targets C x K");
    if (!torch::isfinite(targets).all().item<bool>())
        throw std::invalid_argument("alpha2w: predicted importances contain NaN or infinity");
    const int64_t P = basisImportances.size(0), R = B.size(0), C = targets.size(0);
    const auto device = B.device();
    const auto Tp = basisImportances.to(device);  // P x R x K
    const auto unitTargets = torch::nn::functional::normalize(
        targets.to(device), torch::nn::functional::NormalizeFuncOptions().dim(1).eps(1e-12));
    // cos(T_p z, t) = z.(T_p t) / sqrt(z' T_p T_p' z): with TT_p = T_p t (P x R per class) and the
    // Gram matrices G_p = T_p T_p' (P x R x R), a step costs C P R^2 instead of C P R K.
    const auto projected = torch::einsum("prk,ck->cpr", {Tp, unitTargets});  // C x P x R
    const auto gram = torch::bmm(Tp, Tp.transpose(1, 2));                     // P x R x R
    const auto meanSeen = B.mean(0);

    torch::manual_seed(options.seed);
    auto z = ((1.0 + options.initNoise * torch::randn({C, R}, B.options())) / double(R)).requires_grad_(true);
    torch::optim::Adam optimiser({z}, torch::optim::AdamOptions(options.learningRate / double(R)));

    auto evaluate = [&](torch::Tensor* cosine, torch::Tensor* l2) {
        const auto numerator = (projected * z.unsqueeze(1)).sum(2);                       // C x P
        const auto squaredNorm = torch::einsum("cr,prs,cs->cp", {z, gram, z});            // C x P
        const auto cos = numerator / squaredNorm.clamp_min(1e-24).sqrt();
        *cosine = (1.0 - cos).mean(1);                                                   // C
        *l2 = (torch::mm(z, B) - meanSeen).pow(2).sum(1);                                // C
        return (*cosine + options.lambda * *l2).mean();
    };
    (void)P;

    // L-BFGS with a strong-Wolfe line search: the problem is smooth and small (C x R unknowns),
    // so quasi-Newton steps converge in far fewer iterations than Adam's.
    torch::optim::LBFGS lbfgs({z}, torch::optim::LBFGSOptions(1.0)
                                       .max_iter(1)
                                       .history_size(20)
                                       .tolerance_grad(1e-9)
                                       .tolerance_change(1e-12)
                                       .line_search_fn("strong_wolfe"));
    std::deque<double> recent;
    int iteration = 0;
    bool converged = false;
    torch::Tensor cosine, l2, loss;
    for (iteration = 1; iteration <= options.maxIterations; ++iteration) {
        if (options.optimiser == Alpha2WOptions::Optimiser::Lbfgs) {
            lbfgs.step([&] {
                lbfgs.zero_grad();
                auto l = evaluate(&cosine, &l2);
                l.backward();
                return l;
            });
            torch::NoGradGuard g;
            loss = evaluate(&cosine, &l2);
        } else {
            optimiser.zero_grad();
            loss = evaluate(&cosine, &l2);
            loss.backward();
            optimiser.step();
        }
        const double value = loss.item<double>();
        if (progress && !progress(iteration, value, cosine.mean().item<double>(), l2.mean().item<double>()))
            throw Cancelled();
        recent.push_back(value);
        if (int(recent.size()) > options.window) {
            const double before = recent.front();
            recent.pop_front();
            if (std::abs(before - value) < options.tolerance * std::abs(value)) {
                converged = true;
                break;
            }
        }
    }

    NewClassWeights out;
    {
        torch::NoGradGuard g;
        loss = evaluate(&cosine, &l2);
        auto w = torch::mm(z, B);
        // Logits comparable with the seen ones: each new vector gets the mean seen weight norm (the
        // importances' directions, which is all the cosine loss sees, are unchanged by the scale).
        const double seenNorm = B.norm(2, 1).mean().item<double>();
        out.weight = w * (seenNorm / w.norm(2, 1).clamp_min(1e-12)).unsqueeze(1);
        if (meanFeature.defined()) {
            // New logits at the mean training feature equal the seen classes' average logit there.
            const auto f = meanFeature.to(device).to(B.dtype());
            const double seenAtMean = (torch::mv(B, f) + seenHead.bias).mean().item<double>();
            out.bias = seenAtMean - torch::mv(out.weight, f);
        } else {
            out.bias = torch::full({C}, seenHead.bias.mean().item<double>(), B.options());
        }
    }
    if (report) {
        report->iterations = std::min(iteration, options.maxIterations);
        report->converged = converged;
        report->loss = loss.item<double>();
        report->cosineLoss = cosine.mean().item<double>();
        report->l2Loss = l2.mean().item<double>();
        report->seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    }
    return out;
}

}  // namespace niwt
