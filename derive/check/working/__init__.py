"""The working behind an answer: a student's chain of relations, checked step by step.

``check_working(problem, answer_id, text, right, own)`` reads the chain (``lines``,
``labels``), gives its names their meaning (``scope``), judges every step (``compare``,
``chain``) and says what went wrong at a wrong step (``diagnose``). The result
(``model.WorkingResult``) carries each step's verdict and the first wrong step.
"""

from derive.check.working.chain import check_working as check_working
from derive.check.working.model import StepResult as StepResult
from derive.check.working.model import WorkingResult as WorkingResult
