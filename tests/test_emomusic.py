import os
from pathlib import Path

import pytest
from conftest import EMOMUSIC, EMOMUSIC_SAMPLES_MS, emomusic_dynamic

from mer_core.datasets import DatasetError, emomusic, load_dataset, status
from mer_core.errors import ParameterError


def test_static_annotations_and_song_information(emomusic_root):
    tracks = emomusic.load(emomusic_root)
    assert tracks["track_id"].tolist() == ["2", "3", "10", "1000"]  # numeric order
    assert list(tracks.columns) == ["track_id", "path", "dataset", "group", "valence", "arousal", "valence_std",
                                    "arousal_std", "split", "artist", "title", "genre", "has_audio"]
    by_id = tracks.set_index("track_id")
    for song, (a, a_std), (v, v_std), *_ in EMOMUSIC:
        assert by_id.loc[song, ["valence", "arousal", "valence_std", "arousal_std"]].tolist() == \
            pytest.approx([v, a, v_std, a_std])
    assert (tracks["dataset"] == "emomusic").all() and (tracks["group"] == tracks["track_id"]).all()
    assert tracks["split"].value_counts().to_dict() == {"development": 2, "evaluation": 2}
    # stray tabs and spaces around each field are gone; inner double spaces are kept
    assert by_id.loc["10", "artist"] == "Paul  Wine  Jones" and by_id.loc["1000", "title"] == "Single"
    assert by_id.loc["1000", "artist"] == "Lights-Got You Surrounded" and by_id.loc["2", "genre"] == "Blues"
    assert not tracks[["artist", "title", "genre", "split"]].apply(lambda c: c.str.contains("\t")).any().any()


def test_songs_without_audio_are_loaded_and_said_so(emomusic_root):
    tracks = emomusic.load(emomusic_root).set_index("track_id")
    assert tracks["has_audio"].to_dict() == {"2": True, "3": True, "10": False, "1000": False}
    assert tracks.loc["2", "path"].endswith("clips_45seconds/2.mp3") and tracks.loc["3", "path"].endswith("3.wav")
    assert tracks.loc[["10", "1000"], "path"].tolist() == ["", ""]
    assert tracks.attrs == {"expected": 4, "empty": []}
    row = status(emomusic_root.parent).set_index("dataset").loc["emomusic"]
    assert row[["state", "n_present", "n_expected", "n_missing", "n_unreadable"]].tolist() == ["ok", 4, 4, 0, 0]
    assert row["detail"] == "4 songs annotated, audio for 2"
    assert status(emomusic_root.parent, deep=True).set_index("dataset").loc["emomusic", "detail"] == \
        "4 songs annotated, audio for 2, every audio file decoded"
    assert load_dataset("emomusic", emomusic_root.parent)["has_audio"].sum() == 2


def test_annotations_without_any_audio_folder(emomusic_root):
    for clip in (emomusic_root / "clips_45seconds").iterdir():
        clip.unlink()
    (emomusic_root / "clips_45seconds").rmdir()
    tracks = emomusic.load(emomusic_root)
    assert len(tracks) == 4 and not tracks["has_audio"].any()
    assert status(emomusic_root.parent).set_index("dataset").loc["emomusic", "detail"] == "4 songs annotated, no audio"


def test_unreadable_audio_makes_the_dataset_partial(emomusic_root):
    (emomusic_root / "clips_45seconds" / "2.mp3").write_bytes(b"")
    (emomusic_root / "clips_45seconds" / "3.wav").write_bytes(b"RIFF" + bytes(range(256)))
    tracks = emomusic.load(emomusic_root)
    assert tracks.attrs["empty"] == ["2"] and tracks["has_audio"].tolist() == [False, True, False, False]
    shallow = status(emomusic_root.parent).set_index("dataset").loc["emomusic"]
    deep = status(emomusic_root.parent, deep=True).set_index("dataset").loc["emomusic"]
    assert shallow[["state", "n_present", "n_expected", "n_unreadable"]].tolist() == ["partial", 3, 4, 1]
    assert deep[["state", "n_present", "n_expected", "n_unreadable"]].tolist() == ["partial", 2, 4, 2]
    assert deep["detail"] == "4 songs annotated, no audio; unreadable audio: 2 (e.g. 2, 3)"


def test_dynamic_annotations_long_form(emomusic_root):
    dynamic = emomusic.load_dynamic(emomusic_root)
    assert list(dynamic.columns) == ["track_id", "time_s", "valence", "arousal", "valence_std", "arousal_std"]
    assert len(dynamic) == len(EMOMUSIC) * len(EMOMUSIC_SAMPLES_MS)
    assert dynamic["track_id"].unique().tolist() == ["2", "3", "10", "1000"]
    assert dynamic["time_s"].iloc[:3].tolist() == [15.0, 15.5, 16.0]
    row = dynamic[(dynamic["track_id"] == "10") & (dynamic["time_s"] == 15.5)].iloc[0]
    for column, (dimension, stat) in {"valence": ("valence", "average"), "arousal": ("arousal", "average"),
                                      "valence_std": ("valence", "std"), "arousal_std": ("arousal", "std")}.items():
        assert row[column] == pytest.approx(emomusic_dynamic(dimension, stat, 2, 1))
    assert dynamic[["valence", "arousal"]].abs().max().max() <= 1  # the published -1..1 scale, unchanged


def test_dynamic_empty_cells_give_no_row(emomusic_root):
    for name in ("valence_cont_average.csv", "arousal_cont_average.csv"):
        path = emomusic_root / "annotations" / name
        lines = path.read_text().splitlines()
        lines[-1] = lines[-1].rsplit(",", 1)[0] + ","  # song 1000's last sample left empty
        path.write_text("\n".join(lines) + "\n")
    dynamic = emomusic.load_dynamic(emomusic_root)
    assert len(dynamic) == len(EMOMUSIC) * len(EMOMUSIC_SAMPLES_MS) - 1
    assert dynamic[dynamic["track_id"] == "1000"]["time_s"].tolist() == [15.0, 15.5]


@pytest.mark.parametrize("edit, message", [
    (lambda root: (root / "annotations" / "songs_info.csv").unlink(), "missing annotations/songs_info.csv"),
    (lambda root: (root / "annotations" / "static_annotations.csv").write_text(
        "song_id,mean_arousal,std_arousal,mean_valence,std_valence\n2,3.1,1,,1\n"), "non-numeric values in"),
    (lambda root: (root / "annotations" / "static_annotations.csv").write_text(
        "song_id,mean_arousal,std_arousal,mean_valence,std_valence\n2,3.1,1,3,1\n"), "3 song ids are in only one"),
    (lambda root: (root / "annotations" / "songs_info.csv").write_text(
        (root / "annotations" / "songs_info.csv").read_text().replace('"evaluation"', '"test"')),
     "unknown 'Mediaeval 2013 set' values"),
])
def test_malformed_files(emomusic_root, edit, message):
    edit(emomusic_root)
    with pytest.raises(DatasetError, match=message):
        emomusic.load(emomusic_root)
    row = status(emomusic_root.parent).set_index("dataset").loc["emomusic"]
    assert row["state"] == "invalid" and str(emomusic_root.parent) not in row["detail"]


def test_dynamic_files_must_agree(emomusic_root):
    path = emomusic_root / "annotations" / "arousal_cont_std.csv"
    path.write_text(path.read_text().replace("sample_16000ms", "sample_16500ms"))
    with pytest.raises(DatasetError, match="differ in songs or times"):
        emomusic.load_dynamic(emomusic_root)
    path.write_text(path.read_text().replace("sample_16500ms", "s16500"))
    with pytest.raises(DatasetError, match="unexpected columns"):
        emomusic.load_dynamic(emomusic_root)


def test_quadrant_mappings_counts_and_order(emomusic_root):
    # song 10's static valence at the scale's midpoint 5: the boundary rule decides its quadrant
    path = emomusic_root / "annotations" / "static_annotations.csv"
    path.write_text(path.read_text().replace("10,4,1.7638,4.7,1.9465", "10,4,1.7638,5,1.9465"))
    table = emomusic.quadrant_mappings(emomusic_root, paper_counts={"Q1": 1, "Q2": 0, "Q3": 3, "Q4": 0})
    assert list(table.columns) == ["source", "midpoint", "midpoint_valence", "midpoint_arousal", "at_midpoint",
                                   "n_songs", "Q1", "Q2", "Q3", "Q4", "distance"]
    rows = [(r.source, r.midpoint, r.at_midpoint, [r.Q1, r.Q2, r.Q3, r.Q4], r.distance) for r in table.itertuples()]
    # static (V, A): 2 (3.0, 3.1), 3 (3.3, 3.5), 10 (5, 4.0), 1000 (5.8889, 7.2222); the dynamic means over
    # time: V 0.11, 0.21, 0.31, 0.41 and A -0.09, -0.19, -0.29, -0.39 (conftest.emomusic_dynamic)
    assert rows == [("static", "scale", "negative", [1, 0, 3, 0], 0),  # 10 at V = 5 goes to V-: Q3
                    ("static", "scale", "positive", [1, 0, 2, 1], 2),  # ... or to V+: Q4
                    ("static", "median", "positive", [2, 0, 2, 0], 2),
                    ("static", "median", "negative", [2, 0, 2, 0], 2),
                    ("static", "mean", "positive", [1, 0, 2, 1], 2), ("static", "mean", "negative", [1, 0, 2, 1], 2),
                    ("dynamic", "scale", "positive", [0, 0, 0, 4], 8),
                    ("dynamic", "scale", "negative", [0, 0, 0, 4], 8),
                    ("dynamic", "median", "positive", [0, 2, 0, 2], 8),
                    ("dynamic", "median", "negative", [0, 2, 0, 2], 8),
                    ("dynamic", "mean", "positive", [0, 2, 0, 2], 8), ("dynamic", "mean", "negative", [0, 2, 0, 2], 8)]
    by = table.set_index(["source", "midpoint", "at_midpoint"])
    assert by.loc[("static", "median", "positive"), ["midpoint_valence", "midpoint_arousal"]].tolist() == \
        pytest.approx([4.15, 3.75])
    assert by.loc[("dynamic", "mean", "positive"), ["midpoint_valence", "midpoint_arousal"]].tolist() == \
        pytest.approx([0.26, -0.24])
    assert (table["n_songs"] == 4).all() and table["distance"].is_monotonic_increasing
    with pytest.raises(ParameterError, match="a count for each of Q1, Q2, Q3, Q4"):
        emomusic.quadrant_mappings(emomusic_root, paper_counts={"Q1": 1, "Q2": 0, "Q3": 3})


def _real_emomusic():
    for d in os.environ.get("MER_DATA_DIR", "").split(os.pathsep):
        if d and (Path(d) / emomusic.DIRNAME / emomusic.STATIC).is_file():
            return Path(d) / emomusic.DIRNAME
    return None


@pytest.mark.skipif(_real_emomusic() is None, reason="the real emoMusic annotations are not on MER_DATA_DIR")
def test_quadrant_mappings_reproduce_koh_dubnov_on_the_real_data():
    table = emomusic.quadrant_mappings(_real_emomusic())
    exact = table[table["distance"] == 0]
    assert exact[["source", "midpoint"]].drop_duplicates().values.tolist() == [["dynamic", "scale"]]
    assert exact[["n_songs", "Q1", "Q2", "Q3", "Q4"]].values.tolist() == [[744, 305, 87, 241, 111]] * 2
    assert table["distance"].iloc[2] == 62  # the nearest other mapping: static means at their medians
    static = table.set_index(["source", "midpoint", "at_midpoint"]).loc[("static", "scale", "positive")]
    assert static[["Q1", "Q2", "Q3", "Q4"]].tolist() == [265, 72, 287, 120]
