#pragma once
// Hosts a VTK render window inside a Qt 6 QOpenGLWidget (Debian's VTK Qt module is Qt 5, so
// Lightbox has its own bridge). Every view of Lightbox renders through one of these.
#include <QOpenGLWidget>

#include <vtkNew.h>
#include <vtkSmartPointer.h>

class vtkGenericOpenGLRenderWindow;
class vtkGenericRenderWindowInteractor;
class vtkObject;

namespace lightbox::viewer {

class VtkViewWidget : public QOpenGLWidget {
    Q_OBJECT
public:
    explicit VtkViewWidget(QWidget* parent = nullptr);
    ~VtkViewWidget() override;

    // Must run before QApplication is created: OpenGL 3.2 core, no multisampling, shared contexts.
    static void configureDefaultSurfaceFormat();

    vtkGenericOpenGLRenderWindow* renderWindow() const;
    vtkGenericRenderWindowInteractor* interactor() const;

    // Schedules a repaint (VTK renders inside paintGL).
    void requestRender();
    // Renders now and returns the rendered pixels (what the user sees, without Qt overlays).
    QImage grabView();
    // Forward Qt input events to the VTK interactor (on by default); views that handle input
    // themselves may switch it off.
    void setForwardEvents(bool on) { m_forward = on; }

signals:
    void rendered();

protected:
    void initializeGL() override;
    void resizeGL(int w, int h) override;
    void paintGL() override;

    void mousePressEvent(QMouseEvent* e) override;
    void mouseReleaseEvent(QMouseEvent* e) override;
    void mouseMoveEvent(QMouseEvent* e) override;
    void mouseDoubleClickEvent(QMouseEvent* e) override;
    void wheelEvent(QWheelEvent* e) override;
    void keyPressEvent(QKeyEvent* e) override;
    void keyReleaseEvent(QKeyEvent* e) override;
    void enterEvent(QEnterEvent* e) override;
    void leaveEvent(QEvent* e) override;

private:
    void onContextAboutToBeDestroyed();
    void onRenderWindowEvent(vtkObject* caller, unsigned long eventId, void* callData);
    void releaseGraphics();
    void forwardMouse(QMouseEvent* e, unsigned long vtkEvent);
    void forwardKey(QKeyEvent* e, unsigned long vtkEvent);

    vtkSmartPointer<vtkGenericOpenGLRenderWindow> m_window;
    vtkSmartPointer<vtkGenericRenderWindowInteractor> m_interactor;
    bool m_initialized = false;
    bool m_forward = true;
};

}  // namespace lightbox::viewer
