#pragma once
// `lightbox worklist source ...` and `lightbox worklist poll` (see command_worklist_sources.cpp).
#include "cli_args.h"

namespace lightbox::app {

int worklistSource(const CliArgs& args);  // positional: "source", add|list|remove, NAME
int pollWorklists(const CliArgs& args);

}  // namespace lightbox::app
