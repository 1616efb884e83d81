#pragma once
// Decoding one image of a data set. Thread-safe: called from several decode threads at once.
// Never touches highgui (no windows).
#include <opencv2/core.hpp>

#include <string>

namespace niwt {

// An 8-bit image: BGR (CV_8UC3) or gray (CV_8UC1), as the file holds it (alpha dropped, 16-bit
// scaled to 8-bit, EXIF orientation applied). `path` is a file, or "idx:FILE#N" for image N of a
// (gzipped) IDX file, which is decoded once into a process-wide cache and gives a 28x28 CV_8UC1
// copy. On failure returns an empty Mat and, when `error` is given, a one-line message naming
// the file: missing, unreadable, undecodable or truncated.
cv::Mat readImage(const std::string& path, std::string* error = nullptr);

// Like readImage, but for JPEG files large enough decodes at 1/2 or 1/4 scale (libjpeg's DCT
// scaling, much faster) while the shorter side stays >= minSide. Other files: full decode.
cv::Mat readImageReduced(const std::string& path, int minSide, std::string* error = nullptr);

// Width and height from a JPEG's SOF header (no decoding); false when `bytes` is not a JPEG
// or has no frame header.
bool jpegSize(const std::string& bytes, int* width, int* height);

// Drops the cached IDX files (tests; frees memory after a data set is closed).
void clearIdxImageCache();

}  // namespace niwt
