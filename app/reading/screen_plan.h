#pragma once
// Which screens the reading windows use, in which order, and which screen the study list lives
// on. Remembered per user in ui.ini beside the settings file: a reading window the user moves to
// another screen makes that screen its place from then on; the study list's screen is left to it
// when there are two screens or more.
#include <QList>
#include <QString>

class QScreen;

namespace lightbox::app {

class ScreenPlan {
public:
    explicit ScreenPlan(QString settingsFile = defaultFile());
    static QString defaultFile();  // ui.ini beside the settings file (see AppConfig::resolvePath)

    // The screens for reading windows 1, 2, …: remembered order first, then the others.
    QList<QScreen*> readingScreens() const;
    QScreen* studyListScreen() const;  // nullptr: none chosen, or it is gone
    void setStudyListScreen(QScreen* screen);
    // Reading window `index` is now on `screen`: remembered for the next layouts.
    void rememberReadingScreen(int index, QScreen* screen);

private:
    QString m_file;
};

}  // namespace lightbox::app
