#pragma once
// Hanging protocols: how a study (and its priors) is laid out across the reading screens.
// Modelled on DICOM Hanging Protocols (PS3.3 A.44) and on what Starviewer and OHIF learned:
//  - rules on the current study and patient (modality, body part, description, number of priors,
//    patient age…) score the protocol; the best scoring protocol whose required rules hold wins;
//  - image sets name the studies: the current one and the n-th most relevant prior;
//  - display sets pick series (or single images, for mammography) of an image set by rules on
//    series and image attributes (modality, description, laterality, view position, image type…);
//  - stages (next/previous) place display sets into viewports of a grid on each screen, each with
//    its view type (2D, an MPR plane, MIP, VR), window preset, zoom-to-fit, alignment and
//    synchronisation group.
// Protocols are JSON files (resources/protocols shipped, user copies in the settings folder).
#include "result.h"

#include <QJsonObject>
#include <QString>
#include <QStringList>

#include <vector>

namespace lightbox::app {

struct ProtocolRule {
    // Study-level attributes: modality, bodyPart, studyDescription, priors, patientAge (years),
    // patientSex. Series/image-level: modality, bodyPart, seriesDescription, laterality,
    // viewPosition, imageType, instances, frames, sopClass.
    QString attribute;
    enum class Op { Equals, Contains, Matches, AtLeast, AtMost, Between } op = Op::Equals;
    QStringList values;   // text: any of them (case-insensitive; Matches: * and ? wildcards)
    double min = 0, max = 0;  // numbers: AtLeast uses min, AtMost max, Between both
    int weight = 1;
    bool required = false;
};

struct ImageSet {
    QString name;   // "current", "prior"…
    int prior = 0;  // 0: the current study; n: the n-th most relevant prior
};

struct DisplaySet {
    QString name;
    QString imageSet;
    std::vector<ProtocolRule> rules;
    bool images = false;  // picks one image (e.g. a mammogram) instead of a whole series
    bool reuse = false;   // may show what another viewport of the stage already shows
};

struct ProtocolViewport {
    int row = 0, column = 0;
    QString displaySet;
    QString view = "2d";  // 2d, axial, coronal, sagittal, mip, vr
    QString preset;       // a window preset of the modality (lung, bone…); empty: the image's own
    bool fit = true;      // zoom to fit
    QString align;        // "", "left" or "right": the image's side kept at the viewport's edge
    QString sync;         // viewports with the same group scroll, window and zoom together
};

struct ScreenLayout {
    int rows = 1, columns = 1;
    std::vector<ProtocolViewport> viewports;
};

struct ProtocolStage {
    QString name;
    std::vector<ScreenLayout> screens;
};

struct HangingProtocol {
    QString name, description;
    std::vector<ProtocolRule> rules;
    std::vector<ImageSet> imageSets;
    std::vector<DisplaySet> displaySets;
    std::vector<ProtocolStage> stages;
    QString file;       // where it was read from
    bool user = false;  // the user's own (wins a tie against a shipped one)

    const DisplaySet* displaySet(const QString& name) const;
    const ImageSet* imageSet(const QString& name) const;
};

// Parses and checks a protocol (every name it refers to exists, viewports inside their grid).
Result<HangingProtocol> protocolFromJson(const QJsonObject& o);
QJsonObject protocolToJson(const HangingProtocol& p);

}  // namespace lightbox::app
