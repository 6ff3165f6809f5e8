"""A local replay of ClinicalTrials.gov `/api/v2/studies` serving the nightly increment (127.0.0.1 only).

The nightly run fetches ClinicalTrials.gov incrementally (`ctgov_api`, LastUpdatePostDate on or after
the last published run). The benchmark cannot reach the registry, so this server answers those
requests from the corpus' `delta/` folder: the same JSON shape (`studies`, `nextPageToken`), the
same `pageSize` and `pageToken` pagination, and the `filter.advanced` clause
`AREA[LastUpdatePostDate]RANGE[<day>,MAX]` applied to each study's LastUpdatePostDate.

Serving is kept cheap so the benchmark measures the client, not this server: the studies are held
as the UTF-8 bytes of their files, each request filters their (precomputed) dates and a page is one
join of its studies' bytes. Connections are kept alive (HTTP/1.1), as the API's are.
"""

from __future__ import annotations

import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

_SINCE_RE = re.compile(r"AREA\[LastUpdatePostDate\]RANGE\[(\d{4}-\d{2}-\d{2}),MAX\]")


class ApiReplay:
    def __init__(self, delta_dir: Path):
        self.studies: list[tuple[str, bytes]] = []  # (last update date, study JSON), in NCT order
        for path in sorted(Path(delta_dir).glob("*.json")):
            raw = path.read_bytes()
            day = json.loads(raw)["protocolSection"]["statusModule"]["lastUpdatePostDateStruct"]["date"]
            self.studies.append((day, raw))
        self.requests: list[str] = []
        self.connections: list[tuple[str, int]] = []  # client address of each connection accepted
        replay = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive: every reply carries Content-Length
            disable_nagle_algorithm = True  # headers and body are two writes: do not hold the second

            def setup(self) -> None:
                super().setup()
                replay.connections.append(self.client_address)

            def do_GET(self):  # noqa: N802 - http.server's naming
                replay.requests.append(self.path)
                parts = urlsplit(self.path)
                if parts.path.rstrip("/") != "/api/v2/studies":
                    self.send_error(404)
                    return
                q = {k: v[-1] for k, v in parse_qs(parts.query).items()}
                since = _SINCE_RE.search(q.get("filter.advanced", ""))
                selected = replay.selected(since.group(1) if since else None)
                size = min(int(q.get("pageSize", "10")), 1000)
                start = int(q.get("pageToken") or 0)
                page = selected[start : start + size]
                token = b', "nextPageToken": "%d"' % (start + size) if start + size < len(selected) else b""
                body = b'{"studies": [' + b", ".join(page) + b"]" + token + b"}"
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def selected(self, since: str | None) -> list[bytes]:
        """The studies the filter selects (LastUpdatePostDate on or after `since`), in NCT order."""
        return [raw for day, raw in self.studies if since is None or day >= since]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/api/v2/studies"

    def __enter__(self) -> ApiReplay:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
