#include "volume_view.h"

#include "volume_scene.h"
#include "vtk_view_widget.h"

#include <QCheckBox>
#include <QComboBox>
#include <QHBoxLayout>
#include <QPushButton>
#include <QVBoxLayout>

#include <vtkCallbackCommand.h>
#include <vtkCommand.h>
#include <vtkGenericOpenGLRenderWindow.h>
#include <vtkGenericRenderWindowInteractor.h>
#include <vtkInteractorStyleTrackballCamera.h>
#include <vtkNew.h>
#include <vtkRenderer.h>

namespace lightbox::viewer {

VolumeView::VolumeView(QWidget* parent) : QWidget(parent)
{
    m_view = new VtkViewWidget(this);
    vtkNew<vtkRenderer> renderer;
    m_view->renderWindow()->AddRenderer(renderer);
    m_scene = std::make_unique<VolumeScene>(renderer);
    vtkNew<vtkInteractorStyleTrackballCamera> style;
    m_view->interactor()->SetInteractorStyle(style);
    // Coarse while the user drags, full quality when they let go.
    auto* lod = vtkCallbackCommand::New();
    lod->SetClientData(this);
    lod->SetCallback([](vtkObject*, unsigned long event, void* self, void*) {
        auto* v = static_cast<VolumeView*>(self);
        v->m_scene->setInteractive(event == vtkCommand::StartInteractionEvent);
        if (event == vtkCommand::EndInteractionEvent) v->m_view->requestRender();
    });
    style->AddObserver(vtkCommand::StartInteractionEvent, lod);
    style->AddObserver(vtkCommand::EndInteractionEvent, lod);
    lod->Delete();

    m_presets = new QComboBox(this);
    m_presets->addItems(VolumeScene::presetNames());
    m_mip = new QCheckBox(tr("3D MIP"), this);
    m_crop = new QCheckBox(tr("Crop box"), this);
    auto* reset = new QPushButton(tr("Reset"), this);
    auto* bar = new QHBoxLayout;
    bar->setContentsMargins(0, 0, 0, 0);
    bar->addWidget(m_presets);
    bar->addWidget(m_mip);
    bar->addWidget(m_crop);
    bar->addWidget(reset);
    bar->addStretch(1);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(2);
    layout->addLayout(bar);
    layout->addWidget(m_view, 1);
    connect(m_presets, &QComboBox::currentTextChanged, this, [this](const QString& p) { setPreset(p); });
    connect(m_mip, &QCheckBox::toggled, this, &VolumeView::setMip);
    connect(m_crop, &QCheckBox::toggled, this, &VolumeView::setCropBox);
    connect(reset, &QPushButton::clicked, this, &VolumeView::resetCamera);
}

VolumeView::~VolumeView()
{
    m_scene.reset();
}

void VolumeView::setVolume(std::shared_ptr<const Volume> volume)
{
    m_volume = std::move(volume);
    m_scene->setVolume(m_volume);
    if (m_volume) {
        const QSignalBlocker block(m_presets);
        m_presets->setCurrentText(m_scene->preset());
    }
    m_view->requestRender();
}

void VolumeView::dataChanged()
{
    m_scene->dataChanged();
    m_view->requestRender();
}

bool VolumeView::setPreset(const QString& name)
{
    if (!m_scene->setPreset(name)) return false;
    if (m_presets->currentText() != name) {
        const QSignalBlocker block(m_presets);
        m_presets->setCurrentText(name);
    }
    m_view->requestRender();
    return true;
}

void VolumeView::setMip(bool on)
{
    m_scene->setMip(on);
    m_presets->setEnabled(!on);
    m_view->requestRender();
}

void VolumeView::setCropBox(bool on)
{
    m_scene->setCropBoxVisible(m_view->interactor(), on);
    m_view->requestRender();
}

void VolumeView::resetCamera()
{
    m_scene->resetCamera();
    m_view->requestRender();
}

void VolumeView::setCrop(const std::array<double, 6>& box)
{
    m_scene->setCrop(box);
    m_view->requestRender();
}

bool VolumeView::interactive() const { return m_scene->interactive(); }

QString VolumeView::preset() const { return m_scene->preset(); }

QImage VolumeView::grabView() { return m_view->grabView(); }

}  // namespace lightbox::viewer
