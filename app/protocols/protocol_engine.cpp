#include "protocol_engine.h"

#include <QJsonArray>
#include <QRegularExpression>

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <set>

namespace lightbox::app {

namespace {

QString q(const std::string& s) { return QString::fromStdString(s).trimmed(); }

// The values an attribute has: texts, or a number.
struct Values {
    QStringList texts;
    std::optional<double> number;
};

void addText(Values& v, const std::string& s)
{
    // Multi-valued DICOM text (backslash) and the index's comma lists count value by value.
    for (const QString& part : q(s).split(QRegularExpression("[\\\\,]"), Qt::SkipEmptyParts))
        if (!v.texts.contains(part.trimmed(), Qt::CaseInsensitive)) v.texts << part.trimmed();
}

bool textHolds(const ProtocolRule& r, const QStringList& texts)
{
    for (const QString& t : texts)
        for (const QString& want : r.values) {
            switch (r.op) {
            case ProtocolRule::Op::Equals:
                if (t.compare(want, Qt::CaseInsensitive) == 0) return true;
                break;
            case ProtocolRule::Op::Contains:
                if (t.contains(want, Qt::CaseInsensitive)) return true;
                break;
            case ProtocolRule::Op::Matches: {
                const QRegularExpression re(QRegularExpression::wildcardToRegularExpression(want, QRegularExpression::UnanchoredWildcardConversion),
                                            QRegularExpression::CaseInsensitiveOption);
                const QRegularExpression anchored("\\A(?:" + re.pattern() + ")\\z", QRegularExpression::CaseInsensitiveOption);
                if (anchored.match(t).hasMatch()) return true;
                break;
            }
            default: break;
            }
        }
    return false;
}

bool holds(const ProtocolRule& r, const Values& v)
{
    switch (r.op) {
    case ProtocolRule::Op::AtLeast: return v.number && *v.number >= r.min;
    case ProtocolRule::Op::AtMost: return v.number && *v.number <= r.max;
    case ProtocolRule::Op::Between: return v.number && *v.number >= r.min && *v.number <= r.max;
    default: return textHolds(r, v.texts);
    }
}

// Sum of the weights of the rules that hold; -1 when a required one does not.
template <class Lookup>
int score(const std::vector<ProtocolRule>& rules, const Lookup& lookup)
{
    int s = 0;
    for (const ProtocolRule& r : rules) {
        if (holds(r, lookup(r.attribute))) s += r.weight;
        else if (r.required) return -1;
    }
    return s;
}

std::optional<double> ageInYears(const std::string& birth, const std::string& at)
{
    auto digits = [](const std::string& d) { return d.size() >= 8 && std::all_of(d.begin(), d.begin() + 8, [](char ch) { return ch >= '0' && ch <= '9'; }); };
    if (!digits(birth) || !digits(at)) return std::nullopt;
    const int by = std::stoi(birth.substr(0, 4)), bmd = std::stoi(birth.substr(4, 4));
    const int y = std::stoi(at.substr(0, 4)), md = std::stoi(at.substr(4, 4));
    return double(y - by - (md < bmd ? 1 : 0));
}

// Patient's Age (AS): nnnD, nnnW, nnnM or nnnY.
std::optional<double> ageFromAgeString(const std::string& as)
{
    if (as.size() != 4 || !std::all_of(as.begin(), as.begin() + 3, [](char ch) { return ch >= '0' && ch <= '9'; })) return std::nullopt;
    const double n = std::stoi(as.substr(0, 3));
    switch (as[3]) {
    case 'Y': return n;
    case 'M': return std::floor(n / 12.0);
    case 'W': return std::floor(n * 7 / 365.25);
    case 'D': return std::floor(n / 365.25);
    default: return std::nullopt;
    }
}

Values studyValues(const QString& attribute, const ReadingContext& c)
{
    const StudyFacts& s = c.current;
    Values v;
    if (attribute == "modality") {
        for (const std::string& m : s.row.modalities) addText(v, m);
        for (const SeriesFacts& se : s.series) addText(v, se.modality);
    } else if (attribute == "bodyPart") {
        addText(v, s.row.bodyParts);
        for (const SeriesFacts& se : s.series) addText(v, se.bodyPart);
    } else if (attribute == "studyDescription") {
        addText(v, s.row.description);
    } else if (attribute == "seriesDescription") {
        for (const SeriesFacts& se : s.series) addText(v, se.description);
    } else if (attribute == "priors") {
        v.number = double(c.priors.size());
    } else if (attribute == "patientAge") {
        v.number = ageInYears(s.row.patientBirthDate, s.row.studyDate);
        if (!v.number) v.number = ageFromAgeString(s.row.patientAge);
    } else if (attribute == "patientSex") {
        addText(v, s.row.patientSex);
    } else if (attribute == "laterality" || attribute == "viewPosition" || attribute == "imageType" || attribute == "sopClass") {
        for (const SeriesFacts& se : s.series)
            for (const ImageFacts& i : se.images)
                addText(v, attribute == "laterality" ? i.laterality : attribute == "viewPosition" ? i.viewPosition : attribute == "imageType" ? i.imageType : i.sopClass);
    }
    return v;
}

Values itemValues(const QString& attribute, const SeriesFacts& se, const ImageFacts* image)
{
    Values v;
    auto images = [&](auto field) {
        if (image) addText(v, field(*image));
        else
            for (const ImageFacts& i : se.images) addText(v, field(i));
    };
    if (attribute == "modality") addText(v, se.modality);
    else if (attribute == "bodyPart") addText(v, se.bodyPart);
    else if (attribute == "seriesDescription") addText(v, se.description);
    else if (attribute == "laterality") {
        if (!image || image->laterality.empty()) addText(v, se.laterality);
        images([](const ImageFacts& i) { return i.laterality; });
    } else if (attribute == "viewPosition") images([](const ImageFacts& i) { return i.viewPosition; });
    else if (attribute == "imageType") images([](const ImageFacts& i) { return i.imageType; });
    else if (attribute == "sopClass") images([](const ImageFacts& i) { return i.sopClass; });
    else if (attribute == "instances") v.number = double(se.images.size());
    else if (attribute == "frames") {
        int frames = 0;
        if (image) frames = image->frames;
        else
            for (const ImageFacts& i : se.images) frames = std::max(frames, i.frames);
        v.number = double(frames);
    }
    return v;
}

bool isImageSeries(const SeriesFacts& se)
{
    return std::any_of(se.images.begin(), se.images.end(), [](const ImageFacts& i) { return i.pixels; });
}

struct Candidate {
    const SeriesFacts* series = nullptr;
    const ImageFacts* image = nullptr;
    int score = 0;
};

// The best candidate of a display set in a study that the stage does not show yet.
std::optional<Candidate> pick(const DisplaySet& d, const StudyFacts& study, const std::set<std::string>& used)
{
    std::optional<Candidate> best;
    auto better = [](const Candidate& a, const Candidate& b) {
        if (a.score != b.score) return a.score > b.score;
        if (a.series->number != b.series->number) return a.series->number < b.series->number;
        if (!a.image && a.series->images.size() != b.series->images.size()) return a.series->images.size() > b.series->images.size();
        if (a.image && b.image && a.image->instanceNumber != b.image->instanceNumber) return a.image->instanceNumber < b.image->instanceNumber;
        return false;
    };
    for (const SeriesFacts& se : study.series) {
        if (!isImageSeries(se)) continue;
        if (!d.images) {
            if (!d.reuse && used.count(se.seriesUid)) continue;
            const int s = score(d.rules, [&](const QString& a) { return itemValues(a, se, nullptr); });
            if (s < 0) continue;
            Candidate c{&se, nullptr, s};
            if (!best || better(c, *best)) best = c;
            continue;
        }
        for (const ImageFacts& im : se.images) {
            if (!im.pixels || (!d.reuse && used.count(im.sopInstanceUid))) continue;
            const int s = score(d.rules, [&](const QString& a) { return itemValues(a, se, &im); });
            if (s < 0) continue;
            Candidate c{&se, &im, s};
            if (!best || better(c, *best)) best = c;
        }
    }
    return best;
}

const StudyFacts* studyOf(const HangingProtocol& p, const QString& imageSet, const ReadingContext& c)
{
    const ImageSet* set = p.imageSet(imageSet);
    if (!set) return nullptr;
    if (set->prior == 0) return &c.current;
    return set->prior <= int(c.priors.size()) ? &c.priors[std::size_t(set->prior - 1)] : nullptr;
}

// Fills a stage's viewports, screen by screen, in the protocol's order.
std::vector<ScreenPlacement> fill(const HangingProtocol& p, const ProtocolStage& stage, const ReadingContext& c, std::vector<std::string>* priorsUsed)
{
    std::vector<ScreenPlacement> out;
    std::set<std::string> used;
    for (const ScreenLayout& screen : stage.screens) {
        ScreenPlacement sp{screen.rows, screen.columns, {}};
        for (const ProtocolViewport& vp : screen.viewports) {
            ViewportPlacement placed;
            placed.row = vp.row;
            placed.column = vp.column;
            placed.spec = vp;
            const DisplaySet* d = p.displaySet(vp.displaySet);
            placed.imageSet = d ? d->imageSet : QString();
            const StudyFacts* study = d ? studyOf(p, d->imageSet, c) : nullptr;
            if (study) {
                if (auto got = pick(*d, *study, used)) {
                    placed.studyUid = study->row.studyUid;
                    placed.seriesUid = got->series->seriesUid;
                    if (got->image) placed.sopInstanceUid = got->image->sopInstanceUid;
                    used.insert(got->image ? got->image->sopInstanceUid : got->series->seriesUid);
                    if (study != &c.current && priorsUsed &&
                        std::find(priorsUsed->begin(), priorsUsed->end(), study->row.studyUid) == priorsUsed->end())
                        priorsUsed->push_back(study->row.studyUid);
                }
            }
            sp.viewports.push_back(placed);
        }
        out.push_back(sp);
    }
    return out;
}

int filled(const std::vector<ScreenPlacement>& screens)
{
    int n = 0;
    for (const ScreenPlacement& s : screens)
        for (const ViewportPlacement& v : s.viewports) n += v.empty() ? 0 : 1;
    return n;
}

}  // namespace

std::vector<StudyFacts> rankPriors(const StudyFacts& current, std::vector<StudyFacts> others)
{
    auto key = [](const StudyFacts& s) { return s.row.studyDate + s.row.studyTime; };
    const std::string now = key(current);
    std::set<std::string> modalities(current.row.modalities.begin(), current.row.modalities.end());
    Values parts;
    addText(parts, current.row.bodyParts);
    std::vector<StudyFacts> priors;
    for (StudyFacts& s : others) {
        if (s.row.studyUid == current.row.studyUid) continue;
        if (!now.empty() && !key(s).empty() && key(s) >= now) continue;  // not before the current study
        priors.push_back(std::move(s));
    }
    auto relevance = [&](const StudyFacts& s) {
        const bool sameModality = std::any_of(s.row.modalities.begin(), s.row.modalities.end(), [&](const std::string& m) { return modalities.count(m) > 0; });
        Values theirs;
        addText(theirs, s.row.bodyParts);
        bool samePart = false;
        for (const QString& t : theirs.texts) samePart = samePart || parts.texts.contains(t, Qt::CaseInsensitive);
        return (sameModality ? 2 : 0) + (sameModality && samePart ? 1 : 0);
    };
    std::stable_sort(priors.begin(), priors.end(), [&](const StudyFacts& a, const StudyFacts& b) {
        const int ra = relevance(a), rb = relevance(b);
        if (ra != rb) return ra > rb;
        return key(a) > key(b);
    });
    return priors;
}

Result<ReadingContext> readingContext(storage::StudyIndex& index, const std::string& studyUid, const SourceTrust& trusted)
{
    auto load = [&index](const storage::StudyRow& row) {
        StudyFacts f{row, {}};
        std::map<std::string, std::vector<const storage::InstanceRow*>> bySeries;
        const std::vector<storage::InstanceRow> instances = index.instancesOfStudy(row.studyUid);
        for (const storage::InstanceRow& i : instances) bySeries[i.seriesUid].push_back(&i);
        for (const storage::SeriesRow& s : index.seriesOf(row.studyUid)) {
            SeriesFacts se{s.seriesUid, s.modality, s.bodyPart, s.description, s.laterality, s.seriesNumber.value_or(0), {}};
            for (const storage::InstanceRow* i : bySeries[s.seriesUid])
                se.images.push_back({i->sopInstanceUid, i->laterality, i->viewPosition, i->imageType, i->sopClassUid, i->instanceNumber.value_or(0),
                                     int(i->frames.value_or(1)), i->rows.value_or(0) > 0 && i->columns.value_or(0) > 0});
            std::sort(se.images.begin(), se.images.end(), [](const ImageFacts& a, const ImageFacts& b) { return a.instanceNumber < b.instanceNumber; });
            f.series.push_back(std::move(se));
        }
        return f;
    };
    const std::optional<storage::StudyRow> row = index.study(studyUid);
    if (!row) return makeError("not-found", "no study " + studyUid + " in the cache");
    ReadingContext c;
    c.current = load(*row);
    if (!row->patientId.empty()) {
        storage::StudyQuery query;
        query.patientId = row->patientId;
        query.limit = 500;
        auto same = index.searchStudies(query);
        if (!same) return same.error();
        std::vector<StudyFacts> others;
        for (const storage::StudyRow& s : *same) {
            if (s.patientId != row->patientId) continue;  // the query may treat the ID as a pattern
            if (!s.patientBirthDate.empty() && !row->patientBirthDate.empty() && s.patientBirthDate != row->patientBirthDate) continue;
            if (s.studyUid == studyUid) continue;
            const std::vector<std::string> sources = index.sourcesOfStudy(s.studyUid);
            const auto untrusted = std::find_if(sources.begin(), sources.end(), [&](const std::string& src) { return !trusted || !trusted(src); });
            if (untrusted != sources.end()) c.withheld.push_back({s, *untrusted});
            else others.push_back(load(s));
        }
        c.priors = rankPriors(c.current, std::move(others));
    }
    return c;
}

int protocolScore(const HangingProtocol& p, const ReadingContext& c)
{
    return score(p.rules, [&](const QString& a) { return studyValues(a, c); });
}

const HangingProtocol* chooseProtocol(const std::vector<HangingProtocol>& protocols, const ReadingContext& c)
{
    const HangingProtocol* best = nullptr;
    int bestScore = -1, bestFilled = -1;
    for (const HangingProtocol& p : protocols) {
        const int s = protocolScore(p, c);
        if (s < 0) continue;
        const int f = filled(fill(p, p.stages.front(), c, nullptr));
        const bool wins = !best || s > bestScore ||
                          (s == bestScore && (p.user != best->user ? p.user : f != bestFilled ? f > bestFilled : p.name < best->name));
        if (wins) {
            best = &p;
            bestScore = s;
            bestFilled = f;
        }
    }
    return best;
}

Layout layOut(const HangingProtocol& p, const ReadingContext& c, int stage, int screens)
{
    Layout out;
    out.protocol = p.name;
    out.score = protocolScore(p, c);
    out.stages = int(p.stages.size());
    out.stage = std::clamp(stage, 1, out.stages);
    const ProtocolStage& st = p.stages[std::size_t(out.stage - 1)];
    out.stageName = st.name;
    std::vector<ScreenPlacement> placed = fill(p, st, c, &out.priors);
    screens = std::max(1, screens);
    // Fewer real screens than the protocol's: the last ones go side by side on the last real one.
    while (int(placed.size()) > screens) {
        ScreenPlacement extra = placed.back();
        placed.pop_back();
        ScreenPlacement& into = placed.back();
        for (ViewportPlacement& v : extra.viewports) {
            v.column += into.columns;
            into.viewports.push_back(v);
        }
        into.columns += extra.columns;
        into.rows = std::max(into.rows, extra.rows);
    }
    while (int(placed.size()) < screens) placed.push_back({1, 1, {}});  // free for the study list
    out.screens = placed;
    return out;
}

QJsonObject layoutToJson(const Layout& layout)
{
    QJsonArray screens;
    for (const ScreenPlacement& s : layout.screens) {
        QJsonArray viewports;
        for (const ViewportPlacement& v : s.viewports) {
            QJsonObject o{{"row", v.row},
                          {"column", v.column},
                          {"studyInstanceUid", QString::fromStdString(v.studyUid)},
                          {"seriesInstanceUid", QString::fromStdString(v.seriesUid)},
                          {"view", v.spec.view},
                          {"imageSet", v.imageSet},
                          {"displaySet", v.spec.displaySet}};
            if (!v.sopInstanceUid.empty()) o["sopInstanceUid"] = QString::fromStdString(v.sopInstanceUid);
            if (!v.spec.preset.isEmpty()) o["preset"] = v.spec.preset;
            if (!v.spec.align.isEmpty()) o["align"] = v.spec.align;
            if (!v.spec.sync.isEmpty()) o["sync"] = v.spec.sync;
            o["fit"] = v.spec.fit;
            o["empty"] = v.empty();
            viewports.append(o);
        }
        screens.append(QJsonObject{{"rows", s.rows}, {"columns", s.columns}, {"viewports", viewports}});
    }
    QJsonArray priors;
    for (const std::string& p : layout.priors) priors.append(QString::fromStdString(p));
    return QJsonObject{{"protocol", layout.protocol}, {"score", layout.score}, {"stage", layout.stage}, {"stages", layout.stages},
                       {"stageName", layout.stageName}, {"priors", priors}, {"screens", screens}};
}

}  // namespace lightbox::app
