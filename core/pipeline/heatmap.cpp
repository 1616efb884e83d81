#include "core/pipeline/heatmap.h"

#include "core/data/dataset.h"
#include "core/io/atomic_file.h"

#include <cmath>
#include <opencv2/imgcodecs.hpp>
#include <stdexcept>
#include <vector>

namespace niwt {

namespace {

// The map as CV_32FC1, after checking it is a non-empty one-channel float map with values in [0, 1].
cv::Mat checkedMap(const cv::Mat& map01, const char* who) {
    const std::string prefix = std::string(who) + ": ";
    if (map01.empty()) throw std::invalid_argument(prefix + "the heatmap is empty");
    if (map01.channels() != 1 || (map01.depth() != CV_32F && map01.depth() != CV_64F))
        throw std::invalid_argument(prefix + "the heatmap must be one channel of CV_32F or CV_64F values");
    cv::Mat m;
    map01.convertTo(m, CV_32F);
    if (!cv::checkRange(m, true, nullptr, 0.0, 1.0)) {
        // checkRange's upper bound is exclusive; 1.0 itself is allowed, so look closer.
        for (int y = 0; y < m.rows; ++y) {
            const float* row = m.ptr<float>(y);
            for (int x = 0; x < m.cols; ++x) {
                const float v = row[x];
                if (std::isnan(v))
                    throw std::invalid_argument(prefix + "the heatmap holds NaN at (" + std::to_string(y) + ", " +
                                                std::to_string(x) + ")");
                if (!(v >= 0.0f && v <= 1.0f))
                    throw std::invalid_argument(prefix + "heatmap value " + std::to_string(v) + " at (" +
                                                std::to_string(y) + ", " + std::to_string(x) +
                                                ") is outside [0, 1] (normalise the map first)");
            }
        }
    }
    return m;
}

cv::Mat applyColourMap(const cv::Mat& map32, int colormap, const char* who) {
    cv::Mat bytes, coloured;
    map32.convertTo(bytes, CV_8U, 255.0);  // rounds and saturates
    try {
        cv::applyColorMap(bytes, coloured, colormap);
    } catch (const cv::Exception& e) {
        throw std::invalid_argument(std::string(who) + ": colour map " + std::to_string(colormap) +
                                    " is not available (" + e.err + ")");
    }
    return coloured;
}

}  // namespace

cv::Mat colourMap(const cv::Mat& map01, int colormap) {
    return applyColourMap(checkedMap(map01, "colourMap"), colormap, "colourMap");
}

cv::Mat overlayHeatmap(const cv::Mat& imageBgr8, const cv::Mat& map01, double opacity, int colormap) {
    if (imageBgr8.empty()) throw std::invalid_argument("overlayHeatmap: the image is empty");
    if (imageBgr8.type() != CV_8UC3 && imageBgr8.type() != CV_8UC1)
        throw std::invalid_argument("overlayHeatmap: the image must be 8-bit BGR (CV_8UC3) or gray (CV_8UC1)");
    if (!std::isfinite(opacity) || opacity < 0.0 || opacity > 1.0)
        throw std::invalid_argument("overlayHeatmap: opacity " + std::to_string(opacity) + " is outside [0, 1]");
    cv::Mat map = checkedMap(map01, "overlayHeatmap");
    if (map.size() != imageBgr8.size()) {
        cv::Mat resized;
        cv::resize(map, resized, imageBgr8.size(), 0, 0, cv::INTER_LINEAR);
        // Bilinear interpolation stays within the source's range; clamp away rounding only.
        const cv::Mat floored = cv::max(resized, 0.0);
        cv::min(floored, 1.0, map);
    }
    const cv::Mat coloured = applyColourMap(map, colormap, "overlayHeatmap");
    cv::Mat image;
    if (imageBgr8.channels() == 1)
        cv::cvtColor(imageBgr8, image, cv::COLOR_GRAY2BGR);
    else
        image = imageBgr8;
    cv::Mat out;
    cv::addWeighted(image, 1.0 - opacity, coloured, opacity, 0.0, out);
    return out;
}

void writePng(const std::string& path, const cv::Mat& image) {
    if (image.empty()) throw DataError(located(path, 0, "cannot write PNG (the image is empty)"));
    if ((image.depth() != CV_8U && image.depth() != CV_16U) ||
        (image.channels() != 1 && image.channels() != 3 && image.channels() != 4))
        throw DataError(located(path, 0, "cannot write PNG (need 8- or 16-bit images of 1, 3 or 4 channels)"));
    std::vector<uchar> bytes;
    bool encoded = false;
    std::string reason = "the encoder failed";
    try {
        encoded = cv::imencode(".png", image, bytes);
    } catch (const cv::Exception& e) {
        reason = e.err;
    }
    if (!encoded) throw DataError(located(path, 0, "cannot encode PNG (" + reason + ")"));
    writeFileAtomically(path, std::string(bytes.begin(), bytes.end()));
}

}  // namespace niwt
