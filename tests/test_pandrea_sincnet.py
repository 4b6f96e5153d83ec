"""Pandrea et al.'s SincNet experiment: corpora, segments, configurations, the run store (resume
without retraining), records and the sinc-band tables, on generated tones with a tiny network."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import soundfile as sf
import torch

from mer_core.audio import load_clips
from mer_core.errors import AudioError, ParameterError
from mer_core.evaluation import RECORD_COLUMNS
from mer_core.experiments import pandrea_sincnet as ps

torch.set_num_threads(1)

QUADRANT_HZ = {"Q1": 300.0, "Q2": 900.0, "Q3": 2000.0, "Q4": 4000.0}


def tone(freq: float, seconds: float, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * ps.SR)) / ps.SR
    return (0.4 * np.sin(2 * np.pi * freq * t) + 0.05 * rng.standard_normal(len(t))).astype(np.float32)


def corpus(name: str, seconds: float, shift: float = 1.0, n_per_class: int = 5) -> ps.Corpus:
    """A corpus of pure tones per quadrant (``shift`` scales the frequencies: another "culture")."""
    clips, labels = [], []
    for k, (q, hz) in enumerate(QUADRANT_HZ.items()):
        for i in range(n_per_class):
            clips.append(tone(hz * shift, seconds, 100 * k + i))
            labels.append(q)
    labels = np.array(labels)
    test = np.arange(len(clips)) % n_per_class == 0
    train, train_labels = ps._cut([c for c, t in zip(clips, test) if not t], labels[~test])
    held, held_labels = ps._cut([c for c, t in zip(clips, test) if t], labels[test])
    return ps.Corpus(name, train, train_labels, held, held_labels, int((~test).sum()), int(test.sum()), 0,
                     f"digest-{name}-{seconds}-{shift}")


@pytest.fixture
def tiny_profile(monkeypatch):
    settings = dict(ps.PROFILES["smoke"])
    settings.update(net_params={"n_filters": (4, 4, 4), "kernel_sizes": (31, 3, 3), "dense": (16,)},
                    epochs=2, batches={"4q": 2, "synthetic": 2}, batch_size={200: 8, 500: 4}, shift_ms=100)
    monkeypatch.setitem(ps.PROFILES, "smoke", settings)
    return "smoke"


def test_segments_cut_a_30_s_clip_in_four_and_keep_an_8_s_clip_whole():
    assert [len(s) for s in ps.segments(np.zeros(30 * ps.SR))] == [120000] * 4
    assert [len(s) for s in ps.segments(np.zeros(8 * ps.SR))] == [8 * ps.SR]
    parts, labels = ps._cut([np.zeros(30 * ps.SR), np.zeros(8 * ps.SR)], np.array(["Q1", "Q2"]))
    assert len(parts) == 5 and labels.tolist() == ["Q1"] * 4 + ["Q2"]


def test_configurations_and_plans():
    assert ps.configuration(("4q",), "4q") == "within"
    assert ps.configuration(("western",), "4q") == "cross"
    assert ps.configuration((ps.MIXED,), "maqam") == "mixed"
    assert ps.configuration(("gamelan", "maqam", "4q"), "4q") == "transfer"
    # the paper's TL 1 / TL 2 for English are CH-TR-4Q and TR-CH-4Q: gamelan (CH), maqam (TR)
    assert ps._tl_chains("western") == [("gamelan", "maqam", "western"), ("maqam", "gamelan", "western")]
    for profile in ps.PROFILES:
        plan = ps.PROFILES[profile]["plan"]
        assert plan[0] == ps.Run(("4q",), 200, ("4q",))
        assert len(set(plan)) == len(plan)
        # every chain's prefix is trained on corpora of the plan
        assert all(set(r.chain) <= {"4q", ps.MIXED, *ps.SYNTHETIC} for r in plan)
    assert len(ps.PROFILES["paper"]["plan"]) > len(ps.PROFILES["cpu"]["plan"])


def test_runnable_drops_absent_tests_and_needs_every_trained_corpus():
    corpora = {"western": None, "gamelan": None, "maqam": None}
    run = ps.Run(("western",), 200, ("western", "gamelan", "maqam", "4q"))
    assert ps.runnable(run, corpora) == ("western", "gamelan", "maqam")
    assert ps.runnable(ps.Run(("4q",), 200, ("4q",)), corpora) == ()
    assert ps.runnable(ps.Run((ps.MIXED,), 200, ps.SYNTHETIC), {"western": None}) == ()


def test_run_trains_chains_reuses_the_store_and_writes_records(tiny_profile, tmp_path, monkeypatch):
    corpora = {"4q": corpus("4q", 1.0), "western": corpus("western", 0.5),
               "gamelan": corpus("gamelan", 0.5, shift=1.3), "maqam": corpus("maqam", 0.5, shift=0.8)}
    plan = (ps.Run(("western",), 200, ("western", "4q")), ps.Run(("gamelan", "maqam", "4q"), 200, ("4q",)),
            ps.Run((ps.MIXED,), 200, ps.SYNTHETIC))
    monkeypatch.setitem(ps.PROFILES["smoke"], "plan", plan)
    store = tmp_path / "store"
    records, models = ps.run(corpora, "smoke", seed=0, store=store)
    assert list(records.columns) == RECORD_COLUMNS + ps.RECORD_EXTRA
    f1 = records[records["metric"] == "f1_macro"].set_index(["train", "test"])
    assert set(f1.index) == {("western", "western"), ("western", "4q"), ("gamelan -> maqam -> 4q", "4q"),
                             ("ALL", "western"), ("ALL", "gamelan"), ("ALL", "maqam")}
    assert f1.loc[("western", "4q"), "configuration"] == "cross"
    assert f1.loc[("western", "4q"), "dataset"] == "4q" and f1.loc[("ALL", "maqam"), "dataset"] == "synthetic"
    assert f1.loc[("ALL", "maqam"), "n_train"] == 16 * 3
    assert f1.loc[("western", "western"), "n_test"] == len(corpora["western"].test)
    assert records["value"].between(0, 1).all()
    # the chain's prefix (gamelan, gamelan -> maqam) was stored too: 5 networks, 6 evaluations
    assert len(list(store.glob("*.pkl"))) == 5 + 6
    chained = models[(("gamelan", "maqam", "4q"), 200, 0)]
    prefix = ps.train_chain(("gamelan", "maqam"), 200, corpora, "smoke", 0, store=store)["model"]
    np.testing.assert_allclose(chained.initial_band_edges_, prefix.band_edges_, rtol=1e-6)

    # a second run loads every piece: no network is trained again
    def refuse(*args, **kwargs):
        raise AssertionError("trained again")
    monkeypatch.setattr(ps, "_classifier", refuse)
    again, _ = ps.run(corpora, "smoke", seed=0, store=store)
    pd.testing.assert_frame_equal(again, records)
    stored_only, _ = ps.run(corpora, "smoke", seed=0, store=store, only_stored=True)
    assert len(stored_only) == len(records) and stored_only.attrs["not_trained"] == []

    # another seed is another key: listed as not trained when only stored pieces are read
    missing, _ = ps.run(corpora, "smoke", seed=1, store=store, only_stored=True)
    assert missing.empty and len(missing.attrs["not_trained"]) == len(plan)


def test_schedule_check_trains_both_windows_under_both_schedules(tiny_profile, tmp_path, monkeypatch):
    corpora = {"maqam": corpus("maqam", 0.5, shift=0.8)}
    store = tmp_path / "store"
    check = ps.schedule_check(corpora, "smoke", store=store)
    f1 = check[check["metric"] == "f1_macro"].set_index(["window_ms", "batches_per_epoch"])
    paper = ps.PROFILES["paper"]["batches"]["synthetic"]
    assert sorted(f1.index) == [(200, 2), (200, paper), (500, 2), (500, paper)]
    # chunks seen: epochs x batches x the window's batch size (8 x 200 ms, 4 x 500 ms)
    assert f1.loc[(200, 2), "chunks_seen"] == 2 * 2 * 8 and f1.loc[(500, paper), "chunks_seen"] == 2 * paper * 4
    assert (f1["configuration"] == "within").all() and (f1["test"] == "maqam").all()
    # the profile's schedule is the profile's own network: run() finds it in the store
    def refuse(*args, **kwargs):
        raise AssertionError("trained again")
    monkeypatch.setattr(ps, "_classifier", refuse)
    same, _ = ps.run(corpora, "smoke", store=store, plan=ps.SCHEDULE_CHECK)
    assert len(same) == len(check) / 2
    # another schedule is another network: not in the store
    other, _ = ps.run(corpora, "smoke", store=store, plan=ps.SCHEDULE_CHECK, only_stored=True,
                      batches={"4q": 2, "synthetic": 3})
    assert other.empty and len(other.attrs["not_trained"]) == 2
    with pytest.raises(ParameterError, match="batches"):
        ps.check_settings("smoke", {"synthetic": 3})


def test_band_tables_report_where_filters_moved(tiny_profile):
    class Fake:
        initial_band_edges_ = np.array([[100.0, 200.0], [1000.0, 1400.0], [3000.0, 3600.0]])
        band_edges_ = np.array([[110.0, 230.0], [1000.0, 1400.0], [2900.0, 3200.0]])
    table = ps.band_table(Fake())
    assert table["centre_shift"].tolist() == [20.0, 0.0, -250.0]
    assert table["width_ratio"].round(2).tolist() == [1.2, 1.0, 0.5]
    summary = ps.band_summary(table)
    assert summary["filters"].tolist() == [1, 1, 1]
    assert summary.loc["2000-4000 Hz", "median centre shift (Hz)"] == -250.0


def test_load_clips_caches_decoded_audio_and_reports_failures(tmp_path):
    good = tmp_path / "good.wav"
    sf.write(good, tone(440.0, 0.5, 0), ps.SR, subtype="PCM_16")
    broken = tmp_path / "broken.wav"
    broken.write_bytes(b"not audio")
    cache = tmp_path / "cache"
    clips, failures = load_clips([good, broken, tmp_path / "missing.wav"], ps.SR, cache=cache)
    assert clips[0].dtype == np.float32 and len(clips[0]) == ps.SR // 2
    assert clips[1] is None and clips[2] is None
    assert len(failures) == 2 and all(isinstance(f, AudioError) for f in failures)
    assert len(list(cache.rglob("*.npy"))) == 1
    again, failures_again = load_clips([good], ps.SR, cache=cache)
    np.testing.assert_allclose(again[0], clips[0], atol=1.0 / 32767)
    assert failures_again == []
    # an edited file is decoded again, not read from a stale entry
    sf.write(good, tone(880.0, 0.25, 1), ps.SR, subtype="PCM_16")
    edited, _ = load_clips([good], ps.SR, cache=cache)
    assert len(edited[0]) == ps.SR // 4


def test_schedule_table_gives_the_window_gain_within_each_schedule():
    rows = [{"metric": "f1_macro", "batches_per_epoch": b, "window_ms": w, "chunks_seen": c, "value": v,
             "train_seconds": 1.0, "machine": "m"}
            for b, w, c, v in ((3, 200, 38400, 0.5), (3, 500, 9600, 0.4), (15, 200, 192000, 0.55),
                               (15, 500, 48000, 0.6))]
    table = ps.schedule_table(pd.DataFrame(rows))
    assert table.loc[(3, 500), "F - 200 ms (points)"] == pytest.approx(-10.0)
    assert table.loc[(15, 500), "F - 200 ms (points)"] == pytest.approx(5.0)
    assert np.isnan(table.loc[(15, 200), "F - 200 ms (points)"])
    assert table.loc[(15, 500), "chunks_seen"] == 48000
    assert ps.schedule_table(pd.DataFrame()).empty
