import pandas as pd
import pytest

from mer_core.datasets import DatasetError, fourq, va_to_quadrant


def test_load_fixture(fourq_root):
    tracks = fourq.load(fourq_root, validate=False)
    assert len(tracks) == 8
    assert set(tracks["quadrant"]) == {"Q1", "Q2", "Q3", "Q4"}
    assert {".ogg", ".wav"} == {p[-4:] for p in tracks["path"]}
    assert (tracks["group"] == tracks["track_id"]).all()
    # Latin-1 metadata with quoted commas survives the join
    assert "Björk Guðmundsdóttir" in set(tracks["artist"])
    assert tracks["title"].str.contains(",").all()


def test_validation_counts(fourq_root):
    with pytest.raises(DatasetError, match="expected 900 clips"):
        fourq.load(fourq_root)


def test_missing_audio_named(fourq_root):
    victim = next((fourq_root / "Q2").iterdir())
    victim.unlink()
    with pytest.raises(DatasetError, match=victim.stem):
        fourq.load(fourq_root, validate=False)


def test_folder_disagreement(fourq_root):
    victim = next((fourq_root / "Q2").iterdir())
    victim.rename(fourq_root / "Q3" / victim.name)
    with pytest.raises(DatasetError, match="disagrees"):
        fourq.load(fourq_root, validate=False)


def test_missing_metadata(fourq_root):
    (fourq_root / fourq.METADATA).unlink()
    with pytest.raises(DatasetError, match=fourq.METADATA):
        fourq.load(fourq_root, validate=False)


def test_top100_format(tmp_path):
    header = ["SongID"] + [f"F{i:04d}" for i in range(99)] + ["ORIGINAL-TEXTURE-Musical Layers (Mean)", "Quadrant"]
    rows = [["MT0000004637"] + [0.5] * 100 + ["Q3"], ["MT0000011357"] + [1.5] * 100 + ["Q2"]]
    pd.DataFrame(rows, columns=header).to_csv(tmp_path / fourq.TOP100, index=False, quoting=1)
    table = fourq.load_top100(tmp_path)
    assert table.shape == (2, 102) and table["SongID"].iloc[0] == "MT0000004637"
    pd.DataFrame(rows, columns=header).drop(columns=header[5:50]).to_csv(tmp_path / fourq.TOP100, index=False)
    with pytest.raises(DatasetError, match="102 columns"):
        fourq.load_top100(tmp_path)


def test_va_to_quadrant():
    assert list(va_to_quadrant([0.5, -0.5, -0.5, 0.5], [0.5, 0.5, -0.5, -0.5])) == ["Q1", "Q2", "Q3", "Q4"]
    assert va_to_quadrant(6, 4, midpoint=5) == "Q4"
    assert va_to_quadrant(0.0, 0.0) == "Q1"
