#pragma once
// Delivery of the outbox (outbox.h) in the background of a long-running process (`lightbox
// service`, later the GUI): the loop delivers what is due at once when woken (an item was queued
// in this process) and every `everySeconds` otherwise (items queued by other processes, such as
// `lightbox send --queue`, are seen then; items in back-off wait for their time). Its stop() ends
// the round after the instance being sent. It reports one line per round that sent something, or
// per problem.
#include "background_loop.h"

#include "app_config.h"

#include <memory>

namespace lightbox::app {

std::unique_ptr<BackgroundLoop> outboxLoop(AppConfig config, QString cacheDir, int everySeconds = 5);

}  // namespace lightbox::app
