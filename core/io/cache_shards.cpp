#include "core/io/cache_shards.h"

#include "core/data/dataset.h"
#include "core/io/hash.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <stdexcept>

namespace niwt {

namespace fs = std::filesystem;

namespace {

// Header fields that are not carried over as they are: the key and what writeMatrixFile fills in.
bool isLayoutField(const std::string& name) {
    return name == "key" || name == "rows" || name == "cols" || name == "dtype";
}
bool isPerRowField(const std::string& name) { return name == "images" || name == "classes"; }
bool isCountField(const std::string& name) { return name == "failed"; }
// Lists of any length per part, joined in shard order (the unreadable images' messages).
bool isListField(const std::string& name) { return name == "unreadable"; }

struct Part {
    std::string path;
    MatrixFile matrix;
    nlohmann::json key;  // the partial key
    int shard = 0, shards = 0;
};

// The first top-level field in which two full keys differ, as "head (abc vs def)".
std::string keyDifference(const nlohmann::json& a, const nlohmann::json& b) {
    for (const auto& [name, value] : a.items()) {
        if (!b.contains(name)) return name + " (only in the first)";
        if (b[name] != value) return name + " (" + value.dump() + " vs " + b[name].dump() + ")";
    }
    for (const auto& [name, value] : b.items())
        if (!a.contains(name)) return name + " (only in the second)";
    return "nothing";
}

bool parseInt(const std::string& text, int& out) {
    if (text.empty() || text.size() > 9 ||
        !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; }))
        return false;
    out = std::stoi(text);
    return true;
}

void collectInputs(const std::string& input, bool named, std::vector<std::pair<std::string, bool>>& files) {
    std::error_code ec;
    if (fs::is_directory(input, ec)) {
        std::vector<std::string> found;
        for (const auto& entry : fs::directory_iterator(input, ec))
            if (entry.is_regular_file() && entry.path().extension() == ".niwtmat")
                found.push_back(entry.path().string());
        std::sort(found.begin(), found.end());
        for (auto& f : found) files.emplace_back(std::move(f), false);
        return;
    }
    if (!fs::exists(input, ec)) throw DataError(input + ": no such file or folder");
    files.emplace_back(input, named);
}

}  // namespace

ShardSpec parseShardSpec(const std::string& text) {
    const auto slash = text.find('/');
    ShardSpec s;
    if (slash == std::string::npos || !parseInt(text.substr(0, slash), s.index) ||
        !parseInt(text.substr(slash + 1), s.count) || s.index < 1 || s.index > s.count)
        throw std::invalid_argument("--shard expects I/N with 1 <= I <= N (shards count from 1), got '" + text + "'");
    return s;
}

ListSlice shardSlice(const ShardSpec& shard, int64_t listSize, int batchSize) {
    const int64_t b = std::max(1, batchSize);
    const int64_t batches = (listSize + b - 1) / b;
    const int64_t first = (int64_t(shard.index) - 1) * batches / shard.count;
    const int64_t last = int64_t(shard.index) * batches / shard.count;
    return {std::min(listSize, first * b), std::min(listSize, last * b)};
}

std::string cacheFilePath(const std::string& dir, const std::string& kind, const nlohmann::json& key) {
    return dir + "/" + kind + "-" + hashHex(fnv1a64(key.dump())) + ".niwtmat";
}

std::string partialCacheDir(const std::string& cacheDir) { return cacheDir + "/parts"; }

std::string writePartialCache(const std::string& cacheDir, const std::string& kind, const nlohmann::json& fullKey,
                              const ShardSpec& shard, const ListSlice& slice, int64_t listSize, int batchSize,
                              MatrixFile rows) {
    rows.header["key"] = {{"kind", "partial"},     {"of", kind},
                          {"full_key", fullKey},   {"shard", shard.index},
                          {"shards", shard.count}, {"slice", {slice.begin, slice.end}},
                          {"list_size", listSize}, {"batch_size", batchSize}};
    const std::string full = fs::path(cacheFilePath(cacheDir, kind, fullKey)).stem().string();
    const std::string path = partialCacheDir(cacheDir) + "/" + full + ".shard-" + std::to_string(shard.index) + "-of-" +
                             std::to_string(shard.count) + ".niwtmat";
    writeMatrixFile(path, rows);
    return path;
}

std::vector<MergedCache> mergePartialCaches(const std::string& cacheDir, const std::vector<std::string>& inputs,
                                            bool removeParts) {
    std::vector<std::pair<std::string, bool>> files;  // path, named explicitly
    if (inputs.empty()) {
        const std::string dir = partialCacheDir(cacheDir);
        std::error_code ec;
        if (!fs::is_directory(dir, ec))
            throw DataError(dir + ": no partial caches (run niwt extract --shard I/N first, or name the parts)");
        collectInputs(dir, false, files);
    }
    for (const auto& input : inputs) collectInputs(input, true, files);

    std::map<std::string, std::vector<Part>> byKind;
    for (const auto& [path, named] : files) {
        std::string why;
        auto m = readMatrixFile(path, nlohmann::json(), &why);
        if (!m) throw DataError(path + ": not a usable partial cache (" + why + ")");
        const auto key = m->header.value("key", nlohmann::json());
        if (!key.is_object() || key.value("kind", "") != "partial") {
            if (named)
                throw DataError(path + ": a full cache, not a partial one (niwt extract --shard I/N writes those)");
            continue;  // a full cache in a scanned folder is not ours to merge
        }
        Part p;
        p.path = path;
        p.key = key;
        try {
            p.shard = key.at("shard").get<int>();
            p.shards = key.at("shards").get<int>();
            key.at("slice").at(1).get<int64_t>();
            key.at("list_size").get<int64_t>();
            key.at("batch_size").get<int>();
            key.at("of").get<std::string>();
            key.at("full_key");
        } catch (const nlohmann::json::exception&) {
            throw DataError(path + ": corrupt partial cache key");
        }
        p.matrix = std::move(*m);
        byKind[key["of"].get<std::string>()].push_back(std::move(p));
    }
    if (byKind.empty())
        throw DataError((inputs.empty() ? partialCacheDir(cacheDir) : inputs.front()) + ": no partial caches found");

    std::vector<MergedCache> merged;
    for (auto& [kind, parts] : byKind) {
        const Part& first = parts.front();
        const auto& fullKey = first.key["full_key"];
        const int shards = first.shards;
        const int64_t listSize = first.key["list_size"].get<int64_t>();
        const int batchSize = first.key["batch_size"].get<int>();
        std::vector<Part*> byShard(size_t(shards) + 1, nullptr);
        for (auto& p : parts) {
            if (p.key["full_key"] != fullKey)
                throw DataError(first.path + " and " + p.path + " are parts of different " + kind +
                                " caches: they differ in " + keyDifference(fullKey, p.key["full_key"]));
            if (p.shards != shards)
                throw DataError(first.path + " is shard " + std::to_string(first.shard) + "/" + std::to_string(shards) +
                                " but " + p.path + " is shard " + std::to_string(p.shard) + "/" +
                                std::to_string(p.shards) + ": the parts overlap (split into different shard counts)");
            if (p.key["batch_size"].get<int>() != batchSize || p.key["list_size"].get<int64_t>() != listSize)
                throw DataError(first.path + " and " + p.path + " disagree on the batch size or list size (" +
                                std::to_string(batchSize) + "/" + std::to_string(listSize) + " vs " +
                                p.key["batch_size"].dump() + "/" + p.key["list_size"].dump() + ")");
            if (p.shard < 1 || p.shard > shards)
                throw DataError(p.path + ": corrupt partial cache key (shard " + std::to_string(p.shard) + " of " +
                                std::to_string(shards) + ")");
            if (byShard[size_t(p.shard)])
                throw DataError("shard " + std::to_string(p.shard) + "/" + std::to_string(shards) + " of the " + kind +
                                " cache is given twice: " + byShard[size_t(p.shard)]->path + " and " + p.path);
            const ListSlice expected = shardSlice({p.shard, shards}, listSize, batchSize);
            if (p.key["slice"] != nlohmann::json({expected.begin, expected.end}))
                throw DataError(p.path + ": rows " + p.key["slice"].dump() + " are not shard " +
                                std::to_string(p.shard) + "/" + std::to_string(shards) + "'s slice [" +
                                std::to_string(expected.begin) + ", " + std::to_string(expected.end) + ")");
            byShard[size_t(p.shard)] = &p;
        }
        const std::string fullPath = cacheFilePath(cacheDir, kind, fullKey);
        for (int s = 1; s <= shards; ++s)
            if (!byShard[size_t(s)]) {
                const ListSlice slice = shardSlice({s, shards}, listSize, batchSize);
                throw DataError("missing shard " + std::to_string(s) + "/" + std::to_string(shards) + " of the " +
                                kind + " cache " + fullPath + " (list positions " + std::to_string(slice.begin) +
                                " to " + std::to_string(slice.end) + " of " + std::to_string(listSize) +
                                "): run niwt extract --shard " + std::to_string(s) + "/" + std::to_string(shards) +
                                " --phase " + kind);
            }

        // Columns: from the parts that have rows (an empty part may not know the width).
        int64_t cols = byShard[1]->matrix.cols;
        const Part* colsFrom = nullptr;
        int64_t rows = 0;
        for (int s = 1; s <= shards; ++s) {
            const auto& m = byShard[size_t(s)]->matrix;
            rows += m.rows;
            if (m.rows == 0) continue;
            if (colsFrom && m.cols != cols)
                throw DataError(colsFrom->path + " has " + std::to_string(cols) + " columns but " +
                                byShard[size_t(s)]->path + " has " + std::to_string(m.cols));
            if (!colsFrom) {
                cols = m.cols;
                colsFrom = byShard[size_t(s)];
            }
        }

        MatrixFile out;
        out.rows = rows;
        out.cols = cols;
        out.values.reserve(size_t(rows * cols));
        out.header = nlohmann::json::object();
        for (int s = 1; s <= shards; ++s) {
            Part& p = *byShard[size_t(s)];
            for (const auto& [name, value] : p.matrix.header.items()) {
                if (isLayoutField(name)) continue;
                if (isPerRowField(name)) {
                    if (!value.is_array() || int64_t(value.size()) != p.matrix.rows)
                        throw DataError(p.path + ": \"" + name + "\" has " + std::to_string(value.size()) +
                                        " entries for " + std::to_string(p.matrix.rows) + " rows");
                    auto& all = out.header[name];
                    if (all.is_null()) all = nlohmann::json::array();
                    all.insert(all.end(), value.begin(), value.end());
                } else if (isListField(name)) {
                    if (!value.is_array()) throw DataError(p.path + ": \"" + name + "\" is not a list");
                    auto& all = out.header[name];
                    if (all.is_null()) all = nlohmann::json::array();
                    all.insert(all.end(), value.begin(), value.end());
                } else if (isCountField(name)) {
                    if (!value.is_number_integer()) throw DataError(p.path + ": \"" + name + "\" is not a count");
                    out.header[name] = out.header.value(name, int64_t(0)) + value.get<int64_t>();
                } else if (s == 1) {
                    out.header[name] = value;
                } else if (!out.header.contains(name) || out.header[name] != value) {
                    throw DataError(byShard[1]->path + " and " + p.path + " disagree on \"" + name + "\"");
                }
            }
            out.values.insert(out.values.end(), p.matrix.values.begin(), p.matrix.values.end());
            // Each part's values go as soon as they are copied: the peak is the merged matrix plus
            // the file's bytes, not three copies.
            std::vector<float>().swap(p.matrix.values);
        }
        out.header["key"] = fullKey;
        writeMatrixFile(fullPath, out);

        MergedCache result;
        result.kind = kind;
        result.path = fullPath;
        result.rows = rows;
        result.parts = shards;
        for (int s = 1; s <= shards; ++s) result.partPaths.push_back(byShard[size_t(s)]->path);
        merged.push_back(std::move(result));
    }
    // Parts go only once every kind has been written: a failure above leaves all of them.
    if (removeParts)
        for (const auto& m : merged)
            for (const auto& path : m.partPaths) {
                std::error_code ec;
                fs::remove(path, ec);
            }
    return merged;
}

}  // namespace niwt
