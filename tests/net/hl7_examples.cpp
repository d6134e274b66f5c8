#include "hl7_examples.h"

#include <QtGlobal>

namespace lightbox::testing {

std::string segments(std::initializer_list<std::string> lines)
{
    std::string s;
    for (const std::string& l : lines) s += l + "\r";
    return s;
}

const std::string kOrm = segments({
    "MSH|^~\\&|RIS|HOSP|LIGHTBOX|RAD|20240315090000||ORM^O01|MSG0001|P|2.3.1",
    "PID|1||PAT001^^^HOSP^MR||MÜLLER^ANNA||19600101|F",
    "ORC|NW|ORD1001|FIL1001",
    "OBR|1|ORD1001|FIL1001|CTCHEST^CT chest^LBX||||||||||||||ACC1001|RP1001|SPS1001||||CT|||^^^20240315093000^^R|||||||||||||||||CTCHEST^CT chest^LBX",
    "ZDS|1.2.826.0.1.3680043.8.498.1001^100^Application^DICOM"});
const std::string kOmi = segments({
    "MSH|^~\\&|RIS|HOSP|LIGHTBOX|RAD|20240315090000||OMI^O23^OMI_O23|MSG0002|P|2.5.1||||||UNICODE UTF-8",
    "PID|1||PAT001^^^HOSP^MR||MÜLLER^ANNA||19600101|F", "ORC|NW|ORD1001|FIL1001", "TQ1|1||||||20240315093000||R",
    "OBR|1|ORD1001|FIL1001|CTCHEST^CT chest^LBX", "IPC|ACC1001|RP1001|1.2.826.0.1.3680043.8.498.1001|SPS1001|CT|CTCHEST^CT chest^LBX|||LIGHTBOX"});
const std::string kSiu = segments({
    "MSH|^~\\&|RIS|HOSP|LIGHTBOX|RAD|20240314160000||SIU^S12^SIU_S12|MSG0003|P|2.5.1",
    "SCH|APT1001|FIL1001|||||||||^^30^20240315093000^20240315100000", "PID|1||PAT001^^^HOSP^MR||MÜLLER^ANNA||19600101|F", "RGS|1",
    "AIS|1||CTCHEST^CT chest^LBX|20240315093000"});
const std::string kA08 = segments({
    "MSH|^~\\&|ADT|HOSP|LIGHTBOX|RAD|20240315080000||ADT^A08^ADT_A01|MSG0004|P|2.5.1", "EVN|A08|20240315080000",
    "PID|1||PAT001^^^HOSP^MR||MÜLLER-SCHMIDT^ANNA||19600101|F", "PV1|1|O"});
const std::string kA40 = segments({
    "MSH|^~\\&|ADT|HOSP|LIGHTBOX|RAD|20240315081000||ADT^A40^ADT_A39|MSG0005|P|2.5.1", "EVN|A40|20240315081000",
    "PID|1||PAT001^^^HOSP^MR||MÜLLER^ANNA||19600101|F", "MRG|PAT999^^^HOSP^MR"});

net::Hl7Message parsed(const std::string& raw, std::string_view defaultCharset)
{
    auto m = net::Hl7Message::parse(raw, defaultCharset);
    if (!m) qFatal("parse failed: %s", m.error().message.c_str());
    return *m;
}

std::string withPid(const std::string& msh, const std::string& pid3, const std::string& pid5)
{
    return segments({msh, "PID|1||" + pid3 + "||" + pid5 + "||19600101|F"});
}


}  // namespace lightbox::testing
