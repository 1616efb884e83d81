#pragma once
// Heatmap overlays and PNG output (OpenCV only, no torch): the drawing half of Grad-CAM, in the
// spirit of pytorch-grad-cam's show_cam_on_image. Never touches highgui (no windows).
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include <string>

namespace niwt {

// Blends a colour-mapped heatmap over an image: out = (1 - opacity) * image + opacity * colour(map),
// per channel, rounded and saturated to 8 bits.
//   imageBgr8: CV_8UC3 (BGR) or CV_8UC1 (gray, shown as BGR), not empty.
//   map01:     one channel, CV_32F or CV_64F, any size (bilinearly resized to the image), every value
//              finite and in [0, 1] (e.g. normaliseMaps' output); 0 is the colour map's low end.
//   opacity:   the heatmap's weight, in [0, 1] (0 = the image alone, 1 = the heatmap alone).
//   colormap:  a cv::ColormapTypes value.
// Returns a new CV_8UC3 image of the image's size. Throws std::invalid_argument with a message
// naming the problem (empty image, wrong type, map out of [0, 1] or NaN, opacity out of range...).
cv::Mat overlayHeatmap(const cv::Mat& imageBgr8, const cv::Mat& map01, double opacity, int colormap = cv::COLORMAP_JET);

// The heatmap alone: a [0, 1] map (as for overlayHeatmap) colour-mapped to CV_8UC3 at its own size.
cv::Mat colourMap(const cv::Mat& map01, int colormap = cv::COLORMAP_JET);

// Writes `image` (8- or 16-bit, 1, 3 or 4 channels, BGR order) as a PNG file, atomically (a
// temporary file renamed into place, see core/io/atomic_file.h). Throws niwt::DataError
// "PATH: ..." naming the file when the image cannot be encoded or the file cannot be written.
void writePng(const std::string& path, const cv::Mat& image);

}  // namespace niwt
