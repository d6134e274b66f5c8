// lightbox export STUDY_UID... [--anonymize [options]] --out DIR|FILE.zip | --archive NAME
#include "app_config.h"
#include "cache_location.h"
#include "cli_args.h"
#include "cli_output.h"
#include "commands.h"
#include "export_options.h"
#include "export_study.h"

#include <QTextStream>

#include <atomic>
#include <csignal>

namespace lightbox::app {

namespace {

std::atomic<bool>& g_stop = stopRequested();

const char* kUsage =
    "usage: lightbox export STUDY_UID... [--anonymize [--profile basic] [--retain-dates-shifted DAYS | --retain-dates]\n"
    "       [--retain-patient-characteristics] [--retain-descriptions] [--retain-uids] [--retain-safe-private]\n"
    "       [--patient-name NEW --patient-id NEW] [--blank X,Y,W,H]...] (--out DIR | --out FILE.zip | --archive NAME [--method store|stow])\n"
    "       [--cache DIR] [--config FILE]";

const QStringList kDeidFlags{"--retain-dates", "--retain-patient-characteristics", "--retain-descriptions", "--retain-uids", "--retain-safe-private"};
const QStringList kDeidValues{"--profile", "--retain-dates-shifted", "--patient-name", "--patient-id", "--blank"};

// The de-identification options, checked by the rules the Export dialog uses too; an error
// message when they are wrong.
QString parseDeid(const CliArgs& a, imaging::DeidOptions& o)
{
    DeidChoices c;
    c.profile = a.value("--profile").value_or("basic");
    c.shiftDays = a.value("--retain-dates-shifted");
    c.keepDates = a.flag("--retain-dates");
    c.retainPatientCharacteristics = a.flag("--retain-patient-characteristics");
    c.retainDescriptions = a.flag("--retain-descriptions");
    c.retainUids = a.flag("--retain-uids");
    c.retainSafePrivate = a.flag("--retain-safe-private");
    c.patientName = a.value("--patient-name").value_or("");
    c.patientId = a.value("--patient-id").value_or("");
    c.blank = a.values("--blank");
    return deidOptionsFrom(c, o);
}

// The destination; an error message when it is missing, doubled or unknown.
QString parseDestination(const CliArgs& a, ExportSpec& spec)
{
    const auto out = a.value("--out");
    const auto archive = a.value("--archive");
    if (bool(out) == bool(archive)) return "give one destination: --out DIR, --out FILE.zip or --archive NAME";
    if (out) (out->endsWith(".zip", Qt::CaseInsensitive) ? spec.zip : spec.folder) = *out;
    if (!archive) return {};
    auto config = AppConfig::load(AppConfig::resolvePath(a.value("--config").value_or(QString())));
    if (!config) return QString::fromStdString(config.error().message);
    const ArchiveEntry* e = config->find(*archive);
    if (!e) return QStringLiteral("no archive named %1 (lightbox archive list)").arg(*archive);
    spec.archive = *e;
    spec.local = config->local;
    const QString method = a.value("--method").value_or("store");
    if (method != "store" && method != "stow") return "--method takes store or stow";
    spec.useStow = method == "stow" || !e->hasDimse();
    return {};
}

// One line per stage, rewritten in place at most every 5 %.
void showProgress(const ExportProgress& p)
{
    static QString lastStage;
    static int lastPercent = -1;
    const int percent = p.total > 0 ? p.done * 100 / p.total : 0;
    if (p.stage == lastStage && percent / 5 == lastPercent / 5 && p.done != p.total) return;
    QTextStream err(stderr);
    if (p.stage != lastStage && !lastStage.isEmpty()) err << '\n';
    lastStage = p.stage;
    lastPercent = percent;
    err << "\rlightbox: " << p.stage << ' ' << p.done << '/' << p.total;
    err.flush();
}

}  // namespace

int runExport(const QStringList& args)
{
    CliArgs a(args, QStringList{"--out", "--archive", "--method", "--cache", "--config"} + kDeidValues, QStringList{"--anonymize"} + kDeidFlags);
    if (!a.ok()) return fail(a.error() + "\n" + kUsage, 2);
    if (a.positional().isEmpty()) return fail(kUsage, 2);
    ExportSpec spec;
    spec.cacheDir = storage::resolveCacheDir(a.value("--cache").value_or(QString()));
    for (const QString& uid : a.positional()) spec.studyUids.push_back(uid.toStdString());
    spec.anonymize = a.flag("--anonymize");
    bool deidOptionGiven = false;
    for (const QString& f : kDeidFlags) deidOptionGiven = deidOptionGiven || a.flag(f);
    for (const QString& v : kDeidValues) deidOptionGiven = deidOptionGiven || a.value(v).has_value();
    if (deidOptionGiven && !spec.anonymize) return fail("de-identification options need --anonymize", 2);
    if (const QString e = parseDeid(a, spec.deid); !e.isEmpty()) return fail(e, 2);
    if (const QString e = parseDestination(a, spec); !e.isEmpty()) return fail(e, 2);
    stopOnSignals();
    const ExportReport r = exportStudies(spec, showProgress, &g_stop);
    QTextStream(stderr) << '\n';
    for (const QString& line : r.refused) QTextStream(stderr) << "lightbox: refused " << line << '\n';
    if (r.cancelled) return fail("export cancelled; nothing was left at " + spec.destination());
    if (!r.ok()) return fail(r.error);
    QTextStream out(stdout);
    for (const auto& [from, to] : r.studies) out << "study " << QString::fromStdString(from) << " -> " << QString::fromStdString(to) << '\n';
    out << "exported " << r.instances << " instances of " << r.studies.size() << " studies to " << spec.destination() << '\n';
    return 0;
}

}  // namespace lightbox::app
