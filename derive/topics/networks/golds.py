"""A derived value handed to the oracle as a callable that evaluates it (the adapters of
``blocks_gradients``), with the scalar names a formula may hold besides sizes (λ)."""

from __future__ import annotations

from typing import Any

import numpy as np

from derive.topics.networks.layers import Loss, Network
from derive.topics.networks.matrix_calculus import explicit, to_numpy
from derive.topics.networks.oracle import ContractGold, Gold


def net_scalars(net: Network) -> dict[Any, Any]:
    """The scalar names a derived formula may hold besides sizes (a penalty's λ), with
    their exact values."""
    end = net.end
    pens = end.penalties if isinstance(end, Loss) else ()
    return {s: v for pen in pens for s, v in pen.scalars}


def numeric_gold(value: Any, scalars: dict[Any, Any] | None = None) -> Gold:
    """``value`` evaluated in float64 at named values and sizes (for the oracle)."""
    floats = {s: float(v) for s, v in (scalars or {}).items()}
    return lambda named, sizes: to_numpy(value, named, {**sizes, **floats})


def contract_gold(value: Any, scalars: dict[Any, Any] | None = None) -> ContractGold:
    """``value`` evaluated by the gold contract at explicit matrices (for the oracle)."""
    return lambda contract: np.array(explicit(value, {**contract, **(scalars or {})})
                                     .evalf(20).tolist(), dtype=float)
