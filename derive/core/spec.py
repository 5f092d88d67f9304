"""Problem specs: YAML -> validated :class:`~derive.core.model.Problem`.

Every error names the file, the field and what was expected, e.g.
``problems/x.yaml: answers.a.x1: unknown kind 'numbr' (expected one of: number, …)``.
"""

from __future__ import annotations

import difflib
import re
from pathlib import Path
from typing import Any

import sympy as sp
import yaml

from derive.core import functions
from derive.core.answer_ranges import expand_answer_ranges
from derive.core.arrays import FloatMatrix

# where specs are is the catalogue's (re-exported: callers find problems here too)
from derive.core.catalogue import find_problem as find_problem
from derive.core.catalogue import problem_dirs as problem_dirs
from derive.core.catalogue import problem_paths as problem_paths
from derive.core.errors import SpecError
from derive.core.expressions import parse_spec_expr
from derive.core.given_uses import check_expression_sizes, read_entry_by_entry
from derive.core.givens import (
    build_givens,
    build_symbols,
    default_latex,
    given_symbol,
    size_field,
    symbol_object,
)
from derive.core.model import (
    KINDS,
    MARKING_KEYS,
    AnswerSpec,
    BlockCall,
    Definition,
    Marking,
    Part,
    Problem,
    SymbolSpec,
)
from derive.core.placeholders import fill_prose
from derive.core.referred_depends import with_referred_depends
from derive.core.registry import (
    PARAM_TYPES,
    Param,
    expectation_unmet,
    expression_items,
    item_place,
    refers_to_answers,
    registered,
    registry,
)
from derive.core.safe_yaml import load_bounded_yaml, yaml_error_place
from derive.core.spec_fields import (
    expected,
    mapping,
    text_field,
    unknown_keys,
)

_ANSWER_ID = re.compile(r"^[a-z0-9][A-Za-z0-9_-]*(\.[A-Za-z0-9_-]+)+$")
_TOP_KEYS = ("id", "title", "statement", "givens", "symbols", "define", "answers", "parts")
_ANSWER_KEYS = ("kind", "marking", "vars", "names", "choices", "shape", "depends", "text")
_PART_KEYS = ("text", "derive")


def load_problem(ref: str | Path, overrides: dict[str, Any] | None = None) -> Problem:
    """Load and validate a spec by id or path, with optional given overrides.

    Overrides are exact values or strings as ``--set`` takes them.
    """
    return load_problem_and_data(ref, overrides)[0]


def load_problem_and_data(ref: str | Path, overrides: dict[str, Any] | None = None
                          ) -> tuple[Problem, dict[str, Any]]:
    """``load_problem``, and the spec's YAML data it was built from (marking builds the
    mistakes' variants from it; ``build_problem`` only reads it, so the file is read once)."""
    path = find_problem(str(ref))
    shown = _display_path(path)
    raw = read_yaml(path, shown)
    return build_problem(raw, shown, overrides or {}), raw


def _display_path(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        package = Path(__file__).resolve().parent.parent  # derive/
        for base in (package.parent, package):
            try:
                return str(path.resolve().relative_to(base))
            except ValueError:
                continue
        return str(path)


#: spec files larger than this are refused before they are read
MAX_SPEC_BYTES = 1_000_000


def read_yaml(path: Path, shown: str = "") -> dict[str, Any]:
    """Read a spec file; YAML syntax errors name the line (and the file as ``shown``,
    by default its display path)."""
    shown = shown or _display_path(path)
    try:
        if path.stat().st_size > MAX_SPEC_BYTES:
            raise SpecError(shown, "", f"larger than {MAX_SPEC_BYTES:,} bytes; a spec is a "
                            "short text file")
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise SpecError(shown, "", f"cannot read: {e}") from None
    try:
        raw = load_bounded_yaml(text)  # aliases allowed, their expansion bounded
    except ValueError as e:  # an integer of more than 4300 digits, say
        raise SpecError(shown, "", f"invalid YAML: {str(e).splitlines()[0][:100]}") from None
    except yaml.YAMLError as e:
        raise SpecError(shown, *yaml_error_place(e)) from None
    if not isinstance(raw, dict):
        raise SpecError(shown, "", "expected a mapping with id, title, givens, answers, parts")
    return raw


def override_givens(problem: Problem, overrides: dict[str, Any]) -> Problem:
    """A variant of ``problem`` with some givens replaced."""
    raw = read_yaml(Path(problem.path)) if Path(problem.path).is_file() else None
    if raw is None:
        raw = read_yaml(find_problem(problem.id))
    return build_problem(raw, problem.path, overrides)


def build_problem(raw: dict[str, Any], path: str, overrides: dict[str, Any],
                  exact: frozenset[str] = frozenset()) -> Problem:
    """Validate a spec's YAML data and build the Problem (with ``overrides`` applied).

    A given of more than ``arrays.LARGE_ENTRIES`` numbers stays a float64 array only where
    every use of it takes one (a ``float64`` block argument: a network's values); used
    anywhere else (a definition, a block that reads its entries) it is built exactly, as
    the names in ``exact`` are, and so is every large given when the float64 build fails.
    """
    unknown_keys(path, "", raw, _TOP_KEYS)
    pid = text_field(path, "id", raw.get("id"))
    if not pid:
        raise SpecError(path, "id", "missing (expected the problem id, e.g. gelu-descent)")
    stem = Path(path).stem
    if Path(path).suffix in (".yaml", ".yml") and stem != pid:
        raise SpecError(path, "id", f"'{pid}' differs from the file name '{stem}'")
    title = text_field(path, "title", raw.get("title"), pid)
    statement = text_field(path, "statement", raw.get("statement"))

    givens = build_givens(path, mapping(path, "givens", raw.get("givens")), overrides, exact)
    large = {g.name for g in givens.values() if isinstance(g.value, FloatMatrix)}
    try:
        problem = _build_rest(raw, path, pid, title, statement, givens)
    except SpecError:
        if not large:
            raise
        # errors read as before
        return build_problem(raw, path, _read_once(overrides, givens), exact | large)
    elsewhere = read_entry_by_entry(problem, large)
    if elsewhere:
        return build_problem(raw, path, _read_once(overrides, givens), exact | elsewhere)
    check_expression_sizes(problem, path, overrides)
    return problem


def _read_once(overrides: dict[str, Any], givens: dict[str, Any]) -> dict[str, Any]:
    """``overrides`` with each one already read as a float64 array replaced by that array,
    for a rebuild: the weights of a wide network (a million numbers each) are not read
    again because its input vector turned out to be needed entry by entry."""
    return {k: givens[k].value if k in givens and isinstance(givens[k].value, FloatMatrix)
            else v for k, v in overrides.items()}


def _build_rest(raw: dict[str, Any], path: str, pid: str, title: str, statement: str,
                givens: dict[str, Any]) -> Problem:
    symbols = build_symbols(path, raw.get("symbols"))
    for name in symbols:
        if name in givens:
            raise SpecError(path, f"symbols.{name}", "is also a given; use one or the other")

    ns: dict[str, Any] = dict(functions.NAMESPACE)
    for g in givens.values():
        ns[g.name] = given_symbol(g)
    for s in symbols.values():
        ns[s.name] = symbol_object(s)

    raw_answers = expand_answer_ranges(path, mapping(path, "answers", raw.get("answers")),
                                       givens)
    answers = _build_answers(path, raw_answers, ns)
    definitions = _build_definitions(path, mapping(path, "define", raw.get("define")), ns, answers,
                                     symbols)
    parts = _build_parts(path, mapping(path, "parts", raw.get("parts")), ns, answers, symbols,
                         definitions)
    answers = with_referred_depends(answers, parts)
    _no_cycle(path, answers)
    return fill_prose(Problem(
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
    ))


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
            raise SpecError(path, where, f"unknown kind '{info.get('kind')}' ({expected(KINDS)})")
        marking = _build_marking(path, f"{where}.marking", info.get("marking"), kind)
        choices = _choices(path, f"{where}.choices", info.get("choices"))
        if kind == "choice" and not choices:
            raise SpecError(path, f"{where}.choices", "missing (expected the accepted words)")
        shape = None
        if info.get("shape") is not None:
            if not isinstance(info["shape"], list) or not info["shape"]:
                raise SpecError(path, f"{where}.shape", "expected a list such as [1, K]")
            shape = tuple(size_field(path, f"{where}.shape", d) for d in info["shape"])
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
                raise SpecError(path, f"{where}.vars", f"unknown variable '{v}': vars lists "
                                "symbols (declared under symbols:) the expression is written "
                                "in; a defined quantity a student may use goes under names:")
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
            text=text_field(path, f"{where}.text", info.get("text")),
            extra=extra,
        )
    for a in out.values():
        for d in a.depends:
            if d not in out:
                raise SpecError(path, f"answers.{a.id}.depends", f"unknown answer '{d}'")
    _no_cycle(path, out)
    return out


def _no_cycle(path: str, answers: dict[str, AnswerSpec]) -> None:
    """A SpecError when an answer depends on itself, directly or through others: marking
    follows ``depends`` from each answer to the ones it is computed from."""
    done: set[str] = set()
    for start in answers:
        if start in done:
            continue
        trail: list[str] = []
        stack: list[tuple[str, int]] = [(start, 0)]
        while stack:
            aid, i = stack.pop()
            if i == 0:
                if aid in trail:
                    loop = " -> ".join(trail[trail.index(aid):] + [aid])
                    raise SpecError(path, f"answers.{aid}.depends",
                                    f"depends on itself ({loop})")
                if aid in done:
                    continue
                trail.append(aid)
            deps = answers[aid].depends
            if i < len(deps):
                stack.append((aid, i + 1))
                stack.append((deps[i], 0))
            else:
                trail.pop()
                done.add(aid)


def _choices(path: str, where: str, raw: Any) -> tuple[str, ...]:
    """An answer's accepted words: a list of words (numbers read as their text)."""
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise SpecError(path, where, f"expected a list of words such as [gd, momentum], "
                        f"found {type(raw).__name__ if not isinstance(raw, bool) else raw}")
    for i, c in enumerate(raw):
        if isinstance(c, bool):  # YAML reads an unquoted yes/no/on/off as true/false
            raise SpecError(path, f"{where}[{i}]", f"found {str(c).lower()}, YAML's reading "
                            "of an unquoted yes/no/on/off: quote the word, e.g. 'yes'")
        if not isinstance(c, (str, int, float)):
            raise SpecError(path, f"{where}[{i}]", f"expected a word, found "
                            f"{'a list' if isinstance(c, list) else type(c).__name__}")
    return tuple(str(c) for c in raw)


def _build_marking(path: str, where: str, raw: Any, kind: str) -> Marking:
    if raw is None:
        return Marking()
    raw = mapping(path, where, raw)
    unknown_keys(path, where, raw, MARKING_KEYS)
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
            if str(key).count("(") != str(key).count(")"):
                # YAML's flow style {f(x, y): …} splits the key at its comma
                raise SpecError(path, where, "a key with a comma is split by YAML's flow "
                                "style {…}: quote it, {'f(x, y)': …}, or write define: "
                                "on its own lines")
            raise SpecError(path, where, "expected a name or name(args), e.g. f(x)")
        name = m.group(1)
        info = spec if isinstance(spec, dict) else {"expr": spec}
        unknown_keys(path, where, info, ("expr", "latex", "args"))
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
        latex = text_field(path, f"{where}.latex", info.get("latex"), default_latex(name))
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
    parts = []
    for pname, spec in raw.items():
        where = f"parts.{pname}"
        spec = mapping(path, where, spec)
        unknown_keys(path, where, spec, _PART_KEYS)
        calls = []
        derive = spec.get("derive") or []
        if not isinstance(derive, list):
            raise SpecError(path, f"{where}.derive", "expected a list of blocks")
        for i, call in enumerate(derive):
            cw = f"{where}.derive[{i}]"
            call = mapping(path, cw, call)
            name = call.get("use")
            blk = registered(name)
            if blk is None:
                near = difflib.get_close_matches(str(name), list(registry()), n=1)
                hint = f"; did you mean '{near[0]}'?" if near else ""
                raise SpecError(path, f"{cw}.use", f"unknown block '{name}'{hint} "
                                "(`derive blocks` lists every block with its arguments)")
            args: dict[str, Any] = {}
            for k in call:
                if k != "use" and k not in blk.params:
                    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", str(k)):
                        # {expr: max(0, 1 - s)} in YAML flow style splits at the comma
                        raise SpecError(path, f"{cw}.{k}", "YAML's flow style {…} split a "
                                        "value at a comma: quote it, e.g. "
                                        "expr: 'max(0, 1 - s)'")
                    raise SpecError(path, f"{cw}.{k}", f"unknown argument of block '{name}' "
                                    f"({expected(list(blk.params))}; see `derive blocks "
                                    f"{name}`)")
            for pn, p in blk.params.items():
                if pn not in call:
                    if p.required:
                        raise SpecError(path, f"{cw}.{pn}", f"missing argument of block "
                                        f"'{name}'" + (f": {p.doc}" if p.doc else "")
                                        + f" (see `derive blocks {name}`)")
                    args[pn] = p.default
                    continue
                args[pn] = _checked_arg(path, f"{cw}.{pn}", p, call[pn], ns, answers,
                                        symbols, definitions)
            calls.append(BlockCall(name, str(pname), args, cw))
        parts.append(Part(str(pname), text_field(path, f"{where}.text", spec.get("text")),
                          tuple(calls)))
    return tuple(parts)


def _checked_arg(path: str, where: str, p: Param, v: Any, ns: dict[str, Any],
                 answers: dict[str, AnswerSpec], symbols: dict[str, SymbolSpec],
                 definitions: dict[str, Definition]) -> Any:
    """A block argument converted as its ``Param`` declares, then checked against what
    the block takes (``Param.takes``, ``Param.min_items``) before the block ever runs."""
    out = _convert_arg(path, where, p.type, p.choices, v, ns, answers, symbols, definitions)
    if p.type in ("exprs", "answers", "expr_list", "strings") and len(out) < p.min_items:
        raise SpecError(path, where, f"expected at least {p.min_items} "
                        f"{'entry' if p.min_items == 1 else 'entries'}, found {len(out)}")
    for sub, x in expression_items(p.type, out):
        # an earlier answer's value is known only once solved: core.solve checks it then
        unmet = None if refers_to_answers(x) else expectation_unmet(p, x)
        if unmet:
            written = _written(v, sub)
            raise SpecError(path, item_place(where, sub), f"expected {unmet[0]}, found "
                            f"{written + ', ' if written else ''}{unmet[1]}")
    return out


def _written(v: Any, sub: str) -> str:
    """The spec's own text of an argument that did not fit (``'beta'``), so that a given
    holding a list is found from the message; '' for a mapping."""
    if sub.startswith("["):
        v = v[int(sub[1:-1])] if isinstance(v, list) else None
    elif sub:
        v = v.get(sub) if isinstance(v, dict) else None
    text = str(v) if isinstance(v, (str, int, float, list)) else ""
    return repr(text[:40]) if text else ""


def _convert_arg(path: str, where: str, ptype: str, choices: tuple[str, ...], v: Any,
                 ns: dict[str, Any], answers: dict[str, AnswerSpec],
                 symbols: dict[str, SymbolSpec], definitions: dict[str, Definition]) -> Any:
    assert ptype in PARAM_TYPES
    if ptype in ("symbol", "definition", "answer", "prefix") and not isinstance(v, str):
        raise SpecError(path, where, f"expected a name, found {str(v)[:40]!r}")
    if ptype == "answers" and isinstance(v, dict) and not all(
            isinstance(a, str) for a in v.values()):
        raise SpecError(path, where, "expected a mapping of names to answer ids")
    if ptype == "expr":
        return parse_spec_expr(path, where, v, ns, answers)
    if ptype == "expr_list":
        if not isinstance(v, list):
            raise SpecError(path, where, "expected a list of expressions")
        return [parse_spec_expr(path, f"{where}[{i}]", x, ns, answers) for i, x in enumerate(v)]
    if ptype == "exprs":
        v = mapping(path, where, v)
        return {str(k): parse_spec_expr(path, f"{where}.{k}", x, ns, answers)
                for k, x in v.items()}
    if ptype == "symbol":
        if v not in symbols:
            raise SpecError(path, where, f"unknown symbol '{v}' ({expected(sorted(symbols))})")
        return ns[v]
    if ptype == "definition":
        if v not in definitions:
            raise SpecError(path, where,
                            f"unknown definition '{v}' ({expected(sorted(definitions))})")
        return definitions[v]
    if ptype == "answer":
        if v not in answers:
            raise SpecError(path, where, f"'{v}' is not a declared answer")
        return str(v)
    if ptype == "answers":
        v = mapping(path, where, v)
        for k, aid in v.items():
            if aid not in answers:
                raise SpecError(path, f"{where}.{k}", f"'{aid}' is not a declared answer")
        return {str(k): str(a) for k, a in v.items()}
    if ptype == "prefix":
        if not isinstance(v, str) or not any(a.startswith(v) for a in answers):
            raise SpecError(path, where, f"no declared answer starts with '{v}'")
        return v
    if ptype == "text":
        s = text_field(path, where, v)
        if choices and s not in choices:
            raise SpecError(path, where, f"unknown value '{s}' ({expected(choices)})")
        return s
    if ptype == "strings":
        if not isinstance(v, list):
            raise SpecError(path, where, "expected a list")
        return [str(x) for x in v]
    return v
