"""A local replay of ClinicalTrials.gov `/api/v2/studies` serving the nightly increment (127.0.0.1 only).

The nightly run fetches ClinicalTrials.gov incrementally (`ctgov_api`, LastUpdatePostDate on or after
the last published run). The benchmark cannot reach the registry, so this server answers those
requests from the corpus' `delta/` folder: the same JSON shape (`studies`, `nextPageToken`), the
same `pageSize` and `pageToken` pagination, and the `filter.advanced` clause
`AREA[LastUpdatePostDate]RANGE[<day>,MAX]` applied to each study's LastUpdatePostDate.
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
        self.studies: list[tuple[str, str]] = []  # (last update date, study JSON text), in NCT order
        for path in sorted(Path(delta_dir).glob("*.json")):
            text = path.read_text(encoding="utf-8")
            day = json.loads(text)["protocolSection"]["statusModule"]["lastUpdatePostDateStruct"]["date"]
            self.studies.append((day, text))
        self.requests: list[str] = []
        replay = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server's naming
                replay.requests.append(self.path)
                parts = urlsplit(self.path)
                if parts.path.rstrip("/") != "/api/v2/studies":
                    self.send_error(404)
                    return
                q = {k: v[-1] for k, v in parse_qs(parts.query).items()}
                since = _SINCE_RE.search(q.get("filter.advanced", ""))
                selected = [t for d, t in replay.studies if not since or d >= since.group(1)]
                size = min(int(q.get("pageSize", "10")), 1000)
                start = int(q.get("pageToken") or 0)
                page = selected[start : start + size]
                token = f', "nextPageToken": "{start + size}"' if start + size < len(selected) else ""
                body = ('{"studies": [' + ", ".join(page) + "]" + token + "}").encode("utf-8")
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/api/v2/studies"

    def __enter__(self) -> ApiReplay:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
