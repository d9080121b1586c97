"""Readers from the formats in use into one :class:`SequenceCorpus`.

- ``s3rec``: one line per user, ``user item item ...`` (chronological, integer ids).
- ``presplit``: a folder with ``train.txt``, ``valid.txt``, ``test.txt``, each line
  ``user<TAB>item<TAB>timestamp`` (the ASReP release; ids from 0). The sequence is
  train (sorted by time, stable) + the valid item + the test item, so leave-one-out
  reproduces the given split.
- ``recbole``: an atomic ``.inter`` file with a ``field:type`` header.
- ``table``: CSV or parquet with user, item and optional timestamp columns; a pandas or
  polars DataFrame goes through :func:`read_dataframe`.

Every malformed input raises :class:`DataError` naming the file and line.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import numpy as np

from seqaug.data.corpus import SequenceCorpus, corpus_from_interactions
from seqaug.errors import DataError

Format = Literal["auto", "s3rec", "presplit", "recbole", "table"]
FORMATS = ("auto", "s3rec", "presplit", "recbole", "table")


def detect_format(path: Path) -> str:
    """Guess the format from the path: folder → presplit, .inter → recbole, csv/parquet → table."""
    if path.is_dir():
        return "presplit"
    suffix = path.suffix.lower()
    if suffix == ".inter":
        return "recbole"
    if suffix in (".csv", ".parquet", ".pq", ".tsv"):
        return "table"
    return "s3rec"


def read_corpus(
    path: str | Path,
    fmt: str = "auto",
    *,
    user_col: str = "user",
    item_col: str = "item",
    time_col: str | None = "timestamp",
) -> SequenceCorpus:
    """Read ``path`` in format ``fmt`` (see module docstring)."""
    path = Path(path)
    if not path.exists():
        raise DataError(str(path), None, "no such file or directory")
    if fmt == "auto":
        fmt = detect_format(path)
    if fmt == "s3rec":
        return read_s3rec(path)
    if fmt == "presplit":
        return read_presplit(path)
    if fmt == "recbole":
        return read_recbole(path)
    if fmt == "table":
        return read_table(path, user_col=user_col, item_col=item_col, time_col=time_col)
    raise DataError(str(path), None, f"unknown format {fmt!r}; valid choices: {', '.join(FORMATS)}")


def _read_lines(path: Path) -> list[str]:
    if path.is_dir():
        raise DataError(str(path), None, "is a folder, expected a file")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as err:
        raise DataError(str(path), None, f"not UTF-8 text ({err.reason} at byte {err.start})") from None
    lines = text.splitlines()
    if not any(line.strip() for line in lines):
        raise DataError(str(path), None, "file is empty")
    return lines


def _int(token: str, path: Path, lineno: int, what: str) -> int:
    try:
        return int(token)
    except ValueError:
        raise DataError(str(path), lineno, f"{what} {token!r} is not an integer") from None


def read_s3rec(path: str | Path) -> SequenceCorpus:
    """One line per user: ``user item item ...`` (blank lines are skipped)."""
    path = Path(path)
    lines = _read_lines(path)
    users: list[int] = []
    items: list[int] = []
    line_of: list[int] = []
    seen: dict[int, int] = {}
    for lineno, line in enumerate(lines, start=1):
        tokens = line.split()
        if not tokens:
            continue
        user = _int(tokens[0], path, lineno, "user id")
        if len(tokens) < 2:
            raise DataError(str(path), lineno, f"user {user} has no items")
        if user in seen:
            raise DataError(str(path), lineno, f"user {user} already appeared on line {seen[user]}")
        seen[user] = lineno
        try:
            row = list(map(int, tokens[1:]))
        except ValueError:
            bad = next(t for t in tokens[1:] if not _is_int(t))
            raise DataError(str(path), lineno, f"item id {bad!r} is not an integer") from None
        users.extend([user] * len(row))
        items.extend(row)
        line_of.extend([lineno] * len(row))
    return corpus_from_interactions(
        np.asarray(users, dtype=np.int64),
        np.asarray(items, dtype=np.int64),
        source=str(path),
        lines=np.asarray(line_of, dtype=np.int64),
    )


def _is_int(token: str) -> bool:
    try:
        int(token)
    except ValueError:
        return False
    return True


def _read_triples(path: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``user<TAB>item<TAB>timestamp`` lines → (users, items, timestamps, line numbers)."""
    if not path.exists():
        raise DataError(str(path), None, "no such file")
    lines = _read_lines(path)
    out = np.zeros((len(lines), 4), dtype=np.int64)
    n = 0
    for lineno, line in enumerate(lines, start=1):
        tokens = line.split()
        if not tokens:
            continue
        if len(tokens) != 3:
            raise DataError(str(path), lineno, f"expected 3 fields 'user item timestamp', found {len(tokens)}")
        out[n, 0] = _int(tokens[0], path, lineno, "user id")
        out[n, 1] = _int(tokens[1], path, lineno, "item id")
        out[n, 2] = _int(tokens[2], path, lineno, "timestamp")
        out[n, 3] = lineno
        n += 1
    out = out[:n]
    return out[:, 0], out[:, 1], out[:, 2], out[:, 3]


def read_presplit(folder: str | Path) -> SequenceCorpus:
    """ASReP-style ``train/valid/test.txt`` folder; valid and test hold one line per user."""
    folder = Path(folder)
    tu, ti, tt, tl = _read_triples(folder / "train.txt")
    parts = [(tu, ti, tt, tl)]
    train_users = set(np.unique(tu).tolist())
    for name in ("valid.txt", "test.txt"):
        u, i, t, ln = _read_triples(folder / name)
        uniq, counts = np.unique(u, return_counts=True)
        if (counts > 1).any():
            k = int(np.argmax(counts > 1))
            dup = np.flatnonzero(u == uniq[k])[1]
            raise DataError(str(folder / name), int(ln[dup]), f"user {uniq[k]} has more than one line")
        unknown = [j for j in range(len(u)) if int(u[j]) not in train_users]
        if unknown:
            j = unknown[0]
            raise DataError(str(folder / name), int(ln[j]), f"user {u[j]} has no training interactions")
        parts.append((u, i, t, ln))
    users = np.concatenate([p[0] for p in parts])
    items = np.concatenate([p[1] for p in parts])
    times = np.concatenate([p[2] for p in parts])
    lines = np.concatenate([p[3] for p in parts])
    # Sort by (part, time): the valid and test items come last whatever their timestamps.
    part = np.concatenate([np.full(len(p[0]), k, dtype=np.int64) for k, p in enumerate(parts)])
    time_rank = np.argsort(np.argsort(times, kind="stable"), kind="stable")
    key = part * (len(times) + 1) + np.where(part == 0, time_rank, 0)
    return corpus_from_interactions(users, items, times, sort_key=key, source=str(folder / "train.txt"), lines=lines)


def read_recbole(path: str | Path) -> SequenceCorpus:
    """RecBole atomic ``.inter`` (tab-separated, header ``name:type``)."""
    import polars as pl

    path = Path(path)
    lines = _read_lines(path)
    header = lines[0].split("\t")
    names = [h.split(":")[0] for h in header]
    if any(":" not in h for h in header):
        raise DataError(str(path), 1, f"header fields must be 'name:type', got {lines[0]!r}")

    def column(kind: str) -> str:
        for name in names:
            if name == f"{kind}_id" or name == kind:
                return name
        raise DataError(str(path), 1, f"no '{kind}_id' column in header; found: {', '.join(names)}")

    ucol, icol = column("user"), column("item")
    tcol = "timestamp" if "timestamp" in names else None
    try:
        df = pl.read_csv(
            path,
            separator="\t",
            has_header=False,
            skip_rows=1,
            new_columns=names,
            schema_overrides={n: pl.String for n in names},
            quote_char=None,
        )
    except pl.exceptions.PolarsError as err:
        raise DataError(str(path), None, f"cannot parse: {str(err).splitlines()[0]}") from None
    return _corpus_from_frame(df, str(path), ucol, icol, tcol, header_lines=1)


def read_table(
    path: str | Path, *, user_col: str = "user", item_col: str = "item", time_col: str | None = "timestamp"
) -> SequenceCorpus:
    """CSV/TSV or parquet with user, item and optional timestamp columns."""
    import polars as pl

    path = Path(path)
    suffix = path.suffix.lower()
    try:
        if suffix in (".parquet", ".pq"):
            df = pl.read_parquet(path)
            header_lines = 0
        else:
            if path.stat().st_size == 0:
                raise DataError(str(path), None, "file is empty")
            sep = "\t" if suffix == ".tsv" else ","
            df = pl.read_csv(path, separator=sep, infer_schema=False)
            header_lines = 1
    except pl.exceptions.PolarsError as err:
        raise DataError(str(path), None, f"cannot parse: {str(err).splitlines()[0]}") from None
    if time_col is not None and time_col not in df.columns:
        time_col = None
    return _corpus_from_frame(df, str(path), user_col, item_col, time_col, header_lines=header_lines)


def read_dataframe(
    df: Any, *, user_col: str = "user", item_col: str = "item", time_col: str | None = "timestamp"
) -> SequenceCorpus:
    """A pandas or polars DataFrame of interactions (sorted by time if ``time_col`` exists)."""
    import polars as pl

    if not isinstance(df, pl.DataFrame):
        df = pl.from_pandas(df)
    if time_col is not None and time_col not in df.columns:
        time_col = None
    return _corpus_from_frame(df, "<DataFrame>", user_col, item_col, time_col, header_lines=0)


def _corpus_from_frame(
    df: Any, source: str, ucol: str, icol: str, tcol: str | None, *, header_lines: int
) -> SequenceCorpus:
    import polars as pl

    for col in (ucol, icol):
        if col not in df.columns:
            raise DataError(source, None, f"no column {col!r}; columns are: {', '.join(df.columns)}")
    if df.height == 0:
        raise DataError(source, None, "no interactions")
    for col in (ucol, icol):
        nulls = df.get_column(col).is_null()
        if nulls.any():
            row = int(nulls.arg_max())  # type: ignore[arg-type]
            raise DataError(source, row + 1 + header_lines, f"missing value in column {col!r}")
    times = None
    if tcol is not None:
        series = df.get_column(tcol)
        if series.dtype == pl.String:
            parsed = series.cast(pl.Float64, strict=False)
            bad = parsed.is_null() & series.is_not_null()
            if bad.any() or series.is_null().any():
                row = int((bad | series.is_null()).arg_max())  # type: ignore[arg-type]
                raise DataError(source, row + 1 + header_lines, f"timestamp {series[row]!r} is not a number")
            series = parsed
        times = series.to_numpy()
        if times.dtype.kind == "f" and np.all(times == np.round(times)):
            times = times.astype(np.int64)
    users = _ids(df.get_column(ucol))
    items = _ids(df.get_column(icol))
    lines = np.arange(1 + header_lines, df.height + 1 + header_lines, dtype=np.int64)
    return corpus_from_interactions(users, items, times, source=source, lines=lines)


def _ids(series: Any) -> np.ndarray:
    """Raw ids: integers stay integers, anything else becomes strings."""
    import polars as pl

    if series.dtype == pl.String:
        as_int = series.cast(pl.Int64, strict=False)
        if as_int.is_null().sum() == 0:
            return as_int.to_numpy()
        return series.to_numpy().astype(object)
    if series.dtype.is_integer():
        return series.cast(pl.Int64).to_numpy()
    return series.cast(pl.String).to_numpy().astype(object)


def write_s3rec(corpus: SequenceCorpus, path: str | Path) -> None:
    """Write ``corpus`` as S3Rec lines (raw user ids, raw item ids), atomically."""
    from seqaug.atomic import atomic_write_text

    raw = corpus.item_ids[corpus.items]
    rows = [
        " ".join([str(corpus.user_ids[u]), *map(str, raw[corpus.offsets[u] : corpus.offsets[u + 1]])])
        for u in range(corpus.num_users)
    ]
    atomic_write_text(Path(path), "\n".join(rows) + "\n")
