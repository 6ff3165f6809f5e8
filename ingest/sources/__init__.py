"""One generator module per source kind, each `iter_payloads(source, client, *, since=None)`."""

from ingest.sources.base import Payload

__all__ = ["Payload"]
