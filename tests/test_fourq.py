import pandas as pd
import pytest

from mer_core.datasets import DatasetError, PartialDatasetWarning, fourq, status, va_to_quadrant


def test_load_fixture(fourq_root):
    tracks = fourq.load(fourq_root)
    assert len(tracks) == 8
    assert set(tracks["quadrant"]) == {"Q1", "Q2", "Q3", "Q4"}
    assert {".ogg", ".wav"} == {p[-4:] for p in tracks["path"]}
    assert (tracks["group"] == tracks["track_id"]).all()
    # Latin-1 metadata with quoted commas survives the join
    assert "Björk Guðmundsdóttir" in set(tracks["artist"])
    assert tracks["title"].str.contains(",").all()
    assert tracks.attrs == {"expected": 8, "missing": [], "empty": []}


def test_strict_checks_the_published_counts(fourq_root):
    with pytest.raises(DatasetError, match="expected 900 clips"):
        fourq.load(fourq_root, strict=True)


def test_partial_copy_loads_without_the_damaged_clips(damaged_fourq):
    root, deleted, emptied, corrupt = damaged_fourq
    with pytest.warns(PartialDatasetWarning, match="2 of 8 annotated clips") as caught:
        tracks = fourq.load(root)
    assert deleted in str(caught[0].message) and emptied in str(caught[0].message)
    assert str(root) not in str(caught[0].message)  # ids, not machine paths
    assert len(tracks) == 6 and {deleted, emptied}.isdisjoint(tracks["track_id"])
    assert corrupt in set(tracks["track_id"])  # not decoded by load; status(deep=True) finds it
    assert tracks.attrs == {"expected": 8, "missing": [deleted], "empty": [emptied]}
    with pytest.raises(DatasetError, match=f"{deleted}.*{emptied}"):
        fourq.load(root, strict=True)


def test_status_counts_missing_and_unreadable(damaged_fourq):
    root, deleted, emptied, corrupt = damaged_fourq
    shallow = status(root.parent).set_index("dataset")
    deep = status(root.parent, deep=True).set_index("dataset")
    assert shallow.loc["4q", ["state", "n_present", "n_expected", "n_missing", "n_unreadable"]].tolist() == \
        ["partial", 6, 8, 1, 1]  # without decoding, only the empty file is unreadable
    assert deep.loc["4q", ["state", "n_present", "n_expected", "n_missing", "n_unreadable"]].tolist() == \
        ["partial", 5, 8, 1, 2]
    assert all(track_id in deep.loc["4q", "detail"] for track_id in (deleted, emptied, corrupt))
    assert deep.loc["4q", "path"] == str(root)
    assert str(root.parent) not in "".join(deep["detail"])
    assert deep.loc["synthetic", "state"] == "absent" and deep.loc["4q_top100", "state"] == "absent"


def test_status_details_name_no_machine_path(fourq_root):
    (fourq_root / fourq.ANNOTATIONS).write_text("Song;Quadrant\n")
    row = status(fourq_root.parent).set_index("dataset").loc["4q"]
    assert row["state"] == "invalid" and "Song,Quadrant" in row["detail"]
    (fourq_root / "Q4").rename(fourq_root / "Q4-moved")
    (fourq_root / fourq.ANNOTATIONS).write_text("Song,Quadrant\n")
    row = status(fourq_root.parent).set_index("dataset").loc["4q"]
    assert row["state"] == "invalid" and "MER_audio_taffc_dataset/Q4" in row["detail"]
    assert str(fourq_root.parent) not in row["detail"] and row["path"] == str(fourq_root)


def test_no_usable_clip_is_an_error(fourq_root):
    for q in ("Q1", "Q2", "Q3", "Q4"):
        for clip in (fourq_root / q).iterdir():
            clip.unlink()
    with pytest.raises(DatasetError, match="8 of 8 annotated clips"):
        fourq.load(fourq_root)


def test_folder_disagreement(fourq_root):
    victim = next((fourq_root / "Q2").iterdir())
    victim.rename(fourq_root / "Q3" / victim.name)
    with pytest.raises(DatasetError, match="disagrees"):
        fourq.load(fourq_root)


def test_missing_metadata(fourq_root):
    (fourq_root / fourq.METADATA).unlink()
    with pytest.raises(DatasetError, match=fourq.METADATA):
        fourq.load(fourq_root)


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
