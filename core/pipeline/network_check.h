#pragma once
// Checking a network bundle before the explorer uses it: the same loader, and so the same
// one-line errors, as every `niwt` command. Torch-free interface, for widgets.
#include <string>
#include <vector>

namespace niwt {

struct NetworkSummary {
    std::string path;                     // as given (folder, bundle.pt or bundle.json)
    std::string directory;                // the bundle's folder
    std::string name;                     // bundle.json "name", else the folder's name
    std::vector<std::string> stageNames;  // network order
    int featureDim = 0;                   // length of a class weight vector
    int labels = 0;                       // bundle.json labels, 0 when none
};

// Loads the bundle on the CPU (seconds for a large network: call it off the GUI thread) and
// describes it. Throws DataError with a message naming the file and the problem (missing, not
// TorchScript, a state_dict, a wrong layout ...).
NetworkSummary checkNetwork(const std::string& path);

}  // namespace niwt
