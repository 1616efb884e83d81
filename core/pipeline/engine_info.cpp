#include "core/pipeline/engine_info.h"

#include "core/engine/device.h"

#include <torch/cuda.h>
#include <torch/version.h>
#include <opencv2/core/version.hpp>

namespace niwt {
std::string engineDeviceName() { return chooseDevice("auto").str(); }
std::string libtorchVersion() { return TORCH_VERSION; }
std::string opencvVersion() { return CV_VERSION; }
std::string niwtVersion() { return NIWT_VERSION; }
void setEngineThreads(int threads) { setPreferredTorchThreads(threads); }
int engineThreads() { return preferredTorchThreads(); }
bool cudaAvailable() { return torch::cuda::is_available(); }
}  // namespace niwt
