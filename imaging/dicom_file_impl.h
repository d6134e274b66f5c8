#pragma once
// DCMTK-side state of a DicomFile: only for imaging/ sources that decode pixel data.
#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcxfer.h>

#include "dicom_file.h"

namespace lightbox {

struct DicomFile::Impl {
    DcmFileFormat fileFormat;
    E_TransferSyntax xfer = EXS_Unknown;
};

}  // namespace lightbox
