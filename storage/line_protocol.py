"""InfluxDB line protocol text: escaping names, tags and strings, and splitting a body into points.

Why one module: a wrong escape is not a cosmetic bug. A newline in a wearer's name made
InfluxDB 1.6 store a forged point and reject the rest of the batch; a backslash doubled for a tag
stayed doubled in 1.x, so that wearer's data could neither be read nor deleted.

Tag values are written so that every InfluxDB generation reads them back the same:

- `,` `=` and space are escaped with a backslash (all generations unescape those);
- any other backslash is written as it is: 1.x and 2.x keep a backslash literally unless it
  escapes one of those three, and 3.x keeps it too unless it precedes another backslash;
- what no generation can represent is refused (`tag_problem`): control characters (a newline
  ends the point), a trailing backslash, or a backslash before a backslash, space, comma or
  equals sign (1.x/2.x and 3.x would read those differently). Names are checked when settings
  load, so the user hears it at once instead of losing data later.

String field values are quoted, with `"` and `\\` escaped (newlines are allowed inside quotes).
"""

from __future__ import annotations

import re

#: Characters a tag value cannot hold in any InfluxDB generation.
_CONTROL = re.compile(r"[\x00-\x1f\x7f\x85\u2028\u2029]")
#: A backslash that 1.x/2.x and 3.x would read differently (or not at all).
_AMBIGUOUS_BACKSLASH = re.compile(r"\\(?=[\\ ,=]|$)")


def tag_problem(value: str) -> str | None:
    """Why `value` cannot be a tag value (a short phrase), or None when it can."""
    if _CONTROL.search(value):
        return "it contains a control character (a line break or tab)"
    if _AMBIGUOUS_BACKSLASH.search(value):
        return "a backslash ends it or stands before a backslash, space, comma or '='"
    return None


def tag_safe(value: str) -> str:
    """`value` made storable as a tag: control characters become spaces and an ambiguous
    backslash a slash. For names backcoach does not choose (a sensor's advertised name)."""
    return _AMBIGUOUS_BACKSLASH.sub("/", _CONTROL.sub(" ", value))


def escape_name(s: str) -> str:
    """A measurement name: commas and spaces escaped."""
    return s.replace(",", r"\,").replace(" ", r"\ ")


def escape_tag(s: str) -> str:
    """A tag key or value (or field key); raises ValueError for text no InfluxDB can hold."""
    problem = tag_problem(s)
    if problem:
        raise ValueError(f"{s!r} cannot be written to InfluxDB: {problem}")
    return s.replace(",", r"\,").replace("=", r"\=").replace(" ", r"\ ")


def quote(s: str) -> str:
    """A string field value: backslash and double quote escaped (newlines are allowed)."""
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def split_points(body: str) -> list[str]:
    """The points of a body, one string each; a newline inside a quoted string stays inside.

    The scan follows InfluxDB's own: the key (measurement and tags) ends at the first unescaped
    space, quotes only count among the fields, and a backslash escapes the next character.
    """
    points: list[str] = []
    start, i, n = 0, 0, len(body)
    in_fields = quoted = False
    while i < n:
        c = body[i]
        if c == "\\":
            i += 2
            continue
        if c == "\n" and not quoted:
            if body[start:i].strip():
                points.append(body[start:i])
            start, in_fields = i + 1, False
        elif c == " " and not in_fields:
            in_fields = True
        elif c == '"' and in_fields:
            quoted = not quoted
        i += 1
    if body[start:].strip():
        points.append(body[start:])
    return points
