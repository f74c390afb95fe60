"""One reader for "a folder or a tar archive": every corpus here comes either way.

IAM-OnDB ships as ``lineStrokes-all.tar.gz`` (here ``.tar.xz``) and ``ascii-all.tar.*``, UNIPEN as
a tar of ``data/`` and ``include/`` folders, and a user may have unpacked any of them. ``Archive``
names files by their relative posix path inside either form (a tar member's leading ``./`` dropped)
and reads them as bytes. A tar is read as a stream: ``files(wanted)`` decompresses it once and
yields only the members asked for, which is what a 30 MB ``.tar.xz`` of 11,605 files needs.
"""
from __future__ import annotations

import os
import tarfile
from pathlib import Path, PurePosixPath


class Archive:
    """Files under a folder, or the members of a tar archive of any compression."""

    def __init__(self, root: str | os.PathLike):
        self.root = Path(root)
        if self.root.is_dir():
            self.is_tar = False
        elif self.root.is_file() and tarfile.is_tarfile(self.root):
            self.is_tar = True
        elif self.root.is_file():
            raise ValueError(f"{self.root}: not a tar archive")
        else:
            raise ValueError(f"{self.root}: no such folder or archive")
        self._loaded: dict[str, bytes] | None = None

    def files(self, wanted=None, suffix: str = ""):
        """Yield (name, bytes) of the files whose name is in ``wanted`` (all when None) and ends
        with ``suffix``: in archive order from a tar, sorted by name from a folder."""
        wanted = None if wanted is None else set(map(str, wanted))

        def keep(name: str) -> bool:
            return name.endswith(suffix) and (wanted is None or name in wanted)

        if self._loaded is not None:
            for name in (sorted(self._loaded) if wanted is None else sorted(wanted)):
                if name in self._loaded and keep(name):
                    yield name, self._loaded[name]
        elif self.is_tar:
            with tarfile.open(self.root, mode="r:*") as tar:
                for member in tar:
                    name = _name(member.name)
                    if member.isfile() and keep(name):
                        yield name, tar.extractfile(member).read()
        elif wanted is not None:  # look each one up instead of walking the tree
            for name in sorted(wanted):
                path = self.root / name
                if keep(name) and path.is_file():
                    yield name, path.read_bytes()
        else:
            for path in sorted(p for p in self.root.rglob("*") if p.is_file()):
                name = path.relative_to(self.root).as_posix()
                if keep(name):
                    yield name, path.read_bytes()

    def names(self, under: str = "", suffix: str = "") -> list[str]:
        """Sorted names of the files below the folder ``under`` ('' = everywhere) ending with ``suffix``."""
        prefix = under.strip("/") + "/" if under.strip("/") else ""
        if self._loaded is not None:
            found = list(self._loaded)
        elif self.is_tar:
            with tarfile.open(self.root, mode="r:*") as tar:
                found = [_name(m.name) for m in tar if m.isfile()]
        else:
            base = self.root / prefix if prefix else self.root
            found = [p.relative_to(self.root).as_posix() for p in base.rglob("*") if p.is_file()] if base.is_dir() else []
        return sorted(n for n in found if n.startswith(prefix) and n.endswith(suffix))

    def load(self) -> "Archive":
        """Keep every file in memory, for readers that look files up at random (UNIPEN's includes);
        for a folder this does nothing (it is read on demand)."""
        if self.is_tar and self._loaded is None:
            self._loaded = dict(self.files())
        return self

    def exists(self, name) -> bool:
        name = str(PurePosixPath(name))
        if self._loaded is not None:
            return name in self._loaded
        if self.is_tar:
            return name in self.names()
        return (self.root / name).is_file()

    def read(self, name) -> bytes:
        """One file's bytes; KeyError naming it and the archive when it is not there."""
        name = str(PurePosixPath(name))
        if self._loaded is not None:
            if name in self._loaded:
                return self._loaded[name]
        elif self.is_tar:
            for _, data in self.files({name}):
                return data
        elif (self.root / name).is_file():
            return (self.root / name).read_bytes()
        raise KeyError(f"{name}: not in {self.root}")


def _name(member: str) -> str:
    return member[2:] if member.startswith("./") else member.lstrip("/")
