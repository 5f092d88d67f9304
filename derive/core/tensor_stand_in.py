"""SymPy's tensor module, loaded in the program only when something uses a tensor.

SymPy's ``Add.flatten`` runs ``from sympy.tensor.tensor import TensExpr, TensAdd``
each time it adds terms, only to ask whether a term is a tensor expression. The first
time, that imports the tensor module and SymPy's permutation groups with it: 30–45 ms of
CPU, a tenth of ``import sympy``, in a process where no tensor ever exists (derive
builds none). In derive's own program (``lifetime.program_started``; never in a host
process such as a notebook or a test runner, whose modules are the host's) the module's
entry is a stand-in until something asks it for another name:

- ``TensExpr`` and ``TensAdd`` are classes nothing is an instance of while the real
  module is not loaded (a tensor cannot exist before it is); once it is, they answer
  as the real classes do, and calling one calls the real class;
- any other name loads the real module, which then replaces the stand-in in
  ``sys.modules`` (and as ``sympy.tensor.tensor``), so later imports get the real one.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import Any

_NAME = "sympy.tensor.tensor"


def install() -> None:
    """Put the stand-in in ``sys.modules`` unless the real module is there already."""
    if _NAME not in sys.modules:
        sys.modules[_NAME] = _StandIn(_NAME, __doc__)


def real_module() -> types.ModuleType:
    """The real ``sympy.tensor.tensor``, imported now if only the stand-in was there."""
    module = sys.modules.get(_NAME)
    if module is None or isinstance(module, _StandIn):
        sys.modules.pop(_NAME, None)
        module = importlib.import_module(_NAME)  # sets sympy.tensor.tensor as well
    return module


class _StandIn(types.ModuleType):
    def __getattr__(self, name: str) -> Any:  # a name the stand-in does not have
        if name.startswith("__"):  # importlib's and pickle's probes: not a use
            raise AttributeError(name)
        return getattr(real_module(), name)


class _Forwarding(type):
    """A stand-in class: an instance check is False until the real module is loaded,
    then the real class's; a call is the real class's."""

    def __instancecheck__(cls, obj: object) -> bool:
        module = sys.modules.get(_NAME)
        if module is None or isinstance(module, _StandIn):
            return False
        return isinstance(obj, getattr(module, cls.__name__))

    def __call__(cls, *args: Any, **kwargs: Any) -> Any:
        return getattr(real_module(), cls.__name__)(*args, **kwargs)


class TensExpr(metaclass=_Forwarding):
    pass


class TensAdd(metaclass=_Forwarding):
    pass


_StandIn.TensExpr = TensExpr  # type: ignore[attr-defined]
_StandIn.TensAdd = TensAdd  # type: ignore[attr-defined]
