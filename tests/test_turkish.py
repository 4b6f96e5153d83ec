"""TR-MUSIC (Turkish Music Emotion) features: a tiny copy of the real file's format, and the real file when present."""
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mer_core.datasets import QUADRANTS, DatasetError, load_dataset, status, turkish

HEADER = "Class,_RMSenergy_Mean,_Tempo_Mean,_MFCC_Mean_1"
# the real file's format: unquoted header, every value quoted, LF endings, class blocks relax, happy, sad, angry;
# rows 0 and 1 are one excerpt twice; row 4 has row 2's features but another class (not a repeat)
ROWS = [("relax", "0.052", "130.043", "3.997"), ("relax", "0.052", "130.043", "3.997"),
        ("happy", "0.125", "142.240", "4.058"), ("happy", "0.046", "101.600", "-0.151"),
        ("sad", "0.125", "142.240", "4.058"), ("sad", "0.080", "95.000", "1.000"),
        ("angry", "0.300", "160.500", "11508.298"), ("angry", "0.210", "171.000", "-3.484")]


def write_features(root: Path, rows=ROWS, header: str = HEADER) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    lines = [header] + [",".join(f'"{v}"' for v in row) for row in rows]
    path = root / turkish.FILENAME
    path.write_bytes(("\n".join(lines) + "\n").encode())
    return path


@pytest.fixture
def turkish_root(tmp_path):
    """``turkish_music_emotion/Acoustic Features.csv`` with 2 excerpts per class and 3 MIRtoolbox features."""
    root = tmp_path / turkish.DIRNAME
    write_features(root)
    return root


def test_rows_in_file_order_with_labels_quadrants_and_float_features(turkish_root):
    table = turkish.load(turkish_root)
    assert list(table.columns) == ["track_id", "dataset", "group", "label", "quadrant",
                                   "_RMSenergy_Mean", "_Tempo_Mean", "_MFCC_Mean_1"]
    assert turkish.TRACK_COLUMNS == list(table.columns[:5])
    assert table["track_id"].tolist() == [f"tr_{i:03d}" for i in range(8)]
    # an exact copy shares its original's group, so a grouped split never separates them
    assert table["group"].tolist() == ["tr_000", "tr_000"] + [f"tr_{i:03d}" for i in range(2, 8)]
    assert (table["dataset"] == "turkish").all()
    assert table["label"].tolist() == [r[0] for r in ROWS]
    assert table["quadrant"].tolist() == ["Q4", "Q4", "Q1", "Q1", "Q3", "Q3", "Q2", "Q2"]
    assert turkish.feature_columns(table) == ["_RMSenergy_Mean", "_Tempo_Mean", "_MFCC_Mean_1"]
    X = table[turkish.feature_columns(table)]
    assert (X.dtypes == np.float64).all()
    np.testing.assert_array_equal(X.to_numpy(), np.array([r[1:] for r in ROWS], dtype=float))
    assert table.loc[6, "_MFCC_Mean_1"] == 11508.298 and table.loc[7, "_MFCC_Mean_1"] == -3.484
    assert table.attrs["duplicates"] == [("tr_000", "tr_001")]  # tr_002 / tr_004: same features, other class


def test_quadrant_mapping_follows_russell():
    assert turkish.QUADRANT_OF_CLASS == {"happy": "Q1", "angry": "Q2", "sad": "Q3", "relax": "Q4"}
    assert [turkish.QUADRANT_OF_CLASS[c] for c in turkish.CLASSES] == list(QUADRANTS)


def test_whitespace_around_names_and_values_is_stripped(tmp_path):
    rows = [(f" {r[0]} ", *r[1:]) for r in ROWS]
    root = tmp_path / turkish.DIRNAME
    write_features(root, rows, header="Class, _RMSenergy_Mean ,_Tempo_Mean,_MFCC_Mean_1 ")
    table = turkish.load(root)
    assert turkish.feature_columns(table) == ["_RMSenergy_Mean", "_Tempo_Mean", "_MFCC_Mean_1"]
    assert table["label"].tolist() == [r[0] for r in ROWS]


def _with(row: int, column: int, value: str):
    rows = [list(r) for r in ROWS]
    rows[row][column] = value
    return rows


@pytest.mark.parametrize("rows, header, message", [
    (ROWS, HEADER.replace("Class", "Emotion"), "no 'Class' column"),
    (_with(5, 0, "fear"), HEADER, "row 5 \\(tr_005\\), column 'Class': unknown class 'fear' \\(expected one of"),
    (_with(2, 0, "Happy"), HEADER, "row 2 \\(tr_002\\), column 'Class': unknown class 'Happy'"),
    (_with(3, 2, "fast"), HEADER, "row 3 \\(tr_003\\), column '_Tempo_Mean': 'fast' is not a finite number"),
    (_with(7, 3, ""), HEADER, "row 7 \\(tr_007\\), column '_MFCC_Mean_1': '' is not a finite number"),
    (_with(0, 1, "inf"), HEADER, "row 0 \\(tr_000\\), column '_RMSenergy_Mean': 'inf' is not a finite number"),
    (_with(4, 1, "NaN"), HEADER, "row 4 \\(tr_004\\), column '_RMSenergy_Mean': 'NaN' is not a finite number"),
    (ROWS, HEADER.replace("_Tempo_Mean", "Tempo_Mean"), "column 'Tempo_Mean' is not a MIRtoolbox feature"),
    (ROWS, HEADER.replace("_Tempo_Mean", "_RMSenergy_Mean"), "\\['_RMSenergy_Mean'\\] appear twice"),
    ([r[:1] for r in ROWS], "Class", "no feature columns"),
    ([], HEADER, "no rows below the header"),
])
def test_malformed_files_raise_one_line(tmp_path, rows, header, message):
    root = tmp_path / turkish.DIRNAME
    write_features(root, rows, header)
    with pytest.raises(DatasetError, match=message) as err:
        turkish.load(root)
    assert "\n" not in str(err.value) and str(err.value).startswith(turkish.FILENAME)
    row = status(tmp_path).set_index("dataset").loc["turkish"]
    assert row["state"] == "invalid" and str(tmp_path) not in row["detail"]


def test_the_first_bad_cell_in_file_order_is_named(tmp_path):
    rows = _with(6, 1, "x")
    rows[2][3] = "y"
    write_features(tmp_path / turkish.DIRNAME, rows)
    with pytest.raises(DatasetError, match="row 2 \\(tr_002\\), column '_MFCC_Mean_1': 'y'"):
        turkish.load(tmp_path / turkish.DIRNAME)


def test_missing_and_unreadable_files(tmp_path):
    root = tmp_path / turkish.DIRNAME
    with pytest.raises(DatasetError, match="TR-MUSIC features not found: .*Acoustic Features.csv"):
        turkish.load(root)
    root.mkdir()
    with pytest.raises(DatasetError, match="Acoustic Features.csv") as err:
        turkish.load(root)
    assert "\n" not in str(err.value)
    row = status(tmp_path).set_index("dataset").loc["turkish"]
    assert row["state"] == "invalid" and row["detail"] == "TR-MUSIC features not found: turkish_music_emotion/" \
        "Acoustic Features.csv"
    (root / turkish.FILENAME).write_bytes(b"")
    with pytest.raises(DatasetError, match="not a readable CSV"):
        turkish.load(root)
    (root / turkish.FILENAME).write_text(HEADER + '\n"relax","1","2","3","4"\n')
    with pytest.raises(DatasetError, match="not a readable CSV") as err:
        turkish.load(root)
    assert "\n" not in str(err.value)


def test_status_row_and_load_dataset(turkish_root):
    row = status(turkish_root.parent).set_index("dataset").loc["turkish"]
    assert row[["state", "n_present", "n_expected", "n_missing", "n_unreadable", "path"]].tolist() == \
        ["ok", 8, 8, 0, 0, str(turkish_root)]
    assert row["detail"] == "8 excerpts x 3 MIRtoolbox features; audio not public"
    table = load_dataset("turkish", turkish_root.parent)
    pd.testing.assert_frame_equal(table, turkish.load(turkish_root))
    assert status(turkish_root.parent / "elsewhere").set_index("dataset").loc["turkish", "state"] == "absent"


def _real_root():
    for d in os.environ.get("MER_DATA_DIR", "").split(os.pathsep):
        if d and (Path(d) / turkish.DIRNAME / turkish.FILENAME).is_file():
            return Path(d) / turkish.DIRNAME
    return None


@pytest.mark.skipif(_real_root() is None, reason="the real TR-MUSIC features are not on MER_DATA_DIR")
def test_real_file():
    table = turkish.load(_real_root())
    features = turkish.feature_columns(table)
    assert len(table) == turkish.N_EXCERPTS == 400 and len(features) == turkish.N_FEATURES == 50
    assert table["label"].value_counts().to_dict() == {"relax": 100, "happy": 100, "sad": 100, "angry": 100}
    assert table["quadrant"].value_counts().to_dict() == {"Q1": 100, "Q2": 100, "Q3": 100, "Q4": 100}
    assert np.isfinite(table[features].to_numpy()).all()
    assert features[:2] == ["_RMSenergy_Mean", "_Lowenergy_Mean"] and features[-1] == \
        "_HarmonicChangeDetectionFunction_PeriodEntropy"
    assert table.loc[0, ["label", "_Tempo_Mean"]].tolist() == ["relax", 130.043]
    assert table["label"].iloc[::100].tolist() == ["relax", "happy", "sad", "angry"]  # class blocks, file order
    assert len(table.attrs["duplicates"]) == 12 and ("tr_110", "tr_168") in table.attrs["duplicates"]
    assert table["group"].nunique() == 388 and table.loc[168, "group"] == "tr_110"
    assert turkish.summary(table) == "400 excerpts x 50 MIRtoolbox features; audio not public"
