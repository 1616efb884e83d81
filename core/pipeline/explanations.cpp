#include "core/pipeline/explanations.h"

#include "core/data/dataset.h"
#include "core/data/image_source.h"
#include "core/engine/cancelled.h"
#include "core/engine/gradcam.h"
#include "core/engine/importance.h"
#include "core/pipeline/explain.h"
#include "core/pipeline/heatmap.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <opencv2/imgproc.hpp>
#include <stdexcept>

namespace niwt {

namespace {

torch::Tensor inputFor(const cv::Mat& image, const InputSpec& spec) {
    auto input = torch::empty({1, spec.channels(), spec.height, spec.width}, torch::kFloat);
    preprocessImage(image, spec, input.data_ptr<float>());
    return input;
}

cv::Mat decodeOrThrow(const std::string& path) {
    std::string error;
    cv::Mat image = readImage(path, &error);
    if (image.empty()) throw DataError(error.empty() ? located(path, 0, "cannot decode image") : error);
    return image;
}

}  // namespace

ImageExplanation explainImage(const Bundle& bundle, int stage, const std::string& imagePath,
                              const torch::Tensor& classWeight, const torch::Device& device) {
    ImageExplanation out;
    // The map and view exactly as the explorer draws them (validates stage, weight and device).
    out.map = gradCamForImage(bundle, stage, imagePath, classWeight, device, &out.view);
    const StagedNetwork& net = *bundle.network;
    const auto input = inputFor(decodeOrThrow(imagePath), bundle.input).to(device);
    const auto activations = stageActivations(net, input, stage);
    torch::Tensor importances;
    gradCam(net, stage, activations, classWeight.reshape({1, -1}).to(device), &importances);
    out.importances = importances[0].detach().to(torch::kCPU);
    torch::NoGradGuard noGrad;
    out.features = net.featuresFromStage(activations, stage)[0].to(torch::kCPU);
    return out;
}

torch::Tensor classWeightImportances(const Bundle& bundle, int stage, const std::vector<std::string>& paths,
                                     const torch::Tensor& classWeight, const torch::Device& device,
                                     const BatchLoaderOptions& loaderOptions, std::vector<int>* positions, int* failed,
                                     const CancelFn& cancelled) {
    const StagedNetwork& net = *bundle.network;
    if (!classWeight.defined() || classWeight.numel() != net.featureDim())
        throw std::invalid_argument("classWeightImportances: the class weight must have " +
                                    std::to_string(net.featureDim()) + " values");
    const auto w = classWeight.reshape({1, -1}).to(device, torch::kFloat);
    ImageBatchLoader loader(paths, bundle.input, loaderOptions);
    ImageBatch batch;
    std::vector<torch::Tensor> parts;
    int64_t channels = -1;
    if (failed) *failed = 0;
    while (loader.next(batch)) {
        if (cancelled && cancelled()) throw Cancelled();
        if (failed) *failed += int(batch.failures.size());
        if (batch.positions.empty()) continue;
        const auto acts = stageActivations(net, batch.images.to(device), stage);
        channels = acts.size(1);
        torch::Tensor alpha;
        gradCam(net, stage, acts, w, &alpha);
        parts.push_back(alpha.detach().to(torch::kCPU));
        if (positions) positions->insert(positions->end(), batch.positions.begin(), batch.positions.end());
    }
    if (parts.empty()) return torch::zeros({0, std::max<int64_t>(channels, 0)});
    return torch::cat(parts);
}

ExplanationBasis prepareExplanationBasis(Extractor& extractor, const torch::Tensor& classVectors) {
    ExplanationBasis out;
    extractor.allFeatures();
    extractor.seenHead();
    {
        torch::AutoGradMode enableGrad(true);
        out.importances = extractor.importances();
    }
    out.inverse = fitInverseMap(
        out.importances.alpha,
        torch::tensor(std::vector<int64_t>(out.importances.classes.begin(), out.importances.classes.end())),
        classVectors, {}, &out.report);
    return out;
}

torch::Tensor seenClassImportance(const ImportanceSet& importances, int classIndex, int* images) {
    std::vector<int64_t> rows;
    for (size_t r = 0; r < importances.classes.size(); ++r)
        if (importances.classes[r] == classIndex) rows.push_back(int64_t(r));
    if (images) *images = int(rows.size());
    if (rows.empty()) return {};
    return importances.alpha.index_select(0, torch::tensor(rows)).mean(0);
}

torch::Tensor meanClassWeightImportance(const Bundle& bundle, int stage, const std::vector<std::string>& paths,
                                        const torch::Tensor& classWeight, const torch::Device& device,
                                        const BatchLoaderOptions& loader, int* images, const CancelFn& cancelled) {
    std::vector<int> positions;
    torch::AutoGradMode enableGrad(true);
    const auto alpha =
        classWeightImportances(bundle, stage, paths, classWeight, device, loader, &positions, nullptr, cancelled);
    if (images) *images = int(alpha.size(0));
    if (alpha.size(0) == 0) return {};
    return alpha.mean(0);
}

std::vector<int> evenlyThinned(const std::vector<int>& items, int limit) {
    if (limit <= 0 || int(items.size()) <= limit) return items;
    std::vector<int> kept;
    const double step = double(items.size()) / limit;
    for (int i = 0; i < limit; ++i) kept.push_back(items[size_t(i * step)]);
    return kept;
}

ChannelTopImages topActivatingImages(const Bundle& bundle, int stage, const std::vector<std::string>& paths,
                                     int perChannel, const torch::Device& device,
                                     const BatchLoaderOptions& loaderOptions, const ProgressFn& progress,
                                     const CancelFn& cancelled) {
    if (perChannel < 1) throw std::invalid_argument("topActivatingImages: need at least one image per channel");
    const StagedNetwork& net = *bundle.network;
    ChannelTopImages out;
    // Running best per channel: scores K x P, positions K x P, maps K x P x h x w (CPU).
    torch::Tensor bestScores, bestPositions, bestMaps;
    ImageBatchLoader loader(paths, bundle.input, loaderOptions);
    ImageBatch batch;
    int done = 0;
    torch::NoGradGuard noGrad;
    while (loader.next(batch)) {
        if (cancelled && cancelled()) throw Cancelled();
        out.failed += int(batch.failures.size());
        done += int(batch.positions.size() + batch.failures.size());
        if (!batch.positions.empty()) {
            const auto acts = stageActivations(net, batch.images.to(device), stage).to(torch::kCPU, torch::kFloat);
            out.images += int(batch.positions.size());
            const auto maps = acts.transpose(0, 1).contiguous();       // K x n x h x w
            const auto scores = maps.mean({2, 3}).to(torch::kDouble);  // K x n
            const auto pos = torch::tensor(std::vector<int64_t>(batch.positions.begin(), batch.positions.end()))
                                 .unsqueeze(0)
                                 .expand({maps.size(0), -1});
            // Earlier images first in the candidate list, so a stable sort keeps them ahead on ties.
            auto candScores = bestScores.defined() ? torch::cat({bestScores, scores}, 1) : scores;
            auto candPositions = bestPositions.defined() ? torch::cat({bestPositions, pos}, 1) : pos.contiguous();
            auto candMaps = bestMaps.defined() ? torch::cat({bestMaps, maps}, 1) : maps;
            const int64_t keep = std::min<int64_t>(perChannel, candScores.size(1));
            const auto order = std::get<1>(candScores.sort(/*stable=*/true, 1, /*descending=*/true)).slice(1, 0, keep);
            bestScores = candScores.gather(1, order);
            bestPositions = candPositions.gather(1, order);
            const auto k = maps.size(0);
            bestMaps = candMaps.index({torch::arange(k).unsqueeze(1), order}).contiguous();
        }
        if (progress) progress("top images", done, int(paths.size()));
    }
    if (!bestScores.defined()) return out;
    out.channels = int(bestScores.size(0));
    const int64_t kept = bestScores.size(1), h = bestMaps.size(2), w = bestMaps.size(3);
    out.positions.resize(size_t(out.channels));
    out.scores.resize(size_t(out.channels));
    out.maps.resize(size_t(out.channels));
    const auto s = bestScores.contiguous();
    const auto p = bestPositions.contiguous();
    for (int c = 0; c < out.channels; ++c)
        for (int64_t j = 0; j < kept; ++j) {
            out.scores[size_t(c)].push_back(s[c][j].item<double>());
            out.positions[size_t(c)].push_back(int(p[c][j].item<int64_t>()));
            cv::Mat m(int(h), int(w), CV_32F);
            const auto src = bestMaps[c][j].contiguous();
            std::copy(src.data_ptr<float>(), src.data_ptr<float>() + h * w, m.ptr<float>());
            out.maps[size_t(c)].push_back(m);
        }
    return out;
}

std::vector<cv::Mat> channelOverlayMaps(const ChannelTopImages& top, int unit, cv::Size size) {
    if (unit < 0 || unit >= top.channels)
        throw std::out_of_range("channelOverlayMaps: unit " + std::to_string(unit) + " out of range");
    const auto& maps = top.maps[size_t(unit)];
    double scale = 0;
    for (const auto& m : maps) {
        double lo = 0, hi = 0;
        cv::minMaxLoc(m, &lo, &hi);
        scale = std::max(scale, hi);
    }
    std::vector<cv::Mat> out;
    for (const auto& m : maps) {
        cv::Mat map01;
        if (scale > 0)
            m.convertTo(map01, CV_32F, 1.0 / scale);
        else
            map01 = cv::Mat::zeros(m.size(), CV_32F);
        cv::min(cv::max(map01, 0.0), 1.0, map01);
        cv::Mat up;
        cv::resize(map01, up, size, 0, 0, cv::INTER_LINEAR);
        cv::min(cv::max(up, 0.0), 1.0, up);  // bilinear stays in range; guard rounding
        out.push_back(up);
    }
    return out;
}

std::vector<std::vector<std::string>> writeChannelOverlays(const ChannelTopImages& top,
                                                           const std::vector<std::string>& paths, const InputSpec& spec,
                                                           const std::string& dir, const std::vector<int>& units) {
    std::vector<std::vector<std::string>> written(size_t(top.channels));
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) throw DataError(located(dir, 0, "cannot create folder (" + ec.message() + ")"));
    std::map<int, cv::Mat> views;  // position -> network input view, each image decoded once
    const cv::Size viewSize(spec.width, spec.height);
    for (int unit : units) {
        if (unit < 0 || unit >= top.channels)
            throw std::out_of_range("writeChannelOverlays: unit " + std::to_string(unit) + " out of range");
        const auto maps = channelOverlayMaps(top, unit, viewSize);
        for (size_t j = 0; j < maps.size(); ++j) {
            const int position = top.positions[size_t(unit)][j];
            auto it = views.find(position);
            if (it == views.end())
                it = views.emplace(position, networkInputView(decodeOrThrow(paths.at(size_t(position))), spec)).first;
            const std::string file =
                (std::filesystem::path(dir) / ("unit" + std::to_string(unit) + "_top" + std::to_string(j + 1) + ".png"))
                    .string();
            writePng(file, overlayHeatmap(it->second, maps[j], 0.5));
            written[size_t(unit)].push_back(file);
        }
    }
    return written;
}

NeuronListing makeNeuronTable(const InverseMap& map, const std::vector<std::string>& dimNames, int topAttributes,
                              const ChannelTopImages* top, const std::vector<std::string>& paths,
                              const std::vector<std::vector<std::string>>& crops,
                              const torch::Tensor& classImportance) {
    NeuronListing table;
    const int K = map.channels();
    const auto names = neuronNames(map, topAttributes);
    std::vector<int> rank(size_t(K), 0);
    torch::Tensor importance;
    if (classImportance.defined()) {
        importance = classImportance.detach().to(torch::kCPU, torch::kDouble).reshape({-1}).contiguous();
        if (importance.numel() != K)
            throw std::invalid_argument("makeNeuronTable: the class importances must have " + std::to_string(K) +
                                        " values");
        int r = 1;
        for (const auto& d : topDimensions(importance, K)) rank[size_t(d.index)] = r++;
    }
    if (top && top->channels != 0 && top->channels != K)
        throw std::invalid_argument("makeNeuronTable: the top images are for " + std::to_string(top->channels) +
                                    " channels, the map has " + std::to_string(K));
    for (int k = 0; k < K; ++k) {
        NeuronRow row;
        row.unit = k;
        for (const auto& d : names[size_t(k)]) row.attributes.push_back({dimensionName(dimNames, d.index), d.score});
        if (top && top->channels == K)
            for (size_t j = 0; j < top->positions[size_t(k)].size(); ++j) {
                NeuronImage image;
                image.path = paths.at(size_t(top->positions[size_t(k)][j]));
                image.activation = top->scores[size_t(k)][j];
                if (size_t(k) < crops.size() && j < crops[size_t(k)].size()) image.crop = crops[size_t(k)][j];
                row.images.push_back(std::move(image));
            }
        if (importance.defined()) {
            row.classImportance = importance[k].item<double>();
            row.classRank = rank[size_t(k)];
        }
        table.rows.push_back(std::move(row));
    }
    return table;
}

}  // namespace niwt
