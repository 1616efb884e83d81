// applySplit: xlsa17 class lists (+ att_splits.mat) and plain unseen-class lists.
#include <matio.h>
#include <sys/stat.h>

#include <algorithm>
#include <cmath>
#include <memory>

#include "core/data/loaders.h"
#include "core/data/text_table.h"
#include "core/io/input_limits.h"

namespace niwt {

namespace {

bool fileExists(const std::string& path) {
    struct stat info {};
    return ::stat(path.c_str(), &info) == 0 && S_ISREG(info.st_mode);
}

enum class Membership { None, Seen, Unseen };

struct ListedClass {
    Membership membership = Membership::None;
    std::string file;
    long line = 0;
};

// Marks the classes a name list names; unknown names and classes in both lists are errors.
void markListedClasses(const Dataset& dataset, const std::string& path, Membership membership,
                       std::vector<ListedClass>& listed) {
    const std::string text = readInputFile(path, kMaxClassListBytes, "class list");
    for (const IdName& entry : parseNameList(TextTable::parse(text, path))) {
        const int index = dataset.classIndexMatching(entry.name);
        if (index < 0)
            throw DataError(located(path, entry.line, "no class named \"" + entry.name + "\" in the data set"));
        ListedClass& mark = listed[size_t(index)];
        if (mark.membership != Membership::None && mark.membership != membership)
            throw DataError(located(
                path, entry.line,
                "class \"" + entry.name + "\" is also listed in " + mark.file + " line " + std::to_string(mark.line)));
        if (mark.membership == Membership::None) mark = {membership, path, entry.line};
    }
}

// ------------------------------------------------------------------------------ att_splits.mat

struct MatFileCloser {
    void operator()(mat_t* file) const { Mat_Close(file); }
};
struct MatVarFreer {
    void operator()(matvar_t* var) const { Mat_VarFree(var); }
};
using MatFile = std::unique_ptr<mat_t, MatFileCloser>;
using MatVar = std::unique_ptr<matvar_t, MatVarFreer>;

void appendUtf8(std::string& out, uint32_t code) {
    if (code < 0x80) {
        out += char(code);
    } else if (code < 0x800) {
        out += char(0xC0 | (code >> 6));
        out += char(0x80 | (code & 0x3F));
    } else if (code < 0x10000) {
        out += char(0xE0 | (code >> 12));
        out += char(0x80 | ((code >> 6) & 0x3F));
        out += char(0x80 | (code & 0x3F));
    } else {
        out += char(0xF0 | (code >> 18));
        out += char(0x80 | ((code >> 12) & 0x3F));
        out += char(0x80 | ((code >> 6) & 0x3F));
        out += char(0x80 | (code & 0x3F));
    }
}

size_t elementCount(const matvar_t* var) {
    size_t count = 1;
    for (int i = 0; i < var->rank; ++i) count *= var->dims[i];
    return count;
}

// The text of a 1 x N (or N x 1) MATLAB char array; empty optional on anything else.
bool charArrayText(const matvar_t* var, std::string* text) {
    if (!var || var->class_type != MAT_C_CHAR || !var->data) return false;
    const size_t count = elementCount(var);
    text->clear();
    switch (var->data_type) {
    case MAT_T_UTF8:
    case MAT_T_UINT8:
    case MAT_T_INT8: text->assign(static_cast<const char*>(var->data), count); return true;
    case MAT_T_UTF16:
    case MAT_T_UINT16:
    case MAT_T_INT16:
        for (size_t i = 0; i < count; ++i) appendUtf8(*text, static_cast<const uint16_t*>(var->data)[i]);
        return true;
    case MAT_T_UTF32:
    case MAT_T_UINT32:
        for (size_t i = 0; i < count; ++i) appendUtf8(*text, static_cast<const uint32_t*>(var->data)[i]);
        return true;
    default: return false;
    }
}

// allclasses_names: a cell array of char arrays (each possibly wrapped in a 1x1 cell).
std::vector<std::string> readClassNames(mat_t* file, const std::string& path) {
    MatVar names(Mat_VarRead(file, "allclasses_names"));
    if (!names) throw DataError(located(path, 0, "has no variable \"allclasses_names\""));
    if (names->class_type != MAT_C_CELL)
        throw DataError(located(path, 0, "\"allclasses_names\" is not a cell array of strings"));
    std::vector<std::string> result;
    const size_t count = elementCount(names.get());
    for (size_t i = 0; i < count; ++i) {
        const matvar_t* cell = Mat_VarGetCell(names.get(), int(i));
        if (cell && cell->class_type == MAT_C_CELL && elementCount(cell) == 1)
            cell = Mat_VarGetCell(const_cast<matvar_t*>(cell), 0);
        std::string name;
        if (!charArrayText(cell, &name))
            throw DataError(
                located(path, 0, "\"allclasses_names\" entry " + std::to_string(i + 1) + " is not a string"));
        result.push_back(trimmed(name));
    }
    return result;
}

Modality readAttSplitsModality(const Dataset& dataset, const std::string& path) {
    MatFile file(Mat_Open(path.c_str(), MAT_ACC_RDONLY));
    if (!file) throw DataError(located(path, 0, "cannot open as a MATLAB file"));
    const std::vector<std::string> names = readClassNames(file.get(), path);

    MatVar att(Mat_VarRead(file.get(), "att"));
    if (!att) throw DataError(located(path, 0, "has no variable \"att\""));
    if (att->rank != 2 || att->isComplex || !att->data ||
        (att->class_type != MAT_C_DOUBLE && att->class_type != MAT_C_SINGLE))
        throw DataError(located(path, 0, "\"att\" is not a real attributes x classes matrix"));
    const size_t dims = att->dims[0];
    const size_t columns = att->dims[1];
    if (columns != names.size())
        throw DataError(located(path, 0,
                                "\"att\" has " + std::to_string(columns) + " columns but " +
                                    "\"allclasses_names\" has " + std::to_string(names.size()) + " names"));
    // MATLAB stores column-major: column j (class j) is contiguous.
    auto value = [&](size_t row, size_t column) -> double {
        const size_t at = column * dims + row;
        return att->class_type == MAT_C_DOUBLE ? static_cast<const double*>(att->data)[at]
                                               : static_cast<const float*>(att->data)[at];
    };

    std::vector<long> columnOfClass(dataset.classes.size(), -1);
    for (size_t j = 0; j < names.size(); ++j) {
        const int index = dataset.classIndexMatching(names[j]);
        if (index < 0)
            throw DataError(located(path, 0,
                                    "class \"" + names[j] + "\" (allclasses_names entry " + std::to_string(j + 1) +
                                        ") is not in the data set"));
        columnOfClass[size_t(index)] = long(j);
    }

    Modality modality;
    modality.name = "att_splits";
    modality.dims = int(dims);
    modality.source = path;
    if (const Modality* attributes = dataset.modality("attributes"))
        if (attributes->dims == modality.dims) modality.dimNames = attributes->dimNames;
    modality.values.reserve(dataset.classes.size() * dims);
    for (size_t i = 0; i < dataset.classes.size(); ++i) {
        const long column = columnOfClass[i];
        if (column < 0)
            throw DataError(
                located(path, 0, "\"allclasses_names\" does not name class \"" + dataset.classes[i].name + "\""));
        double squaredNorm = 0;
        for (size_t d = 0; d < dims; ++d) {
            const double v = value(d, size_t(column));
            if (!std::isfinite(v))
                throw DataError(located(path, 0,
                                        "\"att\" column " + std::to_string(column + 1) + " (" + names[size_t(column)] +
                                            ") holds a value that is not finite"));
            squaredNorm += v * v;
        }
        // The file's columns are L2-normalised already; normalising again costs nothing and
        // keeps the promise for files that are not.
        const double scale = squaredNorm > 0 ? 1.0 / std::sqrt(squaredNorm) : 0.0;
        for (size_t d = 0; d < dims; ++d) modality.values.push_back(float(value(d, size_t(column)) * scale));
    }
    return modality;
}

void applyXlsa17(Dataset& dataset, const std::string& dir) {
    struct stat info {};
    if (::stat(dir.c_str(), &info) != 0 || !S_ISDIR(info.st_mode))
        throw DataError(located(dir, 0, "cannot open (not an existing directory)"));
    const std::string seenFile = dir + "/trainvalclasses.txt";
    const std::string unseenFile = dir + "/testclasses.txt";
    const std::string matFile = dir + "/att_splits.mat";
    const bool hasLists = fileExists(seenFile) || fileExists(unseenFile);
    const bool hasMat = fileExists(matFile);
    if (!hasLists && !hasMat)
        throw DataError(located(dir, 0, "has none of trainvalclasses.txt, testclasses.txt, att_splits.mat"));

    // Everything is read and checked before the data set changes, so an error leaves it intact.
    std::vector<ListedClass> listed(dataset.classes.size());
    if (hasLists) {
        markListedClasses(dataset, seenFile, Membership::Seen, listed);
        markListedClasses(dataset, unseenFile, Membership::Unseen, listed);
    }
    Modality attSplits;
    if (hasMat) attSplits = readAttSplitsModality(dataset, matFile);

    if (hasLists) {
        for (size_t i = 0; i < dataset.classes.size(); ++i) {
            ClassInfo& c = dataset.classes[i];
            c.inSplit = listed[i].membership != Membership::None;
            c.seen = listed[i].membership == Membership::Seen;
        }
    }
    if (hasMat) {
        auto existing = std::find_if(dataset.modalities.begin(), dataset.modalities.end(),
                                     [](const Modality& m) { return m.name == "att_splits"; });
        if (existing != dataset.modalities.end())
            *existing = std::move(attSplits);
        else
            dataset.modalities.push_back(std::move(attSplits));
    }
}

void applyUnseenClassList(Dataset& dataset, const std::string& path) {
    std::vector<ListedClass> listed(dataset.classes.size());
    markListedClasses(dataset, path, Membership::Unseen, listed);
    for (size_t i = 0; i < dataset.classes.size(); ++i) {
        dataset.classes[i].inSplit = true;
        dataset.classes[i].seen = listed[i].membership != Membership::Unseen;
    }
}

}  // namespace

void applySplit(Dataset& dataset, const std::string& spec) {
    const size_t colon = spec.find(':');
    const std::string kind = spec.substr(0, colon);
    const std::string argument = colon == std::string::npos ? std::string() : spec.substr(colon + 1);
    if (kind == "xlsa17" && !argument.empty())
        applyXlsa17(dataset, argument);
    else if (kind == "classes" && !argument.empty())
        applyUnseenClassList(dataset, argument);
    else
        throw DataError("split spec \"" + spec +
                        "\": unknown kind or missing argument (valid: "
                        "xlsa17:DIR, classes:FILE)");
}

}  // namespace niwt
