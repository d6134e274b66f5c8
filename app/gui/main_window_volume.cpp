// MainWindow's MPR mode: the volume of the current series, assembled and loaded by the volume
// job, shown in the MPR and 3D views; the rest of the window is in main_window.cpp.
#include "main_window.h"

#include "annotation_set.h"
#include "image_stack.h"
#include "image_viewport.h"
#include "mpr_view.h"
#include "volume_job.h"
#include "vtk_view_widget.h"

#include <QAction>
#include <QActionGroup>
#include <QLabel>
#include <QProgressBar>
#include <QStackedWidget>
#include <QToolBar>
#include <QToolButton>

namespace lightbox::app {

void MainWindow::connectVolumeJob()
{
    connect(m_volumeJob, &VolumeJob::progress, this, [this](int ready, int total) {
        m_mpr->volumeProgress();
        m_progress->setRange(0, total);
        m_progress->setValue(ready);
    });
    connect(m_volumeJob, &VolumeJob::started, this, &MainWindow::onVolumeStarted);
    connect(m_volumeJob, &VolumeJob::finished, this, &MainWindow::onVolumeFinished);
}

void MainWindow::setMprMode(bool on)
{
    if (m_mprAction->isChecked() != on) {
        m_mprAction->setChecked(on);  // comes back here through toggled()
        return;
    }
    if (!on) {
        m_volumeJob->cancel();
        m_mpr->setVolume(nullptr, nullptr);
        m_viewStack->setCurrentWidget(m_viewport);
        m_mprBar->setVisible(false);
        applyTool(m_tool == kCrosshairTool ? int(viewer::Tool::WindowLevel) : m_tool);
        return;
    }
    startVolume();
}

void MainWindow::startVolume()
{
    if (m_currentSeries < 0 || m_currentSeries >= int(m_series.size())) {
        showProblem(tr("Open a series first."));
        m_mprAction->setChecked(false);
        return;
    }
    // Assembled and allocated on a worker; onVolumeStarted() shows it.
    m_volumeJob->start(m_series[size_t(m_currentSeries)]);
    m_message->setText(tr("Preparing the volume…"));
    m_progress->setRange(0, 0);
    m_progress->setVisible(true);
    m_cancel->setVisible(true);
}

void MainWindow::onVolumeStarted(const QString& error)
{
    if (!error.isEmpty()) {
        m_progress->setVisible(false);
        m_cancel->setVisible(false);
        showProblem(error);
        m_mprAction->setChecked(false);
        return;
    }
    if (!m_mprAction->isChecked()) return;  // MPR was switched off meanwhile
    m_mpr->setVolume(m_volumeJob->volume(), m_volumeJob->summary());
    m_viewStack->setCurrentWidget(m_mpr);
    m_mprBar->setVisible(true);
    // The crosshair is what MPR is read with; measurements and W/L stay one click away.
    if (m_tool == int(viewer::Tool::WindowLevel) || m_tool == kCrosshairTool) {
        for (QAction* a : m_tools->actions())
            if (a->text() == tr("Crosshair")) a->setChecked(true);
        applyTool(kCrosshairTool);
    } else {
        applyTool(m_tool);
    }
    QString msg = tr("Loading the volume…");
    if (m_volumeJob->volumeCount() > 1)
        msg += tr(" (%1 of the %2 volumes in this series)").arg(QString::fromStdString(m_volumeJob->plan().label)).arg(m_volumeJob->volumeCount());
    m_message->setText(msg);
    m_progress->setRange(0, m_volumeJob->volume()->geometry().size[2]);
    m_progress->setValue(0);
    m_mpr->viewport(viewer::MprView::Axial)->view()->setFocus();
}

void MainWindow::onVolumeFinished(const QString& error)
{
    m_progress->setVisible(false);
    m_cancel->setVisible(false);
    if (!m_volumeJob->volume()) {  // never shown: onVolumeStarted said why
        emit volumeLoaded(error);
        return;
    }
    m_mpr->volumeProgress();
    if (!error.isEmpty()) {
        showProblem(tr("The volume could not be loaded completely: %1").arg(error));
    } else if (auto v = m_volumeJob->volume()) {
        const auto& g = v->geometry();
        QString msg = tr("Volume %1×%2×%3, voxels %4×%5×%6 mm")
                          .arg(g.size[0]).arg(g.size[1]).arg(g.size[2])
                          .arg(g.spacing[0], 0, 'g', 3).arg(g.spacing[1], 0, 'g', 3).arg(g.spacing[2], 0, 'g', 3);
        QStringList warnings;
        for (const auto& w : m_volumeJob->plan().warnings) warnings << QString::fromStdString(w);
        if (!warnings.isEmpty()) msg += tr(" — warnings: %1").arg(warnings.join(", "));
        m_message->setText(msg);
        m_annotations->computeRegions(v);  // saved 3D regions of this series
    }
    emit volumeLoaded(error);
}

}  // namespace lightbox::app
