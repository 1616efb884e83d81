#pragma once
// Torch-free facts about the compute engine, for status bars, About boxes and --version.
#include <string>

namespace niwt {
std::string engineDeviceName();  // "cpu" or "cuda:0"; what "auto" would choose
std::string libtorchVersion();   // e.g. "1.13.1"
std::string opencvVersion();
std::string niwtVersion();
// LibTorch's intra-op threads for every engine from its next preparation on (0: one per core).
void setEngineThreads(int threads);
int engineThreads();  // the preference; 0: one per core
bool cudaAvailable();
}  // namespace niwt
