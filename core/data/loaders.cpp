// openDataset: the cub, awa2, folder and fashion-mnist layouts described in loaders.h.
#include "core/data/loaders.h"

#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <filesystem>
#include <set>
#include <unordered_map>

#include "core/data/idx_file.h"
#include "core/data/text_table.h"
#include "core/io/atomic_file.h"

namespace niwt {

namespace fs = std::filesystem;

namespace {

const char* const kValidKinds = "cub:DIR, awa2:DIR, folder:DIR, fashion-mnist[:DIR]";

// Absolute, normalised, without a trailing slash, so image paths built from it are canonical
// enough for fingerprints (symbolic links are kept as the user gave them).
std::string absoluteDirectory(const std::string& dir) {
    std::error_code error;
    fs::path path = fs::absolute(fs::path(dir), error);
    if (error) path = fs::path(dir);
    std::string text = path.lexically_normal().string();
    while (text.size() > 1 && text.back() == '/') text.pop_back();
    return text;
}

void requireDirectory(const std::string& dir) {
    struct stat info {};
    if (::stat(dir.c_str(), &info) != 0)
        throw DataError(located(dir, 0, "cannot open (" + systemErrorMessage(errno) + ")"));
    if (!S_ISDIR(info.st_mode)) throw DataError(located(dir, 0, "not a directory"));
}

bool isDirectory(const std::string& path) {
    struct stat info {};
    return ::stat(path.c_str(), &info) == 0 && S_ISDIR(info.st_mode);
}

bool isRegularFile(const std::string& path) {
    struct stat info {};
    return ::stat(path.c_str(), &info) == 0 && S_ISREG(info.st_mode);
}

bool hasImageExtension(const fs::path& path) {
    std::string extension = path.extension().string();
    std::transform(extension.begin(), extension.end(), extension.begin(),
                   [](unsigned char c) { return char(std::tolower(c)); });
    return extension == ".jpg" || extension == ".jpeg" || extension == ".png" || extension == ".bmp";
}

bool isHidden(const fs::path& path) {
    std::string name = path.filename().string();
    return !name.empty() && name[0] == '.';
}

// Image files directly in `dir`, sorted by name; none when `dir` does not exist.
std::vector<std::string> listImages(const std::string& dir) {
    std::vector<std::string> files;
    std::error_code error;
    fs::directory_iterator it(dir, error);
    if (error) return files;
    for (const fs::directory_entry& entry : it) {
        if (isHidden(entry.path()) || !hasImageExtension(entry.path())) continue;
        std::error_code typeError;
        if (entry.is_regular_file(typeError)) files.push_back(entry.path().string());
    }
    std::sort(files.begin(), files.end());
    return files;
}

std::vector<std::string> listSubdirectoryNames(const std::string& dir) {
    std::vector<std::string> names;
    std::error_code error;
    fs::directory_iterator it(dir, error);
    if (error) throw DataError(located(dir, 0, "cannot list (" + error.message() + ")"));
    for (const fs::directory_entry& entry : it) {
        std::error_code typeError;
        if (!isHidden(entry.path()) && entry.is_directory(typeError)) names.push_back(entry.path().filename().string());
    }
    std::sort(names.begin(), names.end());
    return names;
}

// Where a layout has no train/test split of its own: every 5th image of a class is a test image.
Subset subsetByPosition(size_t positionInClass) { return positionInClass % 5 == 4 ? Subset::Test : Subset::Train; }

void addImagesByPosition(Dataset& dataset, int classIndex, const std::vector<std::string>& files) {
    for (size_t i = 0; i < files.size(); ++i) dataset.images.push_back({files[i], classIndex, subsetByPosition(i)});
}

// Classes from an "<id> <name>" list; ids and names must be unique.
std::vector<ClassInfo> classesFromList(const std::string& path, const std::string& expected) {
    std::vector<ClassInfo> classes;
    std::unordered_map<long, long> lineById;
    std::unordered_map<std::string, long> lineByName;
    for (const IdName& entry : readIdNames(path, expected)) {
        if (!lineById.emplace(entry.id, entry.line).second)
            throw DataError(located(path, entry.line,
                                    "duplicate class id " + std::to_string(entry.id) + " (first at line " +
                                        std::to_string(lineById[entry.id]) + ")"));
        if (!lineByName.emplace(entry.name, entry.line).second)
            throw DataError(located(path, entry.line,
                                    "duplicate class name \"" + entry.name + "\" (first at line " +
                                        std::to_string(lineByName[entry.name]) + ")"));
        ClassInfo info;
        info.id = int(entry.id);
        info.name = entry.name;
        classes.push_back(std::move(info));
    }
    if (classes.empty()) throw DataError(located(path, 0, "lists no classes"));
    return classes;
}

std::vector<std::string> namesOf(const std::vector<IdName>& entries) {
    std::vector<std::string> names;
    for (const IdName& entry : entries) names.push_back(entry.name);
    return names;
}

// ---------------------------------------------------------------------------------------- cub

Dataset openCub(const std::string& dir) {
    Dataset dataset;
    dataset.kind = "cub";
    dataset.root = absoluteDirectory(dir);
    requireDirectory(dataset.root);
    const std::string& root = dataset.root;

    const std::string classesFile = root + "/classes.txt";
    dataset.classes = classesFromList(classesFile, "<class id> <NNN.Name>");

    // attributes.txt sits in attributes/ in some copies and beside the CUB folder in the original.
    std::string attributeNamesFile = root + "/attributes/attributes.txt";
    if (!isRegularFile(attributeNamesFile)) {
        const std::string beside = fs::path(root).parent_path().string() + "/attributes.txt";
        if (!isRegularFile(beside))
            throw DataError(located(attributeNamesFile, 0,
                                    "cannot open (No such file or directory); not beside the "
                                    "data set either (" +
                                        beside + ")"));
        attributeNamesFile = beside;
    }
    const std::vector<IdName> attributeNames = readIdNames(attributeNamesFile, "<attribute id> <has_part::value>");
    if (attributeNames.empty()) throw DataError(located(attributeNamesFile, 0, "lists no attributes"));

    const std::string matrixFile = root + "/attributes/class_attribute_labels_continuous.txt";
    FloatMatrix matrix = readFloatMatrix(matrixFile, int(attributeNames.size()));
    Modality attributes;
    attributes.name = "attributes";
    attributes.dims = matrix.columns;
    attributes.dimNames = namesOf(attributeNames);
    attributes.source = matrixFile;
    for (const ClassInfo& c : dataset.classes) {
        // Row i of the matrix belongs to class id i (1-based).
        if (c.id < 1 || c.id > matrix.rows)
            throw DataError(located(matrixFile, 0,
                                    "has " + std::to_string(matrix.rows) + " rows, no row for class id " +
                                        std::to_string(c.id) + " (" + c.name + ")"));
        const float* row = matrix.values.data() + size_t(c.id - 1) * size_t(matrix.columns);
        attributes.values.insert(attributes.values.end(), row, row + matrix.columns);
    }
    dataset.modalities.push_back(std::move(attributes));

    std::unordered_map<int, int> classIndexById;
    for (size_t i = 0; i < dataset.classes.size(); ++i) classIndexById[dataset.classes[i].id] = int(i);

    const std::string labelsFile = root + "/image_class_labels.txt";
    const std::string splitFile = root + "/train_test_split.txt";
    std::unordered_map<long, IdPair> labelByImage, splitByImage;
    for (const IdPair& pair : readIdPairs(labelsFile, "<image id> <class id>")) {
        if (!classIndexById.count(int(pair.second)))
            throw DataError(
                located(labelsFile, pair.line, "class id " + std::to_string(pair.second) + " is not in classes.txt"));
        labelByImage[pair.first] = pair;
    }
    for (const IdPair& pair : readIdPairs(splitFile, "<image id> <1 = train, 0 = test>")) {
        if (pair.second != 0 && pair.second != 1)
            throw DataError(
                located(splitFile, pair.line, "expected 1 (train) or 0 (test), got " + std::to_string(pair.second)));
        splitByImage[pair.first] = pair;
    }

    const std::string imagesFile = root + "/images.txt";
    for (const IdName& image : readIdNames(imagesFile, "<image id> <path>")) {
        auto label = labelByImage.find(image.id);
        if (label == labelByImage.end())
            throw DataError(located(labelsFile, 0,
                                    "no class for image id " + std::to_string(image.id) + " (" + imagesFile + " line " +
                                        std::to_string(image.line) + ")"));
        auto split = splitByImage.find(image.id);
        if (split == splitByImage.end())
            throw DataError(located(splitFile, 0,
                                    "no train/test entry for image id " + std::to_string(image.id) + " (" + imagesFile +
                                        " line " + std::to_string(image.line) + ")"));
        std::string path = root + "/images/" + image.name;
        // A stat, not a decode: loading stays fast; unreadable content is found when decoding.
        if (!isRegularFile(path)) {
            ++dataset.corruptSkipped;
            continue;
        }
        dataset.images.push_back({std::move(path), classIndexById[int(label->second.second)],
                                  split->second.second == 1 ? Subset::Train : Subset::Test});
    }
    return dataset;
}

// --------------------------------------------------------------------------------------- awa2

Dataset openAwa2(const std::string& dir) {
    Dataset dataset;
    dataset.kind = "awa2";
    dataset.root = absoluteDirectory(dir);
    requireDirectory(dataset.root);
    const std::string& root = dataset.root;

    dataset.classes = classesFromList(root + "/classes.txt", "<index>\\t<name>");
    const std::string predicatesFile = root + "/predicates.txt";
    const std::vector<IdName> predicates = readIdNames(predicatesFile, "<index>\\t<name>");
    if (predicates.empty()) throw DataError(located(predicatesFile, 0, "lists no predicates"));

    // Rows follow classes.txt's order.
    const std::string matrixFile = root + "/predicate-matrix-continuous.txt";
    FloatMatrix matrix = readFloatMatrix(matrixFile, int(predicates.size()));
    if (matrix.rows != int(dataset.classes.size()))
        throw DataError(located(matrixFile, 0,
                                "has " + std::to_string(matrix.rows) + " rows, expected one per class (" +
                                    std::to_string(dataset.classes.size()) + " in classes.txt)"));
    Modality attributes;
    attributes.name = "attributes";
    attributes.dims = matrix.columns;
    attributes.dimNames = namesOf(predicates);
    attributes.values = std::move(matrix.values);
    attributes.source = matrixFile;
    dataset.modalities.push_back(std::move(attributes));

    for (size_t i = 0; i < dataset.classes.size(); ++i)
        addImagesByPosition(dataset, int(i), listImages(root + "/JPEGImages/" + dataset.classes[i].name));
    return dataset;
}

// ------------------------------------------------------------------------------------- folder

Dataset openFolder(const std::string& dir) {
    Dataset dataset;
    dataset.kind = "folder";
    dataset.root = absoluteDirectory(dir);
    requireDirectory(dataset.root);
    const std::string& root = dataset.root;

    const bool hasTrain = isDirectory(root + "/train");
    const bool hasTest = isDirectory(root + "/test");
    if (hasTrain != hasTest)
        throw DataError(located(root, 0,
                                std::string("has a ") + (hasTrain ? "train" : "test") + "/ folder but no " +
                                    (hasTrain ? "test" : "train") + "/ folder; use both, or class folders only"));

    std::vector<std::string> classNames;
    if (hasTrain) {
        std::set<std::string> names;
        for (const char* subset : {"/train", "/test"})
            for (std::string& name : listSubdirectoryNames(root + subset)) names.insert(std::move(name));
        classNames.assign(names.begin(), names.end());
    } else {
        classNames = listSubdirectoryNames(root);
    }
    if (classNames.empty()) throw DataError(located(root, 0, "has no class folders (expected DIR/<class>/<images>)"));

    for (size_t i = 0; i < classNames.size(); ++i) {
        ClassInfo info;
        info.id = int(i);
        info.name = classNames[i];
        dataset.classes.push_back(std::move(info));
        if (hasTrain) {
            for (std::string& file : listImages(root + "/train/" + classNames[i]))
                dataset.images.push_back({std::move(file), int(i), Subset::Train});
            for (std::string& file : listImages(root + "/test/" + classNames[i]))
                dataset.images.push_back({std::move(file), int(i), Subset::Test});
        } else {
            addImagesByPosition(dataset, int(i), listImages(root + "/" + classNames[i]));
        }
    }

    std::vector<fs::path> csvFiles;
    for (const fs::directory_entry& entry : fs::directory_iterator(root)) {
        std::error_code typeError;
        if (!isHidden(entry.path()) && entry.path().extension() == ".csv" && entry.is_regular_file(typeError))
            csvFiles.push_back(entry.path());
    }
    std::sort(csvFiles.begin(), csvFiles.end());
    for (const fs::path& csv : csvFiles)
        dataset.modalities.push_back(readCsvModality(dataset, csv.stem().string(), csv.string()));
    return dataset;
}

// ------------------------------------------------------------------------------ fashion-mnist

const char* const kFashionMnistClassNames[] = {"T-shirt_top", "Trouser", "Pullover", "Dress", "Coat",
                                               "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle_boot"};

void addIdxImages(Dataset& dataset, const std::string& imagesFile, const std::string& labelsFile, Subset subset) {
    // Labels are small (60 kB); the images file is checked here (header and length, streamed)
    // and decoded on first use by readImage.
    const IdxArray labels = readIdxFile(labelsFile);
    if (labels.dims.size() != 1)
        throw DataError(located(
            labelsFile, 0,
            "expected a 1-dimensional IDX label file, got " + std::to_string(labels.dims.size()) + " dimensions"));
    const IdxArray images = readIdxHeaderCheckingLength(imagesFile);
    if (images.dims.size() != 3 || images.dims[1] != 28 || images.dims[2] != 28)
        throw DataError(located(imagesFile, 0, "expected N x 28 x 28 IDX images"));
    if (images.count() != labels.count())
        throw DataError(located(imagesFile, 0,
                                "holds " + std::to_string(images.count()) + " images but " + labelsFile + " has " +
                                    std::to_string(labels.count()) + " labels"));
    const int classCount = int(dataset.classes.size());
    const std::string prefix = "idx:" + imagesFile + "#";
    dataset.images.reserve(dataset.images.size() + labels.count());
    for (size_t i = 0; i < labels.count(); ++i) {
        const int label = labels.data[i];
        if (label >= classCount)
            throw DataError(located(labelsFile, 0,
                                    "label " + std::to_string(label) + " of item " + std::to_string(i) +
                                        " is not a class (0-" + std::to_string(classCount - 1) + ")"));
        dataset.images.push_back({prefix + std::to_string(i), label, subset});
    }
}

Dataset openFashionMnist(const std::string& dir) {
    Dataset dataset;
    dataset.kind = "fashion-mnist";
    dataset.root = absoluteDirectory(dir.empty() ? kDefaultFashionMnistDir : dir);
    requireDirectory(dataset.root);
    const std::string& root = dataset.root;
    for (int id = 0; id < 10; ++id) {
        ClassInfo info;
        info.id = id;
        info.name = kFashionMnistClassNames[id];
        dataset.classes.push_back(std::move(info));
    }
    addIdxImages(dataset, root + "/train-images-idx3-ubyte.gz", root + "/train-labels-idx1-ubyte.gz", Subset::Train);
    addIdxImages(dataset, root + "/t10k-images-idx3-ubyte.gz", root + "/t10k-labels-idx1-ubyte.gz", Subset::Test);
    dataset.modalities.push_back(readCsvModality(dataset, "attributes", "embedded:fashion-mnist/attributes.csv"));
    applySplit(dataset, "classes:embedded:fashion-mnist/unseen_classes.txt");
    return dataset;
}

}  // namespace

Dataset openDataset(const std::string& spec) {
    const size_t colon = spec.find(':');
    const std::string kind = spec.substr(0, colon);
    const std::string argument = colon == std::string::npos ? std::string() : spec.substr(colon + 1);
    if (kind != "fashion-mnist" && argument.empty()) {
        if (kind == "cub" || kind == "awa2" || kind == "folder")
            throw DataError("data set spec \"" + spec + "\": missing directory (" + kind + ":DIR)");
        throw DataError("unknown data set kind \"" + kind + "\" in \"" + spec + "\" (valid: " + kValidKinds + ")");
    }
    Dataset dataset;
    if (kind == "cub")
        dataset = openCub(argument);
    else if (kind == "awa2")
        dataset = openAwa2(argument);
    else if (kind == "folder")
        dataset = openFolder(argument);
    else if (kind == "fashion-mnist")
        dataset = openFashionMnist(argument);
    else
        throw DataError("unknown data set kind \"" + kind + "\" in \"" + spec + "\" (valid: " + kValidKinds + ")");
    dataset.spec = spec;
    return dataset;
}

}  // namespace niwt
