#pragma once
// The image pipeline: decode (OpenCV), centre crop, resize, normalise, batch, with decoding on
// worker threads running ahead of the network so that it never waits on JPEGs.
#include "core/model/input_spec.h"

#include <torch/torch.h>

#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <opencv2/core.hpp>
#include <string>
#include <thread>
#include <vector>

namespace niwt {

// The centred square crop of spec.centerCrop x the shorter side, resized to spec's W x H (area
// interpolation when shrinking): the pixels the network sees, before colour and normalisation.
cv::Mat centreCropResize(const cv::Mat& image, const InputSpec& spec);

// Writes `image` (8-bit BGR or gray) preprocessed for `spec` into `out`, a C x H x W float
// buffer: centred square crop of spec.centerCrop x the shorter side, resize to W x H, colour
// order, range, then (v - mean) / std per channel.
void preprocessImage(const cv::Mat& image, const InputSpec& spec, float* out);

// One image file preprocessed into a 1 x C x H x W tensor; throws DataError naming the file.
torch::Tensor loadPreprocessedImage(const std::string& path, const InputSpec& spec);

struct ImageBatch {
    torch::Tensor images;                               // n x C x H x W float, CPU (pinned when asked)
    std::vector<int> positions;                         // for each row: its position in the loader's path list
    std::vector<std::pair<int, std::string>> failures;  // (position, message) of unreadable images
};

struct BatchLoaderOptions {
    int batchSize = 32;
    int threads = 0;          // decode threads; 0 = automatic (see defaultDecodeThreads)
    int prefetchBatches = 2;  // batches decoded ahead of the consumer
    bool pinMemory = false;   // page-locked host memory, for fast non-blocking copies to CUDA
};

// Decode threads that leave the network its cores: on a CPU device about a quarter of the
// cores (at least 1); on CUDA all but one.
int defaultDecodeThreads(bool cudaDevice);

class ImageBatchLoader {
public:
    ImageBatchLoader(std::vector<std::string> paths, InputSpec spec, BatchLoaderOptions options);
    ~ImageBatchLoader();
    ImageBatchLoader(const ImageBatchLoader&) = delete;
    ImageBatchLoader& operator=(const ImageBatchLoader&) = delete;

    // The next batch in order; false when all batches have been handed out.
    bool next(ImageBatch& batch);
    int batchCount() const { return batchCount_; }

private:
    void work(int threadIndex);
    ImageBatch decodeBatch(int batchIndex) const;

    std::vector<std::string> paths_;
    InputSpec spec_;
    BatchLoaderOptions options_;
    int batchCount_ = 0;
    int nextToHand_ = 0;
    bool stopping_ = false;
    std::map<int, ImageBatch> ready_;
    std::mutex mutex_;
    std::condition_variable readyChanged_;
    std::vector<std::thread> threads_;
};

}  // namespace niwt
