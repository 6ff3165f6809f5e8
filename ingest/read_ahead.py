"""Asking the kernel to read files into the page cache ahead of their reader.

A file the page cache no longer holds (the machines here evict any file left idle for a minute) is
then on its way before it is read, instead of each read waiting for the disk in turn, behind
whatever else the disk is busy with. Used by the load for each next batch of payload files and by
a pages source of local files for each next batch of pages.
"""

from __future__ import annotations

import os
from collections.abc import Iterable


def read_ahead(paths: Iterable[str | os.PathLike[str]]) -> None:
    """Start reading these files into the page cache; returns without waiting for it."""
    if not hasattr(os, "posix_fadvise"):  # not on macOS or Windows: files are read as they come
        return
    for path in paths:
        try:  # O_NONBLOCK: opening a FIFO here must not wait for a writer
            fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        except OSError:  # reading it reports why
            continue
        try:
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_WILLNEED)
        finally:
            os.close(fd)
