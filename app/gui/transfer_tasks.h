#pragma once
// Jobs of the worklist layer run in the GUI's transfer queue (NetworkService::enqueueTask), with
// their progress in the Transfers panel: making a patient's studies or a worklist's available
// offline (app/worklist/study_keeping.h), and sending a study through the outbox (exactly once,
// queued on the disk while the archive cannot take it: app/worklist/outbox.h), as `lightbox
// offline` and `lightbox send` do.
#include "network_service.h"
#include "reading_list.h"

namespace lightbox::app {

TaskFn offlinePatientTask(AppConfig config, QString cacheDir, QString patientId, QString user);
TaskFn offlineStudyTask(AppConfig config, QString cacheDir, QString studyUid, QString patientId, QString user);
TaskFn offlineWorklistTask(AppConfig config, QString cacheDir, ReadingFilter filter, QString user);
TaskFn outboxSendTask(AppConfig config, QString cacheDir, QString archive, QString studyUid, bool stow);

}  // namespace lightbox::app
