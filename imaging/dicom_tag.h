#pragma once
// DICOM attribute tags used across Lightbox (group << 16 | element).
#include <cstdint>

namespace lightbox {

using Tag = std::uint32_t;
constexpr Tag makeTag(std::uint16_t group, std::uint16_t element) { return (Tag(group) << 16) | element; }
constexpr std::uint16_t tagGroup(Tag t) { return std::uint16_t(t >> 16); }
constexpr std::uint16_t tagElement(Tag t) { return std::uint16_t(t & 0xFFFF); }

namespace tags {
constexpr Tag QueryRetrieveLevel = makeTag(0x0008, 0x0052);
constexpr Tag ModalitiesInStudy = makeTag(0x0008, 0x0061);
constexpr Tag RetrieveAETitle = makeTag(0x0008, 0x0054);
constexpr Tag NumberOfPatientRelatedStudies = makeTag(0x0020, 0x1200);
constexpr Tag NumberOfStudyRelatedSeries = makeTag(0x0020, 0x1206);
constexpr Tag NumberOfStudyRelatedInstances = makeTag(0x0020, 0x1208);
constexpr Tag NumberOfSeriesRelatedInstances = makeTag(0x0020, 0x1209);
constexpr Tag TransferSyntaxUID = makeTag(0x0002, 0x0010);
constexpr Tag SpecificCharacterSet = makeTag(0x0008, 0x0005);
constexpr Tag ImageType = makeTag(0x0008, 0x0008);
constexpr Tag SOPClassUID = makeTag(0x0008, 0x0016);
constexpr Tag SOPClassesInStudy = makeTag(0x0008, 0x0062);
constexpr Tag SOPInstanceUID = makeTag(0x0008, 0x0018);
constexpr Tag StudyDate = makeTag(0x0008, 0x0020);
constexpr Tag SeriesDate = makeTag(0x0008, 0x0021);
constexpr Tag AcquisitionDate = makeTag(0x0008, 0x0022);
constexpr Tag ContentDate = makeTag(0x0008, 0x0023);
constexpr Tag StudyTime = makeTag(0x0008, 0x0030);
constexpr Tag SeriesTime = makeTag(0x0008, 0x0031);
constexpr Tag AccessionNumber = makeTag(0x0008, 0x0050);
constexpr Tag Modality = makeTag(0x0008, 0x0060);
constexpr Tag Manufacturer = makeTag(0x0008, 0x0070);
constexpr Tag InstitutionName = makeTag(0x0008, 0x0080);
constexpr Tag ReferringPhysicianName = makeTag(0x0008, 0x0090);
constexpr Tag StudyDescription = makeTag(0x0008, 0x1030);
constexpr Tag SeriesDescription = makeTag(0x0008, 0x103E);
constexpr Tag ManufacturerModelName = makeTag(0x0008, 0x1090);
constexpr Tag PatientName = makeTag(0x0010, 0x0010);
constexpr Tag PatientID = makeTag(0x0010, 0x0020);
constexpr Tag PatientBirthDate = makeTag(0x0010, 0x0030);
constexpr Tag PatientSex = makeTag(0x0010, 0x0040);
constexpr Tag PatientAge = makeTag(0x0010, 0x1010);
constexpr Tag BodyPartExamined = makeTag(0x0018, 0x0015);
constexpr Tag SliceThickness = makeTag(0x0018, 0x0050);
constexpr Tag SpacingBetweenSlices = makeTag(0x0018, 0x0088);
constexpr Tag ImagerPixelSpacing = makeTag(0x0018, 0x1164);
constexpr Tag ViewPosition = makeTag(0x0018, 0x5101);
constexpr Tag FrameTime = makeTag(0x0018, 0x1063);
constexpr Tag CineRate = makeTag(0x0018, 0x0040);
constexpr Tag RecommendedDisplayFrameRate = makeTag(0x0008, 0x2144);
constexpr Tag EchoNumbers = makeTag(0x0018, 0x0086);
constexpr Tag EchoTime = makeTag(0x0018, 0x0081);
constexpr Tag TriggerTime = makeTag(0x0018, 0x1060);
constexpr Tag DiffusionBValue = makeTag(0x0018, 0x9087);
constexpr Tag EffectiveEchoTime = makeTag(0x0018, 0x9082);
constexpr Tag MREchoSequence = makeTag(0x0018, 0x9114);
constexpr Tag MRDiffusionSequence = makeTag(0x0018, 0x9117);
constexpr Tag CardiacSynchronizationSequence = makeTag(0x0018, 0x9118);
constexpr Tag NominalCardiacTriggerDelayTime = makeTag(0x0020, 0x9153);
constexpr Tag TemporalPositionIdentifier = makeTag(0x0020, 0x0100);
constexpr Tag FrameType = makeTag(0x0008, 0x9007);
constexpr Tag MRImageFrameTypeSequence = makeTag(0x0018, 0x9226);
constexpr Tag CTImageFrameTypeSequence = makeTag(0x0018, 0x9329);
constexpr Tag StudyInstanceUID = makeTag(0x0020, 0x000D);
constexpr Tag SeriesInstanceUID = makeTag(0x0020, 0x000E);
constexpr Tag StudyID = makeTag(0x0020, 0x0010);
constexpr Tag SeriesNumber = makeTag(0x0020, 0x0011);
constexpr Tag AcquisitionNumber = makeTag(0x0020, 0x0012);
constexpr Tag InstanceNumber = makeTag(0x0020, 0x0013);
constexpr Tag PatientOrientation = makeTag(0x0020, 0x0020);
constexpr Tag ImagePositionPatient = makeTag(0x0020, 0x0032);
constexpr Tag ImageOrientationPatient = makeTag(0x0020, 0x0037);
constexpr Tag FrameOfReferenceUID = makeTag(0x0020, 0x0052);
constexpr Tag Laterality = makeTag(0x0020, 0x0060);
constexpr Tag ImageLaterality = makeTag(0x0020, 0x0062);
constexpr Tag FrameAnatomySequence = makeTag(0x0020, 0x9071);
constexpr Tag FrameLaterality = makeTag(0x0020, 0x9072);
constexpr Tag SliceLocation = makeTag(0x0020, 0x1041);
constexpr Tag SamplesPerPixel = makeTag(0x0028, 0x0002);
constexpr Tag PhotometricInterpretation = makeTag(0x0028, 0x0004);
constexpr Tag PlanarConfiguration = makeTag(0x0028, 0x0006);
constexpr Tag NumberOfFrames = makeTag(0x0028, 0x0008);
constexpr Tag Rows = makeTag(0x0028, 0x0010);
constexpr Tag Columns = makeTag(0x0028, 0x0011);
constexpr Tag PixelSpacing = makeTag(0x0028, 0x0030);
constexpr Tag PixelAspectRatio = makeTag(0x0028, 0x0034);
constexpr Tag BitsAllocated = makeTag(0x0028, 0x0100);
constexpr Tag BitsStored = makeTag(0x0028, 0x0101);
constexpr Tag HighBit = makeTag(0x0028, 0x0102);
constexpr Tag PixelRepresentation = makeTag(0x0028, 0x0103);
constexpr Tag PixelPaddingValue = makeTag(0x0028, 0x0120);
constexpr Tag PixelPaddingRangeLimit = makeTag(0x0028, 0x0121);
constexpr Tag WindowCenter = makeTag(0x0028, 0x1050);
constexpr Tag WindowWidth = makeTag(0x0028, 0x1051);
constexpr Tag RescaleIntercept = makeTag(0x0028, 0x1052);
constexpr Tag RescaleSlope = makeTag(0x0028, 0x1053);
constexpr Tag RescaleType = makeTag(0x0028, 0x1054);
constexpr Tag WindowCenterWidthExplanation = makeTag(0x0028, 0x1055);
constexpr Tag VOILUTFunction = makeTag(0x0028, 0x1056);
constexpr Tag RedPaletteColorLookupTableDescriptor = makeTag(0x0028, 0x1101);
constexpr Tag GreenPaletteColorLookupTableDescriptor = makeTag(0x0028, 0x1102);
constexpr Tag BluePaletteColorLookupTableDescriptor = makeTag(0x0028, 0x1103);
constexpr Tag RedPaletteColorLookupTableData = makeTag(0x0028, 0x1201);
constexpr Tag GreenPaletteColorLookupTableData = makeTag(0x0028, 0x1202);
constexpr Tag BluePaletteColorLookupTableData = makeTag(0x0028, 0x1203);
constexpr Tag SegmentedRedPaletteColorLookupTableData = makeTag(0x0028, 0x1221);
constexpr Tag SegmentedGreenPaletteColorLookupTableData = makeTag(0x0028, 0x1222);
constexpr Tag SegmentedBluePaletteColorLookupTableData = makeTag(0x0028, 0x1223);
constexpr Tag LossyImageCompression = makeTag(0x0028, 0x2110);
constexpr Tag ModalityLUTSequence = makeTag(0x0028, 0x3000);
constexpr Tag LUTDescriptor = makeTag(0x0028, 0x3002);
constexpr Tag LUTExplanation = makeTag(0x0028, 0x3003);
constexpr Tag ModalityLUTType = makeTag(0x0028, 0x3004);
constexpr Tag LUTData = makeTag(0x0028, 0x3006);
constexpr Tag VOILUTSequence = makeTag(0x0028, 0x3010);
constexpr Tag PixelMeasuresSequence = makeTag(0x0028, 0x9110);
constexpr Tag FrameVOILUTSequence = makeTag(0x0028, 0x9132);
constexpr Tag PixelValueTransformationSequence = makeTag(0x0028, 0x9145);
constexpr Tag PlanePositionSequence = makeTag(0x0020, 0x9113);
constexpr Tag PlaneOrientationSequence = makeTag(0x0020, 0x9116);
constexpr Tag FrameContentSequence = makeTag(0x0020, 0x9111);
constexpr Tag StackID = makeTag(0x0020, 0x9056);
constexpr Tag InStackPositionNumber = makeTag(0x0020, 0x9057);
constexpr Tag TemporalPositionIndex = makeTag(0x0020, 0x9128);
constexpr Tag DimensionIndexValues = makeTag(0x0020, 0x9157);
constexpr Tag SharedFunctionalGroupsSequence = makeTag(0x5200, 0x9229);
constexpr Tag PerFrameFunctionalGroupsSequence = makeTag(0x5200, 0x9230);
constexpr Tag PresentationLUTShape = makeTag(0x2050, 0x0020);
constexpr Tag FloatPixelData = makeTag(0x7FE0, 0x0008);
constexpr Tag DoubleFloatPixelData = makeTag(0x7FE0, 0x0009);
constexpr Tag PixelData = makeTag(0x7FE0, 0x0010);
}  // namespace tags

}  // namespace lightbox
