#pragma once
// The thumbnail strip of a reading window: every series of the study and of its priors shown, with
// its date and description. A thumbnail dragged onto a viewport shows that series there.
#include <QImage>
#include <QListWidget>

#include <map>
#include <string>
#include <vector>

namespace lightbox {
struct SeriesGroup;
}

namespace lightbox::app {

inline constexpr const char* kSeriesMimeType = "application/x-lightbox-series";

class SeriesStrip : public QListWidget {
    Q_OBJECT
public:
    explicit SeriesStrip(QWidget* parent = nullptr);
    // `current`: the current study's UID (its series come first; the priors' are marked).
    void setSeries(const std::vector<SeriesGroup>& series, const std::map<std::string, QImage>& thumbnails, const std::string& current);
    QString seriesUid(int row) const;

protected:
    QMimeData* mimeData(const QList<QListWidgetItem*>& items) const override;
    QStringList mimeTypes() const override { return {kSeriesMimeType}; }
};

}  // namespace lightbox::app
