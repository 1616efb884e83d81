# CPack settings for the Debian package (included by the top-level CMakeLists.txt before
# include(CPack)). `cpack` in the build folder writes niwt-explorer_<version>_<arch>.deb with
# the explorer, the niwt tool, the desktop entry, the icons and the AppStream metadata.
set(CPACK_GENERATOR "DEB")
set(CPACK_PACKAGE_NAME "niwt-explorer")
set(CPACK_PACKAGE_VENDOR "NIWT Explorer maintainers")
set(CPACK_PACKAGE_CONTACT "NIWT Explorer maintainers <maintainers@users.noreply.r-seed-743326dc.example>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "zero-shot learning and neuron interpretability explorer")
# The Debian long description: no blank lines, lines under 80 columns (CPack indents them).
set(CPACK_PACKAGE_DESCRIPTION
    "NIWT Explorer teaches a trained convolutional network new classes from
their descriptions (attributes or a sentence), after Neuron Importance-Aware
Weight Transfer (Selvaraju et al., ECCV 2018), and shows why it decides as it
does: Grad-CAM heat maps, textual explanations, named neurons, and a
generalized zero-shot evaluation beside an ESZSL baseline.
The package holds the Qt desktop explorer (niwt-explorer) and the headless
command-line tool (niwt) that runs the same engine. Fashion-MNIST with a
class attribute table is built in as the default data set.")
# CPACK_PACKAGE_VERSION defaults to project()'s version; the file name follows Debian's scheme.
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION "science")
set(CPACK_DEBIAN_PACKAGE_PRIORITY "optional")
# Library dependencies (Qt 6, LibTorch, OpenCV, matio, ...) are read from the binaries by
# dpkg-shlibdeps (dpkg-dev). Our own libraries are static, so nothing else is linked.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# What dpkg-shlibdeps cannot see: the Fashion-MNIST files the embedded default data set reads
# from /usr/share/datasets/fashion-mnist at run time, and Qt's SVG plugins (libqt6svg6: the icon
# engine and image format that draw the window icon, an SVG; no symbol of libQt6Svg is used, so
# the linker drops it from the binary). The X11 platform plugin, libqxcb, is in libqt6gui6,
# which the binary links.
set(CPACK_DEBIAN_PACKAGE_DEPENDS "dataset-fashion-mnist, libqt6svg6")
# LibTorch takes any libblas.so.3; the threaded OpenBLAS makes its CPU work several times faster.
# WordNet's database lets typed descriptions use words the parser's own lexicon lacks (read at run
# time from /usr/share/wordnet when present; without it the lexicon alone is used).
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "libopenblas0-pthread, wordnet-base")
# Native Wayland windows (without it Qt runs through XWayland).
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "qt6-wayland")
# The binaries are built with debug information (RelWithDebInfo); the package ships them stripped.
set(CPACK_STRIP_FILES ON)
