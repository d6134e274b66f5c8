#pragma once
// Prefetch in the background of a long-running process (`lightbox listen`/`service`, the GUI):
// the loop plans the orders that became due and retrieves their studies, at once when woken (an
// order arrived) and every `everySeconds` otherwise. Its stop() cancels a retrieve under way (its
// task is taken up again next time). It reports one line per round that did something, or per problem.
#include "background_loop.h"
#include "prefetch_rules.h"

#include "app_config.h"

#include <memory>

namespace lightbox::app {

std::unique_ptr<BackgroundLoop> prefetchLoop(AppConfig config, QString cacheDir, PrefetchRules rules, int everySeconds = 30);

}  // namespace lightbox::app
