#pragma once

namespace lightbox::app {

int runGui(int argc, char** argv);

}  // namespace lightbox::app
