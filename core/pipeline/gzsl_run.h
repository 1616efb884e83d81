#pragma once
// The torch side of the generalized zero-shot evaluation (core/pipeline/gzsl_evaluation.h), for
// callers that already hold a bundle and an extractor (`niwt run`).
#include "core/pipeline/extraction.h"
#include "core/pipeline/gzsl_evaluation.h"
#include "core/pipeline/niwt_learning.h"

namespace niwt {

// Evaluates on the extractor's data set: ESZSL always; NIWT (mod2alpha + alpha2w for every unseen
// class with images) when options.niwt; calibrated stacking's gamma from a validation pass in which
// 20 % of the seen head classes play the unseen role (test labels are never used). `cancelled` is
// polled between phases (niwt::Cancelled). Throws std::invalid_argument when no unseen class has
// images.
GzslEvaluation runGzslEvaluation(Extractor& extractor, const Bundle& bundle, const Modality& modality,
                                 const torch::Device& device, const GzslEvaluationOptions& options,
                                 const UnseenLearningOptions& learning = {},
                                 const std::function<bool()>& cancelled = {});

}  // namespace niwt
