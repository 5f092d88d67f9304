"""Linear separability of labelled points: a witness unit, or a certificate that none exists."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import sympy as sp

from derive.core.derivation import Context
from derive.core.notation import Product, Sum
from derive.core.registry import Param, block
from derive.topics.design import design_spec, evaluate_design, separation_data
from derive.topics.threshold.separability import TooLarge, separate


def _rows(ctx: Context, field: str, exprs: list[Any]) -> list[list[Any]]:
    out: list[list[Any]] = []
    for i, e in enumerate(exprs):
        v = ctx.value(e)
        m = v if isinstance(v, sp.MatrixBase) else sp.ImmutableMatrix([[v]])
        for c in m:
            if not (isinstance(c, sp.Basic) and c.is_number):
                raise ctx.fail(f"{field}[{i}]", f"expected numbers, found {c}")
        out += [list(m.row(r)) for r in range(m.rows)]
    return out


def _exact(v: Any) -> Fraction:
    r = sp.Rational(v)
    return Fraction(int(r.p), int(r.q))


@block(
    "separability",
    points=Param("expr_list", takes="array",
                 doc="givens (or answers) holding the points, a row per point"),
    labels=Param("expr_list", takes="array", doc="the 0/1 labels in the same order"),
    features=Param("expr_list", takes="scalar", required=False, default=[],
                   doc="extra inputs as expressions in x1, x2, … (e.g. x1*x2)"),
    answer=Param("answer", required=False, doc="choice yes/no"),
    weights=Param("answer", required=False, doc="a design answer: separating weights"),
    bias=Param("text", required=False, default="first", choices=("first", "last"),
               doc="where the weights answer puts the bias w0"),
)
def separability(ctx: Context, points: list[Any], labels: list[Any], features: list[Any],
                 answer: str | None, weights: str | None, bias: str) -> None:
    """Decide whether one threshold unit outputs every point's label (exactly).

    Exact Fourier–Motzkin elimination, whose rows square at each stage: a few dozen
    points in general position at most (more stop with a one-line error)."""
    if not answer and not weights:
        raise ctx.fail("answer", "give answer (yes/no), weights (a design answer) or both")
    pts = _rows(ctx, "points", points)
    labs = [c for r in _rows(ctx, "labels", labels) for c in r]
    if len({len(p) for p in pts}) != 1:
        raise ctx.fail("points", "every point needs the same number of coordinates")
    if len(labs) != len(pts):
        raise ctx.fail("labels", f"expected one label per point ({len(pts)}), found {len(labs)}")
    if any(y not in (0, 1) for y in labs):
        raise ctx.fail("labels", "labels must be 0 or 1")
    d = len(pts[0])
    xs = [sp.Symbol(f"x{i}", real=True) for i in range(1, d + 1)]
    for i, f in enumerate(features):
        extra = ctx.resolve(f).free_symbols - set(xs)
        if extra:
            raise ctx.fail(f"features[{i}]", f"may use only {', '.join(map(str, xs))}")
    feats = [ctx.resolve(f) for f in features]
    full = [tuple(p) + tuple(f.xreplace(dict(zip(xs, p, strict=True))) for f in feats)
            for p in pts]
    all_x = xs + [sp.Symbol(f"x{d + 1 + i}", real=True) for i in range(len(feats))]
    ws = sp.symbols(f"w0:{len(all_x) + 1}")
    uses = []
    for i, f in enumerate(feats):
        uses.append(ctx.step("feature-map", f, lhs=all_x[d + i]))
    net = ws[0] + sp.Add(*[w * x for w, x in zip(ws[1:], all_x, strict=True)])
    rule = ctx.step("threshold-unit", sp.Gt(net, 0), lhs=sp.Symbol("fires"), uses=uses)
    conds = []
    for x, y in zip(full, labs, strict=True):
        z = net.xreplace(dict(zip(all_x, x, strict=True)))
        conds.append((sp.Tuple(*x), sp.Integer(y), sp.Gt(z, 0) if y else sp.Le(z, 0)))
    ctx.table("conditions", ("point", "label", "needs"), conds, uses=[rule])
    try:
        sep = separate(full, labs)
    except TooLarge as e:
        raise ctx.fail("points", f"too many points for exact elimination: {e}") from None
    word = "yes" if sep.separable else "no"
    if sep.separable:
        assert sep.weights is not None
        w = sp.ImmutableMatrix([list(sep.weights)])
        widx = ctx.step("separating-weights", w, lhs=sp.Symbol("w"),
                        facts=("Fourier-Motzkin elimination, scaled to whole numbers",))
        rows = []
        for x, y in zip(full, labs, strict=True):
            terms = [sep.weights[0]] + [Product(wi, xi) for wi, xi in
                                        zip(sep.weights[1:], x, strict=True)]
            z = sep.weights[0] + sum(wi * xi for wi, xi in zip(sep.weights[1:], x, strict=True))
            rows.append((sp.Tuple(*x), sp.Eq(Sum(*terms), z, evaluate=False),
                         sp.Integer(1 if z > 0 else 0), sp.Integer(y)))
        ctx.table("witness", ("point", "net input", "output", "label"), rows, uses=[widx])
        aidx = ctx.step("separable", sp.Symbol(word), lhs=sp.Symbol("separable"), uses=[widx])
        example: Any = w if bias == "first" else sp.ImmutableMatrix(
            [list(sep.weights[1:]) + [sep.weights[0]]])
    else:
        aidx = _write_certificate(ctx, sep, full, labs)
        example = "none"
    if answer:
        ctx.emit(answer, word, aidx)
    if weights:
        ctx.emit(weights, example, aidx)
    covered = [a for a in (answer, weights) if a]
    _register_checks(ctx, sep, full, labs, covered, pts, feats, xs)
    if weights:
        _property_check(ctx, weights, example)


def _write_certificate(ctx: Context, sep: Any, full: list[tuple[Any, ...]],
                       labs: list[int]) -> int:
    lam = sep.certificate
    tab = ctx.table("farkas-multipliers", ("point", "label", sp.Symbol("lambda")),
                    [(sp.Tuple(*x), sp.Integer(y), lv)
                     for x, y, lv in zip(full, labs, lam, strict=True)])
    p = sp.Symbol("p")
    sides = []
    for y in (1, 0):
        terms = [Product(lv, sp.Tuple(*x)) for x, yy, lv in zip(full, labs, lam, strict=True)
                 if yy == y and lv != 0]
        sides.append(ctx.step("convex-combination", sp.Tuple(*sep.common_point), lhs=p,
                              before=Sum(*terms) if len(terms) > 1 else terms[0],
                              facts=(f"the points labelled {y}, weights summing to 1",),
                              uses=[tab]))
    return ctx.step("not-separable", sp.Symbol("no"), lhs=sp.Symbol("separable"), uses=sides,
                    facts=("a unit firing on the 1-points fires at p, one silent on the "
                           "0-points is silent at p: no unit does both",))


def _register_checks(ctx: Context, sep: Any, full: list[tuple[Any, ...]], labs: list[int],
                     covered: list[str], pts: list[list[Any]], feats: list[Any],
                     xs: list[sp.Symbol]) -> None:
    # the independent route recomputes the features itself (lambdify over Fractions)
    fns = [sp.lambdify(xs, f, modules="math") for f in feats]
    points = [[_exact(c) for c in p] for p in pts]
    rows = [[Fraction(1)] + p + [Fraction(fn(*p)) for fn in fns] for p in points]
    if sep.separable:
        w = [_exact(c) for c in sep.weights]

        def run() -> tuple[bool, float, str]:
            outs = [int(sum(wi * xi for wi, xi in zip(w, r, strict=True)) > 0) for r in rows]
            ok = outs == list(labs)
            return ok, 0.0 if ok else float("inf"), f"outputs {outs} for labels {list(labs)}"

        ctx.check(f"{', '.join(covered)}: witness classifies every point", covered,
                  "exact-recompute", run)
    else:
        lam = [_exact(c) for c in sep.certificate]

        def run() -> tuple[bool, float, str]:
            combo = [sum((1 if y else -1) * lv * r[j] for lv, y, r in zip(lam, labs, rows,
                                                                         strict=True))
                     for j in range(len(rows[0]))]
            ok = all(lv >= 0 for lv in lam) and sum(lam) > 0 and all(c == 0 for c in combo)
            return ok, 0.0 if ok else float("inf"), \
                f"λ ≥ 0, Σλ = {sum(lam)}, Σ ±λ_i (1, x_i) = {combo}"

        ctx.check(f"{', '.join(covered)}: Farkas certificate", covered, "exact-recompute", run)


def _property_check(ctx: Context, weights: str, example: Any) -> None:
    spec = design_spec(ctx.problem, weights)
    if spec.property != "separates":
        raise ctx.fail("weights", f"'{weights}' must declare property: separates")

    def lookup(ref: str) -> Any:
        return ctx.answer_value(ref) if ref in ctx.problem.answers else ctx.value(
            ctx.symbol(ref))

    def run() -> tuple[bool, float, str]:
        separation_data(spec, lookup)
        r = evaluate_design(spec, {weights: example}, lookup)
        return r.ok, 0.0 if r.ok else float("inf"), r.feedback or "accepted by its property"

    ctx.check(f"{weights}: accepted by the marking property", [weights], "design-property", run)
