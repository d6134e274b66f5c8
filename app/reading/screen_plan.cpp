#include "screen_plan.h"

#include "app_config.h"

#include <QFileInfo>
#include <QGuiApplication>
#include <QScreen>
#include <QSettings>

namespace lightbox::app {

namespace {

// A screen's name in the settings: its output name and serial number, and which of the screens so
// named it is (separate X screens, or identical monitors, may share a name).
QString key(QScreen* screen)
{
    int same = 0;
    for (QScreen* s : QGuiApplication::screens()) {
        if (s == screen) break;
        if (s->name() == screen->name() && s->serialNumber() == screen->serialNumber()) ++same;
    }
    return QStringLiteral("%1|%2|%3").arg(screen->name(), screen->serialNumber()).arg(same);
}

}  // namespace

ScreenPlan::ScreenPlan(QString settingsFile) : m_file(std::move(settingsFile)) {}

QString ScreenPlan::defaultFile() { return QFileInfo(AppConfig::resolvePath({})).absolutePath() + "/ui.ini"; }

QScreen* ScreenPlan::studyListScreen() const
{
    const QString name = QSettings(m_file, QSettings::IniFormat).value("screens/studyList").toString();
    for (QScreen* s : QGuiApplication::screens())
        if (!name.isEmpty() && key(s) == name) return s;
    return nullptr;
}

void ScreenPlan::setStudyListScreen(QScreen* screen)
{
    QSettings(m_file, QSettings::IniFormat).setValue("screens/studyList", screen ? key(screen) : QString());
}

QList<QScreen*> ScreenPlan::readingScreens() const
{
    QList<QScreen*> all = QGuiApplication::screens();
    if (QScreen* list = studyListScreen(); list && all.size() >= 2) all.removeAll(list);
    const QStringList order = QSettings(m_file, QSettings::IniFormat).value("screens/reading").toStringList();
    QList<QScreen*> out;
    for (const QString& name : order)
        for (QScreen* s : all)
            if (key(s) == name && !out.contains(s)) out << s;
    for (QScreen* s : all)
        if (!out.contains(s)) out << s;
    return out;
}

void ScreenPlan::rememberReadingScreen(int index, QScreen* screen)
{
    if (!screen || index < 0) return;
    QList<QScreen*> now = readingScreens();
    now.removeAll(screen);
    now.insert(std::min(index, int(now.size())), screen);
    QStringList names;
    for (QScreen* s : now) names << key(s);
    QSettings(m_file, QSettings::IniFormat).setValue("screens/reading", names);
}

}  // namespace lightbox::app
