"""Results CSVs read back (the command line's and a review's export) and a review's corrections written out."""

from __future__ import annotations

import csv
import io

import pytest

from digitpad.folders.batch import CSV_COLUMNS, Row, write_csv
from digitpad.folders.results import (
    ACCEPTED, CORRECTED, NOT_REVIEWED, REVIEWED_CSV_COLUMNS, ResultsFileError, ReviewedRow, read_results_csv,
    write_reviewed_csv,
)

ROWS = [
    Row("a/one.png", "7", 0.91234, "", "7:0.912 1:0.050 2:0.010", "0.912"),
    Row("b.png", "2026", 0.5, "", "0:0.500 6:0.400 8:0.050", "0.998 0.500 0.990 0.999"),
    Row("broken.png", error="not an image"),
]


def write_cli_csv(path, rows) -> None:
    with open(path, "w", newline="", encoding="utf-8") as stream:
        write_csv(rows, stream)


def test_a_command_line_csv_reads_back_row_for_row(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "one.png").write_bytes(b"png")
    (tmp_path / "broken.png").write_bytes(b"png")
    write_cli_csv(tmp_path / "results.csv", ROWS)
    results = read_results_csv(tmp_path / "results.csv")
    assert [reviewed.row for reviewed in results.rows] == [
        Row("a/one.png", "7", 0.9123, "", "7:0.912 1:0.050 2:0.010", "0.912"), ROWS[1], ROWS[2]]
    assert all(reviewed.reviewed == NOT_REVIEWED and reviewed.digit == reviewed.row.digit for reviewed in results.rows)
    assert results.image_paths == [str(tmp_path / "a" / "one.png"), str(tmp_path / "b.png"),
                                   str(tmp_path / "broken.png")]
    assert results.missing == [1]


def test_absolute_paths_and_paths_relative_to_where_classify_ran(tmp_path, monkeypatch):
    image = tmp_path / "elsewhere" / "x.png"
    image.parent.mkdir()
    image.write_bytes(b"png")
    (tmp_path / "out").mkdir()
    write_cli_csv(tmp_path / "out" / "r.csv", [Row(str(image), "1", 0.9), Row("elsewhere/x.png", "1", 0.9)])
    monkeypatch.chdir(tmp_path)  # `digitpad classify elsewhere --csv out/r.csv` ran here
    results = read_results_csv(tmp_path / "out" / "r.csv")
    assert results.image_paths == [str(image), str(image)] and results.missing == []


def test_a_review_exports_the_answer_the_models_answer_and_the_review_then_reads_back(tmp_path):
    reviewed = [ReviewedRow(ROWS[0], "1", CORRECTED), ReviewedRow(ROWS[1], "2026", ACCEPTED),
                ReviewedRow.unreviewed(ROWS[2])]
    stream = io.StringIO()
    assert write_reviewed_csv(reviewed, stream) == (3, 1)
    table = list(csv.reader(io.StringIO(stream.getvalue())))
    assert tuple(table[0]) == REVIEWED_CSV_COLUMNS and REVIEWED_CSV_COLUMNS[:len(CSV_COLUMNS)] == CSV_COLUMNS
    assert table[1] == ["a/one.png", "1", "0.9123", "", "7:0.912 1:0.050 2:0.010", "0.912", "", "7", "corrected"]
    assert table[2][1] == table[2][7] == "2026" and table[2][8] == "accepted"
    assert table[3] == ["broken.png", "", "", "not an image", "", "", "", "", "no"]
    (tmp_path / "review.csv").write_text(stream.getvalue(), encoding="utf-8")
    again = read_results_csv(tmp_path / "review.csv").rows
    assert [(row.digit, row.row.digit, row.reviewed) for row in again] == [
        ("1", "7", CORRECTED), ("2026", "2026", ACCEPTED), ("", "", NOT_REVIEWED)]


@pytest.mark.parametrize("text, reason", [
    ("name,value\nx,1\n", "no path or digit column"),
    ("path,digit,confidence\na.png,7,high\n", "line 2: the confidence 'high' is not a number"),
    ("path,digit,confidence\na.png,7,1.5\n", "not between 0 and 1"),
    ("path,digit,reviewed\na.png,7,maybe\n", "reviewed is 'maybe'"),
    ("path,digit\n,7\n", "line 2: no path"),
])
def test_a_file_that_is_not_a_results_csv_says_why(tmp_path, text, reason):
    path = tmp_path / "results.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ResultsFileError, match=reason.replace("(", r"\(")):
        read_results_csv(path)


def test_a_binary_file_is_refused_with_a_reason(tmp_path):
    path = tmp_path / "photo.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\xff\xfe\x00")
    with pytest.raises(ResultsFileError, match="not UTF-8"):
        read_results_csv(path)


def test_a_review_export_keeps_a_file_name_that_is_not_utf8(tmp_path):
    """The window's export writes a name made on an older system as its own bytes, and reads it back the same."""
    from digitpad.gui.main.files import write_results_csv

    name = "caf\udce9.png"  # b"caf\xe9.png" (Latin-1) as the file system hands it to Python
    rows = [ReviewedRow(Row(str(tmp_path / name), "7", 0.9, "", "7:0.900", "0.900"), "1", CORRECTED)]
    output = tmp_path / "reviewed.csv"
    write_results_csv(rows, output)
    assert b"caf\xe9.png" in output.read_bytes()
    [read] = read_results_csv(output).rows
    assert read.row.path == str(tmp_path / name) and (read.digit, read.reviewed) == ("1", CORRECTED)
