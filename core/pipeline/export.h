#pragma once
// Export of learned classifiers (seen head rows + the classes NIWT/ESZSL learned) and of vectors
// such as neuron importances, for use outside the explorer:
//
//  - "niwt-classifier/1" JSON: every number written so that it reads back bit-identical; the
//    importer checks everything (format tag, shapes, ragged rows, non-numbers, NaN/inf) and
//    throws DataError "FILE: problem".
//  - TorchScript: a module built in C++ whose forward(features) gives logits and, when a bundle
//    is given, whose forward_images(x) runs the bundle's stages, pooling and neck first, so that
//    torch.jit.load(path) in Python maps images to logits.
//  - TensorBoard embedding projector files: tensors.tsv + metadata.tsv.
//
// Every file is written atomically (temporary file + rename, core/io/atomic_file.h): a failed
// export leaves the previous file as it was.
#include <torch/torch.h>
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace niwt {

struct Bundle;

// A linear classifier over a bundle's pooled features (after the neck, when the bundle has one),
// as assembled in app/niwt/run.cpp: the seen head's rows, then the learned classes' rows.
struct LearnedClassifier {
    std::vector<std::string> classNames;  // one per row of weight; unique
    std::vector<bool> seen;               // per class: a seen class (head row) or a learned one
    torch::Tensor weight;                 // C x F, float32 (any device; exported from the CPU)
    torch::Tensor bias;                   // C, float32
    // Where it came from (free text, may be empty): bundle.json "name", Bundle::identity, the
    // bundle folder, the stage importances were taken at, and the modality of the class vectors.
    std::string bundleName, bundleIdentity, bundlePath, stage, modality;
    nlohmann::json hyperParameters = nlohmann::json::object();  // any JSON object
    nlohmann::json metrics = nlohmann::json::object();          // any JSON object (e.g. U, S, H)

    int classes() const { return int(classNames.size()); }
    int featureDim() const { return weight.defined() && weight.dim() == 2 ? int(weight.size(1)) : 0; }
    // features N x F -> logits N x C (features @ weight^T + bias, on the weight's device).
    torch::Tensor logits(const torch::Tensor& features) const;
};

// "" when consistent (names, seen flags, weight rows and bias agree; weight 2-D with F >= 1 and
// C >= 1; every value finite; class names unique), else the first problem.
std::string classifierProblem(const LearnedClassifier& classifier);

// Writes the "niwt-classifier/1" JSON:
//   {"format": "niwt-classifier/1", "classes": C, "features": F,
//    "class_names": [...], "seen": [true, ...],
//    "weight": [[w00, w01, ...], ...]  (C rows of F numbers), "bias": [...] (C numbers),
//    "bundle": {"name", "identity", "path"}, "stage", "modality",
//    "hyper_parameters": {...}, "metrics": {...}}
// One field a line and one weight row a line. Floats are written as the shortest decimal that reads back as the same
// double (the float widened exactly), so they round-trip bit for bit (-0.0 included). Throws std::invalid_argument for
// an inconsistent classifier (classifierProblem) or text that is not valid UTF-8 before touching the file, and
// DataError "PATH: cannot write (...)" when the file cannot be written.
void exportClassifierJson(const std::string& path, const LearnedClassifier& classifier);

// Reads and checks a "niwt-classifier/1" file; weight and bias are float32 CPU tensors. Throws
// DataError "PATH: problem" for anything missing or wrong: unreadable file, invalid JSON, other
// format tag, missing fields, a row of the wrong length, a non-number, NaN/inf or a value out of
// float range, counts that disagree, duplicate class names.
LearnedClassifier importClassifierJson(const std::string& path);

// Writes a TorchScript module (class __torch__.niwt.LearnedClassifier) with
//   forward(features: N x F) -> logits N x C       (torch.linear(features, weight, bias))
//   weight, bias                                   (parameters, float32 CPU)
//   class_names: List[str], seen: List[bool]
//   format = "niwt-classifier/1", bundle_name, bundle_identity, stage, modality: str
// and, when `bundle` is given (its feature dimension must equal F):
//   stages (and neck): copies of the bundle's modules, moved to the CPU, registered as submodules
//   stage_names: List[str]
//   forward_images(x: N x C x H x W, normalised as the bundle's forward expects, i.e. as
//                  niwt::loadPreprocessedImage gives) -> logits N x C
//                  = forward(neck(mean over h,w of stages(x)))
//   input_width, input_height: int; input_mean, input_std: List[float]; input_color: str
//                  (bundle.json's input spec, for callers that preprocess themselves)
// Saved to memory, then written atomically. Throws std::invalid_argument for an inconsistent
// classifier or a feature dimension that differs from the bundle's, DataError when the file
// cannot be written.
void exportClassifierTorchScript(const std::string& path, const LearnedClassifier& classifier, const Bundle* bundle);

// TensorBoard embedding projector files in `dir` (created when missing):
//   tensors.tsv:  one line per row of `vectors` (N x K), values separated by tabs, no header;
//                 each float written with 9 significant digits (reads back as the same float).
//   metadata.tsv: only when metadataRows is not empty; it must have N rows.
//                 One column (header of size <= 1, rows of one value): no header line, one value
//                 a line (TensorBoard's single-column convention).
//                 Several columns: the header line, then one line per row; every row must have
//                 metadataHeader.size() values.
// Text is made safe for the format: tab -> "\t", newline -> "\n", carriage return -> "\r"
// (backslash sequences, shown as such by TensorBoard; backslashes themselves are kept as they
// are). Throws std::invalid_argument for wrong shapes or non-finite values (nothing is written),
// DataError naming the file when one cannot be written. The files are checked to be writable
// targets (not folders) before either is written; each is replaced atomically.
void exportProjectorTsv(const std::string& dir, const torch::Tensor& vectors,
                        const std::vector<std::vector<std::string>>& metadataRows,
                        const std::vector<std::string>& metadataHeader);

// The escaping exportProjectorTsv applies to each metadata value.
std::string escapeTsvField(const std::string& text);

}  // namespace niwt
