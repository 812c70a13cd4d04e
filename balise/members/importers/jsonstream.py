"""JSON files read as a stream: the items of a file's big lists one at a time.

``json.loads`` holds the whole document in memory, several times its size in Python
objects: a 480 MB feed would need gigabytes. Here the text is decoded chunk by chunk and
only the first levels are walked by hand: the root object, the objects it holds, and the
lists met there. Each item of such a list, and every other value, is parsed on its own
by the standard decoder, then dropped by the caller once read. What is kept whole (the
rest of the document) and each single item have a memory budget, estimated from their
text before they are parsed, so that no file can make the import exhaust the server.

Every problem (bad encoding, syntax, nesting too deep, a number too long, an item too
big) is an :class:`ImportFileError` with a French message naming the file.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Iterator
from typing import Any, BinaryIO

from django.utils.translation import gettext as _

from .base import Entry, ImportFileError

# Parsed on its own, a value costs more than its text: an estimate of that cost (bytes)
# is kept under UNIT_BUDGET for each item and under KEPT_BUDGET for what is kept whole.
UNIT_BUDGET = 96 * 1024 * 1024
KEPT_BUDGET = 128 * 1024 * 1024
# Files up to this size are parsed whole when their estimated cost fits UNIT_BUDGET.
WHOLE_BYTES = 8 * 1024 * 1024
_TOO_BIG = object()
_TEXT_CHARS = ("{", "[", ",", ":")
_BYTE_CHARS = (b"{", b"[", b",", b":")
_CHUNK = 1024 * 1024
_WHITESPACE = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder()


def _unreadable_encoding(name: str) -> ImportFileError:
    return ImportFileError(
        _("Le fichier « %(name)s » n'est pas un fichier JSON (encodage illisible).")
        % {"name": name}
    )


def _syntax_error(name: str, line: int, column: int) -> ImportFileError:
    return ImportFileError(
        _("Le fichier « %(name)s » n'est pas un JSON valide (ligne %(line)s, colonne %(col)s).")
        % {"name": name, "line": line, "col": column}
    )


def _too_deep(name: str) -> ImportFileError:
    return ImportFileError(
        _("Le fichier « %(name)s » est imbriqué trop profondément pour être lu.") % {"name": name}
    )


def _too_long_number(name: str) -> ImportFileError:
    return ImportFileError(
        _("Le fichier « %(name)s » contient un nombre beaucoup trop long.") % {"name": name}
    )


class _Opened:
    """Marks a container that the walk opens instead of parsing whole."""

    def __init__(self, kind: type):
        self.kind = kind

    def __repr__(self) -> str:  # pragma: no cover - for debugging
        return f"<open {self.kind.__name__}>"


OPEN_DICT = _Opened(dict)
OPEN_LIST = _Opened(list)


def estimated_cost(text: str | bytes, start: int, end: int) -> int:
    """Upper bound of the memory that parsing ``text[start:end]`` takes, in bytes.

    A character may become 4 bytes (a string holding one emoji is stored 4 bytes per
    character); each container costs about 100 bytes even when empty ("[]", "{}"), and
    each separator stands for a value or a key of up to 50 bytes (numbers, short strings,
    dict slots).
    """
    # On the raw bytes (quicker to count), a character is at least one byte and the
    # structural characters are the same bytes in UTF-8; in UTF-16 or UTF-32, other
    # characters may hold those bytes too, which only overestimates.
    chars = _BYTE_CHARS if isinstance(text, bytes) else _TEXT_CHARS
    containers = text.count(chars[0], start, end) + text.count(chars[1], start, end)
    separators = text.count(chars[2], start, end) + text.count(chars[3], start, end)
    return 4 * (end - start) + 100 * containers + 50 * separators


class _Text:
    """The decoded text of a stream, read on demand; what is parsed is let go."""

    def __init__(self, stream: BinaryIO, name: str):
        self.stream = stream
        self.name = name
        head = stream.read(4)
        self.decoder = codecs.getincrementaldecoder(json.detect_encoding(head))("strict")
        self.eof = False
        self.text = ""
        self.pos = 0
        self.lines_before = 0  # newlines in the text already let go, for messages
        self._add(head)

    def _add(self, data: bytes) -> None:
        try:
            decoded = self.decoder.decode(data, final=not data)
        except UnicodeDecodeError as error:
            raise _unreadable_encoding(self.name) from error
        if self.pos:
            self.lines_before += self.text.count("\n", 0, self.pos)
            self.text = self.text[self.pos :]
            self.pos = 0
        self.text += decoded
        if not data:
            self.eof = True

    def more(self, size: int = _CHUNK) -> bool:
        """Read ``size`` more bytes; False at the end of the file."""
        if self.eof:
            return False
        self._add(self.stream.read(size))
        return True

    def peek(self) -> str:
        """The next significant character, or "" at the end of the file."""
        while True:
            self.pos = _WHITESPACE.match(self.text, self.pos).end()
            if self.pos < len(self.text):
                return self.text[self.pos]
            if not self.more():
                return ""

    def error(self, error: json.JSONDecodeError | None = None) -> ImportFileError:
        pos = error.pos if error is not None else self.pos
        line = self.lines_before + self.text.count("\n", 0, pos) + 1
        column = pos - self.text.rfind("\n", 0, pos)
        return _syntax_error(self.name, line, column)

    def expect(self, char: str) -> None:
        if self.peek() != char:
            raise self.error()
        self.pos += 1

    def value(self, budget: int) -> tuple[Any, int]:
        """The next value parsed whole, with its estimated cost."""
        self.peek()
        while True:
            try:
                value, end = _DECODER.raw_decode(self.text, self.pos)
            except json.JSONDecodeError as error:
                # Cut by the end of what was read so far: read on (twice as much each
                # time, so that a big value is not parsed again and again).
                if self.eof:
                    raise self.error(error) from None
                self._grow(budget)
                continue
            except RecursionError:
                raise _too_deep(self.name) from None
            except ValueError:  # an integer over sys.get_int_max_str_digits() digits
                raise _too_long_number(self.name) from None
            if end == len(self.text) and not self.eof:
                self._grow(budget)  # "12" may be the start of "1234"
                continue
            cost = estimated_cost(self.text, self.pos, end)
            if cost > budget:
                raise self._too_big()
            self.pos = end
            return value, cost

    def _grow(self, budget: int) -> None:
        pending = len(self.text) - self.pos
        if 4 * pending > budget:
            raise self._too_big()
        self.more(max(_CHUNK, pending))

    def _too_big(self) -> ImportFileError:
        return ImportFileError(
            _(
                "Le fichier « %(name)s » contient un objet trop volumineux pour être lu "
                "(ligne %(line)s) : découpez le fichier."
            )
            % {
                "name": self.name,
                "line": self.lines_before + self.text.count("\n", 0, self.pos) + 1,
            }
        )

    def key(self) -> str:
        if self.peek() != '"':
            raise self.error()
        key, _cost = self.value(UNIT_BUDGET)
        return key


def _walk(text: _Text, path: tuple, depth: int) -> Iterator[tuple[tuple, Any, int]]:
    char = text.peek()
    if char == "{" and depth < 2:
        text.pos += 1
        yield path, OPEN_DICT, 0
        if text.peek() == "}":
            text.pos += 1
            return
        while True:
            key = text.key()
            text.expect(":")
            yield from _walk(text, (*path, key), depth + 1)
            if text.peek() == ",":
                text.pos += 1
            else:
                text.expect("}")
                return
    elif char == "[":
        text.pos += 1
        yield path, OPEN_LIST, 0
        if text.peek() == "]":
            text.pos += 1
            return
        index = 0
        while True:
            value, cost = text.value(UNIT_BUDGET)
            yield (*path, index), value, cost
            index += 1
            if text.peek() == ",":
                text.pos += 1
            else:
                text.expect("]")
                return
    else:
        value, cost = text.value(UNIT_BUDGET)
        yield path, value, cost


class JsonStream:
    """One JSON file: the items of the lists at ``lists`` paths, one at a time.

    Iterating yields ``(list path, item)`` for each item of a list found at one of the
    ``lists`` paths (``()`` is the root, ``("value",)`` the list under the root's
    "value" key, ``("d", "results")`` one level deeper). Everything else is assembled,
    within KEPT_BUDGET, into :attr:`rest` (those lists left empty there); which of the
    paths were lists is in :attr:`lists_found`. Both are complete once iterated.

    A file of a few megabytes (most SIT files: one object each) is parsed whole when
    its estimated cost fits UNIT_BUDGET, which is several times faster; the others are
    walked as a stream.
    """

    def __init__(self, entry: Entry, *, lists: set[tuple]):
        self.entry = entry
        self.lists = lists
        self.rest: Any = None
        self.lists_found: set[tuple] = set()

    def __iter__(self) -> Iterator[tuple[tuple, Any]]:
        if self.entry.size <= WHOLE_BYTES:
            document = self._whole()
            if document is not _TOO_BIG:
                yield from self._spread(document)
                return
        yield from self._streamed()

    def _empty(self) -> ImportFileError:
        return ImportFileError(_("Le fichier « %(name)s » est vide.") % {"name": self.entry.name})

    def _whole(self) -> Any:
        with self.entry.open() as stream:
            data = stream.read(WHOLE_BYTES + 1)
        if len(data) > WHOLE_BYTES or estimated_cost(data, 0, len(data)) > UNIT_BUDGET:
            return _TOO_BIG
        try:
            text = data.decode(json.detect_encoding(data))
        except UnicodeDecodeError as error:
            raise _unreadable_encoding(self.entry.name) from error
        del data
        if not text.strip():
            raise self._empty()
        try:
            return _DECODER.decode(text)
        except json.JSONDecodeError as error:
            raise _syntax_error(self.entry.name, error.lineno, error.colno) from None
        except RecursionError:
            raise _too_deep(self.entry.name) from None
        except ValueError:
            raise _too_long_number(self.entry.name) from None

    def _spread(self, document: Any) -> Iterator[tuple[tuple, Any]]:
        self.rest = document
        for path in sorted(self.lists, key=len):
            parent, found = None, document
            for key in path:
                parent = found
                found = found.get(key) if isinstance(found, dict) else None
            if not isinstance(found, list):
                continue
            self.lists_found.add(path)
            if parent is None:
                self.rest = []
            else:
                parent[path[-1]] = []
            for item in found:
                yield path, item

    def _streamed(self) -> Iterator[tuple[tuple, Any]]:
        with self.entry.open() as stream:
            text = _Text(stream, self.entry.name)
            if text.peek() == "":
                raise self._empty()
            containers: dict[tuple, Any] = {}
            kept = 0
            for path, value, cost in _walk(text, (), 0):
                if path and path[:-1] in self.lists_found:
                    yield path[:-1], value
                    continue
                if value is OPEN_LIST and path in self.lists:
                    self.lists_found.add(path)
                kept += cost
                if kept > KEPT_BUDGET:
                    raise text._too_big()
                if isinstance(value, _Opened):
                    value = containers[path] = value.kind()
                if not path:
                    self.rest = value
                    continue
                parent = containers[path[:-1]]
                if isinstance(parent, list):
                    parent.append(value)
                else:
                    parent[path[-1]] = value
            if text.peek() != "":
                raise text.error()
