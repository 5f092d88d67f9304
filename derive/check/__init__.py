"""Marking students' hand answers against the derivations (``derive check``).

Layout (one idea per module):

- ``parse.py`` — LaTeX answer text -> SymPy value, behind limits (length, brace depth),
  never ``eval``/raw ``sympify``. ``parse_answer(text, kind, config)``; ``ParseError``.
- ``equivalence.py`` — one answer judged by its kind: ``judge(gold, spec, text, config)``
  -> ``Judgement`` (correct / incorrect / unparsable, the parsed value, feedback).
- the rest builds on those two functions:

  - ``answers.py`` — answer files (YAML; LaTeX with ``\\answer{problem/id}{…}``).
  - ``marking.py`` — ``Marker``: every asked answer once per file, problems solved once
    per process, judgements cached; ``followthrough.py`` — which answers to pin and how;
    ``diagnoses.py`` — the catalogue of mistakes and the spec's ``mistakes:``.
  - ``results.py`` — ``Result``/``Marked`` (plain data); ``report.py`` — terminal, JSON,
    CSV, Gradescope; ``feedback.py`` — LaTeX/PDF feedback documents.
  - ``batch.py`` — worker processes with time and memory limits, deterministic order.
  - ``template.py`` + ``derive-answers.sty`` — answer sheets; ``command.py`` — what
    ``derive check`` / ``derive template`` do; ``files.py`` — atomic writes.
"""
