"""Problem specs: YAML -> validated :class:`~derive.model.Problem`.

Every error names the file, the field and what was expected, e.g.
``problems/x.yaml: answers.a.x1: unknown kind 'numbr' (expected one of: number, …)``.
"""

from __future__ import annotations

import difflib
import keyword
import os
import re
import tokenize
from pathlib import Path
from typing import Any

import sympy as sp
import yaml
from sympy.parsing.sympy_parser import (
    auto_number,
    factorial_notation,
    parse_expr,
    rationalize,
    repeated_decimals,
)

from . import functions
from .blocks import PARAM_TYPES, registry
from .errors import SpecError, UsageError
from .model import (
    KINDS,
    MARKING_KEYS,
    AnswerSpec,
    BlockCall,
    Definition,
    Given,
    Marking,
    Part,
    Problem,
    SymbolSpec,
)
from .values import ValueError_, parse_set_value, to_exact

_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_ANSWER_ID = re.compile(r"^[a-z0-9][A-Za-z0-9_-]*(\.[A-Za-z0-9_-]+)+$")
_ANSWER_REF = re.compile(r"\{([A-Za-z0-9_.-]+)\}")
_TOP_KEYS = ("id", "title", "statement", "givens", "symbols", "define", "answers", "parts")
_GIVEN_KEYS = ("value", "latex", "text", "integer", "column")
_ANSWER_KEYS = ("kind", "marking", "vars", "names", "choices", "shape", "depends", "text")
_PART_KEYS = ("text", "derive")
_TRANSFORMS = (auto_number, repeated_decimals, factorial_notation, rationalize)


def problem_dirs() -> list[Path]:
    """Where problem specs are looked up: $DERIVE_PROBLEMS, then the shipped set."""
    dirs = []
    if os.environ.get("DERIVE_PROBLEMS"):
        dirs += [Path(p) for p in os.environ["DERIVE_PROBLEMS"].split(os.pathsep) if p]
    here = Path(__file__).resolve().parent
    dirs += [here / "_problems", here.parent / "problems"]
    return [d for d in dirs if d.is_dir()]


def problem_paths() -> dict[str, Path]:
    """Problem id -> spec file, first directory winning, in the course's order.

    A directory's ``ORDER`` file lists problem ids one a line (``#`` comments); listed
    problems come first, in that order (earlier directories' lists first), the others
    after them alphabetically. An id listed but without a spec is ignored.
    """
    found: dict[str, Path] = {}
    listed: list[str] = []
    for d in problem_dirs():
        for p in sorted(d.glob("*.yaml")):
            found.setdefault(p.stem, p)
        listed += _order_file(d / "ORDER")
    rank = {pid: i for i, pid in reversed(list(enumerate(listed)))}
    return dict(sorted(found.items(), key=lambda kv: (rank.get(kv[0], len(rank)), kv[0])))


def _order_file(path: Path) -> list[str]:
    """The ids of an ORDER file (none when there is no file)."""
    if not path.is_file():
        return []
    lines = path.read_text(encoding="utf-8").splitlines()
    return [w for ln in lines if (w := ln.split("#", 1)[0].strip())]


def find_problem(ref: str) -> Path:
    """The spec file of a problem id or path; a UsageError names the known ids."""
    p = Path(ref)
    if p.suffix in (".yaml", ".yml") or os.sep in ref:
        if not p.is_file():
            raise UsageError(f"{ref}: no such spec file")
        return p
    paths = problem_paths()
    if ref in paths:
        return paths[ref]
    near = difflib.get_close_matches(ref, list(paths), n=1)
    hint = f"; did you mean '{near[0]}'?" if near else ""
    raise UsageError(f"unknown problem '{ref}'{hint} (`derive list` shows them)")


def load_problem(ref: str | Path, overrides: dict[str, Any] | None = None) -> Problem:
    """Load and validate a spec by id or path, with optional given overrides.

    Overrides are exact values or strings as ``--set`` takes them.
    """
    path = find_problem(str(ref))
    raw = read_yaml(path)
    return build_problem(raw, _display_path(path), overrides or {})


def _display_path(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        here = Path(__file__).resolve().parent
        for base in (here.parent, here):
            try:
                return str(path.resolve().relative_to(base))
            except ValueError:
                continue
        return str(path)


def read_yaml(path: Path) -> dict[str, Any]:
    """Read a spec file; YAML syntax errors name the line."""
    shown = _display_path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise SpecError(shown, "", f"cannot read: {e}") from None
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else ""
        problem = getattr(e, "problem", None) or str(e).splitlines()[0]
        raise SpecError(shown, where, f"invalid YAML: {problem}") from None
    if not isinstance(raw, dict):
        raise SpecError(shown, "", "expected a mapping with id, title, givens, answers, parts")
    return raw


def override_givens(problem: Problem, overrides: dict[str, Any]) -> Problem:
    """A variant of ``problem`` with some givens replaced."""
    raw = read_yaml(Path(problem.path)) if Path(problem.path).is_file() else None
    if raw is None:
        raw = read_yaml(find_problem(problem.id))
    return build_problem(raw, problem.path, overrides)


def _expected(options: Any) -> str:
    return "expected one of: " + ", ".join(str(o) for o in options)


def _unknown_keys(path: str, where: str, d: dict[str, Any], allowed: tuple[str, ...]) -> None:
    for k in d:
        if k not in allowed:
            near = difflib.get_close_matches(str(k), allowed, n=1)
            hint = f"; did you mean '{near[0]}'?" if near else ""
            field = f"{where}.{k}" if where else str(k)
            raise SpecError(path, field, f"unknown field{hint} ({_expected(allowed)})")


def _mapping(path: str, where: str, v: Any) -> dict[str, Any]:
    if v is None:
        return {}
    if not isinstance(v, dict):
        raise SpecError(path, where, f"expected a mapping, found {type(v).__name__}")
    return v


def _text(path: str, where: str, v: Any, default: str = "") -> str:
    if v is None:
        return default
    if not isinstance(v, (str, int, float)):
        raise SpecError(path, where, f"expected text, found {type(v).__name__}")
    return str(v)


def build_problem(raw: dict[str, Any], path: str, overrides: dict[str, Any]) -> Problem:
    """Validate a spec's YAML data and build the Problem (with ``overrides`` applied)."""
    _unknown_keys(path, "", raw, _TOP_KEYS)
    pid = _text(path, "id", raw.get("id"))
    if not pid:
        raise SpecError(path, "id", "missing (expected the problem id, e.g. gelu-descent)")
    stem = Path(path).stem
    if Path(path).suffix in (".yaml", ".yml") and stem != pid:
        raise SpecError(path, "id", f"'{pid}' differs from the file name '{stem}'")
    title = _text(path, "title", raw.get("title"), pid)
    statement = _text(path, "statement", raw.get("statement"))

    givens = _build_givens(path, _mapping(path, "givens", raw.get("givens")), overrides)
    symbols = _build_symbols(path, raw.get("symbols"))
    for name in symbols:
        if name in givens:
            raise SpecError(path, f"symbols.{name}", "is also a given; use one or the other")

    ns: dict[str, Any] = dict(functions.NAMESPACE)
    for g in givens.values():
        ns[g.name] = given_symbol(g)
    for s in symbols.values():
        ns[s.name] = symbol_object(s)

    answers = _build_answers(path, _mapping(path, "answers", raw.get("answers")), ns)
    definitions = _build_definitions(path, _mapping(path, "define", raw.get("define")), ns, answers,
                                     symbols)
    parts = _build_parts(path, _mapping(path, "parts", raw.get("parts")), ns, answers, symbols,
                         definitions)
    return Problem(
        id=pid,
        title=title,
        statement=statement,
        path=path,
        givens=givens,
        symbols=symbols,
        definitions=definitions,
        answers=answers,
        parts=parts,
        namespace=ns,
    )


def given_symbol(g: Given) -> Any:
    """The symbolic stand-in of a given: a Symbol, or a matrix of element Symbols."""
    if isinstance(g.value, sp.MatrixBase):
        r, c = g.value.shape
        if r == 1 or c == 1:
            return sp.ImmutableMatrix(
                r, c, [sp.Symbol(f"{g.name}_{i + 1}", real=True) for i in range(r * c)]
            )
        return sp.ImmutableMatrix(
            r, c, lambda i, j: sp.Symbol(f"{g.name}_{i + 1}{j + 1}", real=True)
        )
    return sp.Symbol(g.name, real=True)


def given_subs(g: Given) -> dict[sp.Symbol, Any]:
    """Symbol -> exact value for one given (elementwise for matrices)."""
    sym = given_symbol(g)
    if isinstance(sym, sp.MatrixBase):
        return {s: v for s, v in zip(sym, g.value, strict=True)}
    return {sym: g.value}


def _default_latex(name: str) -> str:
    return sp.latex(sp.Symbol(name))


def _build_givens(path: str, raw: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Given]:
    givens: dict[str, Given] = {}
    for name, spec in raw.items():
        where = f"givens.{name}"
        if not isinstance(name, str) or not _NAME.match(name) or keyword.iskeyword(name):
            raise SpecError(path, where, "a given's name must be an identifier (e.g. eta, x0)")
        if name in functions.NAMESPACE:
            raise SpecError(path, where, f"'{name}' is a function name; choose another")
        info = spec if isinstance(spec, dict) else {"value": spec}
        _unknown_keys(path, where, info, _GIVEN_KEYS)
        if "value" not in info:
            raise SpecError(path, f"{where}.value", "missing (expected a number or a list)")
        try:
            value = to_exact(info["value"])
        except ValueError_ as e:
            raise SpecError(path, f"{where}.value", str(e)) from None
        column = bool(info.get("column", False))
        if column and isinstance(value, sp.MatrixBase) and value.rows == 1:
            value = value.T
        integer = bool(info.get("integer", False))
        if integer and not (isinstance(value, sp.Integer)):
            raise SpecError(path, f"{where}.value", f"expected a whole number, found {value}")
        givens[name] = Given(
            name=name,
            value=value,
            latex=_text(path, f"{where}.latex", info.get("latex"), _default_latex(name)),
            text=_text(path, f"{where}.text", info.get("text")),
            integer=integer,
            column=column,
        )
    for name, new in overrides.items():
        if name not in givens:
            raise SpecError(
                path, f"--set {name}", f"unknown given ({_expected(sorted(givens)) or 'none'})"
            )
        g = givens[name]
        try:
            if isinstance(new, sp.Basic):
                value = new
            elif isinstance(new, str):
                value = parse_set_value(new)
            else:
                value = to_exact(new)
        except ValueError_ as e:
            raise SpecError(path, f"--set {name}", str(e)) from None
        if isinstance(value, sp.MatrixBase) and g.column and value.rows == 1:
            value = value.T
        if isinstance(g.value, sp.MatrixBase) != isinstance(value, sp.MatrixBase):
            want = "a bracketed list" if isinstance(g.value, sp.MatrixBase) else "a number"
            raise SpecError(path, f"--set {name}", f"expected {want}, found {new}")
        if g.integer and not isinstance(value, sp.Integer):
            raise SpecError(path, f"--set {name}", f"expected a whole number, found {new}")
        givens[name] = Given(g.name, value, g.latex, g.text, g.integer, g.column)
    return givens


def _build_symbols(path: str, raw: Any) -> dict[str, SymbolSpec]:
    if raw is None:
        return {}
    if isinstance(raw, list):
        raw = {n: {} for n in raw}
    raw = _mapping(path, "symbols", raw)
    out: dict[str, SymbolSpec] = {}
    for name, spec in raw.items():
        where = f"symbols.{name}"
        if not isinstance(name, str) or not _NAME.match(name) or name in functions.NAMESPACE:
            raise SpecError(path, where, "a symbol's name must be an identifier, not a function")
        spec = _mapping(path, where, spec)
        _unknown_keys(path, where, spec, ("latex", "shape", "indexed", "integer"))
        if sum(bool(spec.get(k)) for k in ("shape", "indexed", "integer")) > 1:
            raise SpecError(path, where, "use one of shape, indexed or integer")
        shape = None
        if spec.get("shape") is not None:
            sh = spec["shape"]
            if not isinstance(sh, list) or len(sh) != 2:
                raise SpecError(path, f"{where}.shape", "expected [rows, columns], e.g. [1, N]")
            shape = tuple(_size(path, f"{where}.shape", d) for d in sh)
        out[name] = SymbolSpec(
            name, _text(path, f"{where}.latex", spec.get("latex"), _default_latex(name)), shape,
            indexed=bool(spec.get("indexed", False)), integer=bool(spec.get("integer", False)),
        )
    return out


def symbol_object(s: SymbolSpec) -> Any:
    """The SymPy object a declared symbol stands for in expressions."""
    if s.shape:
        return sp.MatrixSymbol(s.name, *s.shape)
    if s.indexed:
        return sp.IndexedBase(s.name, real=True)
    if s.integer:
        return sp.Symbol(s.name, integer=True)
    return sp.Symbol(s.name, real=True)


def _size(path: str, where: str, d: Any) -> Any:
    if isinstance(d, int) and d > 0:
        return sp.Integer(d)
    if isinstance(d, str) and _NAME.match(d):
        return sp.Symbol(d, integer=True, positive=True)
    raise SpecError(path, where, f"expected a positive size or a size name, found {d!r}")


def parse_spec_expr(path: str, where: str, text: Any, ns: dict[str, Any],
                    answers: dict[str, AnswerSpec] | None = None) -> Any:
    """Parse an author's expression (trusted input) exactly, with no implicit names.

    ``{a.x1}`` refers to a declared answer's value.
    """
    if isinstance(text, bool):
        raise SpecError(path, where, f"expected an expression, found {text!r}")
    if isinstance(text, (int, float)):
        try:
            return to_exact(text)
        except ValueError_ as e:
            raise SpecError(path, where, str(e)) from None
    if isinstance(text, list):
        try:
            return to_exact(text)
        except ValueError_:
            rows = text if all(isinstance(r, list) for r in text) else [text]
            return sp.ImmutableMatrix(
                [[parse_spec_expr(path, where, c, ns, answers) for c in r] for r in rows]
            )
    if not isinstance(text, str) or not text.strip():
        raise SpecError(path, where, "expected an expression (text)")
    local = dict(ns)

    def ref(m: re.Match[str]) -> str:
        aid = m.group(1)
        if answers is not None and aid not in answers:
            raise SpecError(path, where, f"refers to {{{aid}}}, which is not a declared answer")
        key = "_ans_" + re.sub(r"\W", "_", aid)
        local[key] = answer_symbol(aid)
        return key

    src = _ANSWER_REF.sub(ref, text)
    try:
        expr = parse_expr(src, local_dict=local, global_dict=_globals(),
                          transformations=_TRANSFORMS, evaluate=True)
    except NameError as e:
        name = str(e).split("'")[1] if "'" in str(e) else str(e)
        raise SpecError(path, where, f"unknown name '{name}' in {text!r} "
                        "(expected a given, a symbol, a definition or a function)") from None
    except (SyntaxError, TypeError, ValueError, AttributeError, sp.SympifyError,
            tokenize.TokenError) as e:
        raise SpecError(path, where, f"cannot read expression {text!r}: {e}") from None
    return expr


def answer_symbol(aid: str) -> sp.Symbol:
    """The placeholder that stands for an answer's value inside a spec expression."""
    return sp.Symbol(f"{{{aid}}}")


def _globals() -> dict[str, Any]:
    # only what parse_expr's transformations emit; no builtins, no auto-symbols
    return {"__builtins__": {}, "Integer": sp.Integer, "Float": sp.Float,
            "Rational": sp.Rational, "Symbol": sp.Symbol, "factorial": sp.factorial}


def _build_answers(path: str, raw: dict[str, Any], ns: dict[str, Any]) -> dict[str, AnswerSpec]:
    if not raw:
        raise SpecError(path, "answers", "missing (expected a mapping of answer id -> kind)")
    out: dict[str, AnswerSpec] = {}
    for aid, spec in raw.items():
        where = f"answers.{aid}"
        if not isinstance(aid, str) or not _ANSWER_ID.match(aid):
            raise SpecError(path, where, "an answer id is part.name, e.g. a.x1 or conv1.shape")
        info = spec if isinstance(spec, dict) else {"kind": spec}
        extra = {k: v for k, v in info.items() if k not in _ANSWER_KEYS}
        kind = str(info.get("kind", "")).replace("_", "-").replace(" ", "-")
        if kind not in KINDS:
            raise SpecError(path, where, f"unknown kind '{info.get('kind')}' ({_expected(KINDS)})")
        marking = _build_marking(path, f"{where}.marking", info.get("marking"), kind)
        choices = tuple(str(c) for c in info.get("choices") or ())
        if kind == "choice" and not choices:
            raise SpecError(path, f"{where}.choices", "missing (expected the accepted words)")
        shape = None
        if info.get("shape") is not None:
            if not isinstance(info["shape"], list):
                raise SpecError(path, f"{where}.shape", "expected a list such as [1, K]")
            shape = tuple(_size(path, f"{where}.shape", d) for d in info["shape"])
        meanings: dict[str, Any] = {}
        if isinstance(info.get("names"), dict):
            meanings = {str(k): parse_spec_expr(path, f"{where}.names.{k}", v, ns)
                        for k, v in info["names"].items()}
            info = {**info, "names": list(meanings)}
        for key in ("vars", "names", "depends"):
            v = info.get(key) or []
            if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
                raise SpecError(path, f"{where}.{key}", "expected a list of names")
        for v in info.get("vars") or []:
            if v not in ns:
                raise SpecError(path, f"{where}.vars", f"unknown variable '{v}'")
        out[aid] = AnswerSpec(
            id=aid,
            kind=kind,
            marking=marking,
            vars=tuple(info.get("vars") or ()),
            names=tuple(info.get("names") or ()),
            meanings=meanings,
            choices=choices,
            shape=shape,
            depends=tuple(info.get("depends") or ()),
            text=_text(path, f"{where}.text", info.get("text")),
            extra=extra,
        )
    for a in out.values():
        for d in a.depends:
            if d not in out:
                raise SpecError(path, f"answers.{a.id}.depends", f"unknown answer '{d}'")
    return out


def _build_marking(path: str, where: str, raw: Any, kind: str) -> Marking:
    if raw is None:
        return Marking()
    raw = _mapping(path, where, raw)
    _unknown_keys(path, where, raw, MARKING_KEYS)
    rel = raw.get("relative", Marking.relative)
    if not isinstance(rel, (int, float)) or isinstance(rel, bool) or not 0 <= rel < 1:
        raise SpecError(path, f"{where}.relative", "expected a fraction such as 0.05")
    return Marking(
        relative=float(rel),
        last_digit=bool(raw.get("last_digit", True)),
        exact=bool(raw.get("exact", False)),
    )


def _build_definitions(path: str, raw: dict[str, Any], ns: dict[str, Any],
                       answers: dict[str, AnswerSpec],
                       symbols: dict[str, SymbolSpec] | None = None) -> dict[str, Definition]:
    out: dict[str, Definition] = {}
    for key, spec in raw.items():
        where = f"define.{key}"
        m = re.match(r"^([A-Za-z][A-Za-z0-9_]*)\s*(?:\(([^)]*)\))?$", str(key))
        if not m:
            raise SpecError(path, where, "expected a name or name(args), e.g. f(x)")
        name = m.group(1)
        info = spec if isinstance(spec, dict) else {"expr": spec}
        _unknown_keys(path, where, info, ("expr", "latex", "args"))
        arg_names = [a.strip() for a in (m.group(2) or "").split(",") if a.strip()]
        arg_names += [str(a) for a in info.get("args") or []]
        # f(x) may share its name with a declared scalar symbol f, which then stands for
        # the function's value (f' = 1 - f^2); f(...) cannot be called in expressions then
        value_name = bool(m.group(2)) and name in (symbols or {}) and isinstance(
            ns.get(name), sp.Symbol)
        if name in ns and name not in out and not value_name:
            raise SpecError(path, where, f"'{name}' is already a given, symbol or function")
        args = []
        for a in arg_names:
            if a not in ns or not isinstance(ns[a], sp.Symbol):
                raise SpecError(path, where, f"argument '{a}' is not a declared symbol")
            args.append(ns[a])
        if "expr" not in info:
            raise SpecError(path, f"{where}.expr", "missing (expected an expression)")
        expr = parse_spec_expr(path, f"{where}.expr", info["expr"], ns, answers)
        latex = _text(path, f"{where}.latex", info.get("latex"), _default_latex(name))
        d = Definition(name, tuple(args), expr, latex)
        out[name] = d
        # a function definition is applied (inlined) when called; a quantity stays a name
        if value_name:
            pass
        elif args:
            ns[name] = sp.Lambda(tuple(args), expr)
        else:
            ns[name] = sp.Symbol(name, real=True)
    return out


def _build_parts(path: str, raw: dict[str, Any], ns: dict[str, Any],
                 answers: dict[str, AnswerSpec], symbols: dict[str, SymbolSpec],
                 definitions: dict[str, Definition]) -> tuple[Part, ...]:
    blocks = registry()
    parts = []
    for pname, spec in raw.items():
        where = f"parts.{pname}"
        spec = _mapping(path, where, spec)
        _unknown_keys(path, where, spec, _PART_KEYS)
        calls = []
        derive = spec.get("derive") or []
        if not isinstance(derive, list):
            raise SpecError(path, f"{where}.derive", "expected a list of blocks")
        for i, call in enumerate(derive):
            cw = f"{where}.derive[{i}]"
            call = _mapping(path, cw, call)
            name = call.get("use")
            if name not in blocks:
                raise SpecError(path, f"{cw}.use", f"unknown block '{name}' "
                                f"({_expected(sorted(blocks))})")
            blk = blocks[name]
            args: dict[str, Any] = {}
            for k in call:
                if k != "use" and k not in blk.params:
                    raise SpecError(path, f"{cw}.{k}", f"unknown argument of block '{name}' "
                                    f"({_expected(list(blk.params))})")
            for pn, p in blk.params.items():
                if pn not in call:
                    if p.required:
                        raise SpecError(path, f"{cw}.{pn}", f"missing argument of block "
                                        f"'{name}'" + (f": {p.doc}" if p.doc else ""))
                    args[pn] = p.default
                    continue
                args[pn] = _convert_arg(path, f"{cw}.{pn}", p.type, p.choices, call[pn], ns,
                                        answers, symbols, definitions)
            calls.append(BlockCall(name, str(pname), args, cw))
        parts.append(Part(str(pname), _text(path, f"{where}.text", spec.get("text")),
                          tuple(calls)))
    return tuple(parts)


def _convert_arg(path: str, where: str, ptype: str, choices: tuple[str, ...], v: Any,
                 ns: dict[str, Any], answers: dict[str, AnswerSpec],
                 symbols: dict[str, SymbolSpec], definitions: dict[str, Definition]) -> Any:
    assert ptype in PARAM_TYPES
    if ptype == "expr":
        return parse_spec_expr(path, where, v, ns, answers)
    if ptype == "expr_list":
        if not isinstance(v, list):
            raise SpecError(path, where, "expected a list of expressions")
        return [parse_spec_expr(path, f"{where}[{i}]", x, ns, answers) for i, x in enumerate(v)]
    if ptype == "exprs":
        v = _mapping(path, where, v)
        return {str(k): parse_spec_expr(path, f"{where}.{k}", x, ns, answers)
                for k, x in v.items()}
    if ptype == "symbol":
        if v not in symbols:
            raise SpecError(path, where, f"unknown symbol '{v}' ({_expected(sorted(symbols))})")
        return ns[v]
    if ptype == "definition":
        if v not in definitions:
            raise SpecError(path, where,
                            f"unknown definition '{v}' ({_expected(sorted(definitions))})")
        return definitions[v]
    if ptype == "answer":
        if v not in answers:
            raise SpecError(path, where, f"'{v}' is not a declared answer")
        return str(v)
    if ptype == "answers":
        v = _mapping(path, where, v)
        for k, aid in v.items():
            if aid not in answers:
                raise SpecError(path, f"{where}.{k}", f"'{aid}' is not a declared answer")
        return {str(k): str(a) for k, a in v.items()}
    if ptype == "prefix":
        if not isinstance(v, str) or not any(a.startswith(v) for a in answers):
            raise SpecError(path, where, f"no declared answer starts with '{v}'")
        return v
    if ptype == "text":
        s = _text(path, where, v)
        if choices and s not in choices:
            raise SpecError(path, where, f"unknown value '{s}' ({_expected(choices)})")
        return s
    if ptype == "strings":
        if not isinstance(v, list):
            raise SpecError(path, where, "expected a list")
        return [str(x) for x in v]
    return v
