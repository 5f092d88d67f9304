"""``derive sheet``: the document, its line index, compiling it, and what the PDF says."""

import math
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import sympy as sp
from sheetkit import CONV_INPUT, CONV_KERNEL, conv2d, kinds_solution, padded
from testkit import run_cli, run_process, sigmoid

from derive.core.spec import problem_paths
from derive.render.decimals import number_tex
from derive.render.latex import Block
from derive.render.sheet import assemble, sheet_of, write_atomic
from derive.render.tex_compile import LatexError, compile_pdf

needs_tex = pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex not installed")
needs_poppler = pytest.mark.skipif(shutil.which("pdftotext") is None,
                                   reason="pdftotext not installed")
#: overfull lines tolerated in the whole sheet, and how far one may stick out
MAX_OVERFULL, MAX_OVERFULL_PT = 3, 20.0


def pdf_text(pdf: Path) -> str:
    out = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                         text=True, check=True).stdout
    return out.replace("\u2212", "-")  # TeX's minus sign


def line_of(text: str, needle: str) -> int:
    return text[:text.index(needle)].count("\n") + 1


# -- the document ------------------------------------------------------------------------
def test_sheet_is_one_complete_document_indexed_by_problem_and_part():
    blocks = [Block("p1", "% p1 head"), Block("p1, part (a)", "% p1 a\nline two"),
              Block("p2, part (b)", "% p2 b")]
    sheet = assemble(blocks, problems=("p1", "p2"))
    assert sheet.text.split("\n", 1)[1].startswith("\\documentclass")
    assert sheet.text.rstrip().endswith("\\end{document}")
    assert sheet.where(line_of(sheet.text, "line two")) == "p1, part (a)"
    assert sheet.where(line_of(sheet.text, "% p2 b")) == "p2, part (b)"
    assert sheet.where(line_of(sheet.text, "\\usepackage{amsmath")) == "preamble"


def test_only_a_document_with_pictures_loads_the_picture_packages():
    """TikZ and pgfplots take half the time of compiling a short document (a student's
    questions): a document without a picture goes without them."""
    plain = assemble([Block("p1", "$x^2$")]).text
    drawn = assemble([Block("p1", "\\begin{tikzpicture}\\draw (0,0) -- (1,1);"
                                  "\\end{tikzpicture}")]).text
    assert "pgfplots" not in plain and "\\usepackage{amsmath" in plain
    assert "\\usepackage{tikz,pgfplots}" in drawn


def test_write_atomic_replaces_and_leaves_no_temporary_files(tmp_path):
    target = tmp_path / "new" / "dir" / "x.tex"
    write_atomic(target, "one")
    write_atomic(target, "two")
    assert target.read_text() == "two"
    assert sorted(p.name for p in target.parent.iterdir()) == ["x.tex"]


def test_cli_writes_the_tex_without_compiling(tmp_path):
    out = tmp_path / "sheet.tex"
    r = run_cli("sheet", "gelu-descent", "-o", str(out))
    assert r.returncode == 0, r.stderr
    assert r.stdout == f"wrote {out} (1 problem)\n"
    text = out.read_text()
    assert "\\begin{document}" in text and "Gradient descent on GELU" in text
    assert not out.with_suffix(".pdf").exists()


def test_cli_unknown_problem_is_a_usage_error(tmp_path):
    r = run_cli("sheet", "gelu-desent", "-o", str(tmp_path / "x.tex"))
    assert r.returncode == 2
    assert "did you mean 'gelu-descent'" in r.stderr and "Traceback" not in r.stderr
    assert not (tmp_path / "x.tex").exists()


def test_pdf_without_tex_says_how_to_install_it_and_still_writes_the_tex(tmp_path):
    out = tmp_path / "sheet.tex"
    r = run_cli("sheet", "gelu-descent", "-o", str(out), "--pdf", env={"PATH": str(tmp_path)})
    assert r.returncode == 1
    assert r.stderr.count("\n") == 1
    assert "apt-get install texlive-latex-base texlive-latex-recommended " \
           "texlive-pictures" in r.stderr
    assert out.exists() and not out.with_suffix(".pdf").exists()


# -- compiling ---------------------------------------------------------------------------
@needs_tex
@needs_poppler
def test_a_document_is_compiled_as_many_times_as_it_needs(tmp_path):
    """One pdflatex pass for a document without a table of contents (latexmk ran two for
    every handout, as its .aux was new); with one, two: the contents pages are numbered
    apart (i, ii), so the first pass's page numbers are final, and each section is listed
    with the page number printed on its page."""
    one = tmp_path / "one.tex"
    write_atomic(one, assemble([Block("p1", "\\section{Only}\nText.")]).text)
    assert compile_pdf(one).passes == 1
    sections = [Block(f"p{i}", f"\\section{{Part{i}}}\n" + "Filler text. " * 400)
                for i in range(1, 5)]
    toc = tmp_path / "toc.tex"
    write_atomic(toc, assemble(sections, problems=("p1", "p2", "p3", "p4")).text)
    result = compile_pdf(toc)
    assert result.passes == 2
    pages = subprocess.run(["pdftotext", "-layout", str(result.pdf), "-"], capture_output=True,
                           text=True, check=True).stdout.split("\f")
    listed = {m[0]: m[1] for m in re.findall(r"(Part\d)\D+?(\d+)\s*$", pages[0], re.M)}
    printed = {f"Part{i}": next(page.split()[-1] for page in pages
                                if re.search(rf"^\s*{i}\s+Part{i}\s*$", page, re.M))
               for i in range(1, 5)}
    assert listed == printed and printed["Part1"] == "1" and len(set(printed.values())) == 4
    assert pages[0].split()[-1] == "i"  # the contents' own page


@needs_tex
def test_a_latex_error_names_its_line_and_problem_not_a_wall_of_log(tmp_path):
    good = Block("fine-problem", "All is well: $x^2$.")
    bad = Block("broken-problem, part (b)", "Some text.\n\n$x = \\notacommand{1}$\n")
    sheet = assemble([good, bad, Block("later-problem", "After.")])
    tex = tmp_path / "broken.tex"
    write_atomic(tex, sheet.text)
    with pytest.raises(LatexError) as e:
        compile_pdf(tex, sheet)
    msg = str(e.value)
    line = line_of(sheet.text, "\\notacommand")
    assert msg.startswith(f"LaTeX error in {tex} line {line} (broken-problem, part (b)): "
                          "Undefined control sequence")
    assert "\\notacommand" in msg
    assert msg.count("\n") == 0 and len(msg) < 300
    assert not tex.with_suffix(".pdf").exists()


@pytest.fixture(scope="module")
def main_job(tmp_path_factory: pytest.TempPathFactory):
    """The main job as a new user runs it, once for the module (compiling the whole set is
    the suite's longest step): `derive sheet --pdf` in a fresh process and an empty
    folder -> output/solutions.pdf of every problem."""
    if shutil.which("pdflatex") is None or shutil.which("pdftotext") is None:
        pytest.skip("needs pdflatex and pdftotext")
    folder = tmp_path_factory.mktemp("new-user")
    r = run_process("sheet", "--pdf", cwd=folder)
    assert r.returncode == 0, r.stderr
    return folder, r, pdf_text(folder / "output" / "solutions.pdf")


_WROTE_PDF = re.compile(r"^wrote output/solutions\.pdf \((\d+) pages, compiled in [\d.]+ s\)$",
                        re.M)
_OVERFULL_NOTE = re.compile(r"^note: (\d+) line\(s\) wider than the page \(largest "
                            r"([\d.]+)pt\)", re.M)


@needs_tex
@needs_poppler
def test_the_whole_problem_set_compiles_cleanly_and_shows_its_answers(main_job, solved):
    _, r, text = main_job
    assert f"wrote output/solutions.tex ({len(problem_paths())} problems)" in r.stdout
    pages = _WROTE_PDF.search(r.stdout)
    assert pages and int(pages[1]) >= 1, r.stdout
    # no overfull-box flood: a few slightly wide lines at most (stderr is nothing but
    # make_sheet's note of how many and the widest, and no note is none)
    assert r.stderr.count("\n") <= 1, r.stderr
    if r.stderr:
        note = _OVERFULL_NOTE.match(r.stderr)
        assert note, r.stderr
        assert int(note[1]) <= MAX_OVERFULL, r.stderr
        assert float(note[2]) < MAX_OVERFULL_PT, r.stderr
    for pid in problem_paths():
        s = solved(pid)
        assert s.problem.title.split()[0] in text
        numbers = [a for a in s.answers.values()
                   if a.kind == "number" and "\\" not in number_tex(a.value)]
        if numbers:
            assert number_tex(numbers[0].value) in text, (pid, numbers[0].id)
    for pid, value in key_answers().items():
        shown = value if isinstance(value, str) else f"{value:.6g}"
        assert shown in text, (pid, shown)


def key_answers() -> dict[str, float | str]:
    """One key answer per problem, computed here with plain math/numpy (not derive)."""
    import numpy as np

    def softmax(z: np.ndarray) -> np.ndarray:
        e = np.exp(z - z.max())
        return e / e.sum()

    x = np.array([1.0, 2.0])
    a = 1 / (1 + np.exp(-(x @ np.array([[0.1, 0.2], [0.3, 0.4]]))))
    o = softmax(a @ np.array([[0.5, -0.5], [0.2, 0.1]]))
    h1, h2 = 0.7 * -0.3 + 0.5 * 0.15 + 0.9, 0.7 * 0.8 + 0.5 * 0.2 - 0.14
    c = sigmoid(0.4 * 1.5 - 0.2)
    wa = np.array([[0.2, -0.1, 0.4], [0.5, 0.3, -0.2]])
    wb = np.array([[1.0, -0.5], [0.25, 0.75]])
    xa = np.array([1.0, -1.0, 0.5])
    ha = np.tanh(wa @ xa)
    sb = 1 / (1 + np.exp(-(wb @ ha)))
    jx = np.diag(sb * (1 - sb)) @ wb @ np.diag(1 - ha ** 2) @ wa
    y5 = sigmoid(-5.0)
    return {
        "gelu-descent": _gelu_x3(),
        "logic-gates": "XOR",
        "softmax-backprop": -math.log(o[1]),
        "cnn-padding-pooling": 15.5,
        "tanh-derivative": "tanh",
        "mlp-forward-backward": 0.7 * h1 + 0.25 * h2 - 0.1,
        "conv-layer-shapes": (5 * 5 * 3 + 1) * 10,
        "softmax-shift": float(softmax(np.array([1.0, 2.0, 3.0]))[0]),
        "perceptron-bce": -math.log(sigmoid(2 * 0.2 + 1 * 0.3 + 0.1)),
        "conv-valid": "3 × 3",
        "cnn-architecture": 456 + 550 + 160 * 10 + 10,
        "conv-sigmoid-backprop": sigmoid(0.7 * c + 0.1),
        "separability": "c.separable no",  # (0,0),(1,1) vs (1,0),(0,1): the XOR pattern
        "jacobian-chain": float(jx[0, 0]),
        "loss-gradients": (y5 - 1) * y5 * (1 - y5),
        "rnn-vanishing": math.tanh(1.0),
    }


def _gelu_x3(x: float = 0.0, eta: float = 0.1, alpha: float = 1.702) -> float:
    for _ in range(3):
        s = sigmoid(alpha * x)
        x -= eta * (s + alpha * x * s * (1 - s))  # f'(x) by the product rule, by hand
    return x


@needs_tex
@needs_poppler
def test_new_user_gets_output_solutions_pdf_with_the_right_numbers(main_job):
    folder, r, text = main_job
    pdf = folder / "output" / "solutions.pdf"
    assert pdf.exists() and (folder / "output" / "solutions.tex").exists()
    assert "wrote output/solutions.pdf" in r.stdout
    x3 = _gelu_x3()
    assert math.isclose(x3, -0.13763771842581057, rel_tol=1e-12)
    assert f"{x3:.6g}" in text  # -0.137638, computed here without derive
    assert f"{_gelu_x3(eta=1.0):.6g}" in text  # part b's x3
    assert "momentum" in text
    assert sorted(p.name for p in folder.iterdir()) == ["output"]
    assert sorted(p.name for p in (folder / "output").iterdir()) == [
        "solutions.pdf", "solutions.tex"]  # the build happened elsewhere


@needs_tex
@needs_poppler
def test_every_kind_and_figure_compiles_and_reads_back(tmp_path):
    sheet = sheet_of([kinds_solution()])
    tex = tmp_path / "kinds.tex"
    write_atomic(tex, sheet.text)
    result = compile_pdf(tex, sheet)
    assert len(result.overfull) <= MAX_OVERFULL, result.overfull
    text = pdf_text(result.pdf)
    assert "9 × 9 × 6" in text and "N × 10" in text
    assert "one valid choice" in text
    # the product xW, computed by hand: [1, -2] [[0.5, -1, 2], [0.25, 3, -0.125]]
    z = [1 * 0.5 - 2 * 0.25, 1 * -1 - 2 * 3, 1 * 2 - 2 * -0.125]
    assert all(f"{v:g}" in text for v in z)
    # the conv-window picture shows the output computed by plain loops
    out = conv2d(padded(CONV_INPUT, 1), [[float(c) for c in r] for r in CONV_KERNEL], 2)
    assert all(f"{v:g}" in text for row in out for v in row)
    assert "kernel" in text and "input" in text and "output" in text
    assert tex.read_text().count("\\begin{tikzpicture}") == 2  # network and conv window


def test_figures_with_missing_data_are_reported_by_kind():
    from derive.render.figures import FigureError, figure_tex

    with pytest.raises(FigureError, match="conv-window figure: missing data kernel"):
        figure_tex("conv-window", {"input": sp.Matrix([[1]]), "position": (0, 0),
                                   "output": sp.Matrix([[1]])})
    with pytest.raises(FigureError, match="unknown kind 'histogram'"):
        figure_tex("histogram", {})


def test_a_title_of_capitals_gets_a_break_before_its_id(tmp_path):
    """QA: "Learning NAND with the perceptron rule, and XOR" was estimated to fit beside
    its id and ran into it ("XORnand-perceptron"); capitals count wider now, so the id
    may go to its own line (the signature trick's \\penalty50), as for any long title."""
    import yaml

    from derive.core.spec import load_problem
    from derive.render.latex import problem_blocks

    spec = {"id": "nand-perceptron", "title": "Learning NAND with the perceptron rule, and XOR",
            "givens": {"a": 2}, "answers": {"a.y": "number"},
            "parts": {"a": {"derive": [{"use": "evaluate", "answer": "a.y", "expr": "a + 1"}]}}}
    path = tmp_path / "nand-perceptron.yaml"
    path.write_text(yaml.safe_dump(spec), encoding="utf-8")
    head = problem_blocks(load_problem(path).solve())[0].tex.splitlines()[0]
    assert r"\penalty50" in head and head.endswith("nand-perceptron}}")
