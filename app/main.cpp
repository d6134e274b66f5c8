// Lightbox entry point: headless commands run without a display; anything else opens the window.
#include "cli_main.h"
#include "gui_main.h"

int main(int argc, char** argv)
{
    if (auto code = lightbox::app::runCommandLine(argc, argv)) return *code;
    return lightbox::app::runGui(argc, argv);
}
