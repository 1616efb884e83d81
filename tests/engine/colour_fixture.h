#pragma once
// A miniature data set written to disk for pipeline tests: classes red, green and blue (blue
// unseen; optionally yellow, cyan and magenta, seen), 10 noisy 16x16 PNG images each in a folder layout, and a small
// staged CNN (widths 4, 6, 8) saved as a niwt-bundle with a 16x16 input.
#include "core/data/loaders.h"
#include "core/engine/small_cnn.h"
#include "core/model/bundle.h"

#include <filesystem>
#include <fstream>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <string>
#include <utility>
#include <vector>

namespace niwt::test {

struct ColourFixtureOptions {
    bool corruptRedImage = false;  // red/img3.png holds text, not an image (an unreadable file)
    bool whitePatches = false;     // a 6x6 white square at (i mod 8, i mod 8) in image i: a spot to explain
    bool attributeTable = false;   // attributes.csv beside the classes; its names hold commas
    bool mixedColours = false;     // three more seen classes: yellow, cyan, magenta (5 seen in all)
};

struct ColourFixture {
    std::filesystem::path root;
    Dataset dataset;
    Bundle bundle;
};

// `name`: a folder under the system's temporary directory, emptied first.
inline ColourFixture makeColourFixture(const std::string& name, const ColourFixtureOptions& options = {}) {
    namespace fs = std::filesystem;
    ColourFixture f;
    f.root = fs::temp_directory_path() / name;
    fs::remove_all(f.root);
    std::vector<std::pair<std::string, cv::Scalar>> classes = {
        {"red", {0, 0, 220}}, {"green", {0, 220, 0}}, {"blue", {220, 0, 0}}};
    if (options.mixedColours)
        classes.insert(classes.end(), {{"yellow", {0, 220, 220}}, {"cyan", {220, 220, 0}}, {"magenta", {220, 0, 220}}});
    cv::RNG rng(7);
    for (const auto& [cls, colour] : classes) {
        fs::create_directories(f.root / "data" / cls);
        for (int i = 0; i < 10; ++i) {
            cv::Mat image(16, 16, CV_8UC3, colour);
            cv::Mat noise(16, 16, CV_8UC3);
            rng.fill(noise, cv::RNG::UNIFORM, 0, 35);
            image += noise;
            if (options.whitePatches)
                cv::rectangle(image, cv::Rect(i % 8, i % 8, 6, 6), cv::Scalar(255, 255, 255), cv::FILLED);
            cv::imwrite((f.root / "data" / cls / ("img" + std::to_string(i) + ".png")).string(), image);
        }
    }
    if (options.corruptRedImage) std::ofstream(f.root / "data" / "red" / "img3.png", std::ios::trunc) << "corrupt";
    if (options.attributeTable) {
        std::ofstream table(f.root / "data" / "attributes.csv");
        table << "class,\"colour, red\",\"colour, green\",\"colour, blue\",bright\n"
                 "red,90,5,5,50\ngreen,5,90,5,60\nblue,5,5,90,40\n";
        if (options.mixedColours) table << "yellow,90,90,5,70\ncyan,5,90,90,55\nmagenta,90,5,90,45\n";
    }
    std::ofstream(f.root / "unseen.txt") << "blue\n";
    f.dataset = openDataset("folder:" + (f.root / "data").string());
    applySplit(f.dataset, "classes:" + (f.root / "unseen.txt").string());

    fs::create_directories(f.root / "bundle");
    SmallCnnShape shape;
    shape.inChannels = 3;
    shape.widths = {4, 6, 8};
    shape.classes = 3;
    makeSmallCnn(shape, 11).save((f.root / "bundle" / "bundle.pt").string());
    std::ofstream(f.root / "bundle" / "bundle.json")
        << R"({"format": "niwt-bundle/1", "input": {"width": 16, "height": 16, "color": "RGB",
              "mean": [0.5, 0.5, 0.5], "std": [0.5, 0.5, 0.5]}})";
    f.bundle = loadBundle((f.root / "bundle").string(), torch::kCPU);
    return f;
}

}  // namespace niwt::test
