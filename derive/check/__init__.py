"""Marking students' hand answers against the derivations (``derive check``).

Layout (one idea per module):

- ``parse.py`` — LaTeX answer text -> SymPy value, behind limits (length, brace depth),
  never ``eval``/raw ``sympify``. ``parse_answer(text, kind, config)``; ``ParseError``.
- ``equivalence.py`` — one answer judged by its kind: ``judge(gold, spec, text, config)``
  -> ``Judgement`` (correct / incorrect / unparsable, the parsed value, feedback).
- the rest (answer files, follow-through, diagnoses, reports, batches, the CLI) builds
  on those two functions.
"""
