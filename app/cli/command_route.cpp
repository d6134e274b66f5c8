// route list [--json] | add NAME --to ARCHIVE [...] | remove NAME | test FILE [--calling-ae AE]:
// the routing rules (routing_rules.h), kept in routing.json beside the settings file; what
// `lightbox service` forwards by them (router.h).
#include "cli_args.h"
#include "cli_output.h"
#include "commands.h"

#include "app_config.h"
#include "dicom_file.h"
#include "instance_record.h"
#include "routing_rules.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>

#include <algorithm>

namespace lightbox::app {

namespace {

const char* kUsage =
    "usage: lightbox route list [--json] | add NAME --to ARCHIVE [--to ARCHIVE]... [--modality M]... [--calling-ae AE]... "
    "[--sop-class UID]... [--body-part BP]... [--origin received|created] [--anonymize] | remove NAME | test FILE [--calling-ae AE] [--origin O] "
    "[--config FILE]";

QString any(const QStringList& l) { return l.isEmpty() ? QString("any") : l.join(","); }

void printRule(const RoutingRule& r)
{
    out() << r.name << ": to " << r.to.join(", ") << (r.anonymize ? " (de-identified)" : "") << "; modality " << any(r.modalities) << ", calling AE "
          << any(r.callingAes) << ", SOP class " << any(r.sopClasses) << ", body part " << any(r.bodyParts) << ", origin " << any(r.origins) << '\n';
}

int addRule(RoutingRules& rules, const AppConfig& config, const QString& name, const CliArgs& a)
{
    if (!QRegularExpression("^[A-Za-z0-9._-]{1,64}$").match(name).hasMatch())
        return fail("a routing rule's name is letters, digits, '.', '_' or '-' (at most 64)", 2);
    // The same checks as the file's: the rule is made as JSON and read back.
    const auto list = [&](const QString& option) { return QJsonArray::fromStringList(a.values(option)); };
    const QJsonObject rule{{"name", name},
                           {"when", QJsonObject{{"modalities", list("--modality")},
                                                {"callingAEs", list("--calling-ae")},
                                                {"sopClasses", list("--sop-class")},
                                                {"bodyParts", list("--body-part")},
                                                {"origins", list("--origin")}}},
                           {"to", list("--to")},
                           {"anonymize", a.flag("--anonymize")}};
    if (a.values("--to").isEmpty()) return fail("route add needs --to ARCHIVE", 2);
    auto one = RoutingRules::fromJson(QJsonObject{{"version", 1}, {"rules", QJsonArray{rule}}});
    if (!one) return fail(QString::fromStdString(one.error().message), 2);
    if (Status s = one->checkDestinations(config); !s) return fail(QString::fromStdString(s.error().message), 2);
    auto& all = rules.rules;
    const auto it = std::find_if(all.begin(), all.end(), [&](const RoutingRule& r) { return r.name == name; });
    if (it != all.end()) *it = one->rules.front();
    else all.push_back(one->rules.front());
    return -1;
}

int testFile(const RoutingRules& rules, const AppConfig& config, const QString& path, const CliArgs& a)
{
    auto file = DicomFile::open(path.toStdString(), {true});
    if (!file) return fail(path + ": " + QString::fromStdString(file.error().message));
    std::string why;
    const auto record = storage::recordFromFile(**file, &why);
    if (!record) return fail(path + ": " + QString::fromStdString(why));
    RoutedObject o;
    o.origin = a.value("--origin").value_or("received").toLower();
    if (o.origin != "received" && o.origin != "created") return fail("--origin is received or created", 2);
    o.modality = QString::fromStdString(record->modality);
    o.bodyPart = QString::fromStdString(record->bodyPart);
    o.sopClassUid = QString::fromStdString(record->sopClassUid);
    o.callingAe = a.value("--calling-ae").value_or(QString());
    // The sender, when an archive of the settings calls with that AE title (never routed back to).
    for (const ArchiveEntry& e : config.archives)
        if (!o.callingAe.isEmpty() && e.aeTitle.compare(o.callingAe, Qt::CaseInsensitive) == 0) o.peer = e.name;
    out() << path << ": " << o.origin << ", modality " << (o.modality.isEmpty() ? "none" : o.modality) << ", body part "
          << (o.bodyPart.isEmpty() ? "none" : o.bodyPart) << ", SOP class " << o.sopClassUid << ", calling AE "
          << (o.callingAe.isEmpty() ? "none" : o.callingAe) << '\n';
    for (const RoutingRule& r : rules.rules) out() << "  rule " << r.name << (rules.matches(r, o) ? ": matches" : ": does not match") << '\n';
    const std::vector<RouteTarget> targets = rules.targetsFor(o, config);
    if (targets.empty()) out() << "would go nowhere\n";
    for (const RouteTarget& t : targets)
        out() << "would go to " << t.archive << (t.anonymize ? " de-identified" : " as it is") << " (rules " << t.rules.join(", ") << ")\n";
    out() << "(nothing sent)\n";
    return 0;
}

}  // namespace

int runRoute(const QStringList& args)
{
    CliArgs a(args, {"--config", "--to", "--modality", "--calling-ae", "--sop-class", "--body-part", "--origin"}, {"--json", "--anonymize"});
    if (!a.ok()) return fail(a.error(), 2);
    auto config = AppConfig::load(AppConfig::resolvePath(a.value("--config").value_or(QString())));
    if (!config) return fail(QString::fromStdString(config.error().message));
    const QString path = RoutingRules::pathBeside(config->path());
    auto rules = RoutingRules::load(path);
    if (!rules) return fail(QString::fromStdString(rules.error().message));
    const QString sub = a.positional().value(0, "list"), name = a.positional().value(1);
    if (sub == "list" && name.isEmpty()) {
        if (a.flag("--json")) {
            out() << QJsonDocument(rules->toJson()).toJson();
            return 0;
        }
        if (rules->rules.empty()) out() << "no routing rules: nothing is forwarded (lightbox route add NAME --to ARCHIVE)\n";
        for (const RoutingRule& r : rules->rules) printRule(r);
        if (Status s = rules->checkDestinations(*config); !s) QTextStream(stderr) << "lightbox: " << QString::fromStdString(s.error().message) << '\n';
        return 0;
    }
    if (sub == "test" && !name.isEmpty()) return testFile(*rules, *config, name, a);
    if (sub == "add" && !name.isEmpty()) {
        if (const int code = addRule(*rules, *config, name, a); code >= 0) return code;
    } else if (sub == "remove" && !name.isEmpty()) {
        auto& all = rules->rules;
        const auto before = all.size();
        all.erase(std::remove_if(all.begin(), all.end(), [&](const RoutingRule& r) { return r.name == name; }), all.end());
        if (all.size() == before) return fail("no routing rule named " + name, 2);
    } else {
        return fail(kUsage, 2);
    }
    if (Status s = rules->save(path); !s) return fail(QString::fromStdString(s.error().message));
    out() << (sub == "add" ? "rule " + name + " saved in " : "rule " + name + " removed from ") << path
          << " (lightbox service reads the rules when it starts)\n";
    return 0;
}

}  // namespace lightbox::app
