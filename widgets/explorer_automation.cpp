#include "widgets/explorer_automation.h"

#include "widgets/class_composer.h"
#include "widgets/dataset_browser.h"
#include "widgets/evaluation_panel.h"
#include "widgets/explainer_controller.h"
#include "widgets/heatmap_panel.h"
#include "widgets/main_window.h"
#include "widgets/neuron_panel.h"
#include "widgets/neuron_table_model.h"
#include "widgets/ranked_images_panel.h"
#include "widgets/session_worker.h"
#include "widgets/thumbnail_model.h"

#include <QAction>
#include <QApplication>
#include <QDir>
#include <QDockWidget>
#include <QPixmap>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QTimer>

#include <cstdio>
#include <functional>
#include <memory>
#include <optional>

namespace niwt::gui {

namespace {

// Unattended runs (--screenshot FILE, --screenshot-dir DIR, --describe NAME=TEXT, --evaluate):
// waits, by signals and a QTimer check (never a processEvents loop), until everything asked for
// has finished, then saves the screenshots and quits. Plain --screenshot waits for the data set
// and the selected class's first thumbnails; --describe learns the class once the engine is
// prepared, then shows it in the ranked images, the heat maps (its top-ranked image) and the
// neurons, and waits for those; --evaluate runs the evaluation and waits for it. Exit codes:
// 0 done, 1 an error was shown (its message goes to stderr too) or a screenshot could not be
// written, 2 the data set failed to open, 3 it timed out.
class ExplorerAutomation : public QObject {
public:
    ExplorerAutomation(niwt::gui::MainWindow* window, const niwt::gui::ExplorerOptions& options)
        : QObject(window), window_(window), options_(options) {
        using niwt::gui::MainWindow;
        connect(window_, &MainWindow::datasetLoaded, this, [this] {
            datasetLoaded_ = true;
            // Thumbnails that take long do not hold the screenshot up for ever.
            QTimer::singleShot(15000, this, [this] { thumbnailGraceOver_ = true; });
        });
        connect(window_, &MainWindow::datasetFailed, this, [this](const QString& message) {
            datasetFailure_ = message;  // printed here, not again as an error
            std::fprintf(stderr, "niwt-explorer: cannot open the data set: %s\n", qPrintable(message));
            finish(2);
        });
        // Unattended, every error shown (in the status bar: no message boxes) also goes to stderr
        // and makes the exit code 1. With --describe or --evaluate it ends the run: nothing would
        // follow. Plain screenshots are still taken, so that they show the error. A person at the
        // window sees it in a message box instead.
        if (options_.automated())
            connect(window_, &MainWindow::errorReported, this, [this](const QString& message) {
                if (message != datasetFailure_) std::fprintf(stderr, "niwt-explorer: error: %s\n", qPrintable(message));
                errorShown_ = true;
                if (finishing_ && code_ == 0) code_ = 1;  // shown while the screenshots are taken
                if (demanding()) finish(1);
            });
        // An explicit --bundle: plain screenshots also wait until the engine has loaded it (its
        // first progress report) or failed, so that a broken bundle cannot pass unnoticed.
        if (options_.automated() && !demanding() && !options_.bundle.isEmpty()) {
            connect(window_->session(), &niwt::gui::SessionController::prepareProgress, this,
                    [this] { bundleSettled_ = true; });
            connect(window_->session(), &niwt::gui::SessionController::prepared, this,
                    [this] { bundleSettled_ = true; });
        }
        if (demanding()) {
            connect(window_->session(), &niwt::gui::SessionController::prepared, this, [this] { onPrepared(); });
            connect(window_->composer(), &niwt::gui::ClassComposer::learnedClassSelected, this,
                    [this](const niwt::LearnedClass& learned) {
                        if (QString::fromStdString(learned.name) != options_.describeName || learned_) return;
                        // Full weight space: the span solution is shown first; wait for the refinement.
                        if (window_->session()->options().alpha2wSpace == niwt::Alpha2WSpace::Full &&
                            learned.alpha2wMode != "full")
                            return;
                        learned_ = learned;
                        std::fprintf(stderr, "niwt-explorer: learned \"%s\" (%d alpha2w iterations)\n",
                                     learned.name.c_str(), learned.iterations);
                        showLearned();
                    });
            connect(window_->explainer(), &niwt::gui::ExplainerController::prepared, this, [this] { showLearned(); });
        }
        check_ = new QTimer(this);
        check_->setInterval(250);
        connect(check_, &QTimer::timeout, this, [this] {
            if (done()) finish(errorShown_ ? 1 : 0);
        });
        check_->start();
        // Whatever happens, do not hang. A cold CUB run extracts features for minutes first.
        const int timeoutMs = demanding() ? 40 * 60 * 1000 : 60 * 1000;
        if (options_.automated())
            QTimer::singleShot(timeoutMs, this, [this] {
                std::fprintf(stderr, "niwt-explorer: timed out waiting for %s; saving what is shown\n",
                             qPrintable(waitingFor()));
                finish(demanding() ? 3 : errorShown_ ? 1 : 0);
            });
    }

private:
    bool demanding() const { return !options_.describeName.isEmpty() || options_.evaluate; }

    void onPrepared() {
        if (options_.evaluate) window_->evaluation()->run();
        if (options_.describeName.isEmpty() || learnTriggered_) return;
        learnTriggered_ = true;
        niwt::gui::ClassComposer* composer = window_->composer();
        raiseDockOf(composer);
        composer->setMode(niwt::gui::ClassComposer::Mode::Caption);
        composer->setClassName(options_.describeName);
        composer->setCaption(options_.describeCaption);
        std::fprintf(stderr, "niwt-explorer: learning \"%s\" from \"%s\"\n", qPrintable(options_.describeName),
                     qPrintable(options_.describeCaption));
        // learn(), not the action: a description the parser cannot use disables the action, and a
        // trigger would then do nothing and leave the run waiting; learn() refuses with an error.
        composer->learn();
    }

    // Once the class is learned and the explainer is ready: the class and its top image everywhere.
    void showLearned() {
        if (!learned_ || shown_ || !window_->explainer()->isPrepared()) return;
        shown_ = true;
        const QString name = QString::fromStdString(learned_->name);
        window_->heatmaps()->selectNewClass(name);
        window_->neurons()->selectNewClass(name);
        const auto dataset = window_->dataset();
        if (dataset && !learned_->ranking.empty()) {
            const int image = learned_->ranking.front().image;
            if (image >= 0 && size_t(image) < dataset->images.size()) {
                topImage_ = QString::fromStdString(dataset->images[size_t(image)].path);
                window_->heatmaps()->setImagePath(topImage_);
            }
        }
    }

    bool thumbnailsDone() const {
        return window_->browser()->images()->model()->inFlightCount() == 0 || thumbnailGraceOver_;
    }
    bool describeDone() {
        if (options_.describeName.isEmpty()) return true;
        if (!learned_ || !shown_) return false;
        const std::string name = learned_->name;
        const niwt::gui::HeatmapPanel* heatmaps = window_->heatmaps();
        const bool heatmapDone = topImage_.isEmpty() || (heatmaps->hasExplanation() && !heatmaps->isWorking() &&
                                                         heatmaps->currentExplanation().className == name);
        niwt::gui::NeuronPanel* neurons = window_->neurons();
        bool neuronsDone = !neurons->isWorking() && neurons->model()->listing().className == name;
        if (neuronsDone && neurons->shownUnit() < 0 && neurons->proxy()->rowCount() > 0) {
            // The unit the class relies on most (the table's first row): its top images too.
            neurons->table()->setCurrentIndex(neurons->proxy()->index(0, 0));
            neuronsDone = false;
        }
        const bool rankedDone = window_->rankedImages()->model()->inFlightCount() == 0;
        return heatmapDone && neuronsDone && rankedDone;
    }
    bool evaluationDone() const {
        return !options_.evaluate ||
               (window_->evaluation()->lastEvaluation().has_value() && !window_->evaluation()->isRunning());
    }
    bool bundleDone() const {
        return bundleSettled_ || errorShown_ || demanding() || options_.bundle.isEmpty() || !options_.automated();
    }
    bool done() { return datasetLoaded_ && thumbnailsDone() && bundleDone() && describeDone() && evaluationDone(); }
    QString waitingFor() {
        QStringList parts;
        if (!datasetLoaded_)
            parts << QStringLiteral("the data set");
        else if (!thumbnailsDone())
            parts << QStringLiteral("thumbnails");
        if (!bundleDone()) parts << QStringLiteral("the network bundle");
        if (!describeDone()) parts << QStringLiteral("the described class");
        if (!evaluationDone()) parts << QStringLiteral("the evaluation");
        return parts.isEmpty() ? QStringLiteral("nothing") : parts.join(QStringLiteral(", "));
    }

    void raiseDockOf(QWidget* widget) {
        for (QDockWidget* dock : window_->panels())
            if (dock->isAncestorOf(widget) || dock->widget() == widget) {
                dock->show();
                dock->raise();
            }
    }

    // Saves the screenshots (each dock raised in turn, a moment to lay out and paint between
    // them, by timers), then quits with `code`.
    void finish(int code) {
        if (finishing_) return;
        finishing_ = true;
        code_ = code;
        check_->stop();
        if (!options_.automated()) return;  // an interactive demo: the window stays open
        steps_.clear();
        if (!options_.screenshotDir.isEmpty()) {
            const QString dir = options_.screenshotDir;
            if (!QDir().mkpath(dir)) {
                std::fprintf(stderr, "niwt-explorer: cannot create %s\n", qPrintable(dir));
                code_ = 1;
            }
            for (QDockWidget* dock : window_->panels())
                steps_.push_back([this, dock, dir] {
                    dock->show();
                    dock->raise();
                    return [this, dock, dir] {
                        save(dock->grab(), dir + QLatin1Char('/') + dock->objectName() + QStringLiteral(".png"));
                    };
                });
            steps_.push_back([this, dir] {
                // The window as a person would meet it after describing a class: the class's
                // images below, its heat map on the right.
                for (QWidget* w :
                     {static_cast<QWidget*>(window_->heatmaps()), static_cast<QWidget*>(window_->rankedImages())})
                    raiseDockOf(w);
                return [this, dir] {
                    save(window_->centralWidget()->grab(), dir + QStringLiteral("/images.png"));
                    save(window_->grab(), dir + QStringLiteral("/window.png"));
                };
            });
        }
        if (!options_.screenshot.isEmpty())
            steps_.push_back([this] { return [this] { save(window_->grab(), options_.screenshot); }; });
        nextStep();
    }
    void nextStep() {
        if (steps_.isEmpty()) {
            // With --screenshot-dir the window stays up a moment longer, so that a script can take
            // the X screen too (tests/gui/take_screenshots.sh runs `import -window root`).
            QTimer::singleShot(options_.screenshotDir.isEmpty() ? 0 : 1500, this, [this] {
                window_->close();
                QCoreApplication::exit(code_);
            });
            return;
        }
        const auto prepare = steps_.takeFirst();
        const std::function<void()> shoot = prepare();
        // A short pause lets the views lay out what was just raised or arrived, and repaint.
        QTimer::singleShot(400, this, [this, shoot] {
            shoot();
            nextStep();
        });
    }
    void save(const QPixmap& shot, const QString& file) {
        if (shot.save(file, "PNG")) {
            std::fprintf(stderr, "niwt-explorer: saved %s (%dx%d)\n", qPrintable(file), shot.width(), shot.height());
        } else {
            std::fprintf(stderr, "niwt-explorer: cannot write screenshot %s\n", qPrintable(file));
            if (code_ == 0) code_ = 1;
        }
    }

    niwt::gui::MainWindow* window_;
    niwt::gui::ExplorerOptions options_;
    bool datasetLoaded_ = false;
    bool thumbnailGraceOver_ = false;
    bool bundleSettled_ = false;  // the engine loaded --bundle (or prepared a session)
    bool errorShown_ = false;     // an error reached the status bar: exit code 1
    QString datasetFailure_;      // already printed as "cannot open the data set"
    bool learnTriggered_ = false;
    bool shown_ = false;
    std::optional<niwt::LearnedClass> learned_;
    QString topImage_;
    QTimer* check_ = nullptr;
    bool finishing_ = false;
    int code_ = 0;
    QList<std::function<std::function<void()>()>> steps_;
};

}  // namespace

QObject* startExplorerAutomation(MainWindow* window, const ExplorerOptions& options) {
    if (!options.automated() && options.describeName.isEmpty() && !options.evaluate) return nullptr;
    // No message boxes when nobody watches; errors still reach the status bar (and the exit code).
    if (options.automated()) window->setInteractiveErrors(false);
    return new ExplorerAutomation(window, options);
}

}  // namespace niwt::gui
