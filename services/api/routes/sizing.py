"""Sizing routes: memory and decode speed of a model on a device, and the study's Table 1 checked.

The route only parses and validates; which model and device the query means is decided by the same
chooser the CLI uses (`planwright.sizing.choose`), and the arithmetic lives in `planwright.sizing`,
so the CLI and the API cannot disagree.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict

from planwright.sizing import (
    DEFAULT_BANDWIDTH_EFFICIENCY,
    DEFAULT_COMPUTE_EFFICIENCY,
    DEVICES,
    FORMAT_BITS,
    MODELS,
    check_against_measurement,
    choose_device,
    choose_model,
    compare_with_study,
    size,
)

router = APIRouter(prefix="/api/v1", tags=["sizing"])


class _FromAttributes(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class ModelSpecPublic(_FromAttributes):
    name: str
    display: str
    params: float
    active_params: float
    layers: int | None
    hidden: int | None
    heads: int | None
    kv_heads: int | None
    head_dim: int | None
    vocab: int | None
    max_context: int | None
    mla_kv_dim: int | None
    kv_elements_per_token: int | None
    notes: str


class DevicePublic(_FromAttributes):
    name: str
    display: str
    memory_gb: float
    usable_memory_gb: float
    bandwidth_gbs: float
    tflops: dict[str, float]
    notes: str


class MemoryPublic(_FromAttributes):
    weights_gb: float
    kv_cache_gb: float
    overhead_gb: float
    total_gb: float


class SpeedPublic(_FromAttributes):
    tokens_per_s_per_sequence: float
    tokens_per_s_aggregate: float
    bound: Literal["bandwidth", "compute"]
    step_ms: float
    bytes_per_step_gb: float
    gflops_per_step: float
    bandwidth_bound_tokens_per_s: float
    compute_bound_tokens_per_s: float | None


class RecommendationPublic(_FromAttributes):
    model: str
    display: str
    format: str
    total_gb: float
    tokens_per_s_per_sequence: float
    tokens_per_s_aggregate: float
    bound: Literal["bandwidth", "compute"]


class SizingPublic(_FromAttributes):
    model: ModelSpecPublic
    device: DevicePublic
    format: str
    context: int
    batch: int
    memory: MemoryPublic
    speed: SpeedPublic
    fits: bool
    usable_memory_gb: float
    headroom_gb: float
    recommendations: list[RecommendationPublic]
    notes: list[str]


class StudyComparisonPublic(_FromAttributes):
    label: str
    model: str
    format: str
    context: int
    our_weights_gb: float
    our_kv_cache_gb: float
    our_total_gb: float
    study_memory: str
    difference_gb: float | None
    verdict: Literal["agrees", "disagrees", "not given"]
    reason: str


class MeasurementCheckPublic(_FromAttributes):
    quantity: str
    format: str
    batch: int
    measured: float
    estimated: float
    relative_error: float
    bound: Literal["bandwidth", "compute"] | None


class StudyPublic(BaseModel):
    rows: list[StudyComparisonPublic]
    measurement: list[MeasurementCheckPublic]


class CataloguePublic(BaseModel):
    models: list[ModelSpecPublic]
    devices: list[DevicePublic]
    formats: dict[str, float]


def _unprocessable(message: str) -> RequestValidationError:
    """A 422 in the shape the OpenAPI document promises for every 422 (FastAPI's HTTPValidationError:
    `detail` a list of {loc, msg, type}), with the app's readable `message` beside it."""
    return RequestValidationError([{"type": "value_error", "loc": ("query",), "msg": message, "input": None}])


@router.get("/sizing", response_model=SizingPublic)
def read_sizing(
    model: Annotated[str | None, Query(description="catalogue model name")] = None,
    params: Annotated[
        float | None,
        Query(ge=1e3, le=1e14, allow_inf_nan=False, description="parameter count, instead of model"),
    ] = None,
    layers: Annotated[int | None, Query(ge=1, le=100_000)] = None,
    hidden: Annotated[int | None, Query(ge=1, le=10_000_000)] = None,
    heads: Annotated[int | None, Query(ge=1, le=100_000)] = None,
    kv_heads: Annotated[int | None, Query(ge=1, le=100_000)] = None,
    head_dim: Annotated[int | None, Query(ge=1, le=100_000)] = None,
    format: Annotated[str, Query(description="FP32, BF16, FP16, FP8, INT8 or INT4")] = "BF16",
    context: Annotated[int | None, Query(ge=1, le=10_000_000)] = None,
    batch: Annotated[int, Query(ge=1, le=100_000)] = 1,
    device: Annotated[str | None, Query(description="catalogue device name")] = None,
    memory_gb: Annotated[float | None, Query(ge=1e-3, le=1e7, allow_inf_nan=False)] = None,
    bandwidth_gbs: Annotated[float | None, Query(ge=1e-3, le=1e7, allow_inf_nan=False)] = None,
    tflops: Annotated[float | None, Query(ge=1e-6, le=1e9, allow_inf_nan=False)] = None,
    bandwidth_efficiency: Annotated[float, Query(ge=1e-3, le=1)] = DEFAULT_BANDWIDTH_EFFICIENCY,
    compute_efficiency: Annotated[float, Query(ge=1e-3, le=1)] = DEFAULT_COMPUTE_EFFICIENCY,
) -> SizingPublic:
    """Memory (weights + KV cache + overhead), decode speed and its bound, fit, and what else fits.

    Every number is bounded to what hardware and models span (a model of 10^-324 parameters made a
    decode step of zero seconds and a ZeroDivisionError), so the arithmetic stays finite."""
    try:
        result = size(
            choose_model(
                model,
                params=params,
                layers=layers,
                hidden=hidden,
                heads=heads,
                kv_heads=kv_heads,
                head_dim=head_dim,
            ),
            format,
            choose_device(device, memory_gb=memory_gb, bandwidth_gbs=bandwidth_gbs, tflops=tflops),
            context,
            batch,
            bandwidth_efficiency=bandwidth_efficiency,
            compute_efficiency=compute_efficiency,
        )
    except ValueError as exc:  # unknown name (the message lists the known ones) or a clashing choice
        raise _unprocessable(str(exc)) from exc
    return SizingPublic.model_validate(result)


@router.get("/sizing/study", response_model=StudyPublic)
def read_sizing_study() -> StudyPublic:
    """The study's Table 1 rows next to first-principles estimates, and the check against this machine."""
    return StudyPublic(
        rows=[StudyComparisonPublic.model_validate(r) for r in compare_with_study()],
        measurement=[MeasurementCheckPublic.model_validate(c) for c in check_against_measurement()],
    )


@router.get("/sizing/catalogue", response_model=CataloguePublic)
def read_sizing_catalogue() -> CataloguePublic:
    """The known model, device and format names (what `/sizing` accepts), with their numbers."""
    return CataloguePublic(
        models=[ModelSpecPublic.model_validate(m) for m in MODELS.values()],
        devices=[DevicePublic.model_validate(d) for d in DEVICES.values()],
        formats=dict(FORMAT_BITS),
    )
