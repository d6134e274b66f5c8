#include "outbox_loop.h"

#include "outbox.h"
#include "outbox_delivery.h"

namespace lightbox::app {

std::unique_ptr<BackgroundLoop> outboxLoop(AppConfig config, QString cacheDir, int everySeconds)
{
    std::shared_ptr<Outbox> box;  // opened by the first round, on the loop's thread
    return std::make_unique<BackgroundLoop>(everySeconds, [=](const std::atomic<bool>& stop, const BackgroundLoop::Report& report) mutable {
        if (!box) {
            auto opened = Outbox::open(cacheDir);
            if (!opened) {
                report("outbox: " + QString::fromStdString(opened.error().message));
                return;
            }
            box = std::move(*opened);
        }
        const DeliveryRound r = deliverDue(*box, config, cacheDir, {}, &stop, report);
        if (r.sent + r.foundThere + r.failed > 0)
            report(QString("outbox: %1 sent, %2 found at the archive already, %3 given up").arg(r.sent).arg(r.foundThere).arg(r.failed));
    });
}

}  // namespace lightbox::app
