#pragma once
#include <optional>

namespace lightbox::app {

// Runs a headless command if argv names one; std::nullopt means "start the GUI".
std::optional<int> runCommandLine(int argc, char** argv);

}  // namespace lightbox::app
