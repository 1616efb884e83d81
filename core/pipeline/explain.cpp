#include "core/pipeline/explain.h"

#include "core/data/dataset.h"
#include "core/data/image_source.h"
#include "core/engine/gradcam.h"
#include "core/engine/importance.h"
#include "core/pipeline/image_batches.h"

#include <algorithm>
#include <cmath>
#include <opencv2/imgproc.hpp>
#include <stdexcept>

namespace niwt {

cv::Mat networkInputView(const cv::Mat& image, const InputSpec& spec) {
    if (image.empty()) throw std::invalid_argument("networkInputView: the image is empty");
    if (image.depth() != CV_8U || (image.channels() != 1 && image.channels() != 3))
        throw std::invalid_argument("networkInputView: the image must be 8-bit BGR or gray");
    const cv::Mat resized = centreCropResize(image, spec);  // the crop preprocessImage feeds the network
    cv::Mat view;
    if (spec.channels() == 1 && resized.channels() == 3) {
        cv::Mat gray;
        cv::cvtColor(resized, gray, cv::COLOR_BGR2GRAY);
        cv::cvtColor(gray, view, cv::COLOR_GRAY2BGR);
    } else if (resized.channels() == 1) {
        cv::cvtColor(resized, view, cv::COLOR_GRAY2BGR);
    } else {
        view = resized;
    }
    return view;
}

cv::Mat mapToMat(const torch::Tensor& map) {
    auto m = map.detach();
    if (m.dim() == 3 && m.size(0) == 1) m = m.squeeze(0);
    if (m.dim() != 2) throw std::invalid_argument("mapToMat: need one h x w map");
    m = m.to(torch::kCPU, torch::kFloat).contiguous();
    cv::Mat out(int(m.size(0)), int(m.size(1)), CV_32F);
    std::copy(m.data_ptr<float>(), m.data_ptr<float>() + m.numel(), out.ptr<float>());
    return out;
}

cv::Mat gradCamForImage(const Bundle& bundle, int stage, const std::string& imagePath, const torch::Tensor& classWeight,
                        const torch::Device& device, cv::Mat* view) {
    if (!bundle.network) throw std::invalid_argument("gradCamForImage: the bundle has no network");
    const StagedNetwork& net = *bundle.network;
    if (net.device() != device)
        throw std::invalid_argument("gradCamForImage: the network is on " + net.device().str() + ", not " +
                                    device.str());
    if (stage < 0 || stage >= net.stageCount())
        throw std::out_of_range("gradCamForImage: stage index " + std::to_string(stage) +
                                " out of range (the network has " + std::to_string(net.stageCount()) + " stages)");
    if (!classWeight.defined() || classWeight.numel() != net.featureDim() ||
        (classWeight.dim() != 1 && !(classWeight.dim() == 2 && classWeight.size(0) == 1)))
        throw std::invalid_argument("gradCamForImage: the class weight must be a vector of " +
                                    std::to_string(net.featureDim()) + " values (the pooled features)");

    // One decode for both the network input and the view (loadPreprocessedImage decodes its own).
    std::string error;
    const cv::Mat image = readImage(imagePath, &error);
    if (image.empty()) throw DataError(error.empty() ? located(imagePath, 0, "cannot decode image") : error);
    const InputSpec& spec = bundle.input;
    auto input = torch::empty({1, spec.channels(), spec.height, spec.width}, torch::kFloat);
    preprocessImage(image, spec, input.data_ptr<float>());
    if (view) *view = networkInputView(image, spec);

    const auto activations = stageActivations(net, input.to(device), stage);
    const auto maps = gradCam(net, stage, activations, classWeight.reshape({1, -1}).to(device));
    const auto full = normaliseMaps(upsampleMaps(maps, spec.height, spec.width));
    return mapToMat(full[0]);
}

}  // namespace niwt
