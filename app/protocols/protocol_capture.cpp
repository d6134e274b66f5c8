#include "protocol_capture.h"

#include <map>
#include <set>

namespace lightbox::app {

namespace {

ProtocolRule rule(const QString& attribute, ProtocolRule::Op op, const QString& value, int weight, bool required)
{
    ProtocolRule r;
    r.attribute = attribute;
    r.op = op;
    r.values = {value};
    r.weight = weight;
    r.required = required;
    return r;
}

QString q(const std::string& s) { return QString::fromStdString(s).trimmed(); }

// What a study must be for the protocol to apply: its modality, and as chosen its body part, its
// description and how many priors it has.
void addStudyRules(HangingProtocol& p, const storage::StudyRow& study, const CaptureChoices& choices)
{
    if (!study.modalities.empty()) p.rules.push_back(rule("modality", ProtocolRule::Op::Equals, q(study.modalities.front()), 2, true));
    if (choices.useBodyPart && !q(study.bodyParts).isEmpty())
        p.rules.push_back(rule("bodyPart", ProtocolRule::Op::Matches, q(study.bodyParts).split(',').front().trimmed(), 3, false));
    if (choices.useDescription && !q(study.description).isEmpty()) {
        const QString pattern = choices.descriptionPattern.isEmpty() ? "*" + q(study.description) + "*" : choices.descriptionPattern;
        p.rules.push_back(rule("studyDescription", ProtocolRule::Op::Matches, pattern, 3, false));
    }
    if (choices.minimumPriors > 0) {
        ProtocolRule r;
        r.attribute = "priors";
        r.op = ProtocolRule::Op::AtLeast;
        r.min = r.max = choices.minimumPriors;
        r.required = true;
        p.rules.push_back(r);
    }
}

// The image set of a study shown: the current study, or a prior by its rank among the priors
// (added to the protocol the first time).
QString imageSetOf(HangingProtocol& p, const ReadingContext& context, const std::string& studyUid)
{
    if (studyUid == context.current.row.studyUid) return "current";
    for (std::size_t k = 0; k < context.priors.size(); ++k)
        if (context.priors[k].row.studyUid == studyUid) {
            const QString name = QStringLiteral("prior %1").arg(k + 1);
            if (!p.imageSet(name)) p.imageSets.push_back({name, int(k + 1)});
            return name;
        }
    return "current";
}

const StudyFacts* studyFacts(const ReadingContext& context, const std::string& uid)
{
    if (uid == context.current.row.studyUid) return &context.current;
    for (const StudyFacts& s : context.priors)
        if (s.row.studyUid == uid) return &s;
    return nullptr;
}

// The series a viewport shows, of the studies read; null where it shows none.
const SeriesFacts* seriesShown(const ReadingContext& context, const ViewportPlacement& v)
{
    const StudyFacts* facts = v.empty() ? nullptr : studyFacts(context, v.studyUid);
    const SeriesFacts* series = nullptr;
    if (facts)
        for (const SeriesFacts& s : facts->series)
            if (s.seriesUid == v.seriesUid) series = &s;
    return series;
}

// A display set that finds the series shown again (and the image, where one is shown); a series or
// image shown a second time (`used`) is reused.
DisplaySet displaySetFor(HangingProtocol& p, const ReadingContext& context, const ViewportPlacement& v, const SeriesFacts& series,
                         std::set<std::string>& used)
{
    DisplaySet d;
    d.imageSet = imageSetOf(p, context, v.studyUid);
    d.rules.push_back(rule("modality", ProtocolRule::Op::Equals, q(series.modality), 1, true));
    if (!q(series.description).isEmpty()) d.rules.push_back(rule("seriesDescription", ProtocolRule::Op::Equals, q(series.description), 3, false));
    if (!v.sopInstanceUid.empty()) {
        d.images = true;
        for (const ImageFacts& i : series.images)
            if (i.sopInstanceUid == v.sopInstanceUid) {
                if (!q(i.laterality).isEmpty()) d.rules.push_back(rule("laterality", ProtocolRule::Op::Equals, q(i.laterality), 2, true));
                if (!q(i.viewPosition).isEmpty()) d.rules.push_back(rule("viewPosition", ProtocolRule::Op::Equals, q(i.viewPosition), 2, true));
            }
    }
    const std::string key = v.sopInstanceUid.empty() ? v.seriesUid : v.sopInstanceUid;
    d.reuse = !used.insert(key).second;
    return d;
}

}  // namespace

HangingProtocol captureProtocol(const Layout& shown, const HangingProtocol& base, const ReadingContext& context, const CaptureChoices& choices)
{
    HangingProtocol p;
    p.name = choices.name.trimmed();
    p.description = choices.description;
    p.user = true;
    addStudyRules(p, context.current.row, choices);

    // Image sets: the current study and each prior shown, by its rank among the priors.
    p.imageSets.push_back({"current", 0});

    ProtocolStage stage;
    stage.name = "Saved layout";
    std::set<std::string> used;
    int n = 0;
    for (const ScreenPlacement& screen : shown.screens) {
        ScreenLayout out;
        out.rows = screen.rows;
        out.columns = screen.columns;
        for (const ViewportPlacement& v : screen.viewports) {
            ProtocolViewport vp = v.spec;
            vp.row = v.row;
            vp.column = v.column;
            DisplaySet d;
            if (const SeriesFacts* series = seriesShown(context, v)) {
                d = displaySetFor(p, context, v, *series, used);
            } else {
                // Nothing shown here: keep what the protocol asked for.
                const DisplaySet* old = base.displaySet(v.spec.displaySet);
                const ImageSet* oldSet = old ? base.imageSet(old->imageSet) : nullptr;
                if (!old || !oldSet) continue;
                d = *old;
                if (!p.imageSet(oldSet->name)) p.imageSets.push_back(*oldSet);
            }
            d.name = QStringLiteral("%1 %2").arg(d.imageSet).arg(++n);
            vp.displaySet = d.name;
            p.displaySets.push_back(d);
            out.viewports.push_back(vp);
        }
        stage.screens.push_back(out);
    }
    p.stages.push_back(stage);
    return p;
}

}  // namespace lightbox::app
