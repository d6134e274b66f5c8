#include "access_gate.h"

#include <mutex>

namespace lightbox::storage {

namespace {
std::mutex g_mutex;
std::shared_ptr<AccessGate> g_gate;
}  // namespace

void installAccessGate(std::shared_ptr<AccessGate> gate)
{
    std::lock_guard lock(g_mutex);
    g_gate = std::move(gate);
}

std::shared_ptr<AccessGate> accessGate()
{
    std::lock_guard lock(g_mutex);
    return g_gate;
}

}  // namespace lightbox::storage
