#pragma once
// Where alpha2w searches (torch-free, for the session's and the evaluation's options):
// the span of the seen head's rows (R unknowns per class, fast), or the whole weight space R^F as
// the paper formulates it (needs the importance Jacobians, core/engine/importance_jacobian.h;
// warm-started from the span solution).
#include <stdexcept>
#include <string>

namespace niwt {

enum class Alpha2WSpace { Span, Full };

// The default everywhere (niwt run/describe/bench, the explorer's preference, the engine's option
// structs): chosen on the seen-class validation folds, the mean over CUB's two modalities of the
// calibrated validation H (full 43.75 vs span 43.25 with spread-matched new logits; README, "Full
// by default"), never on test scores.
inline constexpr Alpha2WSpace kDefaultAlpha2WSpace = Alpha2WSpace::Full;

inline const char* alpha2wSpaceName(Alpha2WSpace space) { return space == Alpha2WSpace::Full ? "full" : "span"; }

// "span" / "full" as the space; anything else gives `otherwise` (a stored preference falls back to
// the default).
inline Alpha2WSpace alpha2wSpaceOr(const std::string& name, Alpha2WSpace otherwise) {
    if (name == "span") return Alpha2WSpace::Span;
    if (name == "full") return Alpha2WSpace::Full;
    return otherwise;
}

// "span" / "full"; anything else throws std::invalid_argument naming the accepted values.
inline Alpha2WSpace parseAlpha2WSpace(const std::string& name) {
    if (name != "span" && name != "full") throw std::invalid_argument("--alpha2w \"" + name + "\": use span or full");
    return alpha2wSpaceOr(name, kDefaultAlpha2WSpace);
}

}  // namespace niwt
