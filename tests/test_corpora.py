"""The IAM-OnDB reader (corpora.iam) on XML files the tests write: units, pen lifts, bad files,
folder and tar sources, the cache and the pack a GPU machine loads."""
import tarfile

import numpy as np
import pytest

from corpora import iam
from tests.helpers import line_xml


def test_parse_offsets_units_and_pen_lifts():
    x = iam.parse_line_xml(line_xml([[(0, 0), (40, 80), (80, 80)], [(200, 0), (240, 0)]]))
    np.testing.assert_allclose(x, [[1, 2, 0], [1, 0, 1], [3, -2, 0], [1, 0, 1]])


def test_loader_folder_and_tar_skip_bad_files(corpus, tmp_path_factory):
    ds = iam.load_split(corpus, corpus / "train.txt", progress=False)
    assert len(ds.lines) == 10 and len(ds.skipped) == 2
    assert any("truncated" in s and "malformed" in s for s in ds.skipped)
    archive = tmp_path_factory.mktemp("tar") / "lineStrokes-all.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(corpus / "lineStrokes", arcname="lineStrokes")
    cache = tmp_path_factory.mktemp("cache")
    from_tar = iam.load_split(archive, corpus / "train.txt", cache_dir=cache, progress=False)
    assert from_tar.names == ds.names and len(from_tar.skipped) == 2
    for a, b in zip(ds.lines, from_tar.lines):
        np.testing.assert_array_equal(a, b)
    cached = iam.load_split(archive, corpus / "train.txt", cache_dir=cache, progress=False)
    assert cached.names == ds.names and len(list(cache.glob("*.npz"))) == 1


def test_pack_round_trips_the_split(corpus, tmp_path):
    packed = iam.pack(corpus, [corpus / "train.txt", corpus / "val.txt"], tmp_path / "p.npz", progress=False)
    for split in ("train.txt", "val.txt"):
        a = iam.load_split(corpus, corpus / split, progress=False)
        b = iam.load_split(packed, corpus / split)
        assert b.names == a.names
        for x, y in zip(a.lines, b.lines):
            np.testing.assert_array_equal(x, y)
    assert len(iam.load_split(packed, corpus / "train.txt").skipped) == 2  # the bad files never made it in


def test_archive_reads_a_folder_and_a_tar_alike(corpus, tmp_path):
    from corpora.archive import Archive
    tar_path = tmp_path / "c.tar.xz"
    with tarfile.open(tar_path, "w:xz") as tar:
        tar.add(corpus / "lineStrokes", arcname="./lineStrokes")  # a leading ./ as some tools write
    folder, packed = Archive(corpus), Archive(tar_path)
    names = packed.names("lineStrokes", ".xml")
    assert names == folder.names("lineStrokes", ".xml") and len(names) == 14
    want = names[3:5]
    assert dict(packed.files(want)) == dict(folder.files(want)) == {n: (corpus / n).read_bytes() for n in want}
    assert packed.read(want[0]) == packed.load().read(want[0]) and packed.exists(want[1])
    for archive in (folder, packed):
        with pytest.raises(KeyError, match="nope.xml"):
            archive.read("lineStrokes/nope.xml")
    with pytest.raises(ValueError, match="no such folder or archive"):
        Archive(tmp_path / "missing")
    (tmp_path / "plain.txt").write_text("x")
    with pytest.raises(ValueError, match="not a tar archive"):
        Archive(tmp_path / "plain.txt")


def test_texts_normalised_as_written_from_folder_tar_and_pack(corpus, tmp_path):
    names = (corpus / "val.txt").read_text().split()
    assert iam.text_source(names[0]) == ("ascii/a01/a01-000/a01-000u.txt", 11)
    texts = iam.load_texts(corpus, names)
    assert texts == {names[0]: "line 11, it's (the a)", names[1]: "line 12, it's (the b)"}
    assert iam.load_texts(corpus / "ascii", names) == texts  # the unpacked ascii folder itself
    tar_path = tmp_path / "ascii-all.tar.gz"
    with tarfile.open(tar_path, "w:gz") as tar:
        tar.add(corpus / "ascii", arcname="ascii")
    assert iam.load_texts(tar_path, names) == texts
    packed = iam.pack(corpus, [corpus / "val.txt"], tmp_path / "p.npz", progress=False, texts=corpus)
    assert iam.load_texts(packed, names) == texts
    bare = iam.pack(corpus, [corpus / "val.txt"], tmp_path / "q.npz", progress=False, texts=None)
    with pytest.raises(ValueError, match="holds no texts"):
        iam.load_texts(bare, names)
    assert iam.normalise_text("  Mr . Foot ' s line ,  don 't ! ") == "Mr. Foot's line, don't!"


def test_every_split_line_has_its_text(iam_dir):
    """../shared: every line of both splits has a transcription (10,748 and 857)."""
    for split, count in (("training", 10748), ("validation", 857)):
        names = (iam_dir / "splits" / f"{split}_set.txt").read_text().split()
        texts = iam.load_texts(iam_dir / "ascii-all.tar.xz", names)
        assert len(names) == len(texts) == count
        assert all(t == t.strip() and " ," not in t and " ." not in t for t in texts.values())
