"""Shared fixtures: tiny generated audio and a miniature 4Q dataset in its published format."""
from __future__ import annotations

import csv

import numpy as np
import pytest
import soundfile as sf

SR = 22050


def tone(freq: float, seconds: float = 1.0, sr: int = SR, seed: int = 0) -> np.ndarray:
    """A sine with a little noise: small, deterministic test audio."""
    t = np.arange(int(seconds * sr)) / sr
    noise = np.random.default_rng(seed).standard_normal(len(t))
    return (0.4 * np.sin(2 * np.pi * freq * t) + 0.01 * noise).astype(np.float32)


@pytest.fixture
def wav(tmp_path):
    """Factory writing a tone to ``tmp_path/<name>`` and returning its path."""
    def make(name="clip.wav", freq=440.0, seconds=1.0, sr=SR, **kw):
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        sf.write(path, tone(freq, seconds, sr), sr, **kw)
        return path
    return make


# Rows copied in format from the real files: the metadata is Latin-1 with every field quoted.
META_HEADER = ["Song", "Artist", "Title", "Quadrant", "PQuad", "MoodsTotal", "Moods", "MoodsFoundStr",
               "MoodsStr", "MoodsStrSplit", "Genres", "GenresStr", "Sample", "SampleURL"]

FOURQ_MOODS = ["cheerful, fun, happy", "calm, happy", "angry, hostile", "hostile, tense", "circular, greasy",
               "bleak, gloomy, sad", "calm, peaceful, soothing", "peaceful"]
"""``MoodsFoundStr`` of the fixture's clips in row order (2 per quadrant, Q1..Q4), lower case and ", "-separated
as in the real file. With :data:`NORMS`, the second Q1 clip's moods fall in Q4: 7 of 8 tag-derived quadrants agree."""


@pytest.fixture
def fourq_root(tmp_path):
    """A 4Q dataset with 2 clips per quadrant (Ogg/Vorbis and WAV), official CSV formats."""
    root = tmp_path / "MER_audio_taffc_dataset"
    rows = []
    for qi, q in enumerate(("Q1", "Q2", "Q3", "Q4")):
        (root / q).mkdir(parents=True)
        for k in range(2):
            song = f"MT00000{qi}{k}0000"
            ext, fmt = ("ogg", "OGG") if k == 0 else ("wav", "WAV")
            sf.write(root / q / f"{song}.{ext}", tone(220 * (qi + 1) + 30 * k, 1.0), SR, format=fmt)
            rows.append((song, q))
    with open(root / "panda_dataset_taffc_annotations.csv", "w", newline="") as f:
        f.write("Song,Quadrant\n")
        f.writelines(f"{s},{q}\n" for s, q in rows)
    with open(root / "panda_dataset_taffc_metadata.csv", "w", newline="", encoding="latin-1") as f:
        w = csv.writer(f, quoting=csv.QUOTE_NONNUMERIC)
        w.writerow(META_HEADER)
        for i, ((s, q), found) in enumerate(zip(rows, FOURQ_MOODS)):
            tags = [m.title() for m in found.split(", ")] + (["Cathartic"] if i == 0 else [])  # not in the norms
            w.writerow([s, "Björk Guðmundsdóttir" if i == 0 else f"Artist {i // 2}", f"Title, part {i}", q,
                        0.666666666666667, len(tags), len(tags) - (i == 0), found, ", ".join(tags),
                        ", ".join(tags), 2, "Country, International", 1,
                        "http://example.invalid/playback.mp3?c=x&f=J"])
    return root


@pytest.fixture
def damaged_fourq(fourq_root):
    """The 4Q fixture with one clip deleted, one emptied (0 bytes) and one corrupt (not audio).

    Returns ``(root, deleted_id, emptied_id, corrupt_id)``.
    """
    deleted, emptied, corrupt = (sorted((fourq_root / q).iterdir())[0] for q in ("Q1", "Q2", "Q3"))
    deleted.unlink()
    emptied.write_bytes(b"")
    corrupt.write_bytes(b"OggS" + bytes(range(256)) * 8)  # an Ogg magic number, then garbage
    return fourq_root, deleted.stem, emptied.stem, corrupt.stem


# Warriner's norms: the real file's 65-column header; invented ratings (not Warriner's) for the fixture's
# words and for the spellings the real file has: "null" (not a missing value), "TRUE"/"FALSE" (upper case
# as published), "aids" and "AIDS" (two entries), a two-word entry, and "NA" in a subgroup column.
NORMS = {"cheerful": (7.5, 5.5), "fun": (8.0, 6.2), "happy": (8.2, 6.0), "angry": (2.5, 6.5),
         "hostile": (2.6, 6.0), "tense": (3.0, 6.2), "gloomy": (2.2, 3.5), "sad": (2.1, 3.6), "bleak": (2.5, 3.8),
         "calm": (6.9, 1.7), "peaceful": (7.7, 2.4), "soothing": (7.0, 2.5), "greasy": (3.6, 4.2),
         "circular": (5.5, 3.6), "null": (4.3, 3.0), "TRUE": (7.5, 5.0), "FALSE": (3.3, 5.2), "aids": (3.5, 3.7),
         "AIDS": (1.3, 5.0), "action figure": (6.1, 4.7)}
"""word: (valence, arousal), 1-9 scale; dominance is 5.0 for every word."""


def warriner_header() -> list[str]:
    """The header of ``Ratings_Warriner_et_al.csv``: an unnamed row number, Word, then V/A/D x Mean/SD/Rat
    for all raters and per gender (M/F), age (Y/O) and education (L/H)."""
    stats = ("Mean", "SD", "Rat")
    columns = [f"{d}.{s}.Sum" for d in "VAD" for s in stats]
    columns += [f"{d}.{s}.{g}" for pair in ("MF", "YO", "LH") for d in "VAD" for g in pair for s in stats]
    return ["", "Word", *columns]


def write_norms(folder, norms=NORMS):
    """Write ``norms`` (word: (valence, arousal)) as ``folder/Ratings_Warriner_et_al.csv``; return ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    header = warriner_header()
    with open(folder / "Ratings_Warriner_et_al.csv", "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        for i, (word, (v, a)) in enumerate(norms.items(), start=1):
            ratings = {"V": v, "A": a, "D": 5.0}
            row = [i, word] + [{"Mean": ratings[c[0]], "SD": 1.5, "Rat": 20}[c.split(".")[1]] for c in header[2:]]
            if word == "null":
                row[header.index("A.SD.H")] = "NA"
            w.writerow(row)
    return folder


@pytest.fixture
def warriner_root(tmp_path):
    """Warriner's norms in the published format (:data:`NORMS`), beside the other dataset fixtures."""
    return write_norms(tmp_path / "warriner")


# emoMusic: song_id, (arousal mean, std), (valence mean, std), artist, title, genre, set, audio format or None.
# Fields of songs_info.csv as published: quoted, with stray tabs (and a space) around the values.
EMOMUSIC = [("2", (3.1, 0.99443), (3.0, 0.66667), "The Trio\t", "\tTonight  A Lonely Night\t", "Blues",
             "development", "MP3"),
            ("3", (3.5, 1.8409), (3.3, 1.7029), "Kevin Someone\t", "\tDD Groove\t", "Blues", "evaluation", "WAV"),
            ("10", (4.0, 1.7638), (4.7, 1.9465), "Paul  Wine  Jones\t", "\tIf You Love Me\t", "Jazz",
             "development", None),
            ("1000", (7.2222, 1.0929), (5.8889, 2.0883), "Lights-Got You Surrounded \t", "\t Single\t", "Rock",
             "evaluation", None)]
EMOMUSIC_SAMPLES_MS = (15000, 15500, 16000)


def emomusic_dynamic(dimension: str, stat: str, song: int, sample: int) -> float:
    """The fixture's 2 Hz value of ``dimension`` (``average`` or ``std``) for the song and sample indices."""
    if stat == "std":
        return round(0.3 + 0.01 * song + 0.001 * sample, 6)
    return round((0.1 if dimension == "valence" else -0.1) * (song + 1) + 0.01 * sample, 6)


@pytest.fixture
def emomusic_root(tmp_path):
    """emoMusic in its published format: 4 annotated songs (:data:`EMOMUSIC`), audio for 2 (MP3 and WAV)."""
    root = tmp_path / "emoMusic"
    (root / "annotations").mkdir(parents=True)
    (root / "clips_45seconds").mkdir()
    with open(root / "annotations" / "static_annotations.csv", "w", newline="") as f:
        f.write("song_id,mean_arousal,std_arousal,mean_valence,std_valence\n")
        f.writelines(f"{s},{a[0]:g},{a[1]:g},{v[0]:g},{v[1]:g}\n" for s, a, v, *_ in EMOMUSIC)
    with open(root / "annotations" / "songs_info.csv", "w", newline="") as f:
        f.write('"song_id","file_name","Artist","Song title","start of the segment (min.sec)",'
                '"end of the segment (min.sec)","Genre","Mediaeval 2013 set"\n')
        f.writelines(f'{s},"\t{s}.mp3","{artist}","{title}","\t0.48\t","\t1.33\t","\t{genre}\t","{split}"\n'
                     for s, _, _, artist, title, genre, split, _ in EMOMUSIC)
    for dimension in ("arousal", "valence"):
        for stat in ("average", "std"):
            with open(root / "annotations" / f"{dimension}_cont_{stat}.csv", "w", newline="") as f:
                f.write("song_id," + ",".join(f"sample_{ms}ms" for ms in EMOMUSIC_SAMPLES_MS) + "\n")
                for i, (song, *_) in enumerate(EMOMUSIC):
                    values = (emomusic_dynamic(dimension, stat, i, j) for j in range(len(EMOMUSIC_SAMPLES_MS)))
                    f.write(song + "," + ",".join(map(str, values)) + "\n")
    for i, (song, *_, fmt) in enumerate(EMOMUSIC):
        if fmt:
            sf.write(root / "clips_45seconds" / f"{song}.{fmt.lower()}", tone(300 + 50 * i, 1.0), SR, format=fmt)
    return root


# DEAM: the published static files (CRLF, header fields after the first with a leading space; songs up to
# 1000 with valence and arousal exchanged, as published) and the third party's 0..1 rescaled dynamic file.
DEAM_STATIC_1_2000 = [("2", 3.1, 0.94, 3.0, 0.63), ("3", 3.5, 1.75, 3.3, 1.62), ("1001", 6.2, 1.2, 4.1, 0.9),
                      ("2000", 5.8, 1.78, 6.0, 1.67)]
"""song_id, valence_mean, valence_std, arousal_mean, arousal_std as written (songs 2 and 3: exchanged)."""
DEAM_STATIC_2000_2058 = [("2001", 3.2, 0.98, 6.6, 0.8), ("2002", 6.4, 0.49, 5.2, 1.17)]
DEAM_DYNAMIC = {"2": [(15.0, 0.445307, 0.46333), (15.5, 0.442529, 0.46267)],
                "1001": [(15.0, 0.5, 0.75), (15.5, 0.51, 0.74)],
                "2001": [(15.0, 0.9, 0.1), (15.5, 0.949, 0.084), (16.0, 0.2, 0.3)]}
"""musicId: [(frameTime, Arousal(mean), Valence(mean))], rescaled to 0..1."""


@pytest.fixture
def deam_root(tmp_path):
    """DEAM's annotations in their published formats: 4 + 2 songs static, 3 songs dynamic; no audio."""
    root = tmp_path / "DEAM"
    static = root / "annotations" / "annotations averaged per song" / "song_level"
    static.mkdir(parents=True)
    with open(static / "static_annotations_averaged_songs_1_2000.csv", "w", newline="") as f:
        f.write("song_id, valence_mean, valence_std, arousal_mean, arousal_std\r\n")
        f.writelines(",".join(f"{x:g}" if isinstance(x, float) else x for x in row) + "\r\n"
                     for row in DEAM_STATIC_1_2000)
    with open(static / "static_annotations_averaged_songs_2000_2058.csv", "w", newline="") as f:
        f.write("song_id, valence_mean, valence_std, valence_ max_mean, valence_max_std, valence_min_mean, "
                "valence_min_std, arousal_mean, arousal_std, arousal_max_mean, arousal_max_std, arousal_min_mean, "
                "arousal_min_std\r\n")
        f.writelines(f"{s},{vm:g},{vs:g},8.0,0.5,2.0,0.5,{am:g},{ast:g},8.5,0.5,3.0,1.0\r\n"
                     for s, vm, vs, am, ast in DEAM_STATIC_2000_2058)
    (root / "derived").mkdir()
    with open(root / "derived" / "dynamic_annotations_rescaled_0_1.csv", "w", newline="") as f:
        f.write("musicId,frameTime,Arousal(mean),Valence(mean)\n")
        f.writelines(f"{song},{t},{a},{v}\n" for song, rows in DEAM_DYNAMIC.items() for t, a, v in rows)
    return root


@pytest.fixture(autouse=True)
def _private_feature_cache(tmp_path_factory, monkeypatch):
    """Tests never read or write the user's feature cache."""
    monkeypatch.setenv("MER_CACHE_DIR", str(tmp_path_factory.mktemp("feature-cache")))


@pytest.fixture
def torch_one_thread():
    """Torch on one thread for the test (small models: threads only add overhead), restored after."""
    import torch

    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)
