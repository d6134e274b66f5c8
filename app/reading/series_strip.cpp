#include "series_strip.h"

#include "series_sorting.h"

#include <QMimeData>

namespace lightbox::app {

SeriesStrip::SeriesStrip(QWidget* parent) : QListWidget(parent)
{
    setViewMode(QListView::IconMode);
    setFlow(QListView::LeftToRight);
    setWrapping(false);
    setIconSize(QSize(72, 72));
    setGridSize(QSize(132, 104));
    setFixedHeight(124);
    setMovement(QListView::Static);
    setDragEnabled(true);
    setDragDropMode(QAbstractItemView::DragOnly);
    setSelectionMode(QAbstractItemView::SingleSelection);
    setStyleSheet("QListWidget { background: #141414; color: #d0d0d0; border: none; }");
}

void SeriesStrip::setSeries(const std::vector<SeriesGroup>& series, const std::map<std::string, QImage>& thumbnails, const std::string& current)
{
    clear();
    for (int pass = 0; pass < 2; ++pass)
        for (const SeriesGroup& g : series) {
            if (g.images.empty()) continue;
            const bool isCurrent = g.images.front().summary->studyInstanceUid == current;
            if (isCurrent != (pass == 0)) continue;
            const QString date = QString::fromStdString(g.images.front().summary->studyDate);
            QString text = QStringLiteral("%1%2\n%3").arg(isCurrent ? QString() : tr("prior "), date, QString::fromStdString(g.description));
            auto* item = new QListWidgetItem(text, this);
            auto thumb = thumbnails.find(g.seriesInstanceUid);
            if (thumb != thumbnails.end() && !thumb->second.isNull()) item->setIcon(QIcon(QPixmap::fromImage(thumb->second)));
            item->setData(Qt::UserRole, QString::fromStdString(g.seriesInstanceUid));
            item->setToolTip(tr("%1 images — drag onto a viewport").arg(g.frames.size()));
        }
}

QString SeriesStrip::seriesUid(int row) const { return item(row) ? item(row)->data(Qt::UserRole).toString() : QString(); }

QMimeData* SeriesStrip::mimeData(const QList<QListWidgetItem*>& items) const
{
    auto* m = new QMimeData;
    if (!items.isEmpty()) m->setData(kSeriesMimeType, items.front()->data(Qt::UserRole).toString().toUtf8());
    return m;
}

}  // namespace lightbox::app
