#pragma once
// Opening data sets, applying seen/unseen splits and adding class-level modalities.
// Every function throws DataError with a one-line message naming the file (and line).
//
// Data set specs ("KIND:DIR"):
//
//   cub:DIR   The genuine CUB-200-2011 layout: classes.txt ("<id> <NNN.Name>"), images.txt
//             ("<image id> <path under DIR/images>"), image_class_labels.txt ("<image id>
//             <class id>"), train_test_split.txt ("<image id> <1 = train, 0 = test>"),
//             attributes/class_attribute_labels_continuous.txt (one row of values per class,
//             row i = class id i) and attributes.txt ("<id> has_part::value") either in
//             DIR/attributes/ or beside DIR (DIR/../attributes.txt). Classes without images
//             are allowed. Listed image files missing on disk are dropped and counted in
//             Dataset::corruptSkipped (images are not decoded while loading).
//             Modality "attributes". All classes seen.
//
//   awa2:DIR  Animals with Attributes 2: classes.txt ("<index>\t<name>"), predicates.txt
//             ("<index>\t<name>"), predicate-matrix-continuous.txt (classes x predicates).
//             Images DIR/JPEGImages/<class name>/*.jpg where present. Modality "attributes".
//
//   folder:DIR  A folder of your own:
//               DIR/<class name>/<image>      one sub-folder per class holding its images
//                                             (.jpg .jpeg .png .bmp, any case); a class folder
//                                             may be empty. Hidden entries are ignored.
//             or
//               DIR/train/<class name>/<image> and DIR/test/<class name>/<image>
//                                             explicit subsets; a class may appear in either or
//                                             both. Having only one of train/ and test/ is an
//                                             error (it would otherwise become a class).
//               DIR/<modality>.csv            each CSV file becomes a modality named by its
//                                             stem, in the format addModality reads:
//                                             header "class,<dim name>,...", one row per class.
//             Classes are the sub-folder names sorted; class ids are 0, 1, ... in that order.
//             All classes seen.
//
//   fashion-mnist  or  fashion-mnist:DIR
//             Debian's dataset-fashion-mnist files (default DIR /usr/share/datasets/fashion-mnist):
//             train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz (Subset::Train),
//             t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz (Subset::Test). Image paths
//             are "idx:<absolute images file>#<index>" (see image_source.h). Ten classes, ids 0-9.
//             Modality "attributes" and the seen/unseen split come from the embedded files
//             fashion-mnist/attributes.csv and fashion-mnist/unseen_classes.txt (datasets/).
//
// In the cub, awa2 and folder layouts, images are split into train/test subsets; where the
// source has no split (awa2, folder without train/ and test/), the images of each class are
// sorted by file name and every 5th one (the 5th, 10th, ...) is Subset::Test.
#include <string>

#include "core/data/dataset.h"

namespace niwt {

inline constexpr const char* kDefaultFashionMnistDir = "/usr/share/datasets/fashion-mnist";

// Opens "cub:DIR", "awa2:DIR", "folder:DIR", "fashion-mnist" or "fashion-mnist:DIR".
Dataset openDataset(const std::string& spec);

// Sets the seen/unseen flags of the classes from a split spec:
//
//   xlsa17:DIR   The standard splits of Xian et al.: DIR/trainvalclasses.txt (seen) and
//                DIR/testclasses.txt (unseen), one class name per line. Classes named in neither
//                file get inSplit = false (and seen = false): they keep their images but are
//                neither seen nor unseen. When DIR/att_splits.mat exists, its `att` matrix
//                (attributes x classes, columns matched to classes through `allclasses_names`)
//                becomes the modality "att_splits", one L2-normalised row per class (dimension
//                names taken from the "attributes" modality when its size matches). With only
//                att_splits.mat present (no class lists), only the modality is added.
//   classes:FILE One unseen class name per line ('#' starts a comment line); every other class
//                is seen. FILE may be "embedded:NAME" (see embedded.h).
//
// Names match exactly or with CUB's "NNN." prefix present on only one side. A name that matches
// no class is an error "FILE:LINE: ...".
void applySplit(Dataset& dataset, const std::string& spec);

// Adds a class-level modality from "NAME=csv:FILE": a header row "class,<dim name>,..." and one
// row per class, keyed by class name (with or without CUB's "NNN." prefix), values finite
// numbers. Every class of the data set must have exactly one row. Replaces nothing: a modality
// of the same name already present is an error.
void addModality(Dataset& dataset, const std::string& spec);

// The modality a CSV file (or "embedded:NAME") describes, rows in the order of dataset.classes.
Modality readCsvModality(const Dataset& dataset, const std::string& name, const std::string& path);
// The same from the file's text already in memory; `path` names it in errors.
Modality parseCsvModality(const Dataset& dataset, const std::string& name, const std::string& text,
                          const std::string& path);

}  // namespace niwt
