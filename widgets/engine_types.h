#pragma once
// The engine's plain result types (core/pipeline/niwt_session.h) as Qt meta-types, so they travel
// in queued signals between the worker thread and the GUI. Include this, not niwt_session.h, from
// widget headers: every moc'd header that names these types must see the declarations first.
#include "core/pipeline/niwt_session.h"

#include <QMetaType>

Q_DECLARE_METATYPE(niwt::NiwtSessionInfo)
Q_DECLARE_METATYPE(niwt::LearnedClass)
Q_DECLARE_METATYPE(niwt::EngineContext)
