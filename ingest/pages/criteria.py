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

A full rebuild splits about half a million texts, so the per-line work is kept small: lines are
classified in one pass (headings pre-checked by a cheap regex, Markdown unescaping only where a
backslash is), markers are classified once per distinct token (cached), and each criterion's
embedded markers are found once and reused for both the look-ahead and the split.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from ingest.pages.text import to_lines, unescape_markdown

_LINE_RE = re.compile(r"^(?P<indent> *)(?P<glyphs>(?:[-*+•◦‣⁃▪▫■□○●–—·](?:\s+|$))*)(?P<rest>.*)$")
_GLYPH_LEVEL = {"•": 0, "●": 0, "◦": 1, "○": 1, "‣": 1, "⁃": 2, "▪": 2, "■": 2, "▫": 2, "□": 2}
_MARK_RE = re.compile(
    r"^(?:\((?P<p>\d{1,2}|[a-zA-Z]|[ivx]{2,5}|[IVX]{2,5})\)"
    r"|(?P<n>\d{1,2})\\?(?P<ns>[.)])"
    r"|(?P<l>[a-zA-Z]|[ivx]{2,5}|[IVX]{2,5})\\?(?P<ls>[.)]))(?=\s|$)\s*"
)
_COMMA_MARK_RE = re.compile(r"^(\d{1,2}),\s+(?=\S)")
# A marker inside a criterion, after `;`, `:` or `.` (the `body` group; the punctuation is
# matched, not looked behind at, so the regex engine can skip ahead to candidate characters).
_EMB_RE = re.compile(r"[;:.](?P<body>\s+(?P<m>\((?:\d{1,2}|[a-z])\)|\d{1,2}\\?[.)]|[a-z]\\?[.)])\s+)(?=\S)")
_HEAD_RE = re.compile(
    r"^(?:key |main |general )?(?P<kind>inclusion|exclusion)"
    r"(?:(?: criteri(?:a|on))(?P<tail>[^:.;]{0,60}?)|)\s*(?::\s*(?P<rest>.*))?$",
    re.I,
)
# The start `_HEAD_RE` needs, checked on the raw line: unescaping cannot create or remove letters
# and spaces, so a line failing this cannot be a heading and skips the unescape and full match.
_HEAD_START_RE = re.compile(r"(?:key |main |general )?(?:inclusion|exclusion)", re.I)
MAX_DEPTH = 8  # deeper than any real criteria list; bounds the cost of hostile text
_ROMAN = {"i": 1, "v": 5, "x": 10}

Mark = tuple[str, int]  # style and value of a list marker, e.g. ("(a)", 2)
Key = tuple[int, int]  # indentation and glyph level of a line
Embedded = tuple[int, int, Mark | None]  # start, end and classification of an embedded marker
_NO_EMBEDDED: tuple[Embedded, ...] = ()  # shared by the many criteria without embedded markers


def _roman(s: str) -> int | None:
    total, prev = 0, 0
    for ch in reversed(s.lower()):
        v = _ROMAN.get(ch)
        if v is None:
            return None
        total += -v if v < prev else v
        prev = max(prev, v)
    return total or None


@lru_cache(maxsize=8192)  # tokens come from a small closed set (`12.`, `(b)`, `iv)`, ...)
def _classify(token: str, letter_before_i: bool) -> Mark | None:
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


def _embedded_marks(text: str) -> list[Embedded]:
    """The markers inside a criterion's text (`; 2. ...`), classified."""
    return [
        (m.start("body"), m.end(), _classify(m.group("m").replace("\\", ""), False))
        for m in _EMB_RE.finditer(text)
    ]


class _Raw:
    """One criterion line (plus its continuation lines) before nesting is decided."""

    __slots__ = ("key", "style", "value", "text", "comma", "embedded", "lookahead")

    def __init__(self, key: Key, style: str | None, value: int, text: str, comma: int | None) -> None:
        self.key = key
        self.style = style
        self.value = value
        self.text = text
        self.comma = comma
        self.embedded: Sequence[Embedded] = _NO_EMBEDDED  # markers found in `text`
        self.lookahead: list[bool] = []


class _Row:
    """One criterion as it is built (its text is cut again when an embedded marker splits it)."""

    __slots__ = ("kind", "path", "parent_path", "ordinal", "depth", "text")

    def __init__(
        self, kind: str, path: str, parent_path: str | None, ordinal: int, depth: int, text: str
    ) -> None:
        self.kind = kind
        self.path = path
        self.parent_path = parent_path
        self.ordinal = ordinal
        self.depth = depth
        self.text = text


class _Level:
    """One open list: its indent key, marker style, last number and the path of its last row."""

    __slots__ = ("key", "style", "last", "path")

    def __init__(self, key: Key | None, style: str | None, last: int) -> None:
        self.key = key
        self.style = style
        self.last = last
        self.path = ""


class _Tree:
    """Nesting state of one kind (inclusion or exclusion); emits criteria rows in order."""

    def __init__(self, kind: str, out: list[_Row]) -> None:
        self.kind = kind
        self.out = out
        self.stack: list[_Level] = []
        self.children: dict[str, int] = {}
        self.indent_mode = False

    def _emit(self, depth: int, text: str) -> _Row:
        parent = self.stack[depth - 1].path if depth else None
        pkey = parent or ""
        ordinal = self.children[pkey] = self.children.get(pkey, 0) + 1
        path = f"{parent}.{ordinal}" if parent else str(ordinal)
        self.stack[depth].path = path
        row = _Row(self.kind, path, parent, ordinal, depth, text)
        self.out.append(row)
        return row

    # The deepest open list of a style whose last number satisfies a test (one loop per test:
    # these run once or more per criterion, and a lambda per call was a measurable cost).
    def _find_any(self, style: str | None) -> int | None:
        stack = self.stack
        for i in range(len(stack) - 1, -1, -1):
            if stack[i].style == style:
                return i
        return None

    def _find_eq(self, style: str | None, last: int) -> int | None:
        stack = self.stack
        for i in range(len(stack) - 1, -1, -1):
            lvl = stack[i]
            if lvl.style == style and lvl.last == last:
                return i
        return None

    def _find_lt(self, style: str | None, value: int) -> int | None:
        stack = self.stack
        for i in range(len(stack) - 1, -1, -1):
            lvl = stack[i]
            if lvl.style == style and lvl.last < value:
                return i
        return None

    def _sibling(self, i: int, style: str | None, value: int, text: str) -> _Row:
        del self.stack[i + 1 :]
        lvl = self.stack[i]
        if style is not None:
            lvl.style, lvl.last = style, value
        return self._emit(i, text)

    def _child(self, key: Key | None, style: str | None, value: int, text: str) -> _Row:
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

    def place(self, raw: _Raw) -> _Row:
        style, value, text = raw.style, raw.value, raw.text
        if raw.comma is not None and self._find_eq("1.", raw.comma - 1) is not None:
            style, value = "1.", raw.comma
            text = _COMMA_MARK_RE.sub("", text, count=1)
        if self.indent_mode:
            return self._place_by_indent(raw.key, style, value, text)
        stack = self.stack
        if stack:  # the common case: a sibling of the innermost list (what `_find_*` would return)
            top = stack[-1]
            if top.style == style and (style is None or top.last == value - 1):
                if style is not None:
                    top.last = value
                return self._emit(len(stack) - 1, text)
        return self._place_by_style(raw.key, style, value, text)

    def _place_by_indent(self, key: Key, style: str | None, value: int, text: str) -> _Row:
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

    def _place_by_style(self, key: Key, style: str | None, value: int, text: str) -> _Row:
        if style is None:
            i = self._find_any(None)
        else:
            i = self._find_eq(style, value - 1)
            if i is None and value != 1:
                i = self._find_lt(style, value)
                if i is None:
                    i = self._find_any(style)
        if i is None:
            return self._child(key, style, value, text)
        return self._sibling(i, style, value, text)

    def embedded(self, style: str, value: int, lookahead: bool) -> _Row | None:
        """A marker inside a criterion: split there if it continues or properly opens a list."""
        i = self._find_eq(style, value - 1)
        if i is not None:
            del self.stack[i + 1 :]
            self.stack[i].last = value
            return self._emit(i, "")
        if value == 1 and lookahead:
            return self._child(None, style, value, "")
        return None


Block = tuple[str, list[_Raw], bool]


def _close_block(kind: str, raws: list[_Raw], n_lead: int, seen_item: bool, out: list[Block]) -> None:
    """Finish a block: lines before its first bullet are lead-ins if it has any bullet at all."""
    if seen_item:
        for raw in raws[:n_lead]:
            raw.style = "lead"
    raws = [r for r in raws if r.text]
    if raws:
        out.append((kind, raws, seen_item))


def _parse_blocks(text: str) -> list[Block]:
    """Classify each line as a heading or an item / plain text line and group them in blocks.

    A heading starts a block of its kind (text before any heading counts as inclusion); a plain
    line after a block's first bullet continues the criterion above it. Returns (kind, raws,
    has_marks); in a block without any bullet or number every line is a criterion of its own.
    """
    blocks: list[Block] = []
    kind = "inclusion"
    raws: list[_Raw] = []
    n_lead = 0  # plain lines before the block's first item
    seen_item = False
    letter_prev = {"a": 0, "A": 0}
    line_match = _LINE_RE.match
    mark_match = _MARK_RE.match
    head_start = _HEAD_START_RE.match
    glyph_level = _GLYPH_LEVEL
    for line in to_lines(text):
        if not line:  # lines come right-stripped: empty means blank
            continue
        lm = line_match(line)
        assert lm is not None  # every group of _LINE_RE may be empty: it matches any line
        indent, glyphs, rest = lm.groups()
        rest = rest.strip()
        level = 0
        if glyphs:
            for ch in glyphs:
                level = glyph_level.get(ch, level)
        key = (len(indent), level)
        if len(rest) <= 90 and head_start(rest):
            head = _HEAD_RE.match(unescape_markdown(rest))
            if head and (
                head.group("tail") is not None
                or head.group("rest") is not None
                or rest.lower() in ("inclusion", "exclusion")
            ):
                _close_block(kind, raws, n_lead, seen_item, blocks)
                kind, raws, n_lead, seen_item = head.group("kind").lower(), [], 0, False
                inline = (head.group("rest") or "").strip()
                if not inline:
                    continue
                glyphs, rest = "", inline

        # An item (bullet or number) or a plain text line, with its marker taken off.
        style: str | None = None
        value = 0
        comma: int | None = None
        mm = mark_match(rest)
        got = None
        if mm:
            token = rest[: mm.end()].strip()
            base = "A" if token.strip("().\\").isupper() else "a"
            got = _classify(token, letter_prev[base] == 8)
        if got and mm:
            style, value = got
            rest = rest[mm.end() :]
            if style.strip("().") in ("a", "A"):
                letter_prev[style.strip("().")] = value
        elif glyphs:
            cm = _COMMA_MARK_RE.match(rest)
            comma = int(cm.group(1)) if cm else None
        if "\\" in rest:  # most lines have no Markdown escape to undo
            rest = unescape_markdown(rest)
        rest = rest.strip()
        if glyphs or style is not None:
            seen_item = True
            raws.append(_Raw(key, style, value, rest, comma))
        elif seen_item:
            last = raws[-1]
            last.text = f"{last.text} {rest}".strip()
        else:
            raws.append(_Raw(key, style, value, rest, comma))
            n_lead += 1
    _close_block(kind, raws, n_lead, seen_item, blocks)
    return blocks


def _mark_lookahead(blocks: list[Block]) -> None:
    """Find each criterion's embedded markers, and note whether the next marker of each one's
    style (line or embedded) is number 2."""
    seq: list[tuple[str, int, _Raw | None, int]] = []
    any_embedded = False
    for _, raws, _ in blocks:
        for raw in raws:
            if raw.style and raw.style != "lead":
                seq.append((raw.style, raw.value, None, -1))
            if _EMB_RE.search(raw.text) is None:
                continue
            raw.embedded = _embedded_marks(raw.text)
            raw.lookahead = [False] * len(raw.embedded)
            for j, (_, _, got) in enumerate(raw.embedded):
                if got:
                    seq.append((got[0], got[1], raw, j))
                    any_embedded = True
    if not any_embedded:
        return
    nxt: dict[str, int] = {}
    for style, value, owner, j in reversed(seq):
        if owner is not None:
            owner.lookahead[j] = nxt.get(style) == 2
        nxt[style] = value


def split_criteria(text: str | None) -> list[dict]:
    """One dict per criterion: kind, path, parent_path, ordinal, depth, text (see ARCHITECTURE.md).

    Never raises on text; None or blank text gives []. Headings switch `kind` and are not rows;
    text before any heading counts as inclusion.
    """
    return [
        {
            "kind": row.kind,
            "path": row.path,
            "parent_path": row.parent_path,
            "ordinal": row.ordinal,
            "depth": row.depth,
            "text": row.text,
        }
        for row in _split(text)
    ]


def _split(text: str | None) -> list[_Row]:
    if not text or not isinstance(text, str) or text.isspace():
        return []
    blocks = _parse_blocks(text)
    _mark_lookahead(blocks)
    out: list[_Row] = []
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
            text = row.text
            # `place` may drop a `2, ` marker; the markers found in the raw text then do not apply.
            marks = raw.embedded if text is raw.text else _embedded_marks(text)
            if not marks:
                row.text = text.strip()
                continue
            start = 0
            lookahead = raw.lookahead
            for j, (m_start, m_end, got) in enumerate(marks):
                if not got:
                    continue
                ahead = lookahead[j] if j < len(lookahead) else False
                new = tree.embedded(got[0], got[1], ahead)
                if new is not None:
                    row.text = text[start:m_start].strip()
                    row, start = new, m_end
            row.text = text[start:].strip()
    return [r for r in out if r.text]


Columns = tuple[list[int], list[str], list[str], list[str | None], list[int], list[int], list[str]]


def split_criteria_columns(texts: Sequence[str | None]) -> Columns:
    """`split_criteria` of many texts, gathered column by column: the offsets of each text's rows
    (one more than the texts), then kind, path, parent_path, ordinal, depth and text of every row.

    Arrow builds arrays from flat lists of values in C, and from row dicts with a look-up per field;
    here no dict is made at all, and compiled (`ingest.native_build`) the rows' fields are read as
    C struct members.
    """
    offsets = [0]
    kinds: list[str] = []
    paths: list[str] = []
    parents: list[str | None] = []
    ordinals: list[int] = []
    depths: list[int] = []
    bodies: list[str] = []
    for text in texts:
        for row in _split(text):
            kinds.append(row.kind)
            paths.append(row.path)
            parents.append(row.parent_path)
            ordinals.append(row.ordinal)
            depths.append(row.depth)
            bodies.append(row.text)
        offsets.append(len(kinds))
    return offsets, kinds, paths, parents, ordinals, depths, bodies
