from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest

from seqaug.data.readers import read_corpus, read_dataframe, write_s3rec
from seqaug.errors import DataError


def seqs(corpus) -> list[list]:
    raw = corpus.item_ids
    return [raw[corpus.sequence(u)].tolist() for u in range(corpus.num_users)]


def test_s3rec_roundtrip_and_identity_ids(tmp_path: Path) -> None:
    path = tmp_path / "d.txt"
    path.write_text("1 1 2 3\n2 2 3 4 5\n\n3 5 1 4\n")
    c = read_corpus(path)
    assert c.num_users == 3 and c.num_items == 5 and c.num_interactions == 10
    assert c.items.tolist() == [1, 2, 3, 2, 3, 4, 5, 5, 1, 4]  # contiguous raw ids map to themselves
    assert c.user_lines.tolist() == [1, 2, 4]
    write_s3rec(c, tmp_path / "out.txt")
    assert seqs(read_corpus(tmp_path / "out.txt")) == seqs(c)


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        ("1 1 2\n2 3 x 4\n", 2, "item id 'x' is not an integer"),
        ("1 1 2\nabc 3 4\n", 2, "user id 'abc' is not an integer"),
        ("1 1 2\n2\n", 2, "has no items"),
        ("1 1 2\n1 3 4\n", 2, "already appeared on line 1"),
    ],
)
def test_s3rec_errors_name_file_and_line(tmp_path: Path, text: str, line: int, fragment: str) -> None:
    path = tmp_path / "bad.txt"
    path.write_text(text)
    with pytest.raises(DataError) as err:
        read_corpus(path)
    assert f"bad.txt:{line}:" in str(err.value) and fragment in str(err.value)


def test_empty_and_missing_files(tmp_path: Path) -> None:
    (tmp_path / "empty.txt").write_text("\n\n")
    with pytest.raises(DataError, match="empty"):
        read_corpus(tmp_path / "empty.txt")
    with pytest.raises(DataError, match="no such file"):
        read_corpus(tmp_path / "missing.txt")


def write_presplit(folder: Path, train: list[tuple], valid: list[tuple], test: list[tuple]) -> None:
    folder.mkdir()
    for name, rows in (("train", train), ("valid", valid), ("test", test)):
        (folder / f"{name}.txt").write_text("".join("\t".join(map(str, r)) + "\n" for r in rows))


def test_presplit_orders_train_by_time_then_valid_then_test(tmp_path: Path) -> None:
    folder = tmp_path / "asrep"
    # user 0: train items 5 (t=20), 3 (t=10), 4 (t=10 tie, after 3 in file order); valid 7; test 0.
    write_presplit(
        folder,
        train=[(0, 5, 20), (0, 3, 10), (0, 4, 10), (1, 1, 5), (1, 2, 6)],
        valid=[(0, 7, 1), (1, 3, 7)],  # valid timestamp earlier than train: still goes after train
        test=[(1, 4, 8), (0, 0, 30)],
    )
    c = read_corpus(folder)
    assert seqs(c) == [[3, 4, 5, 7, 0], [1, 2, 3, 4]]
    assert c.timestamps[:5].tolist() == [10, 10, 20, 1, 30]
    assert c.item_ids[1] == 0  # ids from 0 map to internal 1


def test_presplit_errors(tmp_path: Path) -> None:
    folder = tmp_path / "p"
    write_presplit(folder, train=[(0, 1, 1), (1, 2, 2)], valid=[(0, 3, 3), (0, 4, 4)], test=[(0, 5, 5)])
    with pytest.raises(DataError, match=r"valid.txt:2: user 0 has more than one line"):
        read_corpus(folder)
    (folder / "valid.txt").write_text("0\t3\t3\n7\t3\t3\n")
    with pytest.raises(DataError, match=r"valid.txt:2: user 7 has no training"):
        read_corpus(folder)
    (folder / "valid.txt").write_text("0\t3\tnoon\n")
    with pytest.raises(DataError, match=r"valid.txt:1: timestamp 'noon' is not an integer"):
        read_corpus(folder)
    (folder / "test.txt").unlink()
    (folder / "valid.txt").write_text("0\t3\t3\n")
    with pytest.raises(DataError, match="test.txt: no such file"):
        read_corpus(folder)


def test_recbole_inter(tmp_path: Path) -> None:
    path = tmp_path / "ml.inter"
    path.write_text(
        "user_id:token\titem_id:token\trating:float\ttimestamp:float\n"
        "u1\tA\t5\t30\nu2\tB\t3\t10\nu1\tB\t4\t10\nu1\tC\t4\t20\nu2\tA\t1\t5\n"
    )
    c = read_corpus(path)
    assert c.user_ids.tolist() == ["u1", "u2"]
    assert seqs(c) == [["B", "C", "A"], ["A", "B"]]
    assert c.timestamps.tolist() == [10, 20, 30, 5, 10]
    path.write_text("user\titem\n1\t2\n")
    with pytest.raises(DataError, match=r"ml.inter:1: header fields must be 'name:type'"):
        read_corpus(path)


def test_csv_parquet_and_dataframe(tmp_path: Path) -> None:
    df = pl.DataFrame({"user": [2, 1, 2, 1, 2], "item": [10, 11, 12, 13, 10], "timestamp": [3, 1, 1, 2, 1]})
    df.write_csv(tmp_path / "x.csv")
    df.write_parquet(tmp_path / "x.parquet")
    for c in (read_corpus(tmp_path / "x.csv"), read_corpus(tmp_path / "x.parquet"), read_dataframe(df)):
        assert c.user_ids.tolist() == [2, 1]
        # ties (t=1 for items 12 and 10 of user 2) keep input order: 12 before 10
        assert seqs(c) == [[12, 10, 10], [11, 13]]


def test_csv_errors(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text("user,item,timestamp\n1,2,3\n1,,4\n")
    with pytest.raises(DataError, match=r"a.csv:3: missing value in column 'item'"):
        read_corpus(tmp_path / "a.csv")
    (tmp_path / "b.csv").write_text("uid,item\n1,2\n")
    with pytest.raises(DataError, match=r"no column 'user'; columns are: uid, item"):
        read_corpus(tmp_path / "b.csv")
    (tmp_path / "c.csv").write_text("user,item,timestamp\n1,2,yesterday\n")
    with pytest.raises(DataError, match=r"c.csv:2: timestamp 'yesterday' is not a number"):
        read_corpus(tmp_path / "c.csv")


def test_string_ids_sorted_internally(tmp_path: Path) -> None:
    df = pl.DataFrame({"user": ["a", "a", "b"], "item": ["z", "y", "z"]})
    c = read_dataframe(df)
    assert c.item_ids[1:].tolist() == ["y", "z"]
    assert np.array_equal(c.items, [2, 1, 2])
