#pragma once
// "Save current layout as protocol": a hanging protocol made from what the reading windows show
// now. Study rules come from the current study (modality required; body part and description as
// weighted patterns the user may edit); each viewport becomes a display set that finds the same
// kind of series again in another study (its description, modality, and for single images the
// laterality and view), in the prior it came from; the screens keep their grids, views, presets,
// alignment and synchronisation groups.
#include "hanging_protocol.h"
#include "protocol_engine.h"

namespace lightbox::app {

struct CaptureChoices {
    QString name, description;
    bool useBodyPart = true, useDescription = true;
    QString descriptionPattern;  // empty: "*<study description>*"
    int minimumPriors = 0;       // > 0: a rule "priors atLeast N" (required)
};

// `shown`: what the windows show now, per screen (series/image chosen, view, preset…); `base`: the
// protocol they were laid out with (its display sets are kept for viewports that show nothing).
HangingProtocol captureProtocol(const Layout& shown, const HangingProtocol& base, const ReadingContext& context, const CaptureChoices& choices);

}  // namespace lightbox::app
