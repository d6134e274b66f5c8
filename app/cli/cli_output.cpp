#include "cli_output.h"

#include <csignal>

namespace lightbox::app {

QTextStream& out()
{
    static QTextStream s(stdout);
    s.setEncoding(QStringConverter::Utf8);
    return s;
}

std::atomic<bool>& stopRequested()
{
    static std::atomic<bool> stop{false};
    return stop;
}

void stopOnSignals()
{
    stopRequested();  // made before a signal can arrive
    std::signal(SIGINT, [](int) { stopRequested() = true; });
    std::signal(SIGTERM, [](int) { stopRequested() = true; });
}

}  // namespace lightbox::app
