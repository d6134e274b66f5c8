// The walk of a dataset by Table E.1-1: each element's row (or, without one, its VR for dates
// and its group for private, curve and overlay data), the options, and the action applied.
#include "deidentify_impl.h"
#include "deidentify_table.h"

#include <dcmtk/dcmdata/dcdatset.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcitem.h>
#include <dcmtk/dcmdata/dcmetinf.h>
#include <dcmtk/dcmdata/dcsequen.h>
#include <dcmtk/dcmdata/dcvrui.h>

#include <set>
#include <sstream>

namespace lightbox::imaging::deid {

namespace {

using A = DeidAction;

// Retain Safe Private Option: a small part of PS3.15 Table E.3.10-1 (diffusion b-values and
// directions), as (private creator, group, element offset in its block).
struct SafePrivate {
    const char* creator;
    std::uint16_t group;
    std::uint8_t offset;
};
const SafePrivate kSafePrivate[] = {
    {"GEMS_PARM_01", 0x0043, 0x39},        {"Philips Imaging DD 001", 0x2001, 0x03}, {"SIEMENS MR HEADER", 0x0019, 0x0C},
    {"SIEMENS MR HEADER", 0x0019, 0x0D},   {"SIEMENS MR HEADER", 0x0019, 0x0E},
};

bool isSafePrivate(const DcmTag& tag)
{
    const char* creator = tag.getPrivateCreator();
    if (!creator) return false;
    for (const SafePrivate& s : kSafePrivate)
        if (tag.getGTag() == s.group && (tag.getETag() & 0xFF) == s.offset && std::string(creator) == s.creator) return true;
    return false;
}

// A sequence with X/Z is removed: an empty one is only valid where the IOD makes it Type 2, and
// those of the table are Type 3 in the IODs Lightbox exports, but for the Acquisition Context
// Sequence (Type 2 where its module is used), emptied.
bool isTypeTwoSequence(const DcmTag& tag) { return tag.getGTag() == 0x0040 && tag.getETag() == 0x0555; }

bool isDateVr(DcmEVR vr) { return vr == EVR_DA || vr == EVR_DT; }
bool isTemporalVr(DcmEVR vr) { return vr == EVR_DA || vr == EVR_DT || vr == EVR_TM; }

std::string dummyFor(DcmEVR vr)
{
    switch (vr) {
    case EVR_DA: return "19000101";
    case EVR_TM: return "000000.00";
    case EVR_DT: return "19000101000000.000000";
    case EVR_AS: return "000Y";
    case EVR_IS: case EVR_DS: case EVR_US: case EVR_SS: case EVR_UL: case EVR_SL: case EVR_FL: case EVR_FD: return "0";
    default: return "ANONYMIZED";
    }
}

// Each value of a DA or DT moved by the shift (the time part of a DT stays).
std::string shiftedValue(const std::string& value, int days)
{
    std::stringstream in(value);
    std::string part, out;
    while (std::getline(in, part, '\\')) out += (out.empty() ? "" : "\\") + shiftDate(part, days);
    return out;
}

// What the options make of a row's action.
A effectiveAction(const DeidRow& row, DcmEVR vr, const DeidOptions& o)
{
    const bool dated = isTemporalVr(vr) && !(row.options & kNoDateOption);  // birth date and time: never kept nor shifted
    if (dated && o.dates == DeidOptions::Dates::Keep) return A::K;
    if (dated && o.dates == DeidOptions::Dates::Shift) return A::C;  // modified: shifted
    if ((row.options & kRetainPatientCharacteristics) && o.retainPatientCharacteristics) return A::K;
    if ((row.options & kCleanDescriptor) && o.retainDescriptions) return A::K;
    if ((row.action == A::U || row.action == A::XZU) && o.retainUids) return A::K;
    return row.action;
}

class Walker {
public:
    Walker(Deidentifier& d) : m_d(d), m_o(d.options()) {}

    void item(DcmItem& item)
    {
        std::set<std::pair<std::uint16_t, std::uint16_t>> keptBlocks;  // private blocks with a safe element kept
        for (long i = long(item.card()) - 1; i >= 0; --i) {
            DcmElement* e = item.getElement(unsigned(i));
            const DcmTag& tag = e->getTag();
            if (tag.isPrivate() && !tag.isPrivateReservation()) {
                if (m_o.retainSafePrivate && isSafePrivate(tag)) keptBlocks.insert({tag.getGTag(), std::uint16_t(tag.getETag() >> 8)});
                else remove(item, e);
            }
        }
        for (long i = long(item.card()) - 1; i >= 0; --i) {
            DcmElement* e = item.getElement(unsigned(i));
            const DcmTag& tag = e->getTag();
            if (tag.isPrivateReservation()) {
                if (!keptBlocks.count({tag.getGTag(), tag.getETag()})) remove(item, e);
            } else if (!tag.isPrivate()) {
                element(item, e);
            }
        }
    }

    // Retained texts that repeat a value the profile removed or replaced in the same object (a
    // presentation's Content Label "20020718 12H36M" holding the study date) have it blotted out.
    void scrub()
    {
        for (DcmElement* e : m_retainedText) {
            OFString v;
            if (e->getOFStringArray(v).bad()) continue;
            std::string text = v.c_str();
            bool changed = false;
            for (const std::string& gone : m_removedValues)
                for (std::size_t at = text.find(gone); at != std::string::npos; at = text.find(gone, at + gone.size())) {
                    text.replace(at, gone.size(), std::string(gone.size(), 'X'));
                    changed = true;
                }
            if (changed) put(e, text);
        }
    }

    void element(DcmItem& item, DcmElement* e)
    {
        const DcmTag& tag = e->getTag();
        const std::uint16_t g = tag.getGTag(), el = tag.getETag();
        if ((g & 0xFF00) == 0x5000 || ((g & 0xFF00) == 0x6000 && (el == 0x3000 || el == 0x4000))) return remove(item, e);  // curves, overlays
        const DcmEVR vr = e->ident();
        const DeidRow* row = findDeidRow(g, el);
        if (!row) return unlisted(e, vr);
        const A action = effectiveAction(*row, vr, m_o);
        const bool goes = vr == EVR_SQ ? action == A::X || action == A::Z || action == A::XZ : action != A::K && action != A::C;
        if (goes) remember(*e);
        apply(item, e, action, vr);
    }

private:
    // Attributes the table does not name stay, but their dates follow the date option (a kept
    // Instance Creation Date would tell the date of the study) and sequences are walked.
    void unlisted(DcmElement* e, DcmEVR vr)
    {
        if (vr == EVR_SQ) return sequence(static_cast<DcmSequenceOfItems&>(*e));
        if (isText(vr) && !isCoded(e->getTag())) m_retainedText.push_back(e);
        if (!isDateVr(vr) || m_o.dates == DeidOptions::Dates::Keep) return;
        if (m_o.dates == DeidOptions::Dates::Shift) return shift(e);
        put(e, dummyFor(vr));
    }

    void apply(DcmItem& item, DcmElement* e, A action, DcmEVR vr)
    {
        switch (action) {
        case A::K: return vr == EVR_SQ ? sequence(static_cast<DcmSequenceOfItems&>(*e)) : void();
        case A::C: return isDateVr(vr) ? shift(e) : void();  // TM: a shift by whole days keeps the time
        case A::X: return remove(item, e);
        case A::Z: case A::XZ:
            if (vr != EVR_SQ) return put(e, "");
            if (action == A::XZ && !isTypeTwoSequence(e->getTag())) return remove(item, e);
            static_cast<DcmSequenceOfItems*>(e)->clear();
            return;
        case A::D: case A::ZD: case A::XD: case A::XZD: return dummy(item, e, vr, action);
        case A::U: case A::XZU: return vr == EVR_SQ ? sequence(static_cast<DcmSequenceOfItems&>(*e)) : uid(e);
        }
    }

    // A dummy value. A sequence keeps its structure (SR content, graphic annotations, observers)
    // with its items cleaned by the table, and every text in the identification sequences dummied.
    void dummy(DcmItem& item, DcmElement* e, DcmEVR vr, A action)
    {
        if (vr == EVR_SQ) {
            auto& sq = static_cast<DcmSequenceOfItems&>(*e);

            sequence(sq);
            const std::uint16_t el = e->getTag().getETag(), g = e->getTag().getGTag();
            // X/D and X/Z/D sequences (Referenced Performed Procedure Step: Type 2 in SR and KOS
            // series, Type 3 in images) keep their items too, UIDs replaced and texts dummied.
            const bool structure = action == A::D && ((g == 0x0040 && el == 0xA730) || (g == 0x0070 && el == 0x0001) || (g == 0x0040 && el == 0xA073));
            if (!structure) dummyTexts(sq);
            return;
        }
        if (vr == EVR_OB || vr == EVR_OW || vr == EVR_UN || vr == EVR_OD || vr == EVR_OF || vr == EVR_OL) {
            const Uint8 zero[2] = {0, 0};
            e->putUint8Array(zero, 2);
            return;
        }
        if (vr == EVR_UI) return uid(e);
        put(e, dummyFor(vr));
    }

    void dummyTexts(DcmSequenceOfItems& sq)
    {
        for (unsigned long i = 0; i < sq.card(); ++i) {
            DcmItem* it = sq.getItem(i);
            for (unsigned long j = 0; j < it->card(); ++j) {
                DcmElement* e = it->getElement(j);
                const DcmEVR vr = e->ident();
                if (vr == EVR_SQ) dummyTexts(static_cast<DcmSequenceOfItems&>(*e));
                else if (vr != EVR_UI && e->getLength() > 0 && vr != EVR_OB && vr != EVR_OW && vr != EVR_UN) put(e, dummyFor(vr));
            }
        }
    }

    void sequence(DcmSequenceOfItems& sq)
    {
        for (unsigned long i = 0; i < sq.card(); ++i) item(*sq.getItem(i));
    }

    void uid(DcmElement* e)
    {
        OFString all;
        if (e->getOFStringArray(all).bad() || all.empty()) return;
        std::stringstream in(all.c_str());
        std::string part, out;
        while (std::getline(in, part, '\\')) out += (out.empty() ? "" : "\\") + m_d.replaceUid(part);
        put(e, out);
    }

    void shift(DcmElement* e)
    {
        OFString all;
        if (e->getOFStringArray(all).good() && !all.empty()) put(e, shiftedValue(all.c_str(), m_o.shiftDays));
    }

    static void put(DcmElement* e, const std::string& value) { e->putString(value.c_str()); }

    static void remove(DcmItem& item, DcmElement* e) { delete item.remove(e); }

    static bool isText(DcmEVR vr)
    {
        return vr == EVR_LO || vr == EVR_SH || vr == EVR_LT || vr == EVR_ST || vr == EVR_UT || vr == EVR_UC || vr == EVR_CS || vr == EVR_PN;
    }
    // Coded vocabulary (code value, scheme, meaning, version) is the standard's, not the patient's.
    static bool isCoded(const DcmTag& t) { return t.getGTag() == 0x0008 && t.getETag() >= 0x0100 && t.getETag() <= 0x0107; }

    // The text values (4 characters or more, names also by component) of what is about to go.
    void remember(DcmElement& e)
    {
        if (e.ident() == EVR_SQ) {
            auto& sq = static_cast<DcmSequenceOfItems&>(e);
            for (unsigned long i = 0; i < sq.card(); ++i)
                for (unsigned long j = 0; j < sq.getItem(i)->card(); ++j) remember(*sq.getItem(i)->getElement(j));
            return;
        }
        // Code strings removed are defined terms (a sex, a YES), not names: those are not looked for.
        if ((!isText(e.ident()) && !isDateVr(e.ident())) || e.ident() == EVR_CS) return;
        OFString all;
        if (e.getOFStringArray(all).bad()) return;
        std::stringstream in(all.c_str());
        for (std::string v; std::getline(in, v, '\\');) {
            if (v.size() >= 4) m_removedValues.insert(v);
            if (e.ident() != EVR_PN) continue;
            std::stringstream parts(v);
            for (std::string p; std::getline(parts, p, '^');)
                if (p.size() >= 4) m_removedValues.insert(p);
        }
    }

    Deidentifier& m_d;
    const DeidOptions& m_o;
    std::vector<DcmElement*> m_retainedText;
    std::set<std::string> m_removedValues;
};

}  // namespace

void cleanItem(DcmItem& item, Deidentifier& d)
{
    Walker walker(d);
    walker.item(item);
    walker.scrub();
}

void cleanMeta(DcmMetaInfo& meta, Deidentifier& d)
{
    OFString v;
    if (meta.findAndGetOFString(DCM_MediaStorageSOPInstanceUID, v).good()) meta.putAndInsertString(DCM_MediaStorageSOPInstanceUID, d.replaceUid(v.c_str()).c_str());
    for (const DcmTagKey& t : {DCM_SourceApplicationEntityTitle, DCM_SendingApplicationEntityTitle, DCM_ReceivingApplicationEntityTitle,
                               DCM_PrivateInformationCreatorUID, DCM_PrivateInformation})
        delete meta.remove(t);
}

void writeMethod(DcmDataset& ds, const Deidentifier& d, bool blanked)
{
    const DeidOptions& o = d.options();
    if (!o.patientName.empty()) ds.putAndInsertString(DCM_PatientName, o.patientName.c_str());
    if (!o.patientId.empty()) ds.putAndInsertString(DCM_PatientID, o.patientId.c_str());
    ds.putAndInsertString(DCM_PatientIdentityRemoved, "YES");
    ds.putAndInsertString(DCM_DeidentificationMethod, d.methodText().c_str());
    delete ds.remove(DCM_DeidentificationMethodCodeSequence);
    for (const auto& [value, meaning] : d.methodCodes()) {
        DcmItem* code = nullptr;
        if (ds.findOrCreateSequenceItem(DCM_DeidentificationMethodCodeSequence, code, -2).bad() || !code) continue;
        code->putAndInsertString(DCM_CodeValue, value.c_str());
        code->putAndInsertString(DCM_CodingSchemeDesignator, "DCM");
        code->putAndInsertString(DCM_CodeMeaning, meaning.c_str());
    }
    const char* temporal = o.dates == DeidOptions::Dates::Keep ? "UNMODIFIED" : o.dates == DeidOptions::Dates::Shift ? "MODIFIED" : "REMOVED";
    ds.putAndInsertString(DCM_LongitudinalTemporalInformationModified, temporal);
    if (blanked) ds.putAndInsertString(DCM_BurnedInAnnotation, "NO");
}

}  // namespace lightbox::imaging::deid
