"""The ``neuronlab`` command line.

``neuronlab`` alone opens the web lab. The subcommands reproduce the course from a terminal:
``data`` (list, fetch, info, clear), ``train``, ``evaluate``, ``sweep`` and ``figures``;
``notebook`` opens the course notebook in JupyterLab.
Every error the user can fix is printed as one sentence on stderr, with a non-zero exit.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from neuronlab.errors import NeuronLabError

EXIT_USER_ERROR = 2
EXIT_INTERRUPTED = 130
TOKEN_ENV = "NEURONLAB_TOKEN"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the process exit code.

    Every bad invocation ends with one sentence on stderr and a non-zero exit,
    never a traceback: a usage error, a problem the user can fix, a file that
    cannot be read or written, or a value the model layer refuses.
    """
    parser = _build_parser()
    try:
        args = parser.parse_args(argv)
    except _UsageError as error:
        return _fail(str(error))
    handler = getattr(args, "handler", _cmd_serve)
    try:
        return handler(args) or 0
    except NeuronLabError as error:
        return _fail(str(error))
    except KeyboardInterrupt:
        print("neuronlab: interrupted.", file=sys.stderr)
        return EXIT_INTERRUPTED
    except OSError as error:
        return _fail(_os_problem(error))
    except (ValueError, TypeError, OverflowError) as error:
        # A value argparse let through but the model layer refuses (e.g. a negative seed).
        return _fail(f"{_first_line(error)}; check the values you passed (see --help)")
    except MemoryError:
        return _fail("there is not enough memory for this; ask for a smaller model or dataset")


class _UsageError(Exception):
    """A command line argparse cannot parse; its message is one sentence."""


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one sentence (with where to get help), not a usage block."""

    def error(self, message: str) -> NoReturn:
        raise _UsageError(f"{message} (see {self.prog} --help)")


def _fail(sentence: str) -> int:
    sentence = sentence.strip()
    end = "" if sentence.endswith((".", "?", "!")) else "."
    print(f"neuronlab: {sentence}{end}", file=sys.stderr)
    return EXIT_USER_ERROR


def _os_problem(error: OSError) -> str:
    """An OSError as a sentence naming the file, e.g. ``cannot use out.png: Permission denied``."""
    what = error.strerror or _first_line(error)
    if error.filename is not None:
        return f"cannot use {error.filename}: {what}"
    return f"a system call failed: {what}"


def _first_line(error: BaseException) -> str:
    text = str(error).strip() or type(error).__name__
    return text.splitlines()[0]


def _writable_file(path: str | None, flag: str) -> None:
    """Refuse an output file that could not be written, before any work is done."""
    if path is None:
        return
    target = Path(path).expanduser()
    folder = target.parent
    if target.is_dir():
        raise NeuronLabError(f"{flag} {path} is a folder; give a file name like {path}/model.npz")
    if not folder.is_dir():
        raise NeuronLabError(f"{flag} {path}: the folder {folder} does not exist; create it first")
    if not os.access(folder, os.W_OK):
        raise NeuronLabError(f"{flag} {path}: you cannot write into the folder {folder}")


def _port(text: str) -> int:
    """A TCP port for --port: 0 (any free one) to 65535."""
    try:
        port = int(text)
    except ValueError:
        port = -1
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"the port must be a number from 0 to 65535, not {text!r}")
    return port


# --- commands -----------------------------------------------------------------------------


def _cmd_serve(args: argparse.Namespace) -> int:
    from neuronlab.web import serve

    serve(
        getattr(args, "data", None),
        host=getattr(args, "host", "127.0.0.1"),
        port=getattr(args, "port", 8765),
        open_browser=not getattr(args, "no_browser", False),
        cache_dir=args.cache_dir,
        token=getattr(args, "token", None) or os.environ.get(TOKEN_ENV) or None,
        open_access=getattr(args, "no_token", False),
        dask=getattr(args, "dask", None),
    )
    return 0


def _cmd_data_list(args: argparse.Namespace) -> int:
    from neuronlab import data

    for name, description in data.SOURCES.items():
        print(f"{name:<14} {description}")
    print(f"{'DIRECTORY':<14} any folder with the four MNIST-format IDX files")
    print(f"\ncache: {data.cache_dir(args.cache_dir)}")
    return 0


def _cmd_data_fetch(args: argparse.Namespace) -> int:
    from neuronlab import data

    paths = data.fetch(args.name, cache_dir=args.cache_dir, progress=not args.quiet)
    for path in paths:
        print(path)
    return 0


def _cmd_data_info(args: argparse.Namespace) -> int:
    from neuronlab import data

    dataset = _load(args.source, args)
    if args.json:
        _print_json(data.summary(dataset))
    else:
        print(data.format_summary(dataset))
    return 0


def _cmd_data_clear(args: argparse.Namespace) -> int:
    from neuronlab import data

    removed = data.clear_cache(args.cache_dir)
    print(f"removed {len(removed)} item(s) from {data.cache_dir(args.cache_dir)}")
    return 0


# The train command's flag for each training setting (neuronlab.settings), for its errors.
TRAIN_FLAGS = {
    "C": "--C",
    "multi_class": "--multi-class",
    "hidden": "--hidden",
    "activation": "--activation",
    "alpha": "--alpha",
    "learning_rate_init": "--learning-rate",
    "batch_size": "--batch-size",
    "early_stopping": "--early-stopping",
    "max_epochs": "--max-epochs",
    "n_train": "--n-train",
    "filters": "--filters",
    "filter_size": "--filter-size",
    "pool": "--pool",
    "augment_shift": "--augment-shift",
}


def _cmd_train(args: argparse.Namespace) -> int:
    from neuronlab import settings, training
    from neuronlab.models import save_model

    _writable_file(args.save, "--save")  # before the training run, not after it
    classes = training.parse_classes(args.classes) if args.classes else None

    def spell(name: str) -> str:
        return TRAIN_FLAGS.get(name, name)

    # Checked before the data loads, so a typo costs no waiting.
    chosen = settings.check(args.model, {name: getattr(args, name) for name in TRAIN_FLAGS}, spell)
    dataset = _load(args.data, args)
    run = training.train(
        dataset, args.model, args.preset, classes=classes, seed=args.seed, spell=spell, **chosen
    )
    result = run.summary()
    if args.save:
        save_model(run.model, args.save)
        result["saved"] = str(Path(args.save))
    return _emit(result, args, dataset)


def _cmd_evaluate(args: argparse.Namespace) -> int:
    from neuronlab import training
    from neuronlab.models import load_model

    model = load_model(args.model)
    dataset = _load(args.data, args)
    result = training.evaluate(model, dataset)
    result["file"] = str(args.model)
    return _emit(result, args, dataset)


def _cmd_sweep(args: argparse.Namespace) -> int:
    from neuronlab import training
    from neuronlab.analysis import hidden_sweep

    sizes = _parse_sizes(args.hidden)
    if args.seeds < 1:
        raise NeuronLabError(f"--seeds must be 1 or more; got {args.seeds}.")
    dataset = _load(args.data, args)
    split = training.split_for(dataset)
    results = hidden_sweep(
        split.X_train,
        split.y_train,
        split.X_test,
        split.y_test,
        sizes=sizes,
        seeds=args.seeds,
        n_jobs=args.jobs,
        preset=args.preset,
        client=args.dask,
    )
    rows = [
        {
            "hidden": r.hidden,
            "seed": r.seed,
            "train_accuracy": r.train_accuracy,
            "test_accuracy": r.test_accuracy,
            "fit_seconds": r.fit_seconds,
            "epochs": r.epochs,
            "data": dataset.name,
            "preset": args.preset,
        }
        for r in results
    ]
    if args.json:
        _print_json(rows)
    else:
        print(f"data: {dataset.description}")
        print(f"{'hidden':>6} {'seed':>4} {'train':>7} {'test':>7} {'fit s':>7} {'epochs':>6}")
        for r in rows:
            print(
                f"{r['hidden']:>6} {r['seed']:>4} {r['train_accuracy']:>7.4f} "
                f"{r['test_accuracy']:>7.4f} {r['fit_seconds']:>7.2f} {r['epochs']:>6}"
            )
    return 0


def _cmd_figures(args: argparse.Namespace) -> int:
    from neuronlab.plots import write_all

    dataset = _load(args.data, args)
    for path in write_all(dataset, Path(args.out), preset=args.preset, quick=args.quick):
        print(path)
    return 0


# The course notebooks ship inside the package (written by notebooks/build_notebook.py).
COURSE_NOTEBOOKS = Path(__file__).resolve().parent / "course"


def _cmd_notebook(args: argparse.Namespace) -> int:
    import importlib.util
    import os
    import subprocess

    if importlib.util.find_spec("jupyterlab") is None:
        raise NeuronLabError(
            "JupyterLab is not installed; run pip install 'neuronlab[notebook]' and try again."
        )
    folder = _user_notebooks(Path(args.dir).expanduser() if args.dir else _notebook_home())
    command = [
        sys.executable,
        "-m",
        "jupyterlab",
        f"--ServerApp.root_dir={folder}",
        "--ServerApp.ip=127.0.0.1",
    ]
    if args.port is not None:
        command.append(f"--ServerApp.port={args.port}")
    if args.no_browser:
        command.append("--no-browser")
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        # Containers and classroom VMs often run as root, where JupyterLab refuses to start.
        command.append("--allow-root")
    env = dict(os.environ)
    if args.cache_dir is not None:  # the notebook's kernel reads the cache from here
        env["NEURONLAB_CACHE"] = str(args.cache_dir)
    print(f"opening {folder} in JupyterLab (Ctrl+C stops it)")
    return subprocess.run(command, check=False, env=env).returncode


def _notebook_home() -> Path:
    """Where the user's own copies of the course notebooks live by default."""
    from platformdirs import user_documents_path

    return user_documents_path() / "neuronlab-notebooks"


def _user_notebooks(folder: Path) -> Path:
    """Copy the course notebooks into ``folder``, never replacing a copy the user already has.

    JupyterLab then edits and saves those copies, so the installed originals stay untouched.
    """
    import shutil

    sources = sorted(COURSE_NOTEBOOKS.glob("*.ipynb"))
    if not sources:
        raise NeuronLabError(
            f"The course notebooks are missing from this install ({COURSE_NOTEBOOKS}); "
            "reinstall neuronlab with pip install 'neuronlab[notebook]'."
        )
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for source in sources:
            target = folder / source.name
            if not target.exists():
                shutil.copyfile(source, target)
    except OSError as error:
        raise NeuronLabError(
            f"Cannot copy the course notebooks into {folder} ({error.strerror}); "
            "pass --dir with a folder you can write to."
        ) from error
    return folder


# --- helpers ------------------------------------------------------------------------------


def _load(source: str | None, args: argparse.Namespace):
    """Load ``source``, or the default data (MNIST, else the embedded digits) when it is None."""
    from neuronlab import data

    progress = not args.quiet
    if source is not None:
        return data.load(source, cache_dir=args.cache_dir, progress=progress)
    dataset = data.load_default(cache_dir=args.cache_dir, progress=progress)
    if dataset.notice:
        print(f"neuronlab: {dataset.notice}", file=sys.stderr)
    return dataset


def _parse_sizes(text: str) -> list[int]:
    try:
        sizes = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        sizes = []
    if not sizes or any(not 1 <= s <= 1000 for s in sizes):
        raise NeuronLabError(
            f"--hidden takes hidden-layer sizes from 1 to 1000 separated by commas "
            f"like 4,9,16,25; got {text!r}."
        )
    return sizes


def _print_json(value: Any) -> None:
    json.dump(value, sys.stdout)
    sys.stdout.write("\n")


def _emit(result: dict[str, Any], args: argparse.Namespace, dataset: Any) -> int:
    """Print a run as one JSON object (``--json``) or as a short report."""
    if args.json:
        _print_json(result)
    else:
        _print_report(result, dataset)
    return 0


def _print_report(result: dict[str, Any], dataset: Any) -> None:
    """A short, readable summary of a training or evaluation run, in the dataset's words."""
    import numpy as np

    from neuronlab.naming import model_name
    from neuronlab.settings import preset_defaults

    presets = {}
    if result.get("preset") in ("module", "fast") and result.get("model") in ("logistic", "mlp"):
        kind, preset = result["model"], result["preset"]
        presets = {kind: {preset: preset_defaults(kind, preset)}}
    counts = np.bincount(dataset.train_labels, minlength=len(dataset.class_names)).tolist()
    print(f"data      {dataset.description}")
    name = model_name(result, presets, dataset.class_names, counts)
    print(f"model     {name}")
    print(f"images    {result['n_train']:,} for training, {result['n_test']:,} for testing")
    if "fit_seconds" in result:
        print(f"fit       {result['fit_seconds']:.2f} s, {result['epochs']} epochs/iterations")
    print(f"accuracy  train {result['train_accuracy']:.4f}   test {result['test_accuracy']:.4f}")
    if result.get("saved"):
        print(f"saved     {result['saved']}")


def _build_parser() -> argparse.ArgumentParser:
    # Options accepted before and after the command. The command's copies default to
    # SUPPRESS, so an option not repeated after the command keeps the value given before
    # it; the top level has its own copies (argparse shares a parent's action objects, and
    # a default set on the top level would otherwise reach every command's copy).
    def global_options(parser: argparse.ArgumentParser, top: bool) -> None:
        parser.add_argument(
            "--cache-dir",
            default=None if top else argparse.SUPPRESS,
            help="where datasets and trained models are kept (default: $NEURONLAB_CACHE "
            "or the platform's cache folder)",
        )
        parser.add_argument(
            "--quiet",
            action="store_true",
            default=False if top else argparse.SUPPRESS,
            help="no progress bars",
        )

    common = _Parser(add_help=False)
    global_options(common, top=False)
    parser = _Parser(
        prog="neuronlab",
        description="Neuron Lab: see how a neural network learns its own features from digits. "
        "With no command, opens the web lab.",
    )
    global_options(parser, top=True)
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")
    source_help = "mnist, fashion-mnist, embedded, or a folder with the four IDX files"

    serve = commands.add_parser("serve", parents=[common], help="open the web lab (default)")
    serve.add_argument("--data", help=f"dataset: {source_help} (default: mnist, else embedded)")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on")
    serve.add_argument("--port", type=_port, default=8765, help="port to listen on")
    serve.add_argument("--no-browser", action="store_true", help="do not open a browser")
    serve.add_argument(
        "--token",
        help=f"access token students need (default: ${TOKEN_ENV}, else a fresh one when "
        "--host is not 127.0.0.1)",
    )
    serve.add_argument(
        "--no-token",
        action="store_true",
        help="let anyone who can reach this computer use the lab, without a token",
    )
    serve.add_argument(
        "--dask",
        metavar="ADDRESS",
        help="run training fits and sweeps on the Dask scheduler at tcp://HOST:PORT",
    )
    serve.set_defaults(handler=_cmd_serve)

    data = commands.add_parser(
        "data", parents=[common], help="list, download, inspect or clear datasets"
    )
    data_commands = data.add_subparsers(title="data commands", metavar="ACTION", required=True)
    listing = data_commands.add_parser("list", parents=[common], help="the datasets you can use")
    listing.set_defaults(handler=_cmd_data_list)
    fetch = data_commands.add_parser("fetch", parents=[common], help="download a dataset")
    fetch.add_argument("name", help="mnist or fashion-mnist")
    fetch.set_defaults(handler=_cmd_data_fetch)
    info = data_commands.add_parser("info", parents=[common], help="describe a dataset")
    info.add_argument("source", help=source_help)
    info.add_argument("--json", action="store_true", help="print one JSON object")
    info.set_defaults(handler=_cmd_data_info)
    clear = data_commands.add_parser("clear", parents=[common], help="empty the cache folder")
    clear.set_defaults(handler=_cmd_data_clear)

    train = commands.add_parser("train", parents=[common], help="train a model and score it")
    train.add_argument("--data", help=f"dataset: {source_help} (default: mnist, else embedded)")
    train.add_argument(
        "--model",
        choices=["logistic", "mlp", "cnn"],
        default="mlp",
        help="cnn: 8 filters of 5x5, 2x2 max-pooling, softmax (the MLP's settings apply)",
    )
    train.add_argument("--classes", help="train on two classes only, e.g. 1,8")
    train.add_argument(
        "--preset",
        choices=["module", "fast"],
        default="module",
        help="module: the course's settings; fast: ours, as accurate in far less time. "
        "The settings below override the preset's",
    )
    train.add_argument("--seed", type=int, default=0)
    knobs = train.add_argument_group("training settings (default: the preset's)")
    knobs.add_argument(
        "--C", dest="C", type=float, help="logistic regression: inverse regularisation, 1e-5..10"
    )
    knobs.add_argument(
        "--multi-class",
        choices=["ovr", "multinomial"],
        help="ten-class logistic regression: one-vs-rest (ovr) or softmax (multinomial)",
    )
    knobs.add_argument(
        "--hidden", type=int, help="MLP: hidden units, 1..400 (CNN: adds a dense layer of them)"
    )
    knobs.add_argument(
        "--activation", choices=["logistic", "relu", "tanh"], help="MLP: hidden activation"
    )
    knobs.add_argument("--alpha", type=float, help="MLP: L2 penalty, 0..10")
    knobs.add_argument(
        "--learning-rate", dest="learning_rate_init", type=float, help="MLP: Adam step, 1e-5..1"
    )
    knobs.add_argument("--batch-size", type=int, help="MLP: images per update, 1..2000")
    knobs.add_argument(
        "--early-stopping",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="MLP: hold 10%% out and keep the best epoch",
    )
    knobs.add_argument(
        "--max-epochs", type=int, help="epochs (MLP) or L-BFGS iterations at most, 1..500"
    )
    knobs.add_argument(
        "--n-train", type=int, help="train on the first N training images (of the pair)"
    )
    knobs.add_argument("--filters", type=int, help="CNN: number of filters, 1..32 (default 8)")
    knobs.add_argument(
        "--filter-size", type=int, help="CNN: filters of 3x3, 5x5 or 7x7 pixels (default 5)"
    )
    knobs.add_argument(
        "--pool",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="CNN: keep the largest of every 2x2 block of its maps (default: on)",
    )
    knobs.add_argument(
        "--augment-shift",
        type=int,
        help="MLP: also train on a copy of the images, each moved by up to this many pixels, "
        "0..4 (default 0: none)",
    )
    train.add_argument("--save", help="save the trained model to this .npz file")
    train.add_argument("--json", action="store_true", help="print one JSON object")
    train.set_defaults(handler=_cmd_train)

    evaluate = commands.add_parser("evaluate", parents=[common], help="score a saved model")
    evaluate.add_argument("--model", required=True, help="a model file saved by neuronlab")
    evaluate.add_argument("--data", help=source_help)
    evaluate.add_argument("--json", action="store_true", help="print one JSON object")
    evaluate.set_defaults(handler=_cmd_evaluate)

    sweep = commands.add_parser("sweep", parents=[common], help="accuracy against hidden units")
    sweep.add_argument("--data", help=source_help)
    sweep.add_argument("--hidden", default="4,9,16,25,36,49,64,81,100", help="sizes to train")
    sweep.add_argument("--seeds", type=int, default=1, help="seeds per size")
    sweep.add_argument("--jobs", type=int, default=-1, help="parallel processes (-1: all cores)")
    sweep.add_argument("--preset", choices=["module", "fast"], default="module")
    sweep.add_argument(
        "--dask", metavar="ADDRESS", help="run the fits on the Dask scheduler at tcp://HOST:PORT"
    )
    sweep.add_argument("--json", action="store_true", help="print a JSON list")
    sweep.set_defaults(handler=_cmd_sweep)

    figures = commands.add_parser("figures", parents=[common], help="write every chapter's PNG")
    figures.add_argument("--data", help=source_help)
    figures.add_argument("--out", default="figures", help="folder for the PNG files")
    figures.add_argument("--preset", choices=["module", "fast"], default="module")
    figures.add_argument(
        "--quick",
        action="store_true",
        help="train on a small subset with small models: a preview in seconds, not for slides",
    )
    figures.set_defaults(handler=_cmd_figures)

    notebook = commands.add_parser(
        "notebook", parents=[common], help="open the course notebook in JupyterLab"
    )
    notebook.add_argument(
        "--dir",
        help="your folder for the notebooks; the course's are copied in once "
        "(default: neuronlab-notebooks in your Documents folder)",
    )
    notebook.add_argument("--port", type=int, help="port for JupyterLab (default: Jupyter's)")
    notebook.add_argument("--no-browser", action="store_true", help="do not open a browser")
    notebook.set_defaults(handler=_cmd_notebook)
    return parser


if __name__ == "__main__":
    sys.exit(main())
