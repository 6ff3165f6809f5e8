"""A pages source of local files asks the kernel for each batch of files a batch ahead of reading it.

Residency is read with mincore(2) on a mapping of each file, so the test sees what the page cache
holds, not what the code says it did.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

from ingest.config import Source
from ingest.http_client import HttpClient
from ingest.sources import pages
from tests.page_cache import PAGE, evict, resident_pages

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="posix_fadvise and mincore: Linux")

FILE_BYTES = 4 * PAGE


def wait_resident(path: Path, pages_expected: int, seconds: float = 5.0) -> int:
    """The readahead is asynchronous: poll until the file is in the cache, or give up."""
    deadline = time.monotonic() + seconds
    while (resident := resident_pages(path)) < pages_expected and time.monotonic() < deadline:
        time.sleep(0.01)
    return resident


@pytest.fixture
def uncached_files(tmp_path: Path) -> list[Path]:
    """Three batches' worth of files, none of them in the page cache."""
    files = []
    for i in range(2 * pages.READ_AHEAD_FILES + 50):
        path = tmp_path / f"page_{i:04d}.txt"
        path.write_bytes(f"page {i}\n".encode().ljust(FILE_BYTES, b"."))
        files.append(path)
    for path in files:
        evict(path)
    if any(resident_pages(path) for path in files[:: pages.READ_AHEAD_FILES // 4]):
        pytest.skip(f"{tmp_path} keeps file pages in memory (tmpfs?): nothing to read ahead")
    return files


def local_source(files: list[Path]) -> Source:
    return Source(name="local-pages", kind="pages", urls=tuple(path.as_uri() for path in files))


def test_the_next_batch_of_local_files_is_in_the_cache_before_it_is_read(uncached_files):
    batch = pages.READ_AHEAD_FILES
    with HttpClient(rate_limit_per_second=1000.0) as client:
        payloads = pages.iter_payloads(local_source(uncached_files), client)
        first = next(payloads)

        assert first.body.startswith(b"page 0\n") and first.error is None
        # reading file 0 asked for the first two batches: a file of the second is cached unread
        assert wait_resident(uncached_files[batch + 7], 4) == 4
        assert wait_resident(uncached_files[2 * batch - 1], 4) == 4
        # the third batch is asked for only when the second is reached
        assert resident_pages(uncached_files[2 * batch + 7]) == 0

        rest = list(payloads)
    assert [p.body[: p.body.index(b"\n")] for p in [first, *rest]] == [
        f"page {i}".encode() for i in range(len(uncached_files))
    ]
    assert resident_pages(uncached_files[2 * batch + 7]) == 4


def test_a_missing_local_file_is_an_error_payload_in_its_place(uncached_files):
    uncached_files[3].unlink()
    with HttpClient(rate_limit_per_second=1000.0) as client:
        got = list(pages.iter_payloads(local_source(uncached_files[:6]), client))

    assert [p.url for p in got] == [path.as_uri() for path in uncached_files[:6]]
    assert got[3].body is None and got[3].error.startswith("FileNotFoundError:")
    assert [p.body[:7] for i, p in enumerate(got) if i != 3] == [
        f"page {i}\n".encode() for i in (0, 1, 2, 4, 5)
    ]
