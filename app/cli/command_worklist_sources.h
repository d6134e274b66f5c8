#pragma once
// `lightbox worklist source ...` and `lightbox worklist poll` (see command_worklist_sources.cpp),
// and the worklist filter options other commands share (command_worklist.cpp).
#include "cli_args.h"
#include "reading_list.h"

namespace lightbox::app {

int worklistSource(const CliArgs& args);  // positional: "source", add|list|remove, NAME
int pollWorklists(const CliArgs& args);
// --status S,... --modality M --text T --mine
Result<ReadingFilter> readingFilterOf(const CliArgs& args);

}  // namespace lightbox::app
