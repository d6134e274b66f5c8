// Sending files to an archive: C-STORE on one association (each file in its own transfer syntax),
// or STOW-RS. Cached studies leave through the outbox (app/worklist/outbox_delivery.h).
#include "archive_ops.h"

#include "dicomweb_client.h"
#include "dimse_store.h"

namespace lightbox::app {

SendReport sendFileList(const ArchiveEntry& archive, const LocalNode& local, const std::vector<std::string>& files, bool useStow,
                        const std::function<void(int, int)>& progress, const std::atomic<bool>* cancel)
{
    SendReport rep;
    rep.files = int(files.size());
    if (!useStow && archive.hasDimse()) {
        auto r = net::sendFiles(archive.peer(local), files, progress, cancel);
        if (!r) {
            rep.error = QString::fromStdString(r.error().message);
            return rep;
        }
        rep.sent = r->sent;
        rep.cancelled = r->cancelled;
        for (const auto& f : r->failed) rep.failed.push_back(f.file + ": " + f.reason);
        return rep;
    }
    if (!archive.hasWeb()) {
        rep.error = "archive " + archive.name + " has no DICOMweb URL for STOW-RS";
        return rep;
    }
    auto r = net::stow(archive.web(), files, [&](std::uint64_t sent, std::uint64_t total) {
        if (progress && total) progress(int(double(sent) / double(total) * rep.files), rep.files);
    }, cancel);
    if (!r) {
        rep.error = QString::fromStdString(r.error().message);
        rep.cancelled = r.error().code == "cancelled";
        return rep;
    }
    rep.sent = r->stored;
    for (const auto& [sop, why] : r->failed) rep.failed.push_back(sop + ": " + why);
    return rep;
}

}  // namespace lightbox::app
