#pragma once
// Light and dark application themes: Qt's Fusion style with a matching QPalette.
#include <QString>

namespace niwt::gui {

enum class Theme { Light, Dark };

// Sets Fusion and the theme's palette on the whole application (QApplication must exist).
void applyTheme(Theme theme);
QString themeName(Theme theme);            // "light" / "dark", as stored in QSettings
Theme themeFromName(const QString& name);  // anything but "dark" is Light

}  // namespace niwt::gui
