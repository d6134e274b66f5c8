#pragma once
// Worklist polling in the background of `lightbox service`: the loop asks each configured
// worklist at its own interval (the first time at once; due sources are looked for every 5 s),
// records what is new or changed, and calls `onRecorded` (to wake the prefetch) after a poll that
// recorded something. A worklist that cannot be asked is reported and asked again at its next
// interval. Its stop() cancels a query under way.
#include "background_loop.h"

#include "app_config.h"

#include <functional>
#include <memory>

namespace lightbox::app {

std::unique_ptr<BackgroundLoop> worklistPollLoop(AppConfig config, QString cacheDir, std::function<void()> onRecorded);

}  // namespace lightbox::app
