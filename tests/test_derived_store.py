"""The store of derived figures beside the cached frames (intake/derived.py)."""

from __future__ import annotations

import os

import numpy as np
import pytest

from salesplan_cli.intake import derived
from salesplan_cli.intake.derived import DerivedStore, remembered


def test_columns_and_values_come_back_as_stored(tmp_path):
    store = DerivedStore(tmp_path)
    columns = {
        "n": np.array([3, -1, 2**40], dtype=np.int64),
        "day": np.array(["2027-01-31", "NaT", "2026-12-03"], dtype="datetime64[ns]"),
        "text": np.array(["a", None, "é\u200b🙂"], dtype=object),
        "flag": np.array([True, False, True]),
    }
    store.put("figure", ("x", 1), columns, {"reps": ["r1", "r2"], "counts": [1, 2]})
    got, values = store.get("figure", ("x", 1))
    assert values == {"reps": ["r1", "r2"], "counts": [1, 2]}
    assert got["n"].dtype == np.int64 and got["n"].tolist() == columns["n"].tolist()
    assert got["day"].dtype == np.dtype("datetime64[ns]")
    np.testing.assert_array_equal(got["day"], columns["day"])
    assert got["text"].tolist() == ["a", None, "é\u200b🙂"]
    assert got["flag"].tolist() == [True, False, True]
    assert store.get("figure", ("x", 2)) is None and store.get("other", ("x", 1)) is None
    assert store.notes == []


def test_a_figure_is_computed_once_then_read_back(tmp_path):
    calls = []

    def compute():
        calls.append(1)
        return [5, 6]

    def encode(figure):
        return {"v": np.array(figure, dtype=np.int64)}, {}

    def decode(columns, _values):
        return columns["v"].tolist()

    store = DerivedStore(tmp_path)
    assert remembered(store, "f", (), compute, encode, decode) == [5, 6]
    assert remembered(DerivedStore(tmp_path), "f", (), compute, encode, decode) == [5, 6]
    assert len(calls) == 1
    assert remembered(None, "f", (), compute, encode, decode) == [5, 6]  # no cache: computed
    assert len(calls) == 2


def test_a_figure_that_does_not_decode_is_computed_again(tmp_path):
    store = DerivedStore(tmp_path)
    store.put("f", (), {"v": np.array([1])}, {})

    def decode(columns, _values):
        return columns["missing"]

    assert remembered(store, "f", (), lambda: "fresh", lambda f: ({"w": np.array([2])}, {}), decode) == "fresh"
    assert store.notes and "did not fit the frames" in store.notes[0]


def test_text_arrow_cannot_hold_is_not_stored(tmp_path):
    store = DerivedStore(tmp_path)
    store.put("f", (), {"text": np.array(["\udcff"], dtype=object)}, {})  # a lone surrogate: no UTF-8
    assert store.get("f", ()) is None and store.notes == []
    assert not [p for p in (tmp_path / derived.FOLDER).iterdir() if p.name.endswith(".tmp")]


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_read_only_entry_leaves_the_figure_unstored(tmp_path):
    tmp_path.chmod(0o500)
    try:
        store = DerivedStore(tmp_path)
        store.put("f", (), {"v": np.array([1])}, {})
        assert store.get("f", ()) is None
    finally:
        tmp_path.chmod(0o700)


def test_old_figures_are_dropped_beyond_the_limit(tmp_path, monkeypatch):
    monkeypatch.setattr(derived, "KEEP", 3)
    store = DerivedStore(tmp_path)
    for day in range(5):
        store.put("f", (day,), {"v": np.array([day])}, {})
        os.utime(store._path("f", store._key("f", (day,))), ns=(day * 10**9, day * 10**9))
    assert len(list((tmp_path / derived.FOLDER).glob("*.arrow"))) == 3
    assert store.get("f", (4,)) is not None and store.get("f", (0,)) is None


def test_a_file_where_the_folder_should_be_is_no_figure_and_no_note(tmp_path):
    (tmp_path / derived.FOLDER).write_text("not a folder")
    store = DerivedStore(tmp_path)
    store.put("f", (), {"v": np.array([1])}, {})
    assert store.get("f", ()) is None and store.notes == []
    assert (tmp_path / derived.FOLDER).read_text() == "not a folder"
