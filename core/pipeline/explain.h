#pragma once
// Grad-CAM for one image file: the torch side of an explanation (load, preprocess, run the bundle to
// a stage, Grad-CAM for a class weight vector), returning OpenCV images ready for overlayHeatmap.
#include "core/model/bundle.h"

#include <torch/torch.h>
#include <opencv2/core.hpp>
#include <string>

namespace niwt {

// What the network sees of `image` (8-bit BGR or gray), as an 8-bit BGR image for display: the same
// centred square crop and resize as preprocessImage (spec.centerCrop of the shorter side, resized to
// spec.width x spec.height), in gray when the bundle takes gray images. Colour order, range and
// normalisation are left out: they change values, not where things are.
cv::Mat networkInputView(const cv::Mat& image, const InputSpec& spec);

// The Grad-CAM map of one image for one class, at the network's input resolution.
//   stage:       0 .. stageCount-1 (see resolveStage for names).
//   imagePath:   anything readImage decodes (a file, "idx:FILE#N").
//   classWeight: F = network featureDim(): a seen head's row or a new class's weight vector.
//   device:      where the bundle's network is (bundle.network->device()); the image and the weight
//                are moved there.
//   view:        optional out, networkInputView of the image (CV_8UC3, spec.height x spec.width), so
//                the map lines up with it pixel for pixel.
// Returns CV_32F, spec.height x spec.width, min-max normalised to [0, 1] (all zeros when the class
// has no positive evidence anywhere). Throws DataError naming the file when the image cannot be
// read, std::invalid_argument / std::out_of_range for a bad weight, device or stage.
cv::Mat gradCamForImage(const Bundle& bundle, int stage, const std::string& imagePath, const torch::Tensor& classWeight,
                        const torch::Device& device, cv::Mat* view = nullptr);

// An h x w (or 1 x h x w) float map tensor, on any device, as a CV_32F cv::Mat (a copy).
cv::Mat mapToMat(const torch::Tensor& map);

}  // namespace niwt
