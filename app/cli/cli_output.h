#pragma once
// What every command prints to, and how a long command is stopped.
#include <QTextStream>

#include <atomic>

namespace lightbox::app {

// Standard output, UTF-8, one stream for every command (so that what they print stays in order).
QTextStream& out();
// Set once SIGINT or SIGTERM arrives after stopOnSignals(): long commands pass it as their cancel flag.
std::atomic<bool>& stopRequested();
void stopOnSignals();

}  // namespace lightbox::app
