#pragma once
// Explanations (NIWT step 6) on images and files: one image's importances for a class (for its
// textual explanation with an InverseMap), the images that drive each channel of a stage most, and
// the neuron table's rows (names, top images, a class's importances) and overlay PNGs.
// The maths lives in core/engine/inverse_map.h; this adds decoding, batching and output.
#include "core/data/csv.h"  // csvField, used by the neuron table's CSV
#include "core/engine/inverse_map.h"
#include "core/model/bundle.h"
#include "core/pipeline/extraction.h"
#include "core/pipeline/image_batches.h"
#include "core/pipeline/neuron_table.h"

#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>
#include <string>
#include <vector>

namespace niwt {

// ---- One image, one class ----------------------------------------------------------------

struct ImageExplanation {
    torch::Tensor features;     // F: the image's pooled features (predictions: features . w + b), CPU
    torch::Tensor importances;  // K: alpha(w) at the stage (gradCam's importances), CPU
    cv::Mat map;                // Grad-CAM map at the network input size, CV_32F in [0, 1] (gradCamForImage)
    cv::Mat view;               // networkInputView of the image, CV_8UC3, lines up with `map`
};

// Everything an explanation of `imagePath` for the class with weight vector `classWeight` (F, a
// seen head row or a new class's weights) needs. Throws DataError naming the file when the image
// cannot be read; see gradCamForImage for the other errors.
ImageExplanation explainImage(const Bundle& bundle, int stage, const std::string& imagePath,
                              const torch::Tensor& classWeight, const torch::Device& device);

// alpha_i(w) for one class weight vector on many images: rows follow the readable images, whose
// positions in `paths` go to `positions`. N x K, CPU. Unreadable images are skipped (counted in
// `failed` when given); none readable gives a 0 x K tensor.
torch::Tensor classWeightImportances(const Bundle& bundle, int stage, const std::vector<std::string>& paths,
                                     const torch::Tensor& classWeight, const torch::Device& device,
                                     const BatchLoaderOptions& loader, std::vector<int>* positions,
                                     int* failed = nullptr, const CancelFn& cancelled = {});

// ---- What a stage's explanations rest on ---------------------------------------------------

// The seen training images' importances at the extractor's stage (cached by the Extractor) and the
// inverse map fitted on them: the shared first step of `niwt explain`, `niwt neurons` and the
// explorer's Explainer.
struct ExplanationBasis {
    ImportanceSet importances;
    InverseMap inverse;
    InverseMapReport report;
};

// Computes or loads the extractor's features, seen head and importances, then fits the inverse
// map to `classVectors` (C x a raw, e.g. classVectorMatrix).
ExplanationBasis prepareExplanationBasis(Extractor& extractor, const torch::Tensor& classVectors);

// A seen class's importance of each unit: the mean of its rows of `importances` (which are
// alpha_i(w_c) for its seen training images). K; undefined when the class has no rows. `images`
// (optional) gets the number of rows averaged.
torch::Tensor seenClassImportance(const ImportanceSet& importances, int classIndex, int* images = nullptr);

// Any class weight vector's importance of each unit: the mean of alpha_i(w) over the readable
// images of `paths` (classWeightImportances). K, CPU; undefined when none is readable.
torch::Tensor meanClassWeightImportance(const Bundle& bundle, int stage, const std::vector<std::string>& paths,
                                        const torch::Tensor& classWeight, const torch::Device& device,
                                        const BatchLoaderOptions& loader, int* images = nullptr,
                                        const CancelFn& cancelled = {});

// ---- Channels and their top images ---------------------------------------------------------

// At most `limit` of `items`, evenly spread and in order (all of them when limit <= 0): the image
// pools of the neuron table's top images.
std::vector<int> evenlyThinned(const std::vector<int>& items, int limit);

// For each channel k of a stage, the images of a list that drive it most: ranked by the channel's
// MEAN ACTIVATION over the image's h x w positions (the stage's output, as in Network Dissection's
// top images; importances would rank by the channel's effect on one class's logit instead).
struct ChannelTopImages {
    int channels = 0;
    int images = 0, failed = 0;               // images scored, unreadable images skipped
    std::vector<std::vector<int>> positions;  // per channel: positions into the path list, best first
    std::vector<std::vector<double>> scores;  // per channel: the mean activations, same order
    std::vector<std::vector<cv::Mat>> maps;   // per channel: the channel's h x w activation (CV_32F)
};

// One pass over `paths` (batched, decoded ahead), keeping the top `perChannel` images of every
// channel with their activation maps. Ties keep an earlier image first. progress("top images", ...).
ChannelTopImages topActivatingImages(const Bundle& bundle, int stage, const std::vector<std::string>& paths,
                                     int perChannel, const torch::Device& device, const BatchLoaderOptions& loader,
                                     const ProgressFn& progress = {}, const CancelFn& cancelled = {});

// The activation maps of `unit`'s top images, each resized (bilinear) to `size` and scaled by the
// unit's largest activation over its top images, clamped to [0, 1] (negative activations show as
// 0), so a unit's maps share one scale. CV_32F, best image first.
std::vector<cv::Mat> channelOverlayMaps(const ChannelTopImages& top, int unit, cv::Size size);

// Overlay PNGs DIR/unit<k>_top<j>.png (j = 1 = the top image) for the given channels: each image's
// networkInputView with the channel's activation map upsampled over it (overlayHeatmap, JET,
// opacity 0.5), the maps as channelOverlayMaps draws them.
// Creates DIR. Returns, per channel of `top` (all of them), the written paths (empty for channels
// not drawn). Throws DataError naming a file that cannot be read or written.
std::vector<std::vector<std::string>> writeChannelOverlays(const ChannelTopImages& top,
                                                           const std::vector<std::string>& paths, const InputSpec& spec,
                                                           const std::string& dir, const std::vector<int>& units);

// ---- The neuron table ----------------------------------------------------------------------
// Rows, CSV and JSON: core/pipeline/neuron_table.h (NeuronListing, writeNeuronTable).

// Rows for every channel of the map: the top `topAttributes` dimension names (dimNames; "dim<i>"
// where missing) with their scores, the top images from `top` (optional; positions resolved
// through `paths`), the crops (optional, per channel as writeChannelOverlays returns) and the
// class's importance of each unit (optional, K) with its rank. Only `rows` is filled; the caller
// names the stage, modality and class.
NeuronListing makeNeuronTable(const InverseMap& map, const std::vector<std::string>& dimNames, int topAttributes,
                              const ChannelTopImages* top, const std::vector<std::string>& paths,
                              const std::vector<std::vector<std::string>>& crops, const torch::Tensor& classImportance);

}  // namespace niwt
