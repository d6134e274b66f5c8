#include "viewport_overlay.h"

#include <QPainter>
#include <QPainterPath>

#include <cmath>

namespace lightbox::viewer {

double niceScaleLength(double maxLength)
{
    if (maxLength <= 0) return 0;
    const double p = std::pow(10.0, std::floor(std::log10(maxLength)));
    for (double m : {5.0, 2.0, 1.0})
        if (m * p <= maxLength) return m * p;
    return p;
}

ViewportOverlay::ViewportOverlay(QWidget* parent) : QWidget(parent)
{
    setAttribute(Qt::WA_TransparentForMouseEvents);
    setAttribute(Qt::WA_NoSystemBackground);
    setAttribute(Qt::WA_TranslucentBackground);
}

void ViewportOverlay::setContent(const OverlayContent& content)
{
    m_content = content;
    update();
}

void ViewportOverlay::setTextVisible(bool on)
{
    m_textVisible = on;
    update();
}

namespace {

// Text with a dark outline, readable on any image.
void outlinedText(QPainter& p, const QRect& box, int flags, const QString& text)
{
    p.setPen(QColor(0, 0, 0, 220));
    for (int dx = -1; dx <= 1; ++dx)
        for (int dy = -1; dy <= 1; ++dy)
            if (dx || dy) p.drawText(box.translated(dx, dy), flags, text);
    p.setPen(QColor(235, 235, 200));
    p.drawText(box, flags, text);
}

}  // namespace

void ViewportOverlay::paintEvent(QPaintEvent*)
{
    QPainter p(this);
    p.setRenderHint(QPainter::TextAntialiasing);
    QFont f = font();
    // Smaller text in small viewports (a 2x4 reading layout), never below 7 pt.
    f.setPointSizeF(std::max(7.0, std::min({11.0, height() / 45.0, width() / 38.0})));
    p.setFont(f);
    const int margin = 6;
    const QRect area = rect().adjusted(margin, margin, -margin, -margin);
    const OverlayContent& c = m_content;

    p.setRenderHint(QPainter::Antialiasing);
    for (const auto& l : c.lines) {
        QPen pen(l.color, 1.5);
        if (l.dashed) pen.setStyle(Qt::DashLine);
        p.setPen(pen);
        p.drawLine(l.line);
    }
    if (m_textVisible) {
        QStringList topLeft = c.topLeft;
        for (const QString& n : c.notices) topLeft << QStringLiteral("⚠ ") + n;
        // Each corner keeps to its half, leaving the middle to the orientation letters: a narrow
        // viewport shortens lines ("…") rather than writing one corner over the other.
        const int half = std::max(20, (area.width() - 4 * p.fontMetrics().horizontalAdvance('M')) / 2);
        auto fit = [&](const QStringList& lines) {
            QStringList out;
            for (const QString& l : lines) out << p.fontMetrics().elidedText(l, Qt::ElideRight, half);
            return out.join('\n');
        };
        outlinedText(p, area, Qt::AlignLeft | Qt::AlignTop, fit(topLeft));
        outlinedText(p, area, Qt::AlignRight | Qt::AlignTop, fit(c.topRight));
        outlinedText(p, area, Qt::AlignLeft | Qt::AlignBottom, fit(c.bottomLeft));
        outlinedText(p, area, Qt::AlignRight | Qt::AlignBottom, fit(c.bottomRight));
    }
    QFont lf = f;
    lf.setBold(true);
    lf.setPointSizeF(f.pointSizeF() * 1.3);
    p.setFont(lf);
    outlinedText(p, area, Qt::AlignLeft | Qt::AlignVCenter, c.left);
    outlinedText(p, area, Qt::AlignRight | Qt::AlignVCenter, c.right);
    outlinedText(p, area, Qt::AlignHCenter | Qt::AlignTop, c.top);
    outlinedText(p, area, Qt::AlignHCenter | Qt::AlignBottom, c.bottom);
    p.setFont(f);

    // Scale bar along the bottom, centred, above the bottom letter.
    if (c.mmPerLogicalPixel > 0) {
        const double maxMm = width() * 0.3 * c.mmPerLogicalPixel;
        const double lengthMm = niceScaleLength(maxMm);
        const int px = int(std::lround(lengthMm / c.mmPerLogicalPixel));
        if (px >= 20) {
            const int y = height() - margin - 2 * p.fontMetrics().height();
            const int x0 = (width() - px) / 2;
            QPen pen(QColor(235, 235, 200), 2);
            p.setPen(QPen(QColor(0, 0, 0, 200), 4));
            p.drawLine(x0, y, x0 + px, y);
            p.setPen(pen);
            p.drawLine(x0, y, x0 + px, y);
            for (int k = 0; k <= 10; ++k) {
                const int tx = x0 + px * k / 10;
                const int th = (k % 5 == 0) ? 7 : 4;
                p.drawLine(tx, y, tx, y - th);
            }
            QString label = lengthMm >= 10 ? QStringLiteral("%1 cm").arg(lengthMm / 10.0) : QStringLiteral("%1 mm").arg(lengthMm);
            if (!c.scaleNote.isEmpty()) label += QLatin1Char(' ') + c.scaleNote;
            outlinedText(p, QRect(x0, y - 8 - p.fontMetrics().height(), px, p.fontMetrics().height()), Qt::AlignCenter, label);
        }
    }

    if (!c.loupe.isNull()) {
        p.setPen(QPen(QColor(255, 200, 0), 2));
        p.setBrush(Qt::NoBrush);
        p.drawRect(c.loupe);
    }
    if (m_painter) {
        p.save();
        m_painter(p);
        p.restore();
    }
    if (!c.message.isEmpty()) {
        QFont mf = f;
        mf.setPointSizeF(f.pointSizeF() * 1.2);
        p.setFont(mf);
        outlinedText(p, rect(), Qt::AlignCenter | Qt::TextWordWrap, c.message);
    }
}

}  // namespace lightbox::viewer
