"""design.check_design: a design is accepted by its property, not by equality with a key."""

import pytest
import sympy as sp

import derive
from derive.core.errors import SpecError
from derive.topics.design import DesignResult, check_design, design_group

R = sp.Rational


@pytest.fixture(scope="module")
def gates(solved):
    return solved("logic-gates")


@pytest.fixture(scope="module")
def pooling(solved):
    return solved("cnn-padding-pooling")


@pytest.fixture(scope="module")
def separable(solved):
    return solved("separability")


def test_groups(gates, pooling, separable):
    assert design_group(gates.problem, "c.hidden") == ("c.hidden", "c.output")
    assert design_group(gates.problem, "c.output") == ("c.hidden", "c.output")
    assert design_group(gates.problem, "a.weights") == ("a.weights",)
    assert design_group(gates.problem, "e.table") == ("e.table",)
    assert design_group(pooling.problem, "d.stride") == ("d.filter", "d.stride", "d.padding")
    assert design_group(separable.problem, "d.weights") == ("d.weights",)


def test_every_engine_design_passes_its_own_property(gates, pooling, separable):
    for s in (gates, pooling, separable):
        seen = set()
        for aid, a in s.answers.items():
            group = design_group(s.problem, aid)
            if a.kind != "design" or group in seen:
                continue
            seen.add(group)
            r = check_design(s, {g: s.answers[g].value for g in group})
            assert r == DesignResult(True, ""), (s.problem.id, aid, r)


# -- single units ------------------------------------------------------------------------------

@pytest.mark.parametrize("aid,weights", [
    ("a.weights", [1, 1, -1.5]),             # the textbook AND
    ("a.weights", [R(1, 2), R(1, 2), R(-3, 4)]),
    ("a.weights", sp.ImmutableMatrix([[20, 20, -30]])),   # scaled
    ("a.weights", [[3, 1, -3.5]]),          # unequal weights still work
    ("b.weights", [1, 1, -0.5]),
    ("b.weights", [0.3, 7, -0.1]),
])
def test_other_valid_units_are_accepted(gates, aid, weights):
    assert check_design(gates, {aid: weights}).ok


@pytest.mark.parametrize("aid,weights,feedback", [
    ("a.weights", [1, 1, -0.5],
     "your unit outputs 1 for A=0, B=1; AND must output 0; 2 of 4 rows are wrong"),
    ("a.weights", [1, 1, -2],  # w1 + w2 + b = 0 is not > 0
     "your unit outputs 0 for A=1, B=1; AND must output 1 (a net input there is exactly 0, "
     "and a unit fires only when it is > 0)"),
    ("b.weights", [1, 0, -0.5], "your unit outputs 0 for A=0, B=1; OR must output 1"),
    ("b.weights", [1, 1, 0.5], "your unit outputs 1 for A=0, B=0; OR must output 0"),
])
def test_wrong_units_are_rejected_naming_the_row(gates, aid, weights, feedback):
    r = check_design(gates, {aid: weights})
    assert not r.ok
    assert r.feedback.startswith(feedback) or feedback in r.feedback


def test_shape_and_type_mistakes_are_feedback_not_errors(gates):
    r = check_design(gates, {"a.weights": [1, 1]})
    assert not r.ok and r.feedback == "a.weights must be 1×3; yours is 1×2"
    r = check_design(gates, {"a.weights": ["x", 1, 2]})
    assert not r.ok and "a.weights must be numbers" in r.feedback
    r = check_design(gates, {"a.weights": sp.ImmutableMatrix([[sp.Symbol("w"), 1, 1]])})
    assert not r.ok and "must be numbers" in r.feedback


# -- networks ---------------------------------------------------------------------------------

XOR_OK = [
    ([[1, -1, -0.5], [-1, 1, -0.5]], [1, 1, -0.5]),          # the problem's own net
    ([[10, -10, -5], [-10, 10, -5]], [[7, 7, -3]]),            # scaled
    ([[1, 1, -0.5], [1, 1, -1.5]], [1, -2, -0.5]),             # OR and not AND
    ([[1, 1, -1.5], [-1, -1, 0.5]], [-1, -1, 0.5]),            # NOR of (AND, NOR)
]


@pytest.mark.parametrize("hidden,output", XOR_OK)
def test_xor_networks_are_accepted(gates, hidden, output):
    assert check_design(gates, {"c.hidden": hidden, "c.output": output}).ok


def test_xnor_is_xor_negated(gates):
    hidden, output = [[1, 1, -1.5], [-1, -1, 0.5]], [1, 1, -0.5]
    assert check_design(gates, {"d.hidden": hidden, "d.output": output}).ok
    r = check_design(gates, {"c.hidden": hidden, "c.output": output})
    assert not r.ok
    assert r.feedback == ("your network outputs 1 for A=0, B=0; XOR must output 0; "
                          "4 of 4 rows are wrong")


def test_network_mistakes(gates):
    r = check_design(gates, {"c.hidden": [[1, 1, -0.5], [1, 1, -1.5]],
                             "c.output": [1, 1, -0.5]})  # OR of OR and AND = OR
    assert not r.ok and r.feedback.startswith(
        "your network outputs 1 for A=1, B=1; XOR must output 0")
    r = check_design(gates, {"c.hidden": [[1, -1, -0.5], [-1, 1, -0.5]]})
    assert not r.ok and r.feedback == ("c.output is missing; it is marked together with "
                                       "c.hidden")
    r = check_design(gates, {"c.hidden": [[1, -1, -0.5]], "c.output": [1, -0.5]})
    assert not r.ok and r.feedback == "c.hidden must be 2×3; yours is 1×3"


def test_values_from_another_group_are_a_programming_error(gates):
    with pytest.raises(ValueError, match="not marked together"):
        check_design(gates, {"c.hidden": [[1, -1, -0.5], [-1, 1, -0.5]],
                             "d.output": [1, 1, -0.5]})


# -- separation -------------------------------------------------------------------------------

def test_separating_weights(separable):
    assert check_design(separable, {"b.weights": [0.5, -1, 1]}).ok
    assert check_design(separable, {"b.weights": [[3, -5, 4]]}).ok
    r = check_design(separable, {"b.weights": [1, 1, 1]})
    assert not r.ok
    assert r.feedback == ("your weights give a net input of 2 at (1, 0), labelled 0: "
                          "the unit outputs 1 there")
    r = check_design(separable, {"b.weights": [0, -1, 1]})
    assert not r.ok and "at (0, 0), labelled 1" in r.feedback and "> 0" in r.feedback
    # with x3 = x1 x2 the XNOR points separate
    assert check_design(separable, {"d.weights": [-0.5, 1, 1, -3]}).ok is False
    assert check_design(separable, {"d.weights": [0.5, -1, -1, 3]}).ok
    r = check_design(separable, {"d.weights": [0.5, -1, -1]})
    assert not r.ok and r.feedback.startswith("d.weights must have 4 numbers")


def test_none_is_right_only_when_no_weights_exist(solved):
    s = solved("separability", X="[[0,0],[1,1],[1,0],[0,1]]", z="[0,0,1,1]")
    assert s.answers["b.weights"].value == "none"
    assert check_design(s, {"b.weights": "none"}).ok
    r = check_design(s, {"b.weights": [0, 1, 1]})
    assert not r.ok and r.feedback.endswith("no weights can separate these points")
    ok = solved("separability")
    assert not check_design(ok, {"b.weights": "none"}).ok


# -- a convolution reproducing a pooling ------------------------------------------------------

def test_filter_designs(pooling):
    quarter = [[R(1, 4)] * 2] * 2
    assert check_design(pooling, {"d.filter": quarter, "d.stride": 2, "d.padding": 0}).ok
    assert check_design(pooling, {"d.filter": [[0.25, 0.25], [0.25, 0.25]],
                                  "d.stride": sp.Integer(2), "d.padding": sp.Integer(0)}).ok
    r = check_design(pooling, {"d.filter": [[1, 1], [1, 1]], "d.stride": 2, "d.padding": 0})
    assert not r.ok
    assert r.feedback == ("with your filter, stride 2 and padding 0 entry (0, 0) of the "
                          "output is 71, not 17.75")
    r = check_design(pooling, {"d.filter": quarter, "d.stride": 1, "d.padding": 0})
    assert not r.ok and r.feedback == ("with your filter, stride 1 and padding 0 the output "
                                       "is 3×3; it must be 2×2")
    r = check_design(pooling, {"d.filter": quarter, "d.stride": R(4, 3), "d.padding": 0})
    assert not r.ok and r.feedback == "a stride must be a whole number ≥ 1; yours is 4/3"
    r = check_design(pooling, {"d.filter": [[0.25] * 3] * 3, "d.stride": 2, "d.padding": 0})
    assert not r.ok and r.feedback == "d.filter must be 2×2; yours is 3×3"


def test_a_spec_with_an_unknown_property_names_the_field(tmp_path):
    spec = tmp_path / "g.yaml"
    spec.write_text("""
id: g
answers:
  a.w: {kind: design, shape: [1, 3], property: xand}
parts:
  a: {derive: [{use: threshold-design, answer: a.w}]}
""")
    with pytest.raises(SpecError) as e:
        derive.load(str(spec)).solve()
    assert e.value.field == "answers.a.w.property"
    assert "unknown property 'xand' (expected one of: and, or, nand, nor, xor, xnor" in str(
        e.value)


def test_a_17th_problem_reuses_the_properties_by_yaml_only(tmp_path):
    spec = tmp_path / "nand3.yaml"
    spec.write_text("""
id: nand3
answers:
  a.w: {kind: design, shape: [1, 4], property: nand, inputs: 3, bias: first}
  b.hidden: {kind: design, shape: [2, 4], property: gate, truth: [0, 1, 0, 0, 0, 0, 0, 1],
             inputs: 3, together: [b.hidden, b.out]}
  b.out: {kind: design, shape: [1, 3], together: [b.hidden, b.out]}
parts:
  a: {derive: [{use: threshold-design, answer: a.w}]}
  b: {derive: [{use: threshold-design, answer: b.hidden}]}
""")
    s = derive.load(str(spec)).solve()
    assert s.verified
    assert check_design(s, {"a.w": [3, -1, -1, -1]}).ok            # bias first
    r = check_design(s, {"a.w": [3.5, -1, -1, -1]})
    assert not r.ok and r.feedback.startswith("your unit outputs 1 for A=1, B=1, C=1; NAND")
    assert s.answers["b.hidden"].value.shape == (2, 4)
    # one unit per row that outputs 1 (001 and 111), combined by OR
    assert check_design(s, {"b.hidden": [[-1, -1, 1, -0.5], [1, 1, 1, -2.5]],
                            "b.out": [1, 1, -0.5]}).ok
    assert not check_design(s, {"b.hidden": [[-1, -1, 1, -0.5], [1, 1, 1, -2.5]],
                                "b.out": [1, 1, -1.5]}).ok


def test_a_gate_the_construction_cannot_build_is_a_spec_error(tmp_path):
    spec = tmp_path / "parity3.yaml"
    spec.write_text("""
id: parity3
answers:
  a.hidden: {kind: design, shape: [2, 4], property: xor, inputs: 3, together: [a.hidden, a.out]}
  a.out: {kind: design, shape: [1, 3], together: [a.hidden, a.out]}
parts:
  a: {derive: [{use: threshold-design, answer: a.hidden}]}
""")
    with pytest.raises(SpecError) as e:
        derive.load(str(spec)).solve()
    assert e.value.field == "parts.a.derive[0].answer"
    assert "2 hidden units cannot single out 4 input rows" in e.value.message
