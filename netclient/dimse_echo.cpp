#include "dimse_echo.h"

#include "dimse_session.h"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <dcmtk/dcmnet/cond.h>
#include <dcmtk/dcmnet/diutil.h>
#include <dcmtk/dcmnet/dul.h>
#include <dcmtk/dcmnet/scu.h>
#include <dcmtk/oflog/oflog.h>

#include <cstdlib>
#include <mutex>

namespace lightbox::net {

void initNetworking()
{
    static std::once_flag once;
    std::call_once(once, [] {
        // DCMTK keeps Nagle's algorithm on unless TCP_NODELAY is set: 10-30x slower on loopback.
        setenv("TCP_NODELAY", "1", 0);
        // Callers are known by their address: no reverse lookup (slow, and a name can be forged).
        dcmDisableGethostbyaddr.set(OFTrue);
        // LIGHTBOX_DCMTK_LOG=debug|info|warn shows DCMTK's own log on stderr (diagnosing a peer).
        const char* level = std::getenv("LIGHTBOX_DCMTK_LOG");
        const std::string l = level ? level : "";
        OFLog::configure(l == "debug" ? OFLogger::DEBUG_LOG_LEVEL : l == "info" ? OFLogger::INFO_LOG_LEVEL
                         : l == "warn" ? OFLogger::WARN_LOG_LEVEL : OFLogger::FATAL_LOG_LEVEL);
    });
}

Result<Done> echo(const DicomPeer& peer)
{
    auto scu = createScu<PlainScu>(peer);
    if (!scu) return scu.error();
    OFList<OFString> syntaxes = commandTransferSyntaxes();
    (*scu)->addPresentationContext(UID_VerificationSOPClass, syntaxes);
    if (auto s = associate(**scu, peer); !s) return s.error();
    const OFCondition c = (*scu)->sendECHORequest(0);
    if (c.bad()) {
        (*scu)->abortAssociation();
        return dimseError(c, "C-ECHO failed");
    }
    (*scu)->releaseAssociation();
    return Done{};
}

}  // namespace lightbox::net
