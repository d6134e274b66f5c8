#include "dimse_store.h"

#include "sealed_file.h"

#include "dicom_file.h"
#include "dimse_session.h"

#include <dcmtk/dcmdata/dcdatset.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcmetinf.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <dcmtk/dcmdata/dcxfer.h>

#include <map>
#include <set>

namespace lightbox::net {

namespace {

struct FileInfo {
    std::string path, sopClass, sopInstance, syntax;
};

bool isUncompressed(const std::string& ts)
{
    return ts == UID_LittleEndianExplicitTransferSyntax || ts == UID_LittleEndianImplicitTransferSyntax || ts == UID_BigEndianExplicitTransferSyntax;
}

}  // namespace

Result<SendOutcome> sendFiles(const DicomPeer& peer, const std::vector<std::string>& files, const std::function<void(int, int)>& progress,
                              const std::atomic<bool>* cancel)
{
    registerDicomCodecs();  // to decompress for peers that want uncompressed data
    SendOutcome out;
    // What each file is: read the meta header and the SOP UIDs only.
    std::vector<FileInfo> infos;
    for (const std::string& f : files) {
        DcmFileFormat ff;
        if (!loadDcmFile(ff, f, true)) {
            out.failed.push_back({f, "not a readable DICOM file"});
            continue;
        }
        OFString cls, inst, ts;
        ff.getMetaInfo()->findAndGetOFString(DCM_MediaStorageSOPClassUID, cls);
        ff.getMetaInfo()->findAndGetOFString(DCM_MediaStorageSOPInstanceUID, inst);
        ff.getMetaInfo()->findAndGetOFString(DCM_TransferSyntaxUID, ts);
        if (cls.empty()) ff.getDataset()->findAndGetOFString(DCM_SOPClassUID, cls);
        if (inst.empty()) ff.getDataset()->findAndGetOFString(DCM_SOPInstanceUID, inst);
        if (ts.empty()) ts = DcmXfer(ff.getDataset()->getOriginalXfer()).getXferID();
        if (cls.empty() || inst.empty()) {
            out.failed.push_back({f, "no SOP Class or SOP Instance UID"});
            continue;
        }
        infos.push_back({f, cls.c_str(), inst.c_str(), ts.c_str()});
    }
    // Presentation contexts: each (class, syntax) once, plus explicit little endian for each
    // compressed class as the fallback; at most 127 per association.
    std::vector<std::vector<FileInfo>> groups(1);
    std::set<std::pair<std::string, std::string>> contexts;
    auto needed = [](const FileInfo& f) {
        std::set<std::pair<std::string, std::string>> n{{f.sopClass, f.syntax}};
        if (!isUncompressed(f.syntax)) n.insert({f.sopClass, UID_LittleEndianExplicitTransferSyntax});
        return n;
    };
    for (const FileInfo& f : infos) {
        auto n = needed(f);
        std::size_t extra = 0;
        for (const auto& p : n) extra += contexts.count(p) ? 0 : 1;
        if (contexts.size() + extra > 127) {
            groups.emplace_back();
            contexts.clear();
        }
        contexts.insert(n.begin(), n.end());
        groups.back().push_back(f);
    }
    const int total = int(files.size());
    int done = int(out.failed.size());
    for (const auto& group : groups) {
        if (group.empty()) continue;
        auto created = createScu<PlainScu>(peer);
        if (!created) return created.error();
        DcmSCU& scu = **created;
        std::set<std::pair<std::string, std::string>> ctx;
        for (const FileInfo& f : group) {
            auto n = needed(f);
            ctx.insert(n.begin(), n.end());
        }
        for (const auto& [cls, ts] : ctx) {
            OFList<OFString> l;
            l.push_back(ts.c_str());
            if (ts == UID_LittleEndianExplicitTransferSyntax) l.push_back(UID_LittleEndianImplicitTransferSyntax);
            scu.addPresentationContext(cls.c_str(), l);
        }
        if (auto s = associate(scu, peer); !s) return s.error();
        for (const FileInfo& f : group) {
            if (cancel && cancel->load()) {
                out.cancelled = true;
                break;
            }
            Uint16 status = 0;
            OFCondition c;
            const T_ASC_PresentationContextID same = scu.findPresentationContextID(f.sopClass.c_str(), f.syntax.c_str());
            if (same && !isSealedFile(f.path)) {
                c = scu.sendSTORERequest(same, f.path.c_str(), nullptr, status);
            } else if (same) {
                // Encrypted in the cache: sent from its plaintext in memory, in its own syntax.
                DcmFileFormat ff;
                if (Status loaded = loadDcmFile(ff, f.path); !loaded) {
                    out.failed.push_back({f.path, loaded.error().message});
                    ++done;
                    continue;
                }
                c = scu.sendSTORERequest(same, "", ff.getDataset(), status);
            } else {
                const T_ASC_PresentationContextID plain = scu.findPresentationContextID(f.sopClass.c_str(), UID_LittleEndianExplicitTransferSyntax);
                if (!plain) {
                    out.failed.push_back({f.path, "the peer accepts neither this SOP class nor its transfer syntax"});
                    ++done;
                    continue;
                }
                DcmFileFormat ff;
                if (!loadDcmFile(ff, f.path) || ff.getDataset()->chooseRepresentation(EXS_LittleEndianExplicit, nullptr).bad() ||
                    !ff.getDataset()->canWriteXfer(EXS_LittleEndianExplicit)) {
                    out.failed.push_back({f.path, "the peer does not accept " + f.syntax + " and Lightbox cannot decompress it for sending"});
                    ++done;
                    continue;
                }
                c = scu.sendSTORERequest(plain, "", ff.getDataset(), status);
            }
            ++done;
            if (c.bad()) {
                out.failed.push_back({f.path, dimseError(c, "C-STORE").message});
                scu.abortAssociation();
                // The association is gone: what is left of the group failed too.
                bool after = false;
                for (const FileInfo& g : group) {
                    if (&g == &f) after = true;
                    else if (after) out.failed.push_back({g.path, "not sent: the association was lost"});
                }
                return out;
            }
            if (status == STATUS_Success) ++out.sent;
            else if ((status & 0xF000) == 0xB000) {
                ++out.sent;
                ++out.warnings;
            } else {
                out.failed.push_back({f.path, "refused by the peer: status " + statusText(status)});
            }
            if (progress) progress(done, total);
        }
        if (out.cancelled) {
            scu.abortAssociation();
            break;
        }
        scu.releaseAssociation();
    }
    return out;
}

}  // namespace lightbox::net
