"""Writing a tree of files into a directory the command creates itself, safe in shared places.

The files are written into a fresh private directory (mkdtemp: mode 0700, a new name) next to
the target, each created with O_CREAT|O_EXCL|O_NOFOLLOW and its final mode, then the directory is
renamed into place in one step. Nothing already on disk is opened, truncated or followed: an
existing target must be an empty directory of the current user that no one else may write to.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

_FILE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC


class OutputDirError(Exception):
    """The target directory cannot be used safely; the message says why."""


@dataclass(frozen=True)
class OutputFile:
    relative: str  # a path inside the directory, '/'-separated
    content: str
    mode: int


def check_target(target: Path) -> None:
    """Refuse a target that is a symlink, a non-directory, non-empty, foreign or shared-writable."""
    try:
        info = os.lstat(target)
    except FileNotFoundError:
        return
    if stat.S_ISLNK(info.st_mode):
        raise OutputDirError(f"{target} is a symbolic link; name a new directory")
    if not stat.S_ISDIR(info.st_mode):
        raise OutputDirError(f"{target} exists and is not a directory; name a new directory")
    if info.st_uid != os.geteuid():
        raise OutputDirError(f"{target} is owned by another user (uid {info.st_uid})")
    if info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        raise OutputDirError(f"{target} is writable by group or others; name a new directory")
    if any(os.scandir(target)):
        raise OutputDirError(f"{target} is not empty; name a new or empty directory")


def _parts(relative: str) -> list[str]:
    parts = [p for p in PurePosixPath(relative.lstrip("/")).parts if p not in ("", ".")]
    if not parts or ".." in parts:
        raise OutputDirError(f"refusing to write {relative!r}: not a path inside the directory")
    return parts


def _write(root_fd: int, item: OutputFile) -> None:
    *dirs, name = _parts(item.relative)
    fd = os.dup(root_fd)
    try:
        for part in dirs:
            with contextlib.suppress(FileExistsError):
                os.mkdir(part, 0o755, dir_fd=fd)
            child = os.open(part, _DIR_FLAGS, dir_fd=fd)
            os.close(fd)
            fd = child
        file_fd = os.open(name, _FILE_FLAGS, item.mode, dir_fd=fd)
    finally:
        os.close(fd)
    with os.fdopen(file_fd, "w", encoding="utf-8") as handle:
        # The umask can only narrow the creation mode; this sets exactly the intended one.
        os.fchmod(handle.fileno(), item.mode)
        handle.write(item.content)


def write_tree(target: Path, files: Sequence[OutputFile]) -> list[Path]:
    """Create `target` holding exactly `files`; returns their paths. Raises OutputDirError."""
    check_target(target)
    parent = target.absolute().parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        staging = tempfile.mkdtemp(prefix=f".{target.name}.", dir=parent)
    except OSError as error:
        raise OutputDirError(f"cannot create {target}: {error.strerror or error}") from None
    try:
        root_fd = os.open(staging, _DIR_FLAGS)
        try:
            for item in files:
                _write(root_fd, item)
        finally:
            os.close(root_fd)
        # rename(2) never follows a symlink at the target and fails on anything but an empty
        # directory there, so a name planted since the check cannot receive the files.
        os.rename(staging, target)
    except OSError as error:
        shutil.rmtree(staging, ignore_errors=True)
        raise OutputDirError(f"cannot write {target}: {error.strerror or error}") from None
    except OutputDirError:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return [target / "/".join(_parts(item.relative)) for item in files]
