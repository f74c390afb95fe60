"""The IAM-OnDB reader (corpora.iam) on XML files the tests write: units, pen lifts, bad files,
folder and tar sources, the cache and the pack a GPU machine loads."""
import tarfile

import numpy as np

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
