"""Command line: no arguments (or images, or a folder) opens the window; `classify`, `train`, `retrain` work in a terminal."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from digitpad import APP_NAME, __version__
from digitpad.cli.status import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE

# What --pendigits means to a training command.
PENDIGITS_HELP = "pen digits .npz (default: $DIGITPAD_PENDIGITS; without it, training warns and goes on)"


def _add_data_arguments(parser, pendigits_help: str | None = PENDIGITS_HELP) -> None:
    """--mnist, and --pendigits (with `pendigits_help`) for a command that reads pen digits too."""
    parser.add_argument("--mnist", metavar="PATH", help="MNIST .npz (default: $DIGITPAD_MNIST, else Keras download)")
    if pendigits_help:
        parser.add_argument("--pendigits", metavar="PATH", help=pendigits_help)


def _add_train_parser(subparsers) -> None:
    from digitpad.training import config as train_defaults  # light: no NumPy, no TensorFlow

    parser = subparsers.add_parser(
        "train", help="train a model from scratch on MNIST, pen digits, style variants and printed digits",
        description="Train a new model. MNIST is the backbone; real pen trajectories (--pendigits), synthesized "
        "style variants (slashed 0, flagged or footed 1, crossed 7, open 4, curled 9) and digits printed in the "
        "installed fonts are added. Whole pen writers and font designs are held out and reported per source.",
    )
    _add_data_arguments(parser)
    parser.add_argument("--output", metavar="FILE", required=True, help="where to write the .keras model")
    parser.add_argument("--epochs", type=int, default=train_defaults.DEFAULT_EPOCHS)
    parser.add_argument("--batch-size", type=int, default=train_defaults.DEFAULT_BATCH_SIZE)
    parser.add_argument("--learning-rate", type=float, default=train_defaults.DEFAULT_LEARNING_RATE)
    parser.add_argument("--seed", type=int, default=train_defaults.DEFAULT_SEED)
    parser.add_argument("--limit", type=int, metavar="N", help="use only N training digits (quick checks)")
    parser.add_argument("--member", type=int, default=0, metavar="K",
                        help="ensemble member K: the same held-out digits, writers and fonts as member 0 (the same "
                             "--seed), its own start, augmentation and training renderings")
    parser.add_argument("--broken-digits", type=int, default=train_defaults.DataConfig.broken_from_pen, metavar="N",
                        help="add N training writers' 4s, 5s and 7s written in strokes pulled apart, and held-out "
                             "sets of them (default: %(default)s, the bundled model's recipe)")
    parser.add_argument("--thick-brush", type=int, default=train_defaults.DataConfig.thick_pen_renders, metavar="N",
                        help="add N renderings of each training writer's digit with a finger's thick brush "
                             "(default: %(default)s)")
    parser.add_argument("--from", dest="start_from", metavar="MODEL",
                        help="start from this .keras model's weights (fine-tuning; the same network design)")


def _run_train(arguments) -> int:
    from digitpad.training import train as training
    from digitpad.training.config import DataConfig, TrainConfig
    from digitpad.training.mnist import MnistUnavailableError
    from digitpad.training.pendigits import PendigitsUnavailableError

    config = TrainConfig(
        epochs=arguments.epochs, batch_size=arguments.batch_size,
        learning_rate=arguments.learning_rate, seed=arguments.seed, limit=arguments.limit, member=arguments.member,
        start_from=arguments.start_from,
        data=DataConfig(broken_from_pen=arguments.broken_digits, thick_pen_renders=arguments.thick_brush),
    )
    if arguments.start_from and not Path(arguments.start_from).is_file():
        print(f"{APP_NAME} train: no model at {arguments.start_from}", file=sys.stderr)
        return EXIT_FAILED
    try:
        summary = training.train(arguments.output, arguments.mnist, config, pendigits_path=arguments.pendigits)
    except (MnistUnavailableError, PendigitsUnavailableError, training.StartModelError) as error:
        print(f"{APP_NAME} train: {error}", file=sys.stderr)
        return EXIT_FAILED
    print(f"test accuracy {summary['test_accuracy']:.4%} ({summary['test']['errors']} errors of "
          f"{summary['test']['count']}), {summary['training_seconds']:.0f} s; model: {arguments.output}")
    _print_held_out(summary["sources"]["test"])
    return EXIT_OK


def _print_held_out(results: dict) -> None:
    """One line per held-out test set: its name, accuracy and errors."""
    for name, result in results.items():
        print(f"  held out: {name}: {result['accuracy']:.2%} ({result['errors']} errors of {result['count']})")


def _add_train_reader_parser(subparsers) -> None:
    from digitpad.training.config import ReaderConfig  # light: no NumPy, no TensorFlow

    defaults = ReaderConfig()
    parser = subparsers.add_parser(
        "train-reader", help="train the number reader (whole written numbers, touching digits) from scratch",
        description="Train the number reader: a network that reads a whole line of digits (CTC), trained on "
        "synthetic numbers composed of MNIST training digits, training pen writers, style variants and fonts, "
        "spaced, touching, uneven and slanted. Validation lines use only held-out digits and writers.")
    _add_data_arguments(parser)
    parser.add_argument("--output", metavar="FILE", required=True, help="where to write the reader's .keras model")
    parser.add_argument("--lines", type=int, default=defaults.training_lines,
                        help="synthetic training numbers per epoch (new ones every epoch)")
    parser.add_argument("--epochs", type=int, default=defaults.epochs)
    parser.add_argument("--seed", type=int, default=defaults.seed)
    parser.add_argument("--member", type=int, default=0, metavar="K",
                        help="reader K: the same held-out digits, writers and validation lines as reader 0 (the same "
                             "--seed), its own start, training renderings and training lines")
    parser.add_argument("--same-lines-every-epoch", action="store_true",
                        help="fit every epoch on one set of --lines lines (how the earlier bundled readers were "
                             "trained; they learn those lines by heart)")


def _run_train_reader(arguments) -> int:
    from digitpad.training.config import ReaderConfig
    from digitpad.training.mnist import MnistUnavailableError
    from digitpad.training.pendigits import PendigitsUnavailableError
    from digitpad.training.train_reader import train_reader

    config = ReaderConfig(training_lines=arguments.lines, epochs=arguments.epochs, seed=arguments.seed,
                          member=arguments.member, new_lines_every_epoch=not arguments.same_lines_every_epoch,
                          validation_lines=min(ReaderConfig().validation_lines, max(arguments.lines // 4, 1)))
    try:
        summary = train_reader(arguments.output, arguments.mnist, arguments.pendigits, config)
    except (MnistUnavailableError, PendigitsUnavailableError) as error:
        print(f"{APP_NAME} train-reader: {error}", file=sys.stderr)
        return EXIT_FAILED
    validation = summary["validation"]
    print(f"validation numbers read whole {validation['whole_numbers']:.2%} ({validation['errors']} errors of "
          f"{validation['count']}), {summary['training_seconds']:.0f} s; model: {arguments.output}")
    return EXIT_OK


def _add_second_opinions_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "second-opinions", help="give a trained model second opinions: networks asked about the digits it is unsure of",
        description="Record OPINION models (trained with `train --member K` and the model's --seed, in the model's "
        "folder) beside MODEL: whenever MODEL's top probability for a digit is below --unsure-below, their "
        "probabilities are averaged with its own. Measures MODEL with them on its held-out sets and adds the "
        "figures to its report.")
    parser.add_argument("model", metavar="MODEL", help="the .keras model that answers first")
    parser.add_argument("opinions", nargs="+", metavar="OPINION", help=".keras models asked when MODEL is unsure")
    _add_data_arguments(parser, "pen digits .npz (default: $DIGITPAD_PENDIGITS)")
    parser.add_argument("--unsure-below", type=float, metavar="P",
                        help="ask the second opinions when the top probability is below P (default: the app's "
                             "usual threshold, printed when done)")


def _run_second_opinions(arguments) -> int:
    from digitpad.inference.ensemble import DEFAULT_UNSURE_BELOW
    from digitpad.inference.keras_model import ModelLoadError
    from digitpad.training.mnist import MnistUnavailableError
    from digitpad.training.pendigits import PendigitsUnavailableError
    from digitpad.training.second_opinions import add_second_opinions

    unsure_below = DEFAULT_UNSURE_BELOW if arguments.unsure_below is None else arguments.unsure_below
    if not 0 < unsure_below <= 1:
        print(f"{APP_NAME} second-opinions: --unsure-below must lie between 0 and 1", file=sys.stderr)
        return EXIT_USAGE
    try:
        figures = add_second_opinions(arguments.model, arguments.opinions, arguments.mnist, arguments.pendigits,
                                      unsure_below)
    except (ModelLoadError, MnistUnavailableError, PendigitsUnavailableError, ValueError, OSError) as error:
        print(f"{APP_NAME} second-opinions: {error}", file=sys.stderr)
        return EXIT_FAILED
    test = figures["test"]
    print(f"with its second opinions: test accuracy {test['accuracy']:.4%} ({test['errors']} errors of "
          f"{test['count']}); asked about {figures['unsure_share']['test']:.1%} of the test digits (top probability "
          f"below {unsure_below})")
    _print_held_out(figures["sources"]["test"])
    return EXIT_OK


def _add_classify_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "classify", help="classify image files and folders (recursively), one CSV row per image",
        description="Classify image files and folders. Each image is read as a whole number (digit = '2026'). "
        "Writes CSV (path,digit,confidence,error,top3,digit_confidences,text): for a number, confidence and top3 "
        "are its least confident digit's, digit_confidences lists every digit's, text is the number as written "
        "when it has separators ('1.990', '12,50', '12/05'). "
        "Exit status: 0 all classified, 1 some rows have errors or the CSV could not be written, 2 usage error, "
        "130 interrupted (Ctrl+C; the rows read so far are kept), 141 the output's reader stopped reading.",
    )
    parser.add_argument("paths", nargs="+", metavar="PATH", help="image files and/or folders")
    parser.add_argument("--csv", metavar="FILE", help="write the CSV here (default: standard output)")
    parser.add_argument("--model", metavar="FILE", help="a .keras model (default: $DIGITPAD_MODEL, else the bundled one)")
    parser.add_argument("--single-digit", action="store_true",
                        help="read each image as exactly one digit (faster; never splits an image into digits)")


def _run_classify(arguments) -> int:
    from digitpad.cli.classify import run_classify

    return run_classify(arguments.paths, arguments.csv, arguments.model, single_digit=arguments.single_digit)


def _add_retrain_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "retrain", help="teach the model your handwriting samples",
        description="Fine-tune the current model on your samples (mixed with MNIST so it does not forget) and "
        "print the before/after accuracy. Without --model-out the new model is saved and made active only if "
        "it is acceptable. Exit status: 0 success, 1 failed or not acceptable, 2 usage error, 130 interrupted "
        "(Ctrl+C; nothing written).",
    )
    parser.add_argument("--samples", metavar="DIR",
                        help="a folder with subfolders 0..9 of digit images (default: your saved samples)")
    parser.add_argument("--model-out", metavar="FILE",
                        help="write the new .keras model here and leave the active model alone")
    _add_data_arguments(parser, pendigits_help=None)
    parser.add_argument("--epochs", type=int, metavar="N", help="training epochs (default: 4; 20 with --full)")
    parser.add_argument("--full", action="store_true", help="train a new model from scratch on MNIST and the samples")
    parser.add_argument("--model", metavar="FILE",
                        help="the model to start from (default: $DIGITPAD_MODEL, else the active one)")


def _run_retrain(arguments) -> int:
    from digitpad.cli.retrain import run_retrain

    return run_retrain(arguments.samples, arguments.model_out, arguments.mnist, arguments.epochs,
                       full=arguments.full, base_model=arguments.model)


def _add_install_desktop_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "install-desktop", help="add digitpad to the application menu (Linux)",
        description="Write $XDG_DATA_HOME/applications/digitpad.desktop (default ~/.local/share) and the icon, "
        "so the menu starts this executable. Run it again after moving the executable.")
    parser.add_argument("--executable", metavar="FILE", help="what the menu entry starts (default: this program)")


def _run_install_desktop(arguments) -> int:
    from digitpad.bundle.desktop import current_executable, install_desktop_entry

    if sys.platform in ("win32", "darwin"):
        print(f"{APP_NAME} install-desktop: only for Linux desktops", file=sys.stderr)
        return EXIT_USAGE
    try:
        target = Path(arguments.executable) if arguments.executable else current_executable()
        written = install_desktop_entry(target)
    except (OSError, ValueError) as error:
        print(f"{APP_NAME} install-desktop: {error}", file=sys.stderr)
        return EXIT_FAILED
    for path in written:
        print(path)
    return EXIT_OK


COMMANDS = ("classify", "train", "train-reader", "second-opinions", "retrain", "install-desktop")
WINDOW_USAGE = f"{APP_NAME} [IMAGE... | FOLDER]\n       {APP_NAME} {{{','.join(COMMANDS)}}} ..."


def window_paths(argv: list[str]) -> list[str] | None:
    """The images and folders to open in the window when `argv` names some (`digitpad a.png`, `digitpad scans/`,
    `digitpad -- -odd.png`); None when it is a command or an option. Paths are made absolute."""
    if argv[:1] == ["--"]:
        argv = argv[1:]
    elif not argv or argv[0] in COMMANDS or argv[0].startswith("-"):
        return None
    return [os.path.abspath(path) for path in argv] if argv else None


def _run_window(paths: list[str]) -> int:
    missing = [path for path in paths if not os.path.exists(path)]
    if missing:
        print(f"{APP_NAME}: no such file or folder: {missing[0]}", file=sys.stderr)
        return EXIT_USAGE
    from digitpad.storage.instance import hand_over_or_serve

    handed_over, server = hand_over_or_serve(paths)  # one window per user: a running one takes the paths
    if handed_over:
        return EXIT_OK
    from digitpad.gui.app import run_app

    return run_app(open_paths=paths, instance_server=server)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=APP_NAME, usage=WINDOW_USAGE, description="Read handwritten digits. With no command, open the window; "
        "with images, open the window reading the first; with a folder, classify it in the window.")
    parser.add_argument("--version", action="version", version=f"{APP_NAME} {__version__}")
    subparsers = parser.add_subparsers(dest="command")
    _add_classify_parser(subparsers)
    _add_train_parser(subparsers)
    _add_train_reader_parser(subparsers)
    _add_second_opinions_parser(subparsers)
    _add_retrain_parser(subparsers)
    _add_install_desktop_parser(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    argv = sys.argv[1:] if argv is None else list(argv)
    paths = window_paths(argv)
    if paths is not None:
        return _run_window(paths)
    parser = build_parser()
    try:
        arguments = parser.parse_args(argv)
    except SystemExit as exit_request:  # argparse exits 2 on usage errors, 0 for --help/--version
        return int(exit_request.code or 0)
    commands = {"classify": _run_classify, "train": _run_train, "train-reader": _run_train_reader,
                "second-opinions": _run_second_opinions, "retrain": _run_retrain,
                "install-desktop": _run_install_desktop}
    if arguments.command not in commands:
        return _run_window([])
    try:
        return commands[arguments.command](arguments)
    except KeyboardInterrupt:  # Ctrl+C: one line, not a traceback (models and reports are only ever replaced whole)
        if sys.stderr is not None:
            ended = "\n" if sys.stderr.isatty() else ""  # (a progress line may be open)
            print(f"{ended}{APP_NAME} {arguments.command}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
