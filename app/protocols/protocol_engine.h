#pragma once
// Chooses the hanging protocol for a study and lays it out on N screens: which study, series (or
// image), view, preset and synchronisation group goes into each viewport. Pure logic on what the
// cache index knows (no file is opened), so the GUI and `lightbox layout` give the same answer.
#include "hanging_protocol.h"
#include "study_index.h"

#include <QJsonObject>

#include <functional>
#include <string>
#include <vector>

namespace lightbox::app {

struct ImageFacts {
    std::string sopInstanceUid, laterality, viewPosition, imageType, sopClass;
    long long instanceNumber = 0;
    int frames = 1;
    bool pixels = true;  // an image (rows and columns), not SR, KO, PR…
};

struct SeriesFacts {
    std::string seriesUid, modality, bodyPart, description, laterality;
    long long number = 0;
    std::vector<ImageFacts> images;
};

struct StudyFacts {
    storage::StudyRow row;
    std::vector<SeriesFacts> series;
};

// The current study and the same patient's other studies in the cache, most relevant first: same
// modality and body part, then same modality, each most recent first; only studies before the
// current one count as priors.
// A study of the same patient kept out of the priors because something in it came from a sender
// not trusted for priors (a peer whose studies could carry any patient's name and ID).
struct WithheldStudy {
    storage::StudyRow row;
    std::string source;  // the untrusted source
};

struct ReadingContext {
    StudyFacts current;
    std::vector<StudyFacts> priors;
    std::vector<WithheldStudy> withheld;
};

// Whether instances recorded with this source (StudyIndex::sourcesOfStudy) may be shown as a
// patient's priors.
using SourceTrust = std::function<bool(const std::string& source)>;

// Reads the study and its priors from the cache index. A prior must have the same patient ID and,
// when both are known, the same birth date, and every source of its instances must be trusted.
Result<ReadingContext> readingContext(storage::StudyIndex& index, const std::string& studyUid, const SourceTrust& trusted);
// Orders candidate priors of `current` by relevance (what readingContext does with the cache).
std::vector<StudyFacts> rankPriors(const StudyFacts& current, std::vector<StudyFacts> others);

struct ViewportPlacement {
    int row = 0, column = 0;
    ProtocolViewport spec;   // view, preset, fit, align, sync as the protocol says
    QString imageSet;
    std::string studyUid, seriesUid, sopInstanceUid;  // empty when nothing matched
    bool empty() const { return seriesUid.empty(); }
};

struct ScreenPlacement {
    int rows = 1, columns = 1;
    std::vector<ViewportPlacement> viewports;
};

struct Layout {
    QString protocol;
    int score = 0;
    int stage = 1, stages = 1;  // 1-based
    QString stageName;
    std::vector<ScreenPlacement> screens;
    std::vector<std::string> priors;  // prior studies the image sets used, in order
};

// The protocol's score for the study; -1 when a required rule fails.
int protocolScore(const HangingProtocol& p, const ReadingContext& c);
// The best protocol (highest score; on a tie the user's own, then the one that fills more
// viewports, then the name); nullptr when none applies.
const HangingProtocol* chooseProtocol(const std::vector<HangingProtocol>& protocols, const ReadingContext& c);
// Lays out `stage` (1-based, clamped) on `screens` screens: a protocol written for more screens
// has its last screens folded side by side into the last real one; extra screens stay empty.
Layout layOut(const HangingProtocol& p, const ReadingContext& c, int stage, int screens);

QJsonObject layoutToJson(const Layout& layout);

}  // namespace lightbox::app
