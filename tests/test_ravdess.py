"""RAVDESS song loader: a tiny generated copy in the published layout, and the real copy when present."""
import os
from pathlib import Path

import pytest
import soundfile as sf
from conftest import SR, tone

from mer_core.datasets import DatasetError, PartialDatasetWarning, load_dataset, ravdess, status

# (folder, file name, format): actors 1 (male) and 2 (female), the real files' name convention
RAVDESS_CLIPS = [("Actor_01", "03-02-01-01-01-01-01.ogg", "OGG"), ("Actor_01", "03-02-05-02-02-01-01.ogg", "OGG"),
                 ("Actor_01", "03-02-03-01-01-02-01.wav", "WAV"), ("Actor_02", "03-02-06-02-01-01-02.ogg", "OGG"),
                 ("Actor_02", "03-02-02-01-02-02-02.wav", "WAV")]


@pytest.fixture
def ravdess_root(tmp_path):
    """RAVDESS song clips in the published layout: 5 short clips of actors 01 and 02 (Ogg/Vorbis and WAV)."""
    root = tmp_path / "RAVDESS"
    for i, (actor, name, fmt) in enumerate(RAVDESS_CLIPS):
        folder = root / "Audio_Song_Actors_01-24" / actor
        folder.mkdir(parents=True, exist_ok=True)
        sf.write(folder / name, tone(200 + 40 * i, 0.5), SR, format=fmt)
    (root / "Audio_Song_Actors_01-24" / "Actor_01" / ".DS_Store").write_bytes(b"\0")  # hidden: ignored
    return root


def test_fields_parsed_from_the_file_names(ravdess_root):
    with pytest.warns(PartialDatasetWarning, match="1007 of 1012 song clips"):
        tracks = ravdess.load(ravdess_root)
    assert list(tracks.columns) == ["track_id", "path", "dataset", "group", "label", "emotion", "intensity",
                                    "statement", "repetition", "actor", "sex"]
    # sorted by actor, then id
    assert tracks["track_id"].tolist() == ["03-02-01-01-01-01-01", "03-02-03-01-01-02-01", "03-02-05-02-02-01-01",
                                           "03-02-02-01-02-02-02", "03-02-06-02-01-01-02"]
    row = tracks.set_index("track_id").loc["03-02-05-02-02-01-01"]
    assert row[["dataset", "group", "label", "emotion", "intensity", "statement", "repetition", "actor", "sex"]]\
        .tolist() == ["ravdess", "Actor_01", "angry", "angry", "strong", 2, 1, 1, "male"]
    assert tracks["label"].tolist() == ["neutral", "happy", "angry", "calm", "fearful"]
    assert (tracks["label"] == tracks["emotion"]).all()
    assert tracks["intensity"].tolist() == ["normal", "normal", "strong", "normal", "strong"]
    assert tracks["repetition"].tolist() == [1, 2, 1, 2, 1] and tracks["statement"].tolist() == [1, 1, 2, 2, 1]


def test_sex_from_actor_parity_and_actor_groups(ravdess_root):
    with pytest.warns(PartialDatasetWarning):
        tracks = ravdess.load(ravdess_root)
    assert dict(zip(tracks["actor"], tracks["sex"])) == {1: "male", 2: "female"}
    assert tracks.groupby("group")["actor"].unique().map(list).to_dict() == {"Actor_01": [1], "Actor_02": [2]}
    assert all(Path(p).parent.name == g and Path(p).stem == t
               for p, g, t in zip(tracks["path"], tracks["group"], tracks["track_id"]))


def test_missing_clips_of_the_song_set_are_counted(ravdess_root):
    with pytest.warns(PartialDatasetWarning):
        tracks = ravdess.load(ravdess_root)
    assert tracks.attrs["expected"] == 1012 and len(tracks.attrs["missing"]) == 1007 and tracks.attrs["empty"] == []
    assert tracks.attrs["description"] == "RAVDESS song, truncated to 2.39 s"
    ids = ravdess.expected_ids()
    assert len(ids) == len(set(ids)) == 1012 and not any(i.endswith("-18") for i in ids)
    assert sum(i.startswith("03-02-01-") for i in ids) == 23 * 4  # neutral: normal intensity only
    (ravdess_root / "Audio_Song_Actors_01-24" / "Actor_02" / RAVDESS_CLIPS[3][1]).write_bytes(b"")
    with pytest.warns(PartialDatasetWarning, match="1 with an empty"):
        tracks = ravdess.load(ravdess_root)
    assert tracks.attrs["empty"] == ["03-02-06-02-01-01-02"] and len(tracks) == 4


def test_status_row_and_load_dataset(ravdess_root):
    row = status(ravdess_root.parent).set_index("dataset").loc["ravdess"]
    assert row[["state", "n_present", "n_expected", "n_missing", "n_unreadable"]].tolist() == \
        ["partial", 5, 1012, 1007, 0]
    assert row["detail"].startswith("5 of 1012 clips usable; 1007 missing")
    assert row["detail"].endswith("; RAVDESS song, truncated to 2.39 s")
    assert str(ravdess_root.parent) not in row["detail"]
    deep = status(ravdess_root.parent, deep=True).set_index("dataset").loc["ravdess"]
    assert deep[["state", "n_present", "n_unreadable"]].tolist() == ["partial", 5, 0]
    with pytest.warns(PartialDatasetWarning):
        assert len(load_dataset("ravdess", ravdess_root.parent)) == 5
    assert status(ravdess_root.parent / "elsewhere").set_index("dataset").loc["ravdess", "state"] == "absent"


@pytest.mark.parametrize("name, message", [
    ("03-02-01-01-01-01.ogg", "does not follow the file name convention"),
    ("song1.wav", "does not follow the file name convention"),
    ("notes.txt", "does not follow the file name convention"),
    ("03-01-01-01-01-01-01.wav", "is not a song audio clip \\(modality-channel 03-01, want 03-02\\)"),
    ("01-02-01-01-01-01-01.wav", "is not a song audio clip \\(modality-channel 01-02"),
    ("03-02-07-01-01-01-01.wav", "is not a clip of the song set \\(emotion 07\\)"),
    ("03-02-01-02-01-01-01.wav", "is not a clip of the song set \\(strong neutral\\)"),
    ("03-02-03-01-01-01-02.wav", "is actor 02's clip in Actor_01"),
    ("03-02-01-01-01-01-01.wav", "clip 03-02-01-01-01-01-01 is present twice"),
])
def test_bad_file_names(ravdess_root, name, message):
    bad = ravdess_root / "Audio_Song_Actors_01-24" / "Actor_01" / name
    bad.write_bytes(b"\0" * 64)
    with pytest.raises(DatasetError, match=message) as err:
        ravdess.load(ravdess_root)
    assert "\n" not in str(err.value) and (name in str(err.value) or "present twice" in message)
    row = status(ravdess_root.parent).set_index("dataset").loc["ravdess"]
    assert row["state"] == "invalid" and str(ravdess_root.parent) not in row["detail"]


def test_missing_structure(ravdess_root, tmp_path):
    (ravdess_root / "Audio_Song_Actors_01-24" / "Actor_1").mkdir()
    with pytest.raises(DatasetError, match="Actor_1 is not an Actor_XX folder"):
        ravdess.load(ravdess_root)
    empty = tmp_path / "empty" / "RAVDESS"
    empty.mkdir(parents=True)
    with pytest.raises(DatasetError, match="missing Audio_Song_Actors_01-24 folder"):
        ravdess.load(empty)
    assert status(empty.parent).set_index("dataset").loc["ravdess", "state"] == "invalid"
    (empty / "Audio_Song_Actors_01-24").mkdir()
    with pytest.raises(DatasetError, match="no usable song clip"):
        ravdess.load(empty)


def _real_root():
    for d in os.environ.get("MER_DATA_DIR", "").split(os.pathsep):
        if d and (Path(d) / ravdess.DIRNAME / ravdess.SONG_DIR).is_dir():
            return Path(d) / ravdess.DIRNAME
    return None


@pytest.mark.skipif(_real_root() is None, reason="the real RAVDESS song clips are not on MER_DATA_DIR")
def test_real_copy():
    with pytest.warns(PartialDatasetWarning, match="3 of 1012"):
        tracks = ravdess.load(_real_root())
    assert len(tracks) == 1009 and tracks["group"].nunique() == 23 and 18 not in set(tracks["actor"])
    assert tracks["label"].value_counts().to_dict() == {"neutral": 91, "calm": 183, "happy": 183, "sad": 184,
                                                        "angry": 184, "fearful": 184}
    assert sorted(tracks.attrs["missing"]) == ["03-02-01-01-01-01-24", "03-02-02-01-01-02-17", "03-02-03-01-01-01-17"]
    assert tracks["sex"].value_counts().to_dict() == {"male": 526, "female": 483}
