"""The one chooser: which model and device a request means, from a catalogue name or from numbers.

The CLI's flags and the API's query parameters are the same choices spelled two ways. Resolving them
here means both accept and refuse the same combinations with the same words; `spell` only renders a
parameter's name the way that caller's user typed it (`--memory-gb` on the command line,
`memory_gb` over HTTP).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from planwright.sizing.catalogue import DEFAULT_DEVICE, DEFAULT_MODEL, get_device, get_model
from planwright.sizing.specs import DeviceSpec, ModelSpec

Spell = Callable[[str], str]


def as_query_parameter(name: str) -> str:
    """Parameter names as the API and Python callers write them (`memory_gb`)."""
    return name


def as_cli_flag(name: str) -> str:
    """Parameter names as `planwright sizing` spells its flags (`--memory-gb`)."""
    return "--" + name.replace("_", "-")


def custom_model(
    params: float,
    *,
    layers: int | None = None,
    hidden: int | None = None,
    heads: int | None = None,
    kv_heads: int | None = None,
    head_dim: int | None = None,
    vocab: int | None = None,
    max_context: int | None = None,
    name: str = "custom",
) -> ModelSpec:
    """A model given by its numbers. head size defaults to hidden / heads, KV heads to heads (no GQA).

    Without layers and a head size the KV cache cannot be computed and is left out (the result says so).
    """
    if params <= 0:
        raise ValueError("params must be positive")
    if head_dim is None and hidden and heads:
        head_dim = hidden // heads
    if kv_heads is None:
        kv_heads = heads
    return ModelSpec(
        name=name, display=name, params=float(params), layers=layers, hidden=hidden, heads=heads,
        kv_heads=kv_heads, head_dim=head_dim, vocab=vocab, max_context=max_context,
    )


def custom_device(
    memory_gb: float, bandwidth_gbs: float, tflops: float | None = None, name: str = "custom"
) -> DeviceSpec:
    """A device given by its numbers; one TFLOPS figure is used for every precision (None: not modelled)."""
    if memory_gb <= 0 or bandwidth_gbs <= 0:
        raise ValueError("memory_gb and bandwidth_gbs must be positive")
    peaks = {} if tflops is None else {"fp32": tflops, "bf16": tflops, "fp16": tflops}
    return DeviceSpec(name=name, display=name, memory_gb=memory_gb, bandwidth_gbs=bandwidth_gbs,
                      tflops=peaks, usable_fraction=1.0)


def choose_model(
    model: str | None = None,
    *,
    params: float | None = None,
    layers: int | None = None,
    hidden: int | None = None,
    heads: int | None = None,
    kv_heads: int | None = None,
    head_dim: int | None = None,
    spell: Spell = as_query_parameter,
) -> ModelSpec:
    """A catalogue model by name (the default if none), or a custom one when `params` is given.

    The shape numbers only describe a custom model; a catalogue model brings its own.
    """
    if params is None:
        return get_model(model or DEFAULT_MODEL)
    if model is not None:
        raise ValueError(f"give either {spell('model')} or {spell('params')}, not both")
    return custom_model(params, layers=layers, hidden=hidden, heads=heads, kv_heads=kv_heads,
                        head_dim=head_dim)


def choose_device(
    device: str | None = None,
    *,
    memory_gb: float | None = None,
    bandwidth_gbs: float | None = None,
    tflops: float | None = None,
    spell: Spell = as_query_parameter,
) -> DeviceSpec:
    """A catalogue device by name (the default if none), or a custom one from memory and bandwidth.

    `tflops` with a catalogue device replaces its peaks (one figure for every precision), so a
    reader can ask "what if this card reached only N TFLOPS".
    """
    if memory_gb is None and bandwidth_gbs is None:
        chosen = get_device(device or DEFAULT_DEVICE)
        if tflops is None:
            return chosen
        return replace(chosen, tflops=dict.fromkeys(("fp32", "bf16", "fp16"), tflops))
    if device is not None:
        raise ValueError(
            f"give either {spell('device')} or {spell('memory_gb')} + {spell('bandwidth_gbs')}, not both"
        )
    if memory_gb is None or bandwidth_gbs is None:
        raise ValueError(f"a custom device needs both {spell('memory_gb')} and {spell('bandwidth_gbs')}")
    return custom_device(memory_gb, bandwidth_gbs, tflops)
