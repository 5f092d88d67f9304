"""Marking students' hand answers against the derivations (``derive check``).

One folder per stage, in the order an answer goes through them:

- ``read/`` — LaTeX answer text -> SymPy value behind limits; ``parse.parse_answer``.
- ``judge/`` — one answer against its gold by kind (``equivalence.judge``), diagnoses.
- ``mark/`` — answer files, the ``Marker`` (every asked answer once per file, follow-
  through), batch workers with time and memory limits, atomic writes.
- ``report/`` — terminal, JSON, CSV, Gradescope, feedback documents.

``results.py`` holds the plain data the stages share; ``template.py`` makes answer
sheets; ``command.py`` is what ``derive check`` / ``derive template`` do.
"""
