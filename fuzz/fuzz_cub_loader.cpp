// openDataset("cub:DIR") on a folder written from the input: classes.txt, images.txt,
// image_class_labels.txt, train_test_split.txt, attributes/attributes.txt and
// attributes/class_attribute_labels_continuous.txt, in that order, separated by "---8<---" lines.
// One image file exists (images/001.A/a.jpg) so that both the found and the missing-image paths run.
#include "core/data/loaders.h"
#include "fuzz/fuzz_dataset_check.h"
#include "fuzz/fuzz_support.h"

using namespace niwt;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static const std::string dir = fuzz::scratchDir() + "/cub";
    static const bool imageWritten = (fuzz::writeFile(dir + "/images/001.A/a.jpg", "not decoded while loading"), true);
    (void)imageWritten;
    static const std::vector<std::string> files = {"classes.txt",
                                                   "images.txt",
                                                   "image_class_labels.txt",
                                                   "train_test_split.txt",
                                                   "attributes/attributes.txt",
                                                   "attributes/class_attribute_labels_continuous.txt"};
    fuzz::openDatasetFromParts("cub", dir, files, data, size);
    return 0;
}
