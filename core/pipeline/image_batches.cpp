#include "core/pipeline/image_batches.h"

#include "core/data/dataset.h"
#include "core/data/image_source.h"

#include <algorithm>
#include <cmath>
#include <opencv2/imgproc.hpp>

namespace niwt {

cv::Mat centreCropResize(const cv::Mat& image, const InputSpec& spec) {
    const int side = std::max(1, int(std::lround(spec.centerCrop * std::min(image.cols, image.rows))));
    const cv::Rect crop((image.cols - side) / 2, (image.rows - side) / 2, side, side);
    cv::Mat resized;
    const bool shrinking = side > spec.width || side > spec.height;
    cv::resize(image(crop), resized, cv::Size(spec.width, spec.height), 0, 0,
               shrinking ? cv::INTER_AREA : cv::INTER_LINEAR);
    return resized;
}

void preprocessImage(const cv::Mat& image, const InputSpec& spec, float* out) {
    const cv::Mat resized = centreCropResize(image, spec);

    cv::Mat colour;
    const int channels = spec.channels();
    if (channels == 1)
        colour = resized.channels() == 1 ? resized : [&] {
            cv::Mat g;
            cv::cvtColor(resized, g, cv::COLOR_BGR2GRAY);
            return g;
        }();
    else if (resized.channels() == 1)
        cv::cvtColor(resized, colour, spec.color == "RGB" ? cv::COLOR_GRAY2RGB : cv::COLOR_GRAY2BGR);
    else if (spec.color == "RGB")
        cv::cvtColor(resized, colour, cv::COLOR_BGR2RGB);
    else
        colour = resized;

    // v in [0,255] -> range -> (v - mean) / std, folded into one multiply-add per channel.
    const float toRange = (spec.rangeMax - spec.rangeMin) / 255.0f;
    const int plane = spec.width * spec.height;
    for (int c = 0; c < channels; ++c) {
        const float scale = toRange / spec.std[size_t(c)];
        const float shift = (spec.rangeMin - spec.mean[size_t(c)]) / spec.std[size_t(c)];
        float* dst = out + size_t(c) * size_t(plane);
        for (int y = 0; y < spec.height; ++y) {
            const uchar* row = colour.ptr<uchar>(y);
            for (int x = 0; x < spec.width; ++x) dst[y * spec.width + x] = float(row[x * channels + c]) * scale + shift;
        }
    }
}

torch::Tensor loadPreprocessedImage(const std::string& path, const InputSpec& spec) {
    std::string error;
    const cv::Mat image = readImage(path, &error);
    if (image.empty()) throw DataError(error.empty() ? located(path, 0, "cannot decode image") : error);
    auto t = torch::empty({1, spec.channels(), spec.height, spec.width}, torch::kFloat);
    preprocessImage(image, spec, t.data_ptr<float>());
    return t;
}

int defaultDecodeThreads(bool cudaDevice) {
    const int cores = int(std::max(1u, std::thread::hardware_concurrency()));
    return cudaDevice ? std::max(1, cores - 1) : std::max(1, cores / 4);
}

ImageBatchLoader::ImageBatchLoader(std::vector<std::string> paths, InputSpec spec, BatchLoaderOptions options)
    : paths_(std::move(paths)), spec_(std::move(spec)), options_(options) {
    options_.batchSize = std::max(1, options_.batchSize);
    options_.prefetchBatches = std::max(1, options_.prefetchBatches);
    if (options_.threads <= 0) options_.threads = defaultDecodeThreads(options_.pinMemory);
    batchCount_ = int((paths_.size() + size_t(options_.batchSize) - 1) / size_t(options_.batchSize));
    const int threads = std::min(options_.threads, std::max(1, batchCount_));
    for (int t = 0; t < threads; ++t) threads_.emplace_back([this, t] { work(t); });
}

ImageBatchLoader::~ImageBatchLoader() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        stopping_ = true;
    }
    readyChanged_.notify_all();
    for (auto& t : threads_) t.join();
}

ImageBatch ImageBatchLoader::decodeBatch(int batchIndex) const {
    const int first = batchIndex * options_.batchSize;
    const int count = std::min<int>(options_.batchSize, int(paths_.size()) - first);
    const int64_t imageSize = int64_t(spec_.channels()) * spec_.height * spec_.width;
    ImageBatch batch;
    auto images = torch::empty({count, spec_.channels(), spec_.height, spec_.width},
                               torch::TensorOptions().dtype(torch::kFloat).pinned_memory(options_.pinMemory));
    // Large JPEGs decode at 1/2 or 1/4 scale when the crop still covers the network's input.
    const int minSide = int(std::ceil(std::max(spec_.width, spec_.height) / spec_.centerCrop));
    int rows = 0;
    for (int i = 0; i < count; ++i) {
        const int position = first + i;
        std::string error;
        const cv::Mat image = readImageReduced(paths_[size_t(position)], minSide, &error);
        if (image.empty()) {
            batch.failures.emplace_back(position, error.empty() ? paths_[size_t(position)] + ": cannot decode" : error);
            continue;
        }
        preprocessImage(image, spec_, images.data_ptr<float>() + rows * imageSize);
        batch.positions.push_back(position);
        ++rows;
    }
    batch.images = rows == count ? images : images.slice(0, 0, rows);
    return batch;
}

void ImageBatchLoader::work(int threadIndex) {
    const int threads = std::min(options_.threads, std::max(1, batchCount_));
    for (int b = threadIndex; b < batchCount_; b += threads) {
        {
            // Stay at most prefetchBatches ahead of the consumer: bounded memory.
            std::unique_lock<std::mutex> lock(mutex_);
            readyChanged_.wait(lock,
                               [&] { return stopping_ || b < nextToHand_ + options_.prefetchBatches + threads - 1; });
            if (stopping_) return;
        }
        ImageBatch batch = decodeBatch(b);
        {
            std::lock_guard<std::mutex> lock(mutex_);
            ready_.emplace(b, std::move(batch));
        }
        readyChanged_.notify_all();
    }
}

bool ImageBatchLoader::next(ImageBatch& batch) {
    std::unique_lock<std::mutex> lock(mutex_);
    if (nextToHand_ >= batchCount_) return false;
    readyChanged_.wait(lock, [&] { return ready_.count(nextToHand_) > 0; });
    batch = std::move(ready_[nextToHand_]);
    ready_.erase(nextToHand_);
    ++nextToHand_;
    lock.unlock();
    readyChanged_.notify_all();
    return true;
}

}  // namespace niwt
