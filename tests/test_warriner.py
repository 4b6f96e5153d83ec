import math

import numpy as np
import pytest
from conftest import FOURQ_MOODS, NORMS, write_norms

from mer_core.datasets import DatasetError, fourq, load_dataset, status, va_to_quadrant, warriner
from mer_core.errors import ParameterError


def test_norms_keep_every_word_as_spelled(warriner_root):
    norms = warriner.load(warriner_root)
    assert len(norms) == len(NORMS) and norms.index.name == "word"
    assert {"null", "TRUE", "FALSE", "aids", "AIDS", "action figure"} <= set(norms.index)  # none read as NaN
    assert norms.loc["aids", "valence"] == 3.5 and norms.loc["AIDS", "valence"] == 1.3
    assert list(norms.columns) == ["valence", "arousal", "dominance", "valence_sd", "arousal_sd", "dominance_sd",
                                   "valence_n", "arousal_n", "dominance_n"]
    assert norms.loc["calm", ["valence", "arousal", "dominance"]].tolist() == [6.9, 1.7, 5.0]


def test_norms_errors(tmp_path, warriner_root):
    with pytest.raises(DatasetError, match="Warriner norms not found"):
        warriner.load(tmp_path / "nowhere")
    path = warriner_root / warriner.RATINGS
    lines = path.read_text().splitlines(keepends=True)
    path.write_text("".join(lines + lines[1:2]))
    with pytest.raises(DatasetError, match=r"duplicated words \['cheerful'\]"):
        warriner.load(warriner_root)
    path.write_text(path.read_text().replace("A.Mean.Sum", "A.Mean"))
    with pytest.raises(DatasetError, match=r"missing columns \['A.Mean.Sum'\]"):
        warriner.load(warriner_root)


def test_mood_va_matches_exactly_and_reports_unknown_moods(warriner_root):
    norms = warriner.load(warriner_root)
    assert warriner.mood_va("calm, peaceful", norms) == (pytest.approx(7.3), pytest.approx(2.05), 2, ())
    assert warriner.mood_va(" calm ,peaceful ", norms)[:3] == warriner.mood_va("calm, peaceful", norms)[:3]
    assert warriner.mood_va("null, action figure", norms).n_moods == 2
    assert warriner.mood_va("Calm, sad, rollicking", norms) == (2.1, 3.6, 1, ("Calm", "rollicking"))  # case kept
    none = warriner.mood_va("", norms)
    assert math.isnan(none.valence) and math.isnan(none.arousal) and none[2:] == (0, ())


def test_fourq_tag_derived_ratings_and_quadrant_agreement(fourq_root, warriner_root):
    tracks = fourq.load(fourq_root, norms=warriner_root)
    # the means computed here from the fixture's norms, mood by mood
    expected = {}
    for song, moods in zip(sorted(tracks["track_id"]), FOURQ_MOODS):
        words = moods.split(", ")
        expected[song] = (np.mean([NORMS[w][0] for w in words]), np.mean([NORMS[w][1] for w in words]), len(words))
    got = tracks.set_index("track_id")
    for song, (v, a, n) in expected.items():
        assert got.loc[song, ["valence", "arousal"]].tolist() == pytest.approx([v, a]) and got.loc[song, "n_moods"] == n
    agree = sum(va_to_quadrant(v, a, midpoint=5) == got.loc[song, "quadrant"] for song, (v, a, _) in expected.items())
    assert agree == 7
    assert fourq.tag_quadrant_agreement(tracks) == (7, 8, 7 / 8, 0)
    assert tracks.attrs["unknown_moods"] == {} and tracks.attrs["missing"] == []
    # a DataFrame of norms works the same; without norms there are no ratings
    same = fourq.load(fourq_root, norms=warriner.load(warriner_root))
    assert same[["valence", "arousal"]].equals(tracks[["valence", "arousal"]])
    plain = fourq.load(fourq_root)
    assert "valence" not in plain.columns and "unknown_moods" not in plain.attrs
    with pytest.raises(DatasetError, match="norms"):
        fourq.tag_quadrant_agreement(plain)


def test_moods_absent_from_the_norms_are_reported(fourq_root, warriner_root):
    write_norms(warriner_root, {w: va for w, va in NORMS.items() if w not in ("tense", "peaceful")})
    with pytest.warns(warriner.UnknownMoodWarning, match="2 found moods of 3 clips.*peaceful, tense"):
        tracks = fourq.load(fourq_root, norms=warriner_root)
    unknown = tracks.attrs["unknown_moods"]
    assert sorted(map(tuple, unknown.values())) == [("peaceful",), ("peaceful",), ("tense",)]
    lone = tracks.set_index("track_id").loc[[s for s, moods in unknown.items() if moods == ["peaceful"]]]
    assert lone["n_moods"].tolist() == [2, 0] and lone["valence"].isna().tolist() == [False, True]
    assert fourq.tag_quadrant_agreement(tracks) == (6, 7, 6 / 7, 1)  # the unrated clip is left out, and counted


def test_load_dataset_finds_the_norms_on_the_search_path(fourq_root, warriner_root):
    tracks = load_dataset("4q", fourq_root.parent)
    assert tracks["n_moods"].tolist() == [len(m.split(", ")) for m in FOURQ_MOODS]
    (warriner_root / warriner.RATINGS).unlink()
    warriner_root.rmdir()
    assert "valence" not in load_dataset("4q", fourq_root.parent).columns


def test_status_counts_the_words(warriner_root):
    row = status(warriner_root.parent).set_index("dataset").loc["warriner"]
    assert row[["state", "n_present", "n_expected", "detail"]].tolist() == ["ok", 20, 20, "20 words"]


def test_va_to_quadrant_refuses_nan():
    with pytest.raises(ParameterError, match="NaN"):
        va_to_quadrant([6.0, np.nan], [6.0, 6.0], midpoint=5)
