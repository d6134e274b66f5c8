#pragma once
// Prefetch in the background of a long-running process (`lightbox listen`/`service`, the GUI):
// the loop plans the orders that became due and retrieves their studies, at once when woken (an
// order arrived) and every `everySeconds` otherwise. Its stop() cancels a retrieve under way (its
// task is taken up again next time). It reports one line per round that did something, or per problem.
// Given the rules' file, each round reads it again when it changed (the Prefetch rules dialog
// saved it): the new rules apply at once, to every open order planned again; a file that is no
// longer valid is reported and the rules in force are kept.
#include "background_loop.h"
#include "prefetch_rules.h"

#include "app_config.h"

#include <memory>

namespace lightbox::app {

std::unique_ptr<BackgroundLoop> prefetchLoop(AppConfig config, QString cacheDir, PrefetchRules rules, int everySeconds = 30, QString rulesPath = {});

}  // namespace lightbox::app
