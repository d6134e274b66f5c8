#include "vtk_view_widget.h"

#include <QApplication>
#include <QKeyEvent>
#include <QMouseEvent>
#include <QOpenGLContext>
#include <QOpenGLExtraFunctions>
#include <QSurfaceFormat>
#include <QWheelEvent>

#include <vtkCallbackCommand.h>
#include <vtkCommand.h>
#include <vtkGenericOpenGLRenderWindow.h>
#include <vtkGenericRenderWindowInteractor.h>
#include <vtkInteractorStyleUser.h>
#include <vtkOpenGLFramebufferObject.h>
#include <vtkOpenGLState.h>
#include <vtkRendererCollection.h>

namespace lightbox::viewer {

void VtkViewWidget::configureDefaultSurfaceFormat()
{
    QSurfaceFormat fmt;
    fmt.setRenderableType(QSurfaceFormat::OpenGL);
    fmt.setVersion(3, 2);
    fmt.setProfile(QSurfaceFormat::CoreProfile);
    fmt.setSwapBehavior(QSurfaceFormat::DoubleBuffer);
    fmt.setRedBufferSize(8);
    fmt.setGreenBufferSize(8);
    fmt.setBlueBufferSize(8);
    fmt.setAlphaBufferSize(8);
    fmt.setDepthBufferSize(24);
    fmt.setStencilBufferSize(0);
    fmt.setSamples(0);
    QSurfaceFormat::setDefaultFormat(fmt);
    QCoreApplication::setAttribute(Qt::AA_ShareOpenGLContexts);
}

VtkViewWidget::VtkViewWidget(QWidget* parent)
    : QOpenGLWidget(parent),
      m_window(vtkSmartPointer<vtkGenericOpenGLRenderWindow>::New()),
      m_interactor(vtkSmartPointer<vtkGenericRenderWindowInteractor>::New())
{
    setFocusPolicy(Qt::StrongFocus);
    setMouseTracking(true);
    setMinimumSize(64, 64);

    m_window->SetReadyForRendering(false);
    m_window->SetFrameBlitModeToNoBlit();
    m_window->SetMultiSamples(0);
    for (unsigned long ev : {vtkCommand::WindowMakeCurrentEvent, vtkCommand::WindowIsCurrentEvent, vtkCommand::WindowFrameEvent,
                             vtkCommand::WindowSupportsOpenGLEvent, vtkCommand::WindowIsDirectEvent})
        m_window->AddObserver(ev, this, &VtkViewWidget::onRenderWindowEvent);

    m_interactor->SetRenderWindow(m_window);
    m_interactor->EnableRenderOff();  // renders happen in paintGL
    vtkNew<vtkInteractorStyleUser> style;  // views install their own behaviour
    m_interactor->SetInteractorStyle(style);
    m_interactor->AddObserver(vtkCommand::RenderEvent, this, &VtkViewWidget::onRenderWindowEvent);
    m_interactor->Initialize();
}

VtkViewWidget::~VtkViewWidget()
{
    makeCurrent();
    releaseGraphics();
    doneCurrent();
    m_window->RemoveAllObservers();
    m_interactor->RemoveAllObservers();
}

vtkGenericOpenGLRenderWindow* VtkViewWidget::renderWindow() const { return m_window; }
vtkGenericRenderWindowInteractor* VtkViewWidget::interactor() const { return m_interactor; }

void VtkViewWidget::requestRender() { update(); }

QImage VtkViewWidget::grabView() { return grabFramebuffer(); }

void VtkViewWidget::onRenderWindowEvent(vtkObject*, unsigned long eventId, void* callData)
{
    switch (eventId) {
    case vtkCommand::WindowMakeCurrentEvent:
        // Re-making the context current mid-render would make Qt rebind its framebuffer.
        if (QOpenGLContext::currentContext() != context()) makeCurrent();
        break;
    case vtkCommand::WindowIsCurrentEvent:
        *static_cast<bool*>(callData) = QOpenGLContext::currentContext() == context();
        break;
    case vtkCommand::WindowFrameEvent:
    case vtkCommand::RenderEvent:
        update();
        break;
    case vtkCommand::WindowSupportsOpenGLEvent:
    case vtkCommand::WindowIsDirectEvent:
        *static_cast<int*>(callData) = 1;
        break;
    default: break;
    }
}

void VtkViewWidget::onContextAboutToBeDestroyed()
{
    makeCurrent();
    releaseGraphics();
    doneCurrent();
}

void VtkViewWidget::releaseGraphics()
{
    if (!m_initialized) return;
    m_window->ReleaseGraphicsResources(m_window);
    m_initialized = false;
}

void VtkViewWidget::initializeGL()
{
    connect(context(), &QOpenGLContext::aboutToBeDestroyed, this, &VtkViewWidget::onContextAboutToBeDestroyed, Qt::UniqueConnection);
    m_window->SetOwnContext(false);
    m_window->SetReadyForRendering(true);
    m_window->InitializeFromCurrentContext();
    m_window->SetReadyForRendering(false);
    m_initialized = true;
}

void VtkViewWidget::resizeGL(int w, int h)
{
    const qreal dpr = devicePixelRatioF();
    m_interactor->UpdateSize(int(w * dpr), int(h * dpr));
    m_interactor->InvokeEvent(vtkCommand::ConfigureEvent, nullptr);
}

void VtkViewWidget::paintGL()
{
    if (!m_initialized) return;
    vtkOpenGLState* state = m_window->GetState();
    state->Reset();
    state->Push();
    state->vtkglDepthFunc(GL_LEQUAL);  // Qt leaves GL_LESS
    m_window->SetReadyForRendering(true);
    m_window->Render();
    m_window->SetReadyForRendering(false);

    // Copy VTK's display framebuffer into the widget's framebuffer.
    QOpenGLExtraFunctions* f = context()->extraFunctions();
    const int w = int(width() * devicePixelRatioF()), h = int(height() * devicePixelRatioF());
    state->PushDrawFramebufferBinding();
    state->vtkglBindFramebuffer(GL_DRAW_FRAMEBUFFER, defaultFramebufferObject());
    const GLenum buffer = GL_COLOR_ATTACHMENT0;
    f->glDrawBuffers(1, &buffer);
    int* size = m_window->GetRenderFramebuffer()->GetLastSize();
    m_window->BlitDisplayFramebuffer(0, 0, 0, size[0], size[1], 0, 0, w, h, GL_COLOR_BUFFER_BIT, GL_NEAREST);
    // Opaque alpha, or grabbed images and compositing show through.
    f->glColorMask(GL_FALSE, GL_FALSE, GL_FALSE, GL_TRUE);
    f->glClearColor(0, 0, 0, 1);
    f->glClear(GL_COLOR_BUFFER_BIT);
    f->glColorMask(GL_TRUE, GL_TRUE, GL_TRUE, GL_TRUE);
    state->PopDrawFramebufferBinding();
    state->Pop();
    emit rendered();
}

void VtkViewWidget::forwardMouse(QMouseEvent* e, unsigned long vtkEvent)
{
    if (!m_forward) return;
    const qreal dpr = devicePixelRatioF();
    const QPointF p = e->position();
    m_interactor->SetEventInformationFlipY(int(p.x() * dpr), int(p.y() * dpr), e->modifiers() & Qt::ControlModifier ? 1 : 0,
                                           e->modifiers() & Qt::ShiftModifier ? 1 : 0, 0,
                                           e->type() == QEvent::MouseButtonDblClick ? 1 : 0);
    m_interactor->SetAltKey(e->modifiers() & Qt::AltModifier ? 1 : 0);
    m_interactor->InvokeEvent(vtkEvent, e);
}

void VtkViewWidget::mousePressEvent(QMouseEvent* e)
{
    switch (e->button()) {
    case Qt::LeftButton: forwardMouse(e, vtkCommand::LeftButtonPressEvent); break;
    case Qt::MiddleButton: forwardMouse(e, vtkCommand::MiddleButtonPressEvent); break;
    case Qt::RightButton: forwardMouse(e, vtkCommand::RightButtonPressEvent); break;
    default: break;
    }
}

void VtkViewWidget::mouseReleaseEvent(QMouseEvent* e)
{
    switch (e->button()) {
    case Qt::LeftButton: forwardMouse(e, vtkCommand::LeftButtonReleaseEvent); break;
    case Qt::MiddleButton: forwardMouse(e, vtkCommand::MiddleButtonReleaseEvent); break;
    case Qt::RightButton: forwardMouse(e, vtkCommand::RightButtonReleaseEvent); break;
    default: break;
    }
}

void VtkViewWidget::mouseMoveEvent(QMouseEvent* e) { forwardMouse(e, vtkCommand::MouseMoveEvent); }
void VtkViewWidget::mouseDoubleClickEvent(QMouseEvent* e) { forwardMouse(e, vtkCommand::LeftButtonDoubleClickEvent); }

void VtkViewWidget::wheelEvent(QWheelEvent* e)
{
    if (!m_forward) return;
    const qreal dpr = devicePixelRatioF();
    const QPointF p = e->position();
    m_interactor->SetEventInformationFlipY(int(p.x() * dpr), int(p.y() * dpr), e->modifiers() & Qt::ControlModifier ? 1 : 0,
                                           e->modifiers() & Qt::ShiftModifier ? 1 : 0);
    const int steps = e->angleDelta().y() / 120;
    for (int i = 0; i < std::abs(steps); ++i)
        m_interactor->InvokeEvent(steps > 0 ? vtkCommand::MouseWheelForwardEvent : vtkCommand::MouseWheelBackwardEvent, e);
}

void VtkViewWidget::forwardKey(QKeyEvent* e, unsigned long vtkEvent)
{
    if (!m_forward) return;
    const QByteArray text = e->text().toLatin1();
    const char key = text.isEmpty() ? 0 : text[0];
    m_interactor->SetKeyEventInformation(e->modifiers() & Qt::ControlModifier ? 1 : 0, e->modifiers() & Qt::ShiftModifier ? 1 : 0,
                                         key, e->isAutoRepeat() ? 1 : 0, text.isEmpty() ? nullptr : text.constData());
    m_interactor->InvokeEvent(vtkEvent, e);
    if (vtkEvent == vtkCommand::KeyPressEvent && key) m_interactor->InvokeEvent(vtkCommand::CharEvent, e);
}

void VtkViewWidget::keyPressEvent(QKeyEvent* e) { forwardKey(e, vtkCommand::KeyPressEvent); }
void VtkViewWidget::keyReleaseEvent(QKeyEvent* e) { forwardKey(e, vtkCommand::KeyReleaseEvent); }
void VtkViewWidget::enterEvent(QEnterEvent*) { if (m_forward) m_interactor->InvokeEvent(vtkCommand::EnterEvent); }
void VtkViewWidget::leaveEvent(QEvent*) { if (m_forward) m_interactor->InvokeEvent(vtkCommand::LeaveEvent); }

}  // namespace lightbox::viewer
