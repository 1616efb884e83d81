#pragma once
// Cluster-scale extraction: the I-th of N jobs computes a contiguous slice of a cache's rows and
// writes it as a *partial* cache; `mergePartialCaches` joins the parts into the very file the
// unsharded run would have written (same key, same name, same bytes).
//
// Slices are whole batches of the unsharded run (batch k holds list positions [kB, kB+B)), so
// every image goes through the same batched computation as without sharding. A partial cache is
// a matrix file (core/io/matrix_file.h) whose key is
//   {"kind": "partial", "of": KIND, "full_key": KEY, "shard": I, "shards": N,
//    "slice": [BEGIN, END], "list_size": L, "batch_size": B}
// and whose header fields are the full cache's fields for those rows. On merging, the per-row
// arrays "images" and "classes" and the list "unreadable" are concatenated, the count "failed" is
// added, and every other field must be equal in all parts.
#include "core/io/matrix_file.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace niwt {

struct ShardSpec {
    int index = 1;  // 1-based: 1..count (Slurm's array ids; Kubernetes' index + 1)
    int count = 1;
    std::string text() const { return std::to_string(index) + "/" + std::to_string(count); }
};

// "I/N" with 1 <= I <= N. Throws std::invalid_argument with a one-line message otherwise.
ShardSpec parseShardSpec(const std::string& text);

struct ListSlice {
    int64_t begin = 0;  // list positions [begin, end)
    int64_t end = 0;
};

// The shard's contiguous run of whole batches of a list of `listSize` items: batch k covers
// [k*batchSize, (k+1)*batchSize); shard I of N gets batches [floor((I-1)*K/N), floor(I*K/N)) of
// the K batches. Every position lies in exactly one shard; a shard may be empty when N > K.
ListSlice shardSlice(const ShardSpec& shard, int64_t listSize, int batchSize);

// "DIR/KIND-<hash of key>.niwtmat": where the full cache with this key lives.
std::string cacheFilePath(const std::string& dir, const std::string& kind, const nlohmann::json& key);

// Where extraction jobs put partial caches by default: DIR/parts.
std::string partialCacheDir(const std::string& cacheDir);

// Writes `rows` (its header holds the full cache's fields for these rows, without "key") as the
// shard's partial cache of the full cache KIND/fullKey, atomically, under partialCacheDir(dir).
// Returns the path: "DIR/parts/KIND-<hash>.shard-I-of-N.niwtmat".
std::string writePartialCache(const std::string& cacheDir, const std::string& kind, const nlohmann::json& fullKey,
                              const ShardSpec& shard, const ListSlice& slice, int64_t listSize, int batchSize,
                              MatrixFile rows);

struct MergedCache {
    std::string kind;  // "features", "importances", ...
    std::string path;  // the full cache written
    int64_t rows = 0;
    int parts = 0;
    std::vector<std::string> partPaths;
};

// Joins partial caches into full caches under `cacheDir`, one per kind found. `inputs`: partial
// cache files and folders holding them (their *.niwtmat files); empty: partialCacheDir(cacheDir).
// Checks that the parts of a kind come from the same inputs (full key: bundle, stage, data set,
// image list, head), the same batch size and list, and cover every shard exactly once. Throws
// DataError with a one-line message naming the file(s) and the problem (e.g. "missing shard 2/3").
// Writes each full cache atomically; with `removeParts` the merged part files are deleted after.
std::vector<MergedCache> mergePartialCaches(const std::string& cacheDir, const std::vector<std::string>& inputs,
                                            bool removeParts);

}  // namespace niwt
