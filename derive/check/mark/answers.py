"""Answer files: one student's answers to any number of problems (interface.md).

Two formats, told apart by the file's suffix:

- YAML (``.yaml``/``.yml``): ``{student: s017, answers: {problem: {answer_id: text}}}``.
  Scalars are kept as the student wrote them (``0.10`` stays ``"0.10"``: its last
  written digit matters to the number rule); aliases are refused (no alias bombs).
- LaTeX (anything else, usually ``.tex``): ``\\answer{problem/answer_id}{text}`` anywhere
  in the document, ``\\student{name}`` optionally. Braces may nest; ``%`` comments are
  ignored; an ``\\answer`` whose braces never close is a file error naming its line.

Reading never evaluates anything: it only finds the texts. A file that cannot be read
raises :class:`AnswerFileError` (the batch reports it and goes on with the others).
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from derive.core.safe_yaml import yaml_error_place

#: answer files larger than this are refused before they are read
MAX_FILE_BYTES = 1_000_000


class AnswerFileError(Exception):
    """An answer file that cannot be marked: ``file: where: message``."""

    def __init__(self, file: str, where: str, message: str) -> None:
        self.file, self.where, self.message = file, where, message
        super().__init__(f"{file}: {where}: {message}" if where else f"{file}: {message}")


@dataclass
class Submission:
    """What one answer file says: who, and the raw answer per problem and answer id."""

    file: str
    student: str
    answers: dict[str, dict[str, Any]] = field(default_factory=dict)
    """problem id -> answer id -> raw answer (text, or nested lists from YAML)"""
    lines: dict[tuple[str, str], int] = field(default_factory=dict)
    """(problem, answer) -> line of the file (LaTeX files)"""
    working: dict[tuple[str, str], str] = field(default_factory=dict)
    """(problem, answer) -> the working behind the answer (``derive.check.working``)"""
    warnings: list[str] = field(default_factory=list)
    """things the marker should see that did not stop the marking"""
    notation: dict[str, str] = field(default_factory=dict)
    """the sheet's own names for the course's (``\\delta`` -> ``\\sigma``), declared once
    (YAML ``notation:``, LaTeX ``\\derivenotation{\\delta}{\\sigma}``); never guessed"""
    broken: dict[tuple[str, str], str] = field(default_factory=dict)
    """(problem, answer) -> why its text could not be cut out of the file (a brace never
    closed): marked unparsable with that message, the file's other answers as usual"""


def read_answer_file(path: str | Path, max_bytes: int = MAX_FILE_BYTES) -> Submission:
    """Read a YAML or LaTeX answer file (by suffix); raises AnswerFileError."""
    p = Path(path)
    shown = str(path)
    try:
        data = read_regular(p, max_bytes)
    except OSError as e:
        raise AnswerFileError(shown, "", f"cannot read: {e.strerror or e}") from None
    if isinstance(data, str):
        raise AnswerFileError(shown, "", data)
    if len(data) > max_bytes:
        raise AnswerFileError(shown, "", f"is more than {max_bytes:,} bytes; answer files "
                              f"are at most {max_bytes:,} bytes")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        raise AnswerFileError(shown, f"line {line}", "is not UTF-8 text") from None
    if p.suffix.lower() in (".yaml", ".yml"):
        return parse_yaml_answers(text, shown)
    return parse_latex_answers(text, shown)


def read_regular(p: Path, max_bytes: int) -> bytes | str:
    """At most ``max_bytes + 1`` bytes of a regular file, or why it is not one. Opened
    without blocking and checked by its type after opening, so a FIFO (or a file swapped
    for one) never hangs the reader and ``/dev/zero`` is never read."""
    fd = os.open(p, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            return "not a regular file; answer files are regular files"
        if st.st_size > max_bytes:
            return (f"is {st.st_size:,} bytes; answer files are at most {max_bytes:,} "
                    "bytes")
        chunks, left = [], max_bytes + 1
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


# -- YAML ---------------------------------------------------------------------------------

class _TextLoader(yaml.SafeLoader):
    """SafeLoader that keeps every scalar as written text and refuses aliases."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(
                None, None, "aliases (*name) are not allowed in answer files",
                event.start_mark)
        return super().compose_node(parent, index)

    def construct_mapping(self, node: Any, deep: bool = False) -> Any:
        seen: dict[str, int] = {}
        for key_node, _ in node.value:
            key = str(key_node.value)
            line = key_node.start_mark.line + 1
            if key in seen:
                self.duplicates.append(f"line {line}: '{key}' appears again (first on line "
                                       f"{seen[key]}); the last one is marked")
            seen[key] = line
        return super().construct_mapping(node, deep=deep)


# only strings: a number's text (its last written digit) is part of the answer
_TextLoader.yaml_implicit_resolvers = {}


def parse_yaml_answers(text: str, file: str) -> Submission:
    """A YAML answer file: ``student`` (optional) and ``answers: {problem: {id: text}}``."""
    try:
        loader = _TextLoader(text)  # the reader refuses control characters (NUL) here
    except yaml.YAMLError as e:
        raise AnswerFileError(file, "", f"invalid YAML: {str(e).splitlines()[0]}") from None
    loader.duplicates = []
    try:
        raw = loader.get_single_data()
    except yaml.YAMLError as e:
        raise AnswerFileError(file, *yaml_error_place(e)) from None
    except RecursionError:
        raise AnswerFileError(file, "", "invalid YAML: nested too deeply") from None
    finally:
        loader.dispose()
    if not isinstance(raw, dict):
        raise AnswerFileError(file, "", "expected a mapping with 'answers' (and optionally "
                              "'student'), e.g. answers: {gelu-descent: {a.x1: -0.05}}")
    unknown = [k for k in raw if k not in ("student", "answers", "notation")]
    if unknown:
        raise AnswerFileError(file, str(unknown[0]), "unknown field (expected student, "
                              "answers, notation)")
    student = raw.get("student")
    if student is not None and not isinstance(student, str):
        raise AnswerFileError(file, "student", "expected a name or an id")
    answers = raw.get("answers")
    if not isinstance(answers, dict) or not answers:
        raise AnswerFileError(file, "answers", "expected a mapping of problem id -> "
                              "{answer id: answer}")
    sub = Submission(file, student or Path(file).stem, warnings=list(loader.duplicates))
    notation = raw.get("notation") or {}
    if not isinstance(notation, dict):
        raise AnswerFileError(file, "notation", "expected a mapping of your name -> the "
                              "course's, e.g. {'\\delta': '\\sigma'}")
    for mine, course in notation.items():
        _add_notation(sub, str(mine), course, f"notation.{mine}")
    for pid, given in answers.items():
        if not isinstance(given, dict):
            raise AnswerFileError(file, f"answers.{pid}", "expected a mapping of answer "
                                  "id -> answer, e.g. {a.x1: -0.05}")
        sub.answers[str(pid)] = {}
        for aid, v in given.items():
            if isinstance(v, dict) and v and set(v) <= {"answer", "working"}:
                # {answer: …, working: …}: the answer and the chain behind it
                if v.get("working") is not None:
                    sub.working[(str(pid), str(aid))] = str(v["working"])
                v = v.get("answer")
            sub.answers[str(pid)][str(aid)] = "" if v is None else v
    return sub


#: a name a notation may map: a command word (\\delta) or a letter, with a subscript
NOTATION_NAME = re.compile(r"(?:\\[A-Za-z]+|[A-Za-z])(?:_(?:\{\w+\}|\w))?")


def _add_notation(sub: Submission, mine: str, course: Any, where: str) -> None:
    mine, course = mine.strip(), str(course).strip() if isinstance(course, str) else course
    if not isinstance(course, str) or not NOTATION_NAME.fullmatch(mine) \
            or not NOTATION_NAME.fullmatch(course):
        raise AnswerFileError(sub.file, where, "a notation maps one name to one name, e.g. "
                              "'\\delta': '\\sigma'")
    sub.notation[mine] = course


def with_notation(text: str, notation: dict[str, str]) -> str:
    """The answer with the sheet's declared names replaced by the course's."""
    for mine, course in notation.items():
        end = r"(?![A-Za-z])" if mine[-1].isalpha() else ""
        start = r"(?<![A-Za-z\\])" if mine[0].isalpha() else ""
        text = re.sub(start + re.escape(mine) + end, lambda _m, c=course: c + " ", text)
    return text


# -- LaTeX --------------------------------------------------------------------------------

_COMMAND = re.compile(r"\\(answer|student|derivenotation"
                      r"|begin\s*\{\s*(filecontents\*?|verbatim\*?|comment)\s*\}"
                      r"|begin\s*\{\s*working\s*\})(?![A-Za-z])")
_END_WORKING = re.compile(r"\\end\s*\{\s*working\s*\}")
_BEGIN_WORKING = re.compile(r"(?<!\\)\\begin\s*\{\s*working\s*\}")


class _Scanner:
    """Walks LaTeX source keeping the line number; understands ``%`` and ``\\{``."""

    def __init__(self, text: str, file: str) -> None:
        self.text, self.file, self.pos = text, file, 0
        self._at, self._line = 0, 1  # counted so far (answers come in order)

    def line(self, pos: int | None = None) -> int:
        pos = self.pos if pos is None else pos
        if pos < self._at:
            return self.text.count("\n", 0, pos) + 1
        self._line += self.text.count("\n", self._at, pos)
        self._at = pos
        return self._line

    def skip_space(self) -> None:
        t = self.text
        while self.pos < len(t):
            if t[self.pos].isspace():
                self.pos += 1
            elif t[self.pos] == "%":
                end = t.find("\n", self.pos)
                self.pos = len(t) if end < 0 else end + 1
            else:
                return

    def group(self, what: str) -> str | None:
        """The balanced ``{…}`` at the cursor (comments dropped), or None if no ``{``."""
        self.skip_space()
        t = self.text
        if self.pos >= len(t) or t[self.pos] != "{":
            return None
        start = self.pos
        depth, i, out = 0, self.pos, []
        while i < len(t):
            c = t[i]
            if c == "\\" and i + 1 < len(t):
                out.append(t[i:i + 2])
                i += 2
                continue
            if c == "%":
                end = t.find("\n", i)
                i = len(t) if end < 0 else end  # keep the newline as a space
                continue
            if c == "{":
                depth += 1
            elif c == "}":
                depth -= 1
                if depth == 0:
                    self.pos = i + 1
                    return "".join(out)[1:]
            out.append(c)
            i += 1
        raise AnswerFileError(self.file, f"line {self.line(start)}",
                              f"the {{ of this {what} is never closed (unbalanced braces)")


#: where a ``%`` comment starts (an escaped ``\\%`` is none; ``\\\\%`` is a line break, then one)
_COMMENT_START = re.compile(r"(?<!\\)(?:\\\\)*%")


def _strip_comments_outside(text: str) -> list[tuple[int, int]]:
    """Spans of ``%`` comments (an escaped ``\\%`` is not one)."""
    spans = []
    for m in _COMMENT_START.finditer(text):
        start = m.end() - 1
        end = text.find("\n", start)
        spans.append((start, len(text) if end < 0 else end))
    return spans


def parse_latex_answers(text: str, file: str) -> Submission:
    """``\\answer{problem/id}{text}`` and ``\\student{name}`` anywhere in a LaTeX file."""
    sub = Submission(file, Path(file).stem)
    sc = _Scanner(text, file)
    comments = _strip_comments_outside(text)
    ci = 0
    seen: dict[tuple[str, str], int] = {}
    student_line: int | None = None  # where \student{…} was given (a second one is warned)
    pos = 0
    while True:
        m = _COMMAND.search(text, pos)
        if not m:
            break
        while ci < len(comments) and comments[ci][1] <= m.start():
            ci += 1
        if ci < len(comments) and comments[ci][0] <= m.start() < comments[ci][1]:
            pos = comments[ci][1]
            continue
        slashes, k = 0, m.start() - 1
        while k >= 0 and text[k] == "\\":
            slashes, k = slashes + 1, k - 1
        if slashes % 2:  # \\answer is a line break followed by the word 'answer'
            pos = m.end()
            continue
        if m.group(2):  # an environment whose body is not the student's answers
            env = re.escape(m.group(2))
            end = re.compile(r"\\end\s*\{\s*" + env + r"\s*\}").search(text, m.end())
            pos = len(text) if end is None else end.end()
            continue
        sc.pos = m.end()
        line = sc.line(m.start())
        if m.group(1) == "derivenotation":
            mine, course = sc.group("\\derivenotation"), sc.group("\\derivenotation")
            if mine is None or course is None:
                raise AnswerFileError(file, f"line {line}", "\\derivenotation needs two "
                                      "names: \\derivenotation{\\delta}{\\sigma}")
            _add_notation(sub, mine, course, f"line {line}")
            pos = sc.pos
            continue
        if m.group(1).startswith("begin"):
            pos = _working(sub, sc, text, line)
            continue
        if m.group(1) == "student":
            name = sc.group("\\student")
            if name is not None and name.strip():
                named = " ".join(name.split())
                if student_line is not None and named != sub.student:
                    sub.warnings.append(f"line {line}: another \\student{{…}} ('{named}', "
                                        f"after '{sub.student}' on line {student_line}); "
                                        "the last one is used")
                sub.student, student_line = named, line
            pos = sc.pos
            continue
        nxt = _NEXT_ANSWER.search(text, m.end())
        try:
            ref = sc.group("\\answer")
            if ref is None:  # e.g. \newcommand\answer…: not an answer
                pos = m.end()
                continue
            body = sc.group("\\answer")
        except AnswerFileError as e:  # a brace never closed: this answer only
            after = _NEXT_COMMAND.search(text, m.end())  # an answer or a working
            pos = after.start() if after else len(text)
            _broken(sub, text, m.end(), pos, f"line {line}", e.message + _comment_hint(
                text, m.end()))
            continue
        pos = sc.pos
        if body is None:
            sub.warnings.append(f"line {line}: \\answer{{{ref}}} has no second {{…}} with "
                                "the answer; ignored")
            continue
        if re.search(r"\\answer\s*\{", body) and nxt is not None:
            # a } is missing: this answer is lost, the next one is read as usual
            _broken(sub, text, m.end(), nxt.start(), f"line {line}", "this \\answer runs "
                    f"into the next one (line {sc.line(nxt.start())}): a }} is missing")
            pos = nxt.start()
            continue
        ref = "".join(ref.split())
        if "/" not in ref:
            sub.warnings.append(f"line {line}: \\answer{{{ref}}} names no problem (expected "
                                "\\answer{problem/answer}{…}); ignored")
            continue
        pid, aid = ref.split("/", 1)
        key = (pid, aid)
        if key in seen:
            sub.warnings.append(f"line {line}: {pid}/{aid} is answered again (first on line "
                                f"{seen[key]}); the last answer is marked")
        seen[key] = line
        sub.answers.setdefault(pid, {})[aid] = body.strip()
        sub.lines[key] = line
    if not sub.answers and not sub.working:
        if sub.broken:  # nothing could be read: the file is what is broken
            where, message = next(iter(sub.broken.values())).split(": ", 1)
            raise AnswerFileError(file, where, message)
        from derive.check.mark.discover import no_answers_reason

        raise AnswerFileError(file, "", no_answers_reason(text))
    for (pid, aid), why in sub.broken.items():
        sub.answers.setdefault(pid, {}).setdefault(aid, "")
        sub.warnings.append(f"{pid}/{aid}: {why}")
    for pid, aid in sub.working:
        sub.answers.setdefault(pid, {}).setdefault(aid, "")
    return sub


_NEXT_ANSWER = re.compile(r"(?<!\\)\\answer\s*\{")
#: where reading goes on after an \answer whose brace never closes: the next answer or
#: working (a working written after a broken answer is the student's, not its text)
_NEXT_COMMAND = re.compile(r"(?<!\\)\\(?:answer\s*\{|begin\s*\{\s*working\s*\})")


def _comment_hint(text: str, start: int) -> str:
    """Why a brace may never close: a ``%`` on the answer's own line comments out the
    rest of it, its ``}`` too (LaTeX reads it so); '' when there is none."""
    end = text.find("\n", start)
    return ("; a % on that line starts a comment that hides the rest of the line, its } "
            "too (write \\% for a percent sign)"
            if _COMMENT_START.search(text, start, len(text) if end < 0 else end) else "")


_REF = re.compile(r"\s*\{\s*([A-Za-z0-9_.-]+)\s*/\s*([A-Za-z0-9_.-]+)\s*\}")


def _broken(sub: Submission, text: str, start: int, end: int, where: str,
            message: str) -> None:
    """Record an \\answer whose braces do not close (its ref, if readable, gets the message;
    otherwise the file gets a warning)."""
    ref = _REF.match(text, start)
    if ref is None:
        sub.warnings.append(f"{where}: {message}; this \\answer is not marked")
        return
    sub.broken.setdefault((ref.group(1), ref.group(2)), f"{where}: {message}")


def _working(sub: Submission, sc: _Scanner, text: str, line: int) -> int:
    """``\\begin{working}{problem/answer} … \\end{working}``: the chain behind an
    answer. Returns where scanning goes on."""
    try:
        ref = sc.group("\\begin{working}")
    except AnswerFileError as e:  # its {problem/answer} never closes: this working only
        sub.warnings.append(f"{e.where}: {e.message}; this working is ignored")
        return sc.pos
    end = _END_WORKING.search(text, sc.pos)
    while end is not None and _commented(text, end.start()):
        end = _END_WORKING.search(text, end.end())
    again = _BEGIN_WORKING.search(text, sc.pos, end.start() if end else len(text))
    while again is not None and _commented(text, again.start()):
        again = _BEGIN_WORKING.search(text, again.end(), end.start() if end else len(text))
    if end is None or again is not None:
        # never closed (or closed only after the next one begins): where it ends is not
        # known, so only the answer it belongs to is lost; the rest of the file (read on
        # from just after its {problem/answer}) is marked
        why = ("this \\begin{working} has no \\end{working}" if end is None else
               "this \\begin{working} runs into the next one (line "
               f"{sc.line(again.start())}): an \\end{{working}} is missing")
        key = _working_key(ref)
        if key is None or not all(key):
            sub.warnings.append(f"line {line}: {why}; ignored")
        else:
            sub.broken.setdefault(key, f"line {line}: {why}")
        return sc.pos
    key = _working_key(ref)
    if key is None:
        sub.warnings.append(f"line {line}: \\begin{{working}} names no answer (expected "
                            "\\begin{working}{problem/answer}); ignored")
        return end.end()
    pid, aid = key
    body = re.sub(r"(?<!\\)%[^\n]*", "", text[sc.pos:end.start()])
    if (pid, aid) in sub.working:
        sub.warnings.append(f"line {line}: the working of {pid}/{aid} is given again; the "
                            "last one is checked")
    sub.working[(pid, aid)] = body.strip()
    sub.lines.setdefault((pid, aid), line)
    return end.end()


#: a ``\student{…}`` as a quick scan reads it (no braces inside, one line)
_TEX_STUDENT = re.compile(r"\\student\s*\{([^{}\n]{1,200})\}")


def tex_student(text: str) -> str | None:
    """The name a LaTeX answer file gives, as marking reads it (the last non-blank
    ``\\student{…}`` outside a ``%`` comment), for a quick scan of many files: the
    template's own comment ``%   \\student{name or id}`` names nobody."""
    names = [" ".join(m.group(1).split()) for m in _TEX_STUDENT.finditer(text)
             if not _commented(text, m.start())]
    names = [n for n in names if n]
    return names[-1] if names else None


def _commented(text: str, pos: int) -> bool:
    """Whether ``pos`` is inside a ``%`` comment (an escaped ``\\%`` is not one)."""
    start = text.rfind("\n", 0, pos) + 1
    return _COMMENT_START.search(text, start, pos) is not None


def _working_key(ref: str | None) -> tuple[str, str] | None:
    """(problem, answer) of a working's ``{problem/answer}`` (either may be empty), or
    None when it has no ``/``."""
    if ref is None or "/" not in ref:
        return None
    pid, aid = "".join(ref.split()).split("/", 1)
    return pid, aid


def answer_text(raw: Any, kind: str) -> str:
    """The text to judge for a raw answer: YAML lists become the LaTeX a student writes."""
    if isinstance(raw, str):
        return raw
    if isinstance(raw, list):
        if kind == "shape":
            return r" \times ".join(_cell(c) for c in raw)
        rows = raw if raw and all(isinstance(r, list) for r in raw) else [raw]
        body = r" \\ ".join(" & ".join(_cell(c) for c in r) for r in rows)
        return r"\begin{bmatrix} " + body + r" \end{bmatrix}"
    if isinstance(raw, dict):
        raise ValueError("expected text or a list, found a mapping")
    return str(raw)


def _cell(c: Any) -> str:
    if isinstance(c, (list, dict)):
        raise ValueError("a matrix entry must be a number")
    return str(c)
