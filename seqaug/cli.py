"""The ``seqaug`` command line. Errors caused by input are one line, exit code 2."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Annotated, Optional

import typer

from seqaug.errors import SeqaugError

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Sequential recommendation with data augmentation.")
data_app = typer.Typer(no_args_is_help=True, help="Inspect datasets.")
app.add_typer(data_app, name="data")

SetOpt = Annotated[Optional[list[str]], typer.Option("--set", help="Override a config key: a.b=value")]


def _echo(msg: str) -> None:
    typer.echo(msg)


@app.command("train")
def train_cmd(
    config: Annotated[Path, typer.Argument(help="Experiment YAML")],
    set_: SetOpt = None,
    out: Annotated[Optional[Path], typer.Option("--out", help="Run folder (default runs/<name>)")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", help="No per-epoch lines")] = False,
) -> None:
    """Train (or resume) an experiment; prints and saves the final test metrics."""
    from seqaug import experiment
    from seqaug.config import load_config
    from seqaug.evaluate.report import render

    cfg = load_config(config, set_ or [])
    run_dir = out or Path("runs") / (cfg.name or config.stem)
    results = experiment.train(
        cfg, run_dir, log=(lambda _m: None) if quiet else _echo, progress=sys.stdout.isatty() and not quiet
    )
    metrics = list(results["test"])
    typer.echo(f"test ({results['protocol']['name']}), best epoch {results['best_epoch']}, run {run_dir}:")
    typer.echo(render(metrics, [[f"{results['test'][m]:.4f}" for m in metrics]], "markdown"))


@app.command("evaluate")
def evaluate_cmd(
    run_dir: Annotated[Path, typer.Argument(help="Run folder with config.yaml and best.pt")],
    split: Annotated[str, typer.Option(help="valid or test")] = "test",
    set_: SetOpt = None,
    output: Annotated[Optional[Path], typer.Option(help="Also write the metrics as JSON here")] = None,
) -> None:
    """Evaluate a run's best checkpoint (optionally under another protocol via --set eval.*)."""
    from seqaug.atomic import atomic_write_json
    from seqaug.experiment import evaluate_run

    if split not in ("valid", "test"):
        raise SeqaugError(f"--split {split!r}: valid choices: valid, test")
    res = evaluate_run(run_dir, set_ or [], split)
    if output:
        atomic_write_json(output, res)
    typer.echo(json.dumps(res, indent=2))


@app.command("recommend")
def recommend_cmd(
    run_dir: Annotated[Path, typer.Argument(help="Run folder with config.yaml and best.pt")],
    out: Annotated[Path, typer.Option("--out", help="CSV to write: user,rank,item,score (raw ids)")],
    k: Annotated[int, typer.Option("--k", help="Items per user")] = 10,
    users: Annotated[Optional[str], typer.Option(help="Comma-separated raw user ids (default: all)")] = None,
    users_file: Annotated[Optional[Path], typer.Option(help="File with one raw user id per line")] = None,
    keep_history: Annotated[bool, typer.Option("--keep-history", help="Also recommend items the user has")] = False,
) -> None:
    """Top-k items per user after each user's whole known sequence (best checkpoint)."""
    from seqaug.evaluate.recommend import select_users, top_k, write_csv
    from seqaug.experiment import load_trained

    if users is not None and users_file is not None:
        raise SeqaugError("give --users or --users-file, not both")
    raw, source = None, "--users"
    if users is not None:
        raw = [u.strip() for u in users.split(",") if u.strip()]
    elif users_file is not None:
        if not users_file.is_file():
            raise SeqaugError(f"--users-file: {users_file} does not exist")
        raw, source = users_file.read_text(encoding="utf-8").splitlines(), str(users_file)
    p = load_trained(run_dir)
    corpus = p.split.full
    idx = select_users(corpus, raw, source)
    items, scores = top_k(
        p.method, corpus, idx, k, max_len=p.cfg.data.max_len, keep_history=keep_history, device=p.device
    )
    write_csv(out, corpus, idx, items, scores)
    typer.echo(f"{len(idx)} users × {k} items → {out}")


@data_app.command("stats")
def stats_cmd(
    path: Annotated[Path, typer.Argument(help="Data file or presplit folder")],
    format: Annotated[str, typer.Option("--format", help="auto, s3rec, presplit, recbole, table")] = "auto",
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON")] = False,
) -> None:
    """Users, items, interactions, average length and sparsity of a dataset."""
    from seqaug.data.readers import FORMATS, read_corpus
    from seqaug.data.stats import corpus_stats, format_stats

    if format not in FORMATS:
        raise SeqaugError(f"--format {format!r}: valid choices: {', '.join(FORMATS)}")
    stats = corpus_stats(read_corpus(path, format))
    typer.echo(json.dumps(stats, indent=2) if as_json else format_stats(stats))


@app.command("report")
def report_cmd(
    runs: Annotated[list[Path], typer.Argument(help="Run folders (or results.json files)")],
    format: Annotated[str, typer.Option("--format", help="markdown, csv or latex")] = "markdown",
    metrics: Annotated[str, typer.Option(help="Comma-separated metrics")] = "hr@10,ndcg@10,hr@20,ndcg@20",
    split: Annotated[str, typer.Option(help="valid or test")] = "test",
    group: Annotated[bool, typer.Option("--group", help="Average runs that differ only in seed")] = False,
) -> None:
    """A table of results across runs."""
    from seqaug.evaluate.report import FORMATS, load_results, render, table

    if format not in FORMATS:
        raise SeqaugError(f"--format {format!r}: valid choices: {', '.join(FORMATS)}")
    names = [m.strip() for m in metrics.split(",")]
    header, body = table(load_results(runs), names, split, group)
    typer.echo(render(header, body, format, n_metrics=len(names)))


@app.command("quickstart")
def quickstart_cmd(
    out: Annotated[Path, typer.Option(help="Folder for the synthetic data and runs")] = Path("quickstart_run"),
    epochs: Annotated[int, typer.Option(help="Maximum epochs per model")] = 20,
) -> None:
    """Synthetic data → SASRec and GRU4Rec → a results table (offline, ~1 minute)."""
    from seqaug.quickstart import run_quickstart

    typer.echo(run_quickstart(out, epochs=epochs, log=_echo))


def main() -> None:
    try:
        app(standalone_mode=False)
    except SeqaugError as err:
        typer.echo(f"error: {err}", err=True)
        raise SystemExit(2) from None
    except KeyboardInterrupt:
        typer.echo("interrupted; run the same command again to resume", err=True)
        raise SystemExit(130) from None
    except Exception as err:  # usage errors (unknown option, missing argument)
        usage = _click_exceptions()
        if isinstance(err, usage.ClickException):
            err.show()
            raise SystemExit(err.exit_code) from None
        if isinstance(err, usage.Abort):
            raise SystemExit(1) from None
        raise


def _click_exceptions() -> ModuleType:
    """The click exception classes that typer raises: recent typers (0.29 here) vendor click
    as ``typer._click`` and no longer install click; older ones use click itself."""
    try:
        from typer._click import exceptions
    except ImportError:
        from click import exceptions
    return exceptions


if __name__ == "__main__":
    main()
