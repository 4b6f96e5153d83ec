import pandas as pd
import pytest
from conftest import DEAM_DYNAMIC, DEAM_STATIC_1_2000, DEAM_STATIC_2000_2058

from mer_core.datasets import DatasetError, deam, load_dataset, status

STATIC_1_2000 = "annotations/annotations averaged per song/song_level/static_annotations_averaged_songs_1_2000.csv"


def test_static_annotations_of_both_files(deam_root):
    tracks = deam.load(deam_root)
    assert tracks["track_id"].tolist() == ["2", "3", "1001", "2000", "2001", "2002"]
    assert list(tracks.columns) == ["track_id", "path", "dataset", "group", "valence", "arousal", "valence_std",
                                    "arousal_std", "has_audio"]
    assert (tracks["path"] == "").all() and not tracks["has_audio"].any() and (tracks["dataset"] == "deam").all()
    by_id = tracks.set_index("track_id")
    for song, v, v_std, a, a_std in DEAM_STATIC_1_2000 + DEAM_STATIC_2000_2058:
        if int(song) <= deam.SWAPPED_UP_TO:  # the published file has valence and arousal exchanged
            v, v_std, a, a_std = a, a_std, v, v_std
        assert by_id.loc[song, ["valence", "valence_std", "arousal", "arousal_std"]].tolist() == [v, v_std, a, a_std]
    assert by_id.loc["2", ["valence", "arousal", "valence_std", "arousal_std"]].tolist() == [3.0, 3.1, 0.63, 0.94]
    assert by_id.loc["1001", ["valence", "arousal"]].tolist() == [6.2, 4.1]  # not exchanged
    assert tracks.attrs == {"expected": 6, "swapped": 2}


def test_as_published_reads_the_headers_literally(deam_root):
    tracks = deam.load(deam_root, as_published=True).set_index("track_id")
    assert tracks.loc["2", ["valence", "arousal", "valence_std", "arousal_std"]].tolist() == [3.1, 3.0, 0.94, 0.63]
    assert tracks.attrs["swapped"] == 0
    assert tracks.loc["2001", ["valence", "arousal"]].tolist() == deam.load(deam_root).set_index(
        "track_id").loc["2001", ["valence", "arousal"]].tolist()


def test_dynamic_annotations_restored_to_minus_one_one(deam_root):
    dynamic = deam.load_dynamic(deam_root)
    assert list(dynamic.columns) == ["track_id", "time_s", "valence", "arousal"]
    assert dynamic["track_id"].unique().tolist() == ["2", "1001", "2001"]
    expected = pd.DataFrame([(song, t, 2 * v - 1, 2 * a - 1) for song, rows in DEAM_DYNAMIC.items()
                             for t, a, v in rows], columns=dynamic.columns)
    pd.testing.assert_frame_equal(dynamic, expected, check_dtype=False)
    assert dynamic.loc[0, "arousal"] == pytest.approx(-0.109386)


def test_status_and_load_dataset(deam_root):
    row = status(deam_root.parent).set_index("dataset").loc["deam"]
    assert row[["state", "n_present", "n_expected", "n_missing", "n_unreadable", "detail"]].tolist() == \
        ["ok", 6, 6, 0, 0, "6 songs annotated, no audio"]
    assert status(deam_root.parent, deep=True).set_index("dataset").loc["deam", "state"] == "ok"
    assert len(load_dataset("deam", deam_root.parent)) == 6


def test_malformed_files(deam_root):
    dynamic = deam_root / deam.DYNAMIC
    dynamic.write_text(dynamic.read_text().replace("0.949", "-0.898"))  # the -1..1 original, not the rescaled file
    with pytest.raises(DatasetError, match="outside 0..1"):
        deam.load_dynamic(deam_root)
    dynamic.write_text("musicId,frameTime,Arousal,Valence\n2,15.0,0.5,0.5\n")
    with pytest.raises(DatasetError, match="expected columns musicId,frameTime"):
        deam.load_dynamic(deam_root)
    static = deam_root / STATIC_1_2000
    static.write_text(static.read_text().replace(" arousal_mean", " arousal"))
    with pytest.raises(DatasetError, match=r"missing columns \['arousal_mean'\]"):
        deam.load(deam_root)
    static.unlink()
    with pytest.raises(DatasetError, match="missing annotations/.*_1_2000.csv"):
        deam.load(deam_root)
    assert status(deam_root.parent).set_index("dataset").loc["deam", "state"] == "invalid"
