#pragma once
// A launch request on this process's own command line (`lightbox open ...` when no Lightbox
// answered the command): what the GUI's start does with it.
#include "launch_server.h"

#include <memory>
#include <optional>

namespace lightbox::app {

// Another Lightbox holds the cache's launch lock (it is starting, or started since the command
// looked): the request is handed to it once it listens (exit code returned). If it goes away
// first, this process takes the lock into `server` and becomes the GUI (nullopt).
std::optional<int> deliverToStarting(const QString& cacheDir, const LaunchRequest& request, std::unique_ptr<LaunchServer>& server);

// Answers to the request on the terminal; with --screenshot-exit, Lightbox quits after the final
// one (0: shown, 1: not).
LaunchReply terminalReply(const LaunchRequest& request);

}  // namespace lightbox::app
