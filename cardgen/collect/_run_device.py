"""Pick the torch device, dtype and batch size for `cardgen run` and `cardgen probe`.

It imports torch lazily and checks what the user asked for; it loads no model and reads no data.
"""

from __future__ import annotations

import importlib
import platform
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..errors import CardgenError

ML_EXTRA_HINT = "pip install 'cardgen[ml]'"

DTYPES = ("auto", "float32", "bfloat16", "float16")
"""Values accepted by `--dtype`."""

CPU_BATCH_SIZE = 32
"""Batch size on CPU and MPS when `--batch-size` is not given."""

GPU_BATCH_SIZE = 256
"""First batch size tried on CUDA when `--batch-size` is not given; halved on out-of-memory."""


def _import_ml(name: str) -> Any:
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        raise CardgenError(f"{name} is not installed; {ML_EXTRA_HINT}") from exc


def import_torch() -> Any:
    """Import torch, or explain how to install the `ml` extra.

    Raises:
        CardgenError: when torch is not installed.
    """
    return _import_ml("torch")


def import_transformers() -> Any:
    """Import transformers, or explain how to install the `ml` extra.

    Raises:
        CardgenError: when transformers is not installed.
    """
    return _import_ml("transformers")


@dataclass(frozen=True)
class Placement:
    """Where and how a model runs: the torch device, its human name, the dtype."""

    device: Any
    """The `torch.device`."""
    name: str
    """Human-readable device name, e.g. `NVIDIA H100 80GB HBM3` or `cpu (x86_64)`."""
    dtype: Any
    """The `torch.dtype` the model's weights are cast to."""

    @property
    def dtype_name(self) -> str:
        """The dtype as `--dtype` spells it, e.g. `bfloat16`."""
        return str(self.dtype).removeprefix("torch.")

    @property
    def is_cuda(self) -> bool:
        """True on a CUDA GPU."""
        return bool(self.device.type == "cuda")


def resolve_device(spec: str) -> tuple[Any, str]:
    """The torch device for `--device` and its human-readable name.

    `auto` picks the first CUDA GPU when `torch.cuda.is_available()`, else the CPU (MPS is
    used only when asked for, because some kernels still differ there).

    Args:
        spec: `auto`, `cpu`, `cuda`, `cuda:N` or `mps`.

    Returns:
        The `torch.device` and its name.

    Raises:
        CardgenError: for an unknown spec, or a device that is not available.
    """
    torch = import_torch()
    spec = spec.strip().lower()
    if spec == "auto":
        spec = "cuda" if torch.cuda.is_available() else "cpu"
    if spec == "cpu":
        return torch.device("cpu"), f"cpu ({platform.machine() or 'unknown'})"
    match = re.fullmatch(r"cuda(?::(\d+))?", spec)
    if match:
        if not torch.cuda.is_available():
            raise CardgenError(
                "CUDA requested but no GPU is available "
                "(torch.cuda.is_available() is False); use --device cpu or auto"
            )
        index = int(match[1] or 0)
        count = torch.cuda.device_count()
        if index >= count:
            raise CardgenError(
                f"--device {spec}: only {count} CUDA "
                f"{'device is' if count == 1 else 'devices are'} visible "
                f"(cuda:0 to cuda:{count - 1})"
            )
        return torch.device("cuda", index), torch.cuda.get_device_name(index)
    if spec == "mps":
        if not torch.backends.mps.is_available():
            raise CardgenError(
                "MPS requested but it is not available "
                "(torch.backends.mps.is_available() is False); "
                "use --device cpu or auto"
            )
        return torch.device("mps"), "Apple MPS"
    raise CardgenError(f"unknown --device {spec!r}; use auto, cpu, cuda, cuda:N or mps")


def resolve_dtype(spec: str, device: Any) -> Any:
    """The torch dtype for `--dtype` on `device`.

    `auto` is bfloat16 on a CUDA GPU that supports it (numerically safe for inference, and
    twice the throughput of float32), float32 everywhere else.

    Raises:
        CardgenError: for an unknown dtype, or float16/bfloat16 where the device lacks it.
    """
    torch = import_torch()
    if spec not in DTYPES:
        raise CardgenError(f"unknown --dtype {spec!r}; use {', '.join(DTYPES)}")
    if spec == "auto":
        if device.type == "cuda" and torch.cuda.is_bf16_supported():
            return torch.bfloat16
        return torch.float32
    if spec == "float16" and device.type == "cpu":
        raise CardgenError("--dtype float16 is not supported on the CPU; use float32 or bfloat16")
    return getattr(torch, spec)


def placement(device: str, dtype: str) -> Placement:
    """Resolve `--device` and `--dtype` together (see `resolve_device`, `resolve_dtype`)."""
    torch_device, name = resolve_device(device)
    return Placement(torch_device, name, resolve_dtype(dtype, torch_device))


def default_batch_size(where: Placement, requested: int | None) -> tuple[int, bool]:
    """The batch size to start with, and whether it may shrink on out-of-memory.

    Returns:
        `(requested, False)` when given; else `(GPU_BATCH_SIZE, True)` on CUDA and
        `(CPU_BATCH_SIZE, False)` elsewhere.

    Raises:
        CardgenError: when `requested` is below 1.
    """
    if requested is not None:
        if requested < 1:
            raise CardgenError(f"--batch-size must be at least 1, got {requested}")
        return requested, False
    if where.is_cuda:
        return GPU_BATCH_SIZE, True
    return CPU_BATCH_SIZE, False


def is_out_of_memory(exc: BaseException) -> bool:
    """True for a CUDA out-of-memory error (the batch can be retried smaller)."""
    torch = import_torch()
    return isinstance(exc, torch.cuda.OutOfMemoryError) or "out of memory" in str(exc)


def run_in_batches(
    pending: list[Any], size: int, adaptive: bool, step: Callable[[Any], None]
) -> int:
    """Call `step` on each batch of row indices, in order.

    With `adaptive` (CUDA and no batch size given), a batch that runs out of GPU memory
    is retried with the rest of the rows at half the size; any other error propagates.

    Returns:
        The batch size in use at the end.
    """
    import numpy as np

    torch = import_torch()
    while pending:
        rows = pending.pop(0)
        try:
            step(rows)
        except RuntimeError as exc:
            if not (adaptive and size > 1 and is_out_of_memory(exc)):
                raise
            torch.cuda.empty_cache()
            size //= 2
            remaining = np.concatenate([rows, *pending])
            pending = [remaining[i : i + size] for i in range(0, len(remaining), size)]
    return size
