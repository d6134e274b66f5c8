// Worklist sources and polling: worklist source add|list|remove (which archives are asked for a
// DICOM Modality Worklist, and what), worklist poll (ask them now and record the steps as orders).
#include "command_worklist_sources.h"

#include "cli_output.h"
#include "commands.h"

#include "cache.h"
#include "cache_location.h"
#include "work_queue.h"
#include "worklist_poll.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QTextStream>

#include <algorithm>

namespace lightbox::app {

namespace {

const char* kSourceUsage =
    "usage: lightbox worklist source add NAME --archive ARCHIVE [--studies] [--station-ae AET] [--modality M] [--interval SECONDS] [--hours H] | list | "
    "remove NAME [--config FILE]";

// An integer option within [low, high], or the default; false (and a message) when not.
bool intOption(const CliArgs& a, const QString& name, int low, int high, int* value)
{
    const auto v = a.value(name);
    if (!v) return true;
    bool ok = false;
    const int n = v->toInt(&ok);
    if (!ok || n < low || n > high) {
        fail(QString("%1 takes a whole number from %2 to %3").arg(name).arg(low).arg(high), 2);
        return false;
    }
    *value = n;
    return true;
}

// Puts the source NAME into `config`: -1 when done, else the exit code (the message said).
int addSource(AppConfig& config, const QString& name, const CliArgs& a)
{
    if (!QRegularExpression("^[A-Za-z0-9._-]{1,64}$").match(name).hasMatch())
        return fail("a worklist source's name is letters, digits, '.', '_' or '-' (at most 64)", 2);
    WorklistSource w;
    if (const WorklistSource* known = config.worklist(name)) w = *known;
    w.name = name;
    w.archive = a.value("--archive").value_or(w.archive);
    const ArchiveEntry* archive = config.find(w.archive);
    if (w.archive.isEmpty()) return fail(kSourceUsage, 2);
    if (!archive) return fail("no archive named " + w.archive + ": lightbox archive add " + w.archive + " --aet AET --host HOST --port PORT", 2);
    if (a.flag("--studies")) w.kind = "studies";
    if (!w.studies() && !archive->callable()) return fail("archive " + w.archive + " has no DIMSE address: a worklist is asked by C-FIND", 2);
    if (w.studies() && !archive->callable() && !archive->hasWeb()) return fail("archive " + w.archive + " has neither DIMSE nor DICOMweb settings", 2);
    if (w.studies() && a.value("--station-ae")) return fail("--station-ae is for worklists: a stored query asks for studies by modality", 2);
    w.stationAe = a.value("--station-ae").value_or(w.stationAe);
    if (!QRegularExpression("^[ -\\[\\]-~]{0,16}$").match(w.stationAe).hasMatch() || w.stationAe.trimmed() != w.stationAe)
        return fail("--station-ae takes an AE title: at most 16 characters, no '\\' nor leading or trailing spaces", 2);
    w.modality = a.value("--modality").value_or(w.modality).toUpper();
    if (!QRegularExpression("^[A-Z0-9_]{0,16}$").match(w.modality).hasMatch()) return fail("--modality takes a modality code, e.g. CT or MR", 2);
    if (!intOption(a, "--interval", 10, 86400, &w.intervalSeconds) || !intOption(a, "--hours", 1, 720, w.studies() ? &w.lookBackHours : &w.lookAheadHours))
        return 2;
    auto& all = config.worklists;
    const auto it = std::find_if(all.begin(), all.end(), [&](const WorklistSource& x) { return x.name == name; });
    if (it != all.end()) *it = w;
    else all.push_back(w);
    return -1;
}

QJsonObject stepJson(const PolledStep& p)
{
    const net::WorklistItem& w = p.item;
    const auto s = [](const std::string& v) { return QString::fromStdString(v); };
    return QJsonObject{{"patientName", s(w.patientName)},
                       {"patientId", s(w.patientId)},
                       {"issuer", s(w.issuer)},
                       {"birthDate", s(w.birthDate)},
                       {"sex", s(w.sex)},
                       {"accession", s(w.accession)},
                       {"placer", s(w.placer)},
                       {"requestedProcedureId", s(w.requestedProcedureId)},
                       {"requestedProcedureDescription", s(w.requestedProcedureDescription)},
                       {"requestedProcedureCode", s(w.requestedProcedureCode)},
                       {"studyUid", s(w.studyUid)},
                       {"priority", s(w.priority)},
                       {"modality", s(w.modality)},
                       {"stationAe", s(w.stationAe)},
                       {"startDate", s(w.startDate)},
                       {"startTime", s(w.startTime)},
                       {"stepId", s(w.stepId)},
                       {"stepDescription", s(w.stepDescription)},
                       {"stepStatus", s(w.stepStatus)},
                       {"outcome", p.outcome},
                       {"orderId", qint64(p.orderId)}};
}

}  // namespace

int worklistSource(const CliArgs& a)
{
    auto config = AppConfig::load(AppConfig::resolvePath(a.value("--config").value_or(QString())));
    if (!config) return fail(QString::fromStdString(config.error().message));
    const QString sub = a.positional().value(1), name = a.positional().value(2);
    if (sub == "list" && name.isEmpty()) {
        if (config->worklists.empty()) out() << "no worklist sources (lightbox worklist source add NAME --archive ARCHIVE)\n";
        for (const WorklistSource& w : config->worklists) {
            if (w.studies())
                out() << w.name << ": studies of archive " << w.archive << ", modality " << (w.modality.isEmpty() ? "any" : w.modality)
                      << ", acquired in the last " << w.lookBackHours << " h, every " << w.intervalSeconds << " s\n";
            else
                out() << w.name << ": worklist of archive " << w.archive << ", station " << (w.stationAe.isEmpty() ? "any" : w.stationAe)
                      << ", modality " << (w.modality.isEmpty() ? "any" : w.modality) << ", " << w.lookAheadHours << " h ahead, every "
                      << w.intervalSeconds << " s\n";
        }
        return 0;
    }
    if (sub == "add" && !name.isEmpty()) {
        if (const int code = addSource(*config, name, a); code >= 0) return code;
    } else if (sub == "remove" && !name.isEmpty()) {
        auto& all = config->worklists;
        const auto before = all.size();
        all.erase(std::remove_if(all.begin(), all.end(), [&](const WorklistSource& w) { return w.name == name; }), all.end());
        if (all.size() == before) return fail("no worklist source named " + name, 2);
    } else {
        return fail(kSourceUsage, 2);
    }
    if (auto s = config->save(); !s) return fail(QString::fromStdString(s.error().message));
    return 0;
}

int pollWorklists(const CliArgs& a)
{
    auto config = AppConfig::load(AppConfig::resolvePath(a.value("--config").value_or(QString())));
    if (!config) return fail(QString::fromStdString(config.error().message));
    std::vector<WorklistSource> sources;
    for (const WorklistSource& w : config->worklists)
        if (!a.value("--source") || w.name == *a.value("--source")) sources.push_back(w);
    if (sources.empty())
        return fail(a.value("--source") ? "no worklist source named " + *a.value("--source")
                                        : QString("no worklist sources: lightbox worklist source add NAME --archive ARCHIVE"),
                    2);
    const QString dir = storage::resolveCacheDir(a.value("--cache").value_or(QString()));
    auto cache = storage::Cache::open(dir.toStdString());  // made (and unlocked) if need be
    if (!cache) return fail("cache " + dir + ": " + QString::fromStdString(cache.error().message));
    cache->reset();
    auto queue = WorkQueue::open(dir);
    if (!queue) return fail(QString::fromStdString(queue.error().message));
    stopOnSignals();
    QJsonArray all;
    int failed = 0;
    for (const WorklistSource& source : sources) {
        const PollReport r = pollWorklist(*config, source, **queue, QDateTime::currentDateTime(), &stopRequested(), dir);
        failed += !r.ok();
        if (!r.ok()) QTextStream(stderr) << "lightbox: " << r.summary() << '\n';
        if (!a.flag("--json")) {
            if (r.ok()) out() << r.summary() << '\n';
            for (const PolledStep& p : r.steps)
                out() << "  " << p.outcome.leftJustified(9) << "  " << QString::fromStdString(p.item.startDate + " " + p.item.startTime) << "  "
                      << QString::fromStdString(p.item.modality + "  " + p.item.accession + "  " + p.item.patientName + " (" + p.item.patientId + ")")
                      << '\n';
            continue;
        }
        QJsonArray steps;
        for (const PolledStep& p : r.steps) steps.append(stepJson(p));
        all.append(QJsonObject{{"source", r.source},   {"archive", r.archive},     {"error", r.error},         {"new", r.added},
                               {"changed", r.changed}, {"unchanged", r.unchanged}, {"ignored", r.ignored}, {"steps", steps}});
    }
    if (a.flag("--json")) out() << QJsonDocument(all).toJson(QJsonDocument::Indented);
    return failed ? 1 : 0;
}

}  // namespace lightbox::app
