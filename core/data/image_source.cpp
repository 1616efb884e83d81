#include "core/data/image_source.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <utility>
#include <vector>

#include "core/data/dataset.h"
#include "core/data/idx_file.h"
#include "core/data/text_table.h"
#include "core/io/atomic_file.h"
#include "core/io/input_limits.h"

namespace niwt {

namespace {

// ------------------------------------------------------------------------------ IDX cache

// One decoded IDX file, or the error decoding it gave (so 70,000 failing look-ups do not
// decode a broken 47 MB file 70,000 times).
struct IdxEntry {
    std::mutex loading;  // held while decoding, so each file is decoded once
    bool loaded = false;
    std::shared_ptr<const IdxArray> images;
    std::string error;
    // Identity of the file when it was decoded; a rewritten file is decoded again.
    long long size = -1;
    long long modified = -1;
};

std::mutex cacheMutex;
std::map<std::string, std::shared_ptr<IdxEntry>> idxCache;

void setError(std::string* error, const std::string& message) {
    if (error) *error = message;
}

long long modificationTimeNs(const struct stat& info) {
    return (long long)info.st_mtim.tv_sec * 1000000000LL + info.st_mtim.tv_nsec;
}

std::shared_ptr<const IdxArray> idxImages(const std::string& file, std::string* error) {
    struct stat info {};
    if (::stat(file.c_str(), &info) != 0) {
        setError(error, located(file, 0, "cannot open (" + systemErrorMessage(errno) + ")"));
        return nullptr;
    }
    std::shared_ptr<IdxEntry> entry;
    {
        std::lock_guard<std::mutex> lock(cacheMutex);
        std::shared_ptr<IdxEntry>& slot = idxCache[file];
        if (!slot || (slot->size >= 0 && (slot->size != info.st_size || slot->modified != modificationTimeNs(info))))
            slot = std::make_shared<IdxEntry>();
        entry = slot;
    }
    std::lock_guard<std::mutex> lock(entry->loading);
    if (!entry->loaded) {
        try {
            auto images = std::make_shared<IdxArray>(readIdxFile(file));
            if (images->dims.size() != 3) throw DataError(located(file, 0, "expected N x rows x columns IDX images"));
            entry->images = std::move(images);
        } catch (const DataError& e) {
            entry->error = e.what();
        }
        entry->size = info.st_size;
        entry->modified = modificationTimeNs(info);
        entry->loaded = true;
    }
    if (!entry->images) setError(error, entry->error);
    return entry->images;
}

cv::Mat readIdxImage(const std::string& path, std::string* error) {
    // path is "idx:FILE#N"
    const size_t hash = path.rfind('#');
    long index = -1;
    if (hash == std::string::npos || !parseLong(path.substr(hash + 1), &index) || index < 0) {
        setError(error, located(path, 0, "expected \"idx:FILE#INDEX\""));
        return {};
    }
    const std::string file = path.substr(4, hash - 4);
    std::shared_ptr<const IdxArray> images = idxImages(file, error);
    if (!images) return {};
    if (size_t(index) >= images->count()) {
        setError(
            error,
            located(file, 0, "has " + std::to_string(images->count()) + " images, no image " + std::to_string(index)));
        return {};
    }
    const int rows = int(images->dims[1]), columns = int(images->dims[2]);
    const uint8_t* pixels = images->data.data() + size_t(index) * images->itemSize();
    // A copy: the cache may be cleared while the caller still holds the image.
    return cv::Mat(rows, columns, CV_8UC1, const_cast<uint8_t*>(pixels)).clone();
}

// ------------------------------------------------------------------------------ files

bool isJpeg(const std::string& bytes) {
    return bytes.size() >= 3 && uint8_t(bytes[0]) == 0xFF && uint8_t(bytes[1]) == 0xD8 && uint8_t(bytes[2]) == 0xFF;
}

bool isPng(const std::string& bytes) { return bytes.size() >= 8 && bytes.compare(0, 8, "\x89PNG\r\n\x1a\n") == 0; }

// libjpeg decodes a truncated JPEG with only a warning, filling the missing rows with gray. A
// whole JPEG reaches its end-of-image marker (FF D9); trailing bytes after it (some cameras
// append data) do not matter. Walks the marker segments and the entropy-coded scans, where
// every 0xFF data byte is stuffed (FF 00) so markers are unambiguous. Malformed headers count as
// complete here: the decoder reports those.
bool jpegReachesEndMarker(const std::string& bytes) {
    const size_t size = bytes.size();
    auto at = [&](size_t i) { return uint8_t(bytes[i]); };
    size_t pos = 2;
    while (pos + 1 < size) {
        if (at(pos) != 0xFF) return true;
        const uint8_t marker = at(pos + 1);
        if (marker == 0xFF) {  // fill byte
            ++pos;
            continue;
        }
        if (marker == 0xD9) return true;
        if (marker == 0xD8 || marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) {  // no length
            pos += 2;
            continue;
        }
        if (pos + 3 >= size) return false;
        pos += 2 + (size_t(at(pos + 2)) << 8 | at(pos + 3));
        if (marker != 0xDA) continue;
        // Entropy-coded data after start-of-scan runs up to the next real marker.
        while (pos + 1 < size) {
            if (at(pos) != 0xFF) {
                ++pos;
                continue;
            }
            const uint8_t next = at(pos + 1);
            if (next == 0x00 || (next >= 0xD0 && next <= 0xD7))
                pos += 2;  // stuffed byte, restart
            else if (next == 0xFF)
                ++pos;
            else
                break;
        }
    }
    return false;
}

// A whole PNG is a chain of chunks (length, type, data, CRC) that ends with IEND.
bool pngReachesEndChunk(const std::string& bytes) {
    size_t pos = 8;
    while (pos + 8 <= bytes.size()) {
        const size_t length = size_t(uint8_t(bytes[pos])) << 24 | size_t(uint8_t(bytes[pos + 1])) << 16 |
                              size_t(uint8_t(bytes[pos + 2])) << 8 | uint8_t(bytes[pos + 3]);
        if (bytes.compare(pos + 4, 4, "IEND") == 0) return true;
        pos += 12 + length;
    }
    return false;
}

cv::Mat toEightBit(cv::Mat image) {
    if (image.empty()) return image;
    if (image.depth() != CV_8U) {
        const double scale = image.depth() == CV_16U ? 1.0 / 257.0 : (image.depth() == CV_32F ? 255.0 : 1.0);
        cv::Mat converted;
        image.convertTo(converted, CV_8U, scale);
        image = converted;
    }
    if (image.channels() == 4) cv::cvtColor(image, image, cv::COLOR_BGRA2BGR);
    return image;
}

std::string readBytes(const std::string& path, std::string* error) {
    try {
        std::string bytes = readInputFile(path, kMaxImageFileBytes, "image");
        if (bytes.empty()) setError(error, located(path, 0, "empty file"));
        return bytes;
    } catch (const DataError& e) {
        setError(error, e.what());
        return {};
    }
}

struct JpegFrame {
    int width = 0;
    int height = 0;
    int components = 0;
    bool arithmetic = false;                    // arithmetic-coded (SOF9..SOF15): no lower bound on bits per block
    std::vector<std::pair<int, int>> sampling;  // per component: horizontal, vertical sampling factor
};

// Walks the JPEG markers up to the first start-of-frame header.
bool readJpegFrame(const std::string& bytes, JpegFrame* frame) {
    if (!isJpeg(bytes)) return false;
    size_t pos = 2;
    while (pos + 4 <= bytes.size()) {
        if (uint8_t(bytes[pos]) != 0xFF) return false;
        const uint8_t marker = uint8_t(bytes[pos + 1]);
        if (marker == 0xFF) {  // fill byte before a marker
            ++pos;
            continue;
        }
        if (marker == 0xD8 || (marker >= 0xD0 && marker <= 0xD7) || marker == 0x01) {  // no length
            pos += 2;
            continue;
        }
        if (marker == 0xD9 || marker == 0xDA) return false;  // end of image / start of scan
        const size_t length = size_t(uint8_t(bytes[pos + 2])) << 8 | uint8_t(bytes[pos + 3]);
        // SOF0..SOF15, except DHT (C4), JPG (C8) and DAC (CC) which share the range.
        const bool startOfFrame =
            marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
        if (startOfFrame) {
            if (pos + 10 > bytes.size() || length < 8) return false;
            frame->height = int(uint8_t(bytes[pos + 5])) << 8 | uint8_t(bytes[pos + 6]);
            frame->width = int(uint8_t(bytes[pos + 7])) << 8 | uint8_t(bytes[pos + 8]);
            frame->components = uint8_t(bytes[pos + 9]);
            frame->arithmetic = marker >= 0xC9;
            frame->sampling.clear();
            for (int c = 0; c < frame->components && pos + 12 + 3 * size_t(c) <= bytes.size(); ++c) {
                const uint8_t factors = uint8_t(bytes[pos + 11 + 3 * size_t(c)]);
                frame->sampling.emplace_back(std::max(1, factors >> 4), std::max(1, factors & 0x0F));
            }
            return true;
        }
        pos += 2 + length;
    }
    return false;
}

// A JPEG whose header claims more pixels than its data can hold decodes with libjpeg's "Corrupt
// JPEG data: premature end of data segment" warning (which OpenCV prints unnamed and otherwise
// ignores) into a mostly grey image. With Huffman coding every 8x8 block of a component costs at
// least one bit (its DC code), so a file smaller than one bit per block of its least sampled
// component cannot be whole. Returns the reason when the file is too small, else "".
std::string jpegTooSmallForItsSize(const std::string& bytes) {
    JpegFrame frame;
    if (!readJpegFrame(bytes, &frame) || frame.arithmetic || frame.sampling.empty() || frame.width <= 0 ||
        frame.height <= 0)
        return {};
    int maxH = 1, maxV = 1;
    for (const auto& [h, v] : frame.sampling) {
        maxH = std::max(maxH, h);
        maxV = std::max(maxV, v);
    }
    uint64_t fewestBlocks = UINT64_MAX;
    for (const auto& [h, v] : frame.sampling) {
        const uint64_t width = (uint64_t(frame.width) * uint64_t(h) + uint64_t(maxH) - 1) / uint64_t(maxH);
        const uint64_t height = (uint64_t(frame.height) * uint64_t(v) + uint64_t(maxV) - 1) / uint64_t(maxV);
        fewestBlocks = std::min(fewestBlocks, ((width + 7) / 8) * ((height + 7) / 8));
    }
    if (uint64_t(bytes.size()) * 8 >= fewestBlocks) return {};
    return "corrupt JPEG: its header claims " + std::to_string(frame.width) + "x" + std::to_string(frame.height) +
           " pixels, more than its " + std::to_string(bytes.size()) + " bytes can hold";
}

cv::Mat decodeBytes(const std::string& path, const std::string& bytes, int flags, std::string* error) {
    if (isJpeg(bytes) && !jpegReachesEndMarker(bytes)) {
        setError(error, located(path, 0, "truncated JPEG (no end-of-image marker)"));
        return {};
    }
    if (isJpeg(bytes)) {
        const std::string tooSmall = jpegTooSmallForItsSize(bytes);
        if (!tooSmall.empty()) {
            setError(error, located(path, 0, tooSmall));
            return {};
        }
    }
    if (isPng(bytes) && !pngReachesEndChunk(bytes)) {
        setError(error, located(path, 0, "truncated PNG (no IEND chunk)"));
        return {};
    }
    cv::Mat image;
    try {
        const cv::Mat buffer(1, int(bytes.size()), CV_8UC1, const_cast<char*>(bytes.data()));
        image = cv::imdecode(buffer, flags);
    } catch (const cv::Exception& e) {
        setError(error, located(path, 0, "cannot decode (" + e.err + ")"));
        return {};
    }
    if (image.empty()) {
        setError(error, located(path, 0, "cannot decode (corrupt or unsupported image format)"));
        return {};
    }
    return toEightBit(image);
}

bool isIdxPath(const std::string& path) { return path.compare(0, 4, "idx:") == 0; }

}  // namespace

bool jpegSize(const std::string& bytes, int* width, int* height) {
    JpegFrame frame;
    if (!readJpegFrame(bytes, &frame)) return false;
    *width = frame.width;
    *height = frame.height;
    return true;
}

cv::Mat readImage(const std::string& path, std::string* error) {
    if (isIdxPath(path)) return readIdxImage(path, error);
    const std::string bytes = readBytes(path, error);
    if (bytes.empty()) return {};
    // IMREAD_ANYCOLOR keeps gray images gray and gives BGR for colour ones (alpha dropped).
    return decodeBytes(path, bytes, cv::IMREAD_ANYCOLOR, error);
}

cv::Mat readImageReduced(const std::string& path, int minSide, std::string* error) {
    if (isIdxPath(path)) return readIdxImage(path, error);
    const std::string bytes = readBytes(path, error);
    if (bytes.empty()) return {};
    int flags = cv::IMREAD_ANYCOLOR;
    JpegFrame frame;
    if (minSide > 0 && readJpegFrame(bytes, &frame)) {
        const int shorter = std::min(frame.width, frame.height);
        const bool gray = frame.components == 1;
        if (shorter / 4 >= minSide)
            flags = gray ? cv::IMREAD_REDUCED_GRAYSCALE_4 : cv::IMREAD_REDUCED_COLOR_4;
        else if (shorter / 2 >= minSide)
            flags = gray ? cv::IMREAD_REDUCED_GRAYSCALE_2 : cv::IMREAD_REDUCED_COLOR_2;
    }
    return decodeBytes(path, bytes, flags, error);
}

void clearIdxImageCache() {
    std::lock_guard<std::mutex> lock(cacheMutex);
    idxCache.clear();
}

}  // namespace niwt
