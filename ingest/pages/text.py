"""Text helpers shared by every layout: HTML to text, body checks, lines, sections and labels.

Layout parsers work on lines, not characters: regexes and dict look-ups per line keep a page
at a few milliseconds, which the dbt staging models need (they parse every stored page).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from inscriptis import get_text
from inscriptis.css_profiles import CSS_PROFILES
from inscriptis.model.config import ParserConfig

_HTML_CONFIG = ParserConfig(css=CSS_PROFILES["strict"])
_HTML_START_RE = re.compile(r"\s*(?:<!doctype|<html|<\?xml|<head|<body)", re.I)
_TAG_RE = re.compile(r"</?[a-zA-Z][a-zA-Z0-9]{0,15}(?:\s[^<>]{0,500})?/?>")
_BAD_CHAR_RE = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f\ufffd]")
_WS_RE = re.compile(r"\s+")
_GLYPH_PREFIX_RE = re.compile(r"^(?:[-*+•◦‣⁃▪▫■□○●–—·]\s+)+")
_MD_ESCAPE_RE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!~<>|^])")
_ODD_SPACES = ("\u00a0", "\u2007", "\u202f", "\t", "\u200b", "\ufeff")
_ODD_SPACE_RE = re.compile("[" + "".join(_ODD_SPACES) + "]")
_ODD_SPACE = {"\t": "    ", "\u200b": "", "\ufeff": ""}


def looks_like_html(body: str) -> bool:
    """A body is HTML when it starts like a document or carries several tags near the top."""
    if _HTML_START_RE.match(body[:1000]):
        return True
    return len(_TAG_RE.findall(body[:50_000])) >= 5


def html_to_text(html: str) -> str:
    """Render HTML as text with inscriptis: block elements become lines, script/style are dropped.

    The strict CSS profile indents only what HTML nests (lists), so indentation keeps meaning
    nesting for the criteria splitter; the relaxed one also indents some blocks after a `<p>`.
    """
    return get_text(html, _HTML_CONFIG)


_BINARY_MAGIC = ("%PDF-", "PK\x03\x04", "\x1f\ufffd\x08", "\x1f\x8b", "\ufffdPNG", "\x89PNG", "GIF8")


def is_binary(body: str) -> bool:
    """Not a page: NUL bytes, a known file signature (PDF, zip, gzip, PNG, GIF), or at least 30%
    control characters / U+FFFD (what undecodable bytes become)."""
    if "\x00" in body or body.startswith(_BINARY_MAGIC):
        return True
    sample = body[:100_000]
    bad = len(_BAD_CHAR_RE.findall(sample))
    return bad > 0.3 * len(sample)


def to_lines(text: str) -> list[str]:
    """Split into right-stripped lines; leading indentation is kept (criteria nesting needs it).

    Half a million criteria texts go through here in a rebuild: `in` tests skip the regex pass
    (a fifth of the criteria splitter's time) on the many texts without odd spaces or `\\r`.
    """
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if any(c in text for c in _ODD_SPACES):
        text = _ODD_SPACE_RE.sub(lambda m: _ODD_SPACE.get(m.group(0), " "), text)
    return [line.rstrip() for line in text.split("\n")]


def norm(s: str) -> str:
    """Comparison form of a heading or label: lower case, single spaces, no trailing colon."""
    return _WS_RE.sub(" ", s).strip().rstrip(":").rstrip().lower()


def clean(s: str) -> str:
    """A value as shown: leading bullet glyphs dropped, whitespace collapsed."""
    return _WS_RE.sub(" ", _GLYPH_PREFIX_RE.sub("", s.strip())).strip()


def unescape_markdown(s: str) -> str:
    """Undo the backslash escapes some sites leave in text rendered from Markdown (`1\\.`, `\\[`)."""
    return _MD_ESCAPE_RE.sub(r"\1", s)


def values(lines: Iterable[str]) -> list[str]:
    """The non-blank lines of a block, cleaned."""
    out = []
    for line in lines:
        c = clean(line)
        if c:
            out.append(c)
    return out


def join_text(lines: Iterable[str]) -> str | None:
    """Non-blank cleaned lines joined by newlines (HTML and text copies then agree), or None."""
    vals = values(lines)
    return "\n".join(vals) if vals else None


def block_text(lines: Sequence[str]) -> str | None:
    """Raw non-blank lines with their common indentation removed: keeps bullets and nesting."""
    kept = [line for line in lines if line.strip()]
    if not kept:
        return None
    indent = min(len(line) - len(line.lstrip(" ")) for line in kept)
    return "\n".join(line[indent:] for line in kept)


def split_sections(
    lines: Sequence[str],
    headings: Mapping[str, str],
    patterns: Sequence[tuple[re.Pattern[str], str]] = (),
    head_key: str = "_head",
) -> dict[str, list[str]]:
    """Cut a page at known heading lines; each key holds the raw lines up to the next heading.

    A heading seen again later is taken as content, so a value that happens to read like a
    heading cannot start a second copy of the section.
    """
    out: dict[str, list[str]] = {head_key: []}
    current = out[head_key]
    for line in lines:
        s = line.strip()
        key = None
        if s and len(s) <= 120:
            n = norm(clean(s))
            key = headings.get(n)
            if key is None:
                for rx, k in patterns:
                    if rx.match(n):
                        key = k
                        break
        if key is not None and key not in out:
            current = out[key] = []
        else:
            current.append(line)
    return out


@dataclass
class Labelled:
    """Result of `label_values`: values per key, the label text that matched, unlabelled lines."""

    values: dict[str, list[str]] = field(default_factory=dict)
    label: dict[str, str] = field(default_factory=dict)
    free: list[str] = field(default_factory=list)

    def first(self, key: str) -> str | None:
        vals = self.values.get(key)
        return vals[0] if vals else None

    def all(self, key: str) -> list[str]:
        return list(self.values.get(key, []))


def _label_key(
    text: str, labels: Mapping[str, str], patterns: Sequence[tuple[re.Pattern[str], str]]
) -> str | None:
    n = norm(text)
    key = labels.get(n)
    if key is None:
        for rx, k in patterns:
            if rx.match(n):
                return k
    return key


def label_values(
    lines: Iterable[str],
    labels: Mapping[str, str],
    patterns: Sequence[tuple[re.Pattern[str], str]] = (),
) -> Labelled:
    """Read `Label` + value lines and `Label: value` lines into a dict of key -> values.

    A label alone on its line takes the following lines until the next label; an inline label
    takes the rest of its line. Lines under no label land in `free`, in order.
    """
    out = Labelled()
    current: str | None = None
    for line in lines:
        s = clean(line)
        if not s:
            continue
        key = _label_key(s, labels, patterns) if len(s) <= 120 else None
        if key is not None:
            out.values.setdefault(key, [])
            out.label.setdefault(key, s.rstrip(":").strip())
            current = key
            continue
        if ":" in s:
            head, _, tail = s.partition(":")
            key = _label_key(head, labels, patterns) if len(head) <= 80 else None
            if key is not None:
                tail = tail.strip()
                out.values.setdefault(key, [])
                out.label.setdefault(key, head.strip())
                if tail:
                    out.values[key].append(tail)
                    current = None
                else:
                    current = key
                continue
        if current is not None:
            out.values[current].append(s)
        else:
            out.free.append(s)
    return out
