#pragma once
// Reading DICOM files safely. DCMTK's parser is used because it survives damaged input (GDCM 3.0
// aborts the process on some files, see TOOLCHAIN.md); its types do not leak out of imaging/.
#include "dicom_tag.h"
#include "dicom_text.h"
#include "result.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

class DcmItem;
class OFCondition;

namespace lightbox {

// A read-only view of one dataset or sequence item; valid while its DicomFile lives.
class DicomItem {
public:
    DicomItem() = default;
    DicomItem(DcmItem* item, const CharsetDecoder* charset) : m_item(item), m_charset(charset) {}

    bool valid() const { return m_item != nullptr; }
    bool has(Tag tag) const;

    // The whole value (all values joined by '\'), decoded to UTF-8 and trimmed.
    std::string text(Tag tag) const;
    // Each value, decoded to UTF-8 and trimmed.
    std::vector<std::string> texts(Tag tag) const;
    // Numeric values of DS, IS, US, SS, UL, SL, FL, FD, or of a numeric string; empty if absent.
    std::vector<double> numbers(Tag tag) const;
    std::optional<double> number(Tag tag, size_t index = 0) const;
    // The raw byte value, in the file's byte order for OB and host order for OW/US.
    std::vector<std::uint8_t> bytes(Tag tag) const;
    // 16-bit words of an US, SS or OW value (LUT data), in host byte order.
    std::vector<std::uint16_t> words(Tag tag) const;
    // Items of a sequence.
    std::vector<DicomItem> items(Tag tag) const;
    // Value length in bytes as written (0 if absent or empty).
    std::uint64_t length(Tag tag) const;

    DcmItem* dcmItem() const { return m_item; }

private:
    DcmItem* m_item = nullptr;
    const CharsetDecoder* m_charset = nullptr;
};

struct OpenOptions {
    bool headerOnly = false;  // stop before Pixel Data
};

class DicomFile {
public:
    ~DicomFile();
    DicomFile(const DicomFile&) = delete;
    DicomFile& operator=(const DicomFile&) = delete;

    // Never throws, never aborts: a file that is not DICOM or cannot be parsed gives an Error with a
    // one-line reason.
    static Result<std::unique_ptr<DicomFile>> open(const std::string& path, OpenOptions options = {});
    // Parses a file already in memory (copied: the buffer may go away). `name` is used in messages.
    static Result<std::unique_ptr<DicomFile>> parse(const std::uint8_t* data, std::size_t size, const std::string& name);

    const std::string& path() const { return m_path; }
    DicomItem dataset() const;
    DicomItem metaHeader() const;
    std::string transferSyntaxUid() const;
    const CharsetDecoder& charset() const { return *m_charset; }
    // Problems tolerated while parsing (e.g. "truncated after (0028,0010)").
    const std::string& parseWarning() const { return m_warning; }

    // How many elements the dataset holds (in every sequence item) and how deep its sequences nest.
    struct Shape {
        std::size_t elements = 0;
        int depth = 0;
    };
    Shape shape() const;
    // Where the file meta information disagrees with the dataset or is missing: no meta header,
    // Media Storage SOP Class / Instance UID unlike the SOP Class / Instance UID (empty: consistent).
    std::vector<std::string> metaInconsistencies() const;
    // Writes the file anew to `path` in its own transfer syntax, with the meta information made
    // from the dataset by DCMTK (zero preamble, group length, UIDs, implementation).
    Status saveWithFreshMeta(const std::string& path) const;
    // The same, into memory (for a store that must not write plaintext to the disk).
    Result<std::vector<std::uint8_t>> encodeWithFreshMeta() const;

    struct Impl;
    Impl& impl() const { return *m_impl; }

private:
    DicomFile();
    static Result<std::unique_ptr<DicomFile>> finishLoad(std::unique_ptr<DicomFile> file, const ::OFCondition& cond);
    std::string m_path;
    std::string m_warning;
    std::unique_ptr<CharsetDecoder> m_charset;
    std::unique_ptr<Impl> m_impl;
};

// True when the first bytes look like a DICOM file (Part 10 preamble or a raw dataset).
Result<Done> sniffDicom(const std::string& path);
Result<Done> sniffDicom(const std::uint8_t* head, std::size_t size);

// Registers DCMTK's JPEG, JPEG-LS and RLE decoders once per process (thread-safe).
void registerDicomCodecs();

}  // namespace lightbox
