#include "prefetch_rules.h"

#include "app_config.h"

#include <QFileInfo>
#include <QRegularExpression>

#include <algorithm>
#include <set>

namespace lightbox::app {

QString statusName(Order::Status s)
{
    switch (s) {
    case Order::Status::Scheduled: return "scheduled";
    case Order::Status::Performed: return "performed";
    case Order::Status::Cancelled: return "cancelled";
    }
    return {};
}

bool TimeWindow::contains(const QTime& t) const
{
    if (from <= to) return t >= from && t < to;
    return t >= from || t < to;  // across midnight
}

bool PrefetchRule::appliesTo(const Order& order) const
{
    const auto among = [](const QStringList& list, const QString& v) { return list.isEmpty() || list.contains(v, Qt::CaseInsensitive); };
    return among(modalities, order.modality) && among(senders, order.sender);
}

bool PrefetchRule::mayRunAt(const QDateTime& now, const QDateTime& scheduled) const
{
    if (scheduled.isValid() && now < scheduled.addSecs(-qint64(leadHours) * 3600)) return false;
    if (windows.empty()) return true;
    return std::any_of(windows.begin(), windows.end(), [&](const TimeWindow& w) { return w.contains(now.time()); });
}

PrefetchRules PrefetchRules::shippedDefault()
{
    PrefetchRules r;
    r.rules.push_back(PrefetchRule{});
    return r;
}

QString PrefetchRules::defaultPath() { return QFileInfo(AppConfig::resolvePath({})).absolutePath() + "/prefetch.json"; }

const PrefetchRule* PrefetchRules::ruleFor(const Order& order) const
{
    for (const PrefetchRule& r : rules)
        if (r.appliesTo(order)) return &r;
    return nullptr;
}

namespace {

bool samePatient(const Order& order, const storage::StudyRow& row)
{
    if (row.patientId != order.patientId.toStdString()) return false;
    const std::string birth = order.birthDate.toStdString();
    return birth.empty() || row.patientBirthDate.empty() || birth == row.patientBirthDate;
}

bool complete(const RemoteStudy& s) { return s.row.instanceCount > 0 && s.cachedInstances >= s.row.instanceCount; }

QString shownDate(const std::string& yyyymmdd)
{
    const QDate d = QDate::fromString(QString::fromStdString(yyyymmdd), "yyyyMMdd");
    return d.isValid() ? d.toString(Qt::ISODate) : QString("no date");
}

std::set<QString> bodyPartsOf(const std::string& text)
{
    std::set<QString> out;
    for (QString part : QString::fromStdString(text).split(QRegularExpression("[\\\\,]"), Qt::SkipEmptyParts))
        if (!(part = part.trimmed().toUpper()).isEmpty()) out.insert(part);
    return out;
}

// What the choice knows of the order and how it compares earlier studies with it.
class Selection {
public:
    Selection(const Order& order, const PrefetchRule& rule, const std::vector<RemoteStudy>& candidates, const ProcedureCodes& procedures)
        : m_order(order), m_rule(rule), m_procedures(procedures), m_ownUid(order.studyUid.toStdString()), m_accession(order.accession.toStdString())
    {
        // Earlier than the order (its schedule, or now), within the age window.
        m_before = (order.scheduled.isValid() ? order.scheduled : QDateTime::currentDateTime()).date();
        m_oldest = m_before.addYears(-rule.maxAgeYears);
        // The order's body parts: the current study's, when the archive holds it.
        for (const RemoteStudy& s : candidates)
            if (!m_current && isCurrent(s.row) && samePatient(order, s.row)) m_current = &s;
        if (m_current) m_bodyParts = bodyPartsOf(m_current->row.bodyParts);
        // The order's procedure and those related to it.
        const QString code = order.procedureCode.trimmed();
        if (!code.isEmpty()) {
            m_related.insert(code.toUpper());
            for (const auto& [key, codes] : rule.relatedProcedures)
                if (key.compare(code, Qt::CaseInsensitive) == 0)
                    for (const QString& c : codes) m_related.insert(c.toUpper());
        }
    }

    const RemoteStudy* current() const { return m_current; }
    bool isCurrent(const storage::StudyRow& r) const
    {
        return (!m_ownUid.empty() && r.studyUid == m_ownUid) || (m_ownUid.empty() && !m_accession.empty() && r.accession == m_accession);
    }

    // Whether `s` is a relevant prior; `withBodyPart` false leaves the body part out.
    bool relevantPrior(const RemoteStudy& s, bool withBodyPart) const
    {
        if (isCurrent(s.row) || !samePatient(m_order, s.row)) return false;
        const QDate date = QDate::fromString(QString::fromStdString(s.row.studyDate), "yyyyMMdd");
        if (!date.isValid() || date >= m_before || date < m_oldest) return false;
        const std::vector<std::string>& mods = s.row.modalities;
        if (m_rule.sameModality && !m_order.modality.isEmpty() && std::find(mods.begin(), mods.end(), m_order.modality.toStdString()) == mods.end())
            return false;
        if (withBodyPart && m_rule.sameBodyPart && !sharesBodyPart(s)) return false;
        return !m_rule.relatedProcedure || relatedProcedure(s);
    }

private:
    // Unknown on either side: not excluded (many studies do not say).
    bool sharesBodyPart(const RemoteStudy& s) const
    {
        const std::set<QString> theirs = bodyPartsOf(s.row.bodyParts);
        if (m_bodyParts.empty() || theirs.empty()) return true;
        return std::any_of(theirs.begin(), theirs.end(), [&](const QString& p) { return m_bodyParts.count(p) > 0; });
    }
    bool relatedProcedure(const RemoteStudy& s) const
    {
        const auto known = m_procedures.find(s.row.studyUid);
        if (m_related.empty() || known == m_procedures.end() || known->second.isEmpty()) return true;
        return std::any_of(known->second.begin(), known->second.end(), [&](const QString& c) { return m_related.count(c.trimmed().toUpper()) > 0; });
    }

    const Order& m_order;
    const PrefetchRule& m_rule;
    const ProcedureCodes& m_procedures;
    std::string m_ownUid, m_accession;
    QDate m_before, m_oldest;
    const RemoteStudy* m_current = nullptr;
    std::set<QString> m_bodyParts, m_related;
};

// The relevant priors, most recent first.
std::vector<const RemoteStudy*> priorsBy(const Selection& selection, const std::vector<RemoteStudy>& candidates, bool withBodyPart)
{
    std::vector<const RemoteStudy*> priors;
    for (const RemoteStudy& s : candidates)
        if (selection.relevantPrior(s, withBodyPart)) priors.push_back(&s);
    std::stable_sort(priors.begin(), priors.end(), [](const RemoteStudy* a, const RemoteStudy* b) {
        return std::tie(a->row.studyDate, a->row.studyTime) > std::tie(b->row.studyDate, b->row.studyTime);
    });
    return priors;
}

}  // namespace

std::vector<PrefetchChoice> choosePrefetch(const Order& order, const PrefetchRule& rule, const std::vector<RemoteStudy>& candidates,
                                           const ProcedureCodes& procedures)
{
    std::vector<PrefetchChoice> out;
    const Selection selection(order, rule, candidates, procedures);
    if (rule.current && selection.current())
        out.push_back({selection.current()->row.studyUid, PrefetchChoice::Kind::Current, 0, complete(*selection.current()), "current study"});
    const std::vector<const RemoteStudy*> priors = priorsBy(selection, candidates, true);
    const int n = std::min<int>(rule.priors, int(priors.size()));
    for (int i = 0; i < n; ++i) {
        const storage::StudyRow& r = priors[std::size_t(i)]->row;
        QString modalities;
        for (const std::string& m : r.modalities) modalities += (modalities.isEmpty() ? "" : "/") + QString::fromStdString(m);
        out.push_back({r.studyUid, PrefetchChoice::Kind::Prior, i + 1, complete(*priors[std::size_t(i)]),
                       QString("prior %1 of %2: %3 %4").arg(i + 1).arg(rule.priors).arg(modalities, shownDate(r.studyDate)).toStdString()});
    }
    return out;
}

std::vector<std::string> studiesNeedingBodyParts(const Order& order, const PrefetchRule& rule, const std::vector<RemoteStudy>& candidates,
                                                 const ProcedureCodes& procedures, int limit)
{
    std::vector<std::string> out;
    if (!rule.sameBodyPart) return out;
    const Selection selection(order, rule, candidates, procedures);
    if (selection.current()) out.push_back(selection.current()->row.studyUid);
    for (const RemoteStudy* s : priorsBy(selection, candidates, false))
        if (int(out.size()) < limit) out.push_back(s->row.studyUid);
    return out;
}

}  // namespace lightbox::app

