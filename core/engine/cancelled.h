#pragma once
#include <stdexcept>

namespace niwt {
// Thrown when the user cancels a long job; the engine's state stays as before the job.
class Cancelled : public std::runtime_error {
public:
    Cancelled() : std::runtime_error("cancelled") {}
};
}  // namespace niwt
