"""Split eligibility text into one row per criterion, with its nesting (the Criteria contract).

Sites render the same CT.gov Markdown in different ways, so nesting is inferred from whichever
signal the text carries:

* indentation, or the glyph of the bullet (`•` level 0, `◦`/`‣` 1, `⁃`/`▪` 2) when a block
  uses more than one: deeper means child, same means sibling ("indent mode");
* otherwise the numbering: a number continuing an open list (`3.` after `2.`) goes back to
  that list, a first marker (`1.`, `a.`, `(1)`) or a plain bullet after a number opens a child
  list ("style mode").

Criteria run together on one line (`...; 2. Systemic sclerosis: (1) The ...`) are split at an
embedded marker only when it continues an open list or starts one whose `2` follows, so
`2.0 cm; b. Physician score` without an `a.` stays one criterion.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from ingest.pages.text import to_lines, unescape_markdown

_LINE_RE = re.compile(r"^(?P<indent> *)(?P<glyphs>(?:[-*+•◦‣⁃▪▫■□○●–—·](?:\s+|$))*)(?P<rest>.*)$")
_GLYPH_LEVEL = {"•": 0, "●": 0, "◦": 1, "○": 1, "‣": 1, "⁃": 2, "▪": 2, "■": 2, "▫": 2, "□": 2}
_MARK_RE = re.compile(
    r"^(?:\((?P<p>\d{1,2}|[a-zA-Z]|[ivx]{2,5}|[IVX]{2,5})\)"
    r"|(?P<n>\d{1,2})\\?(?P<ns>[.)])"
    r"|(?P<l>[a-zA-Z]|[ivx]{2,5}|[IVX]{2,5})\\?(?P<ls>[.)]))(?=\s|$)\s*"
)
_COMMA_MARK_RE = re.compile(r"^(\d{1,2}),\s+(?=\S)")
_EMB_RE = re.compile(r"(?<=[;:.])\s+(?P<m>\((?:\d{1,2}|[a-z])\)|\d{1,2}\\?[.)]|[a-z]\\?[.)])\s+(?=\S)")
_HEAD_RE = re.compile(
    r"^(?:key |main |general )?(?P<kind>inclusion|exclusion)"
    r"(?:(?: criteri(?:a|on))(?P<tail>[^:.;]{0,60}?)|)\s*(?::\s*(?P<rest>.*))?$",
    re.I,
)
MAX_DEPTH = 8  # deeper than any real criteria list; bounds the cost of hostile text
_ROMAN = {"i": 1, "v": 5, "x": 10}


def _roman(s: str) -> int | None:
    total, prev = 0, 0
    for ch in reversed(s.lower()):
        v = _ROMAN.get(ch)
        if v is None:
            return None
        total += -v if v < prev else v
        prev = max(prev, v)
    return total or None


def _classify(token: str, letter_before_i: bool) -> tuple[str, int] | None:
    """Style and value of a marker such as `3.`, `3\\)`, `(3)`, `b.`, `(iv)`."""
    m = _MARK_RE.match(token + " ")
    if not m:
        return None
    if m.group("n"):
        return "1" + m.group("ns"), int(m.group("n"))
    body = m.group("p") or m.group("l")
    punct = m.group("ls") or ""
    wrap = ("(", ")") if m.group("p") else ("", punct)
    if body.isdigit():
        return "(1)", int(body)
    if len(body) > 1 or (body in "iI" and not letter_before_i):
        value = _roman(body)
        if value is None:
            return None
        return wrap[0] + ("i" if body.islower() else "I") + wrap[1], value
    base = "a" if body.islower() else "A"
    return wrap[0] + base + wrap[1], ord(body.lower()) - 96


@dataclass
class _Raw:
    """One criterion line (plus its continuation lines) before nesting is decided."""

    key: tuple[int, int]
    style: str | None
    value: int
    text: str
    comma: int | None = None
    lookahead: list[bool] = field(default_factory=list)


@dataclass
class _Level:
    key: tuple[int, int] | None
    style: str | None
    last: int
    path: str = ""


class _Tree:
    """Nesting state of one kind (inclusion or exclusion); emits criteria rows in order."""

    def __init__(self, kind: str, out: list[dict]) -> None:
        self.kind = kind
        self.out = out
        self.stack: list[_Level] = []
        self.children: dict[str, int] = {}
        self.indent_mode = False

    def _emit(self, depth: int, text: str) -> dict:
        parent = self.stack[depth - 1].path if depth else None
        ordinal = self.children[parent or ""] = self.children.get(parent or "", 0) + 1
        path = f"{parent}.{ordinal}" if parent else str(ordinal)
        self.stack[depth].path = path
        row = {
            "kind": self.kind,
            "path": path,
            "parent_path": parent,
            "ordinal": ordinal,
            "depth": depth,
            "text": text,
        }
        self.out.append(row)
        return row

    def _find(self, style: str | None, pred: Callable[[int], bool]) -> int | None:
        """The deepest open list of this style whose last number satisfies `pred`."""
        for i in range(len(self.stack) - 1, -1, -1):
            lvl = self.stack[i]
            if lvl.style == style and pred(lvl.last):
                return i
        return None

    def _sibling(self, i: int, style: str | None, value: int, text: str) -> dict:
        del self.stack[i + 1 :]
        lvl = self.stack[i]
        if style is not None:
            lvl.style, lvl.last = style, value
        return self._emit(i, text)

    def _child(self, key: tuple[int, int] | None, style: str | None, value: int, text: str) -> dict:
        if len(self.stack) >= MAX_DEPTH:  # hostile text: keep the walk over the stack short
            return self._sibling(len(self.stack) - 1, style, value, text)
        self.stack.append(_Level(key, style, value))
        return self._emit(len(self.stack) - 1, text)

    def lead_in(self, text: str) -> None:
        """Unmarked text before the first bullet of a block: a top-level row that opens no list."""
        self.stack.clear()
        self.stack.append(_Level(None, "lead", 0))
        self._emit(0, text)
        self.stack.clear()

    def place(self, raw: _Raw) -> dict:
        style, value, text = raw.style, raw.value, raw.text
        if raw.comma is not None and self._find("1.", lambda last: last == raw.comma - 1) is not None:
            style, value = "1.", raw.comma
            text = _COMMA_MARK_RE.sub("", text, count=1)
        if self.indent_mode:
            return self._place_by_indent(raw.key, style, value, text)
        return self._place_by_style(raw.key, style, value, text)

    def _place_by_indent(self, key: tuple[int, int], style: str | None, value: int, text: str) -> dict:
        stack = self.stack
        while stack:
            top = stack[-1]
            if top.key is None:  # opened by an embedded marker: adopt the first deeper line
                below = next((lv.key for lv in reversed(stack[:-1]) if lv.key is not None), None)
                if below is None or key > below:
                    top.key = key
                    break
                stack.pop()
                continue
            if top.key > key:
                stack.pop()
                continue
            break
        if stack and stack[-1].key == key:
            return self._sibling(len(stack) - 1, style, value, text)
        return self._child(key, style, value, text)

    def _place_by_style(self, key: tuple[int, int], style: str | None, value: int, text: str) -> dict:
        if style is None:
            i = self._find(None, lambda last: True)
        else:
            i = self._find(style, lambda last: last == value - 1)
            if i is None and value != 1:
                i = self._find(style, lambda last: last < value)
                if i is None:
                    i = self._find(style, lambda last: True)
        if i is None:
            return self._child(key, style, value, text)
        return self._sibling(i, style, value, text)

    def embedded(self, style: str, value: int, lookahead: bool) -> dict | None:
        """A marker inside a criterion: split there if it continues or properly opens a list."""
        i = self._find(style, lambda last: last == value - 1)
        if i is not None:
            del self.stack[i + 1 :]
            self.stack[i].last = value
            return self._emit(i, "")
        if value == 1 and lookahead:
            return self._child(None, style, value, "")
        return None


def _line_event(
    key: tuple[int, int], glyphs: str, rest: str, letter_prev: dict[str, int]
) -> tuple[str, _Raw]:
    """An item (bullet or number) or a plain text line, with its marker taken off."""
    style, value, comma = None, 0, None
    mm = _MARK_RE.match(rest)
    got = None
    if mm:
        token = rest[: mm.end()].strip()
        base = "A" if token.strip("().\\").isupper() else "a"
        got = _classify(token, letter_prev[base] == 8)
    if got:
        style, value = got
        rest = rest[mm.end() :]
        if style.strip("().") in ("a", "A"):
            letter_prev[style.strip("().")] = value
    elif glyphs:
        cm = _COMMA_MARK_RE.match(rest)
        comma = int(cm.group(1)) if cm else None
    kind = "item" if glyphs or style is not None else "text"
    return kind, _Raw(key, style, value, unescape_markdown(rest).strip(), comma)


def _parse_lines(text: str) -> list[tuple[str, object]]:
    """Classify each line as a heading (its kind) or an item / plain text line."""
    events: list[tuple[str, object]] = []
    letter_prev = {"a": 0, "A": 0}
    for line in to_lines(text):
        if not line.strip():
            continue
        m = _LINE_RE.match(line)
        glyphs = m.group("glyphs")
        rest = m.group("rest").strip()
        level = 0
        for ch in glyphs:
            level = _GLYPH_LEVEL.get(ch, level)
        key = (len(m.group("indent")), level)
        head = _HEAD_RE.match(unescape_markdown(rest)) if len(rest) <= 90 else None
        if head and (
            head.group("tail") is not None
            or head.group("rest") is not None
            or rest.lower() in ("inclusion", "exclusion")
        ):
            events.append(("heading", head.group("kind").lower()))
            inline = (head.group("rest") or "").strip()
            if not inline:
                continue
            glyphs, rest = "", inline
        events.append(_line_event(key, glyphs, rest, letter_prev))
    return events


def _blocks(events: list[tuple[str, object]]) -> list[tuple[str, list[_Raw], bool]]:
    """Group lines under headings; merge continuation lines into the criterion above them.

    Returns (kind, raws, has_marks); in a block without any bullet or number every line is a
    criterion of its own.
    """
    blocks: list[tuple[str, list[tuple[str, _Raw]]]] = [("inclusion", [])]
    for kind, payload in events:
        if kind == "heading":
            blocks.append((payload, []))
        else:
            blocks[-1][1].append((kind, payload))
    out = []
    for kind, lines in blocks:
        has_marks = any(k == "item" for k, _ in lines)
        raws: list[_Raw] = []
        seen_item = False
        for k, raw in lines:
            if k == "item":
                seen_item = True
                raws.append(raw)
            elif has_marks and seen_item and raws:
                raws[-1].text = f"{raws[-1].text} {raw.text}".strip()
            else:
                raw.style = "lead" if has_marks else None
                raws.append(raw)
        raws = [r for r in raws if r.text]
        if raws:
            out.append((kind, raws, has_marks))
    return out


def _mark_lookahead(blocks: list[tuple[str, list[_Raw], bool]]) -> None:
    """For each embedded marker, note whether the next marker of its style is number 2."""
    seq: list[tuple[str, int, _Raw | None, int]] = []
    for _, raws, _ in blocks:
        for raw in raws:
            if raw.style and raw.style != "lead":
                seq.append((raw.style, raw.value, None, -1))
            raw.lookahead = []
            for j, m in enumerate(_EMB_RE.finditer(raw.text)):
                got = _classify(m.group("m").replace("\\", ""), False)
                raw.lookahead.append(False)
                if got:
                    seq.append((got[0], got[1], raw, j))
    nxt: dict[str, int] = {}
    for style, value, raw, j in reversed(seq):
        if raw is not None:
            raw.lookahead[j] = nxt.get(style) == 2
        nxt[style] = value


def split_criteria(text: str | None) -> list[dict]:
    """One dict per criterion: kind, path, parent_path, ordinal, depth, text (see ARCHITECTURE.md).

    Never raises on text; None or blank text gives []. Headings switch `kind` and are not rows;
    text before any heading counts as inclusion.
    """
    if not text or not isinstance(text, str) or not text.strip():
        return []
    blocks = _blocks(_parse_lines(text))
    _mark_lookahead(blocks)
    out: list[dict] = []
    trees: dict[str, _Tree] = {}
    for kind, raws, has_marks in blocks:
        tree = trees.get(kind)
        if tree is None:
            tree = trees[kind] = _Tree(kind, out)
        tree.stack.clear()
        tree.indent_mode = len({r.key for r in raws if r.style != "lead"}) > 1
        for raw in raws:
            if raw.style == "lead" or not has_marks:
                tree.lead_in(raw.text)
                continue
            row = tree.place(raw)
            start = 0
            text = row["text"]
            for j, m in enumerate(_EMB_RE.finditer(text)):
                got = _classify(m.group("m").replace("\\", ""), False)
                if not got:
                    continue
                ahead = raw.lookahead[j] if j < len(raw.lookahead) else False
                new = tree.embedded(got[0], got[1], ahead)
                if new is not None:
                    row["text"] = text[start : m.start()].strip()
                    row, start = new, m.end()
            row["text"] = text[start:].strip()
    return [r for r in out if r["text"]]
