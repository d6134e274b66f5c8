#pragma once
// Internals of the de-identifier (deidentify.h), shared by its .cpp files. DCMTK types only here.
#include "deidentify.h"

class DcmDataset;
class DcmItem;
class DcmMetaInfo;

namespace lightbox::imaging::deid {

// Applies Table E.1-1 and the options to every element of `item`, recursing into sequences.
void cleanItem(DcmItem& item, Deidentifier& d);
// The meta header: Media Storage SOP Instance UID replaced as the SOP Instance UID is, the
// sender's and receiver's AE titles and private information removed.
void cleanMeta(DcmMetaInfo& meta, Deidentifier& d);
// Patient Identity Removed, De-identification Method and its Code Sequence, Longitudinal
// Temporal Information Modified, and the new patient name and ID when given.
void writeMethod(DcmDataset& ds, const Deidentifier& d, bool blanked);
BurnedInCheck burnedInOf(DcmDataset& ds);
// Zeroes the rectangles in every frame (decompressing first when DCMTK can).
Status blankPixels(DcmDataset& ds, const std::vector<BlankRect>& rects);

}  // namespace lightbox::imaging::deid
