"""Sizing: the formulas against hand arithmetic, the study's Table 1, this machine, the route, the CLI."""

from __future__ import annotations

import json
import math
import re

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from planwright import sizing
from planwright.sizing.choose import as_cli_flag
from services.api.routes.sizing import router

# ----------------------------------------------------------------------------- formulas by hand


def test_llama_3_8b_bf16_weights_are_params_times_two_bytes() -> None:
    mem = sizing.estimate_memory("llama-3-8b", "BF16", context=8192, batch=1)
    assert mem.weights_gb == pytest.approx(8_030_261_248 * 2 / 1e9)
    assert mem.weights_gb == pytest.approx(16.06, abs=0.005)


def test_llama_3_8b_kv_cache_at_8192_tokens_is_one_gigabyte() -> None:
    # 2 (K and V) x 32 layers x 8 KV heads x 128 x 8192 tokens x 2 bytes
    mem = sizing.estimate_memory("llama-3-8b", "BF16", context=8192, batch=1)
    assert mem.kv_cache_gb == pytest.approx(2 * 32 * 8 * 128 * 8192 * 2 / 1e9)
    assert mem.kv_cache_gb == pytest.approx(1.07, abs=0.005)


def test_kv_cache_scales_with_batch_and_context_and_fp32_doubles_it() -> None:
    one = sizing.kv_cache_bytes("llama-3-8b", "BF16", 1000, 1)
    assert sizing.kv_cache_bytes("llama-3-8b", "BF16", 2000, 3) == pytest.approx(6 * one)
    assert sizing.kv_cache_bytes("llama-3-8b", "FP32", 1000, 1) == pytest.approx(2 * one)
    # INT4/INT8 weights keep a 16-bit cache
    assert sizing.kv_cache_bytes("llama-3-8b", "INT4", 1000, 1) == pytest.approx(one)


def test_default_model_kv_per_token() -> None:
    # SmolLM2-135M: 2 x 30 layers x 3 KV heads x 64 x 2 bytes
    assert sizing.kv_cache_bytes("smollm2-135m-instruct", "BF16", 1) == 2 * 30 * 3 * 64 * 2


def test_gpt2_large_has_no_gqa() -> None:
    assert sizing.kv_cache_bytes("gpt2-large", "FP32", 1) == 2 * 36 * 20 * 64 * 4


def test_deepseek_r1_kv_uses_the_mla_latent() -> None:
    # one 512 + 64 latent per layer and token, no separate K and V
    assert sizing.kv_cache_bytes("deepseek-r1", "BF16", 1) == 61 * (512 + 64) * 2


def test_int4_is_four_and_a_half_bits() -> None:
    mem = sizing.estimate_memory("deepseek-r1-distill-qwen-1.5b", "INT4", context=1)
    assert mem.weights_gb == pytest.approx(1_777_088_000 * 4.5 / 8 / 1e9)


def test_overhead_is_ten_percent_of_weights_plus_fixed() -> None:
    mem = sizing.estimate_memory("llama-3-8b", "INT8", context=4096, batch=2)
    assert mem.overhead_gb == pytest.approx(0.1 * mem.weights_gb + 0.3)
    assert mem.total_gb == pytest.approx(mem.weights_gb + mem.kv_cache_gb + mem.overhead_gb)


def test_moe_keeps_every_expert_resident_but_reads_the_active_ones() -> None:
    r1 = sizing.MODELS["deepseek-r1"]
    assert sizing.estimate_memory(r1, "FP8", 1).weights_gb == pytest.approx(671.0)
    assert r1.active_params == pytest.approx(37.5e9, rel=0.02)
    assert r1.params_read_per_step(1) < r1.params_read_per_step(16) < r1.params_read_per_step(4096)
    assert r1.params_read_per_step(4096) == pytest.approx(r1.params, rel=1e-6)


def test_decode_at_batch_one_is_bandwidth_bound_by_hand() -> None:
    speed = sizing.estimate_decode_speed("llama-3-8b", "BF16", "h100-sxm-80gb", batch=1, context=1)
    step_bytes = 8_030_261_248 * 2 + 2 * 32 * 8 * 128 * 2
    expected = 3350e9 * sizing.DEFAULT_BANDWIDTH_EFFICIENCY / step_bytes
    assert speed.bound == "bandwidth"
    assert speed.tokens_per_s_per_sequence == pytest.approx(expected)
    assert speed.tokens_per_s_aggregate == pytest.approx(expected)


def test_decode_at_large_batch_is_compute_bound_by_hand() -> None:
    batch = 4096
    speed = sizing.estimate_decode_speed("llama-3-8b", "BF16", "h100-sxm-80gb", batch=batch, context=1)
    flops = batch * (2 * 8_030_261_248 + 4 * 32 * 32 * 128 * 1)
    expected_step = flops / (989e12 * sizing.DEFAULT_COMPUTE_EFFICIENCY)
    assert speed.bound == "compute"
    assert speed.step_ms == pytest.approx(expected_step * 1e3)
    assert speed.tokens_per_s_aggregate == pytest.approx(batch / expected_step)


def test_aggregate_throughput_grows_with_batch_until_compute_caps_it() -> None:
    rates = [sizing.estimate_decode_speed("llama-3-8b", "BF16", "a100-80gb", b, 128).tokens_per_s_aggregate
             for b in (1, 4, 16, 64)]
    assert rates == sorted(rates)


def test_smaller_format_decodes_faster_when_bandwidth_bound() -> None:
    bf16 = sizing.estimate_decode_speed("llama-3-8b", "BF16", "rtx-4090", 1, 512)
    int4 = sizing.estimate_decode_speed("llama-3-8b", "INT4", "rtx-4090", 1, 512)
    assert int4.tokens_per_s_per_sequence > 3 * bf16.tokens_per_s_per_sequence


def test_custom_model_and_device() -> None:
    spec = sizing.custom_model(1.5e9, layers=28, hidden=1536, heads=12, kv_heads=2)
    assert spec.head_dim == 128
    assert sizing.kv_cache_bytes(spec, "BF16", 1) == 2 * 28 * 2 * 128 * 2
    dev = sizing.custom_device(16, 100)
    speed = sizing.estimate_decode_speed(spec, "BF16", dev, 1, 1)
    assert speed.compute_bound_tokens_per_s is None and speed.bound == "bandwidth"
    bare = sizing.custom_model(1e9)
    assert sizing.size(bare, "BF16", dev).memory.kv_cache_gb == 0
    assert any("KV cache not estimated" in n for n in sizing.size(bare, "BF16", dev).notes)


def test_unknown_names_list_the_known_ones() -> None:
    with pytest.raises(sizing.UnknownNameError, match="llama-3-8b"):
        sizing.get_model("gpt-5")
    with pytest.raises(sizing.UnknownNameError, match="h100-sxm-80gb"):
        sizing.get_device("tpu")
    with pytest.raises(sizing.UnknownNameError, match="INT4"):
        sizing.normalise_format("int3")


def test_names_are_forgiving() -> None:
    assert sizing.get_model("HuggingFaceTB/SmolLM2-135M-Instruct").name == "smollm2-135m-instruct"
    assert sizing.get_model("Llama_3_8B").name == "llama-3-8b"
    assert sizing.get_device("H100").name == "h100-sxm-80gb"
    assert sizing.normalise_format("bf16") == "BF16"


def test_recommend_lists_what_fits_biggest_first() -> None:
    recs = sizing.recommend("rtx-4090", context=2048, batch=1)
    names = [(r.model, r.format) for r in recs]
    assert ("llama-3-8b", "BF16") in names
    assert all(r.model not in ("deepseek-llm-67b", "deepseek-r1") for r in recs)
    assert names[0] == ("llama-3-8b", "BF16")
    assert all(r.total_gb <= sizing.DEVICES["rtx-4090"].usable_memory_gb for r in recs)
    # GPT-2 Large's context stops at 1024
    assert all(r.model != "gpt2-large" for r in recs)
    small = sizing.recommend("apple-m1-8gb", context=2048)
    assert ("llama-3-8b", "INT4") not in [(r.model, r.format) for r in small]
    assert ("deepseek-r1-distill-qwen-1.5b", "BF16") in [(r.model, r.format) for r in small]
    fast = sizing.recommend("this-cpu", context=2048, min_tokens_per_s=10)
    assert fast and all(r.tokens_per_s_per_sequence >= 10 for r in fast)


# --------------------------------------------------------------------------- the study's Table 1


def test_every_table_1_row_is_reproduced_with_a_reason() -> None:
    rows = sizing.compare_with_study()
    labels = [r.label for r in rows]
    for label in ("GPT-2 Large", "DeepSeek-R1-Distill-Qwen-1.5B", "Llama 3 8B", "DeepSeek-R1 67B"):
        assert label in labels
    for row in rows:
        assert row.reason and row.our_total_gb > 0
        assert row.verdict in ("agrees", "disagrees", "not given")


def test_rows_without_a_study_figure_say_so() -> None:
    by_label = {r.label: r for r in sizing.compare_with_study()}
    for label in ("GPT-2 Large", "Llama 3 8B"):
        assert by_label[label].study_memory == "not given"
        assert by_label[label].verdict == "not given"
        assert by_label[label].difference_gb is None


def test_67b_fp32_row_disagrees_and_says_why() -> None:
    row = {r.label: r for r in sizing.compare_with_study()}["DeepSeek-R1 67B"]
    assert row.format == "FP32"
    assert row.our_weights_gb > 260  # 67B x 4 bytes; the study says 80-120 GB in total
    assert row.verdict == "disagrees"
    assert row.difference_gb is not None and row.difference_gb > 140
    assert "268 GB" in row.reason
    assert "671B" in row.reason


def test_real_deepseek_r1_rows_are_shown() -> None:
    rows = [r for r in sizing.compare_with_study() if r.model == "deepseek-r1"]
    assert {r.format for r in rows} == {"FP32", "FP8"}
    assert all(r.verdict == "disagrees" for r in rows)


def test_distill_int4_row_agrees_with_under_4_gb() -> None:
    row = {r.label: r for r in sizing.compare_with_study()}["DeepSeek-R1-Distill-Qwen-1.5B"]
    assert row.format == "INT4"
    assert row.our_total_gb < 4
    assert row.verdict == "agrees"


# --------------------------------------------------------------------------- against this machine


def test_measurement_check_reports_relative_errors() -> None:
    checks = sizing.check_against_measurement()
    assert len(checks) == len(sizing.MEASURED_ON_THIS_MACHINE)
    for check in checks:
        assert math.isfinite(check.relative_error)
        assert check.relative_error == pytest.approx((check.estimated - check.measured) / check.measured)
    memory = next(c for c in checks if c.quantity == "memory_gb")
    assert memory.measured == 0.75
    assert memory.bound is None


# ------------------------------------------------------------------------------------ the chooser


def test_chooser_resolves_names_defaults_and_numbers() -> None:
    assert sizing.choose_model() is sizing.MODELS[sizing.DEFAULT_MODEL]
    assert sizing.choose_model("Llama_3_8B").name == "llama-3-8b"
    custom = sizing.choose_model(params=1.5e9, layers=28, hidden=1536, heads=12, kv_heads=2)
    assert (custom.name, custom.head_dim) == ("custom", 128)
    assert sizing.choose_device() is sizing.DEVICES[sizing.DEFAULT_DEVICE]
    assert sizing.choose_device(memory_gb=16, bandwidth_gbs=100).usable_memory_gb == 16


def test_chooser_tflops_replaces_only_the_peaks_of_a_catalogue_device() -> None:
    h100 = sizing.DEVICES["h100-sxm-80gb"]
    slow = sizing.choose_device("h100", tflops=5)
    assert slow.tflops == {"fp32": 5, "bf16": 5, "fp16": 5}
    assert (slow.memory_gb, slow.bandwidth_gbs, slow.usable_fraction) == (
        h100.memory_gb, h100.bandwidth_gbs, h100.usable_fraction)


@pytest.mark.parametrize(("kwargs", "needle"), [
    ({"model": "llama-3-8b", "params": 8e9}, "give either --model or --params, not both"),
    ({"device": "a100", "memory_gb": 8, "bandwidth_gbs": 1}, "--memory-gb + --bandwidth-gbs"),
    ({"memory_gb": 8}, "needs both --memory-gb and --bandwidth-gbs"),
])
def test_chooser_refuses_in_the_callers_spelling(kwargs: dict[str, object], needle: str) -> None:
    model_keys = {"model", "params"}
    choose = sizing.choose_model if model_keys & kwargs.keys() else sizing.choose_device
    with pytest.raises(ValueError, match=re.escape(needle)):
        choose(**kwargs, spell=as_cli_flag)  # type: ignore[arg-type]
    as_query = needle.replace("--", "").replace("-", "_")  # the API's spelling of the same words
    with pytest.raises(ValueError, match=re.escape(as_query)):
        choose(**kwargs)  # type: ignore[arg-type]


# -------------------------------------------------------------------------------------- the route


@pytest.fixture(scope="module")
def client() -> TestClient:
    app = FastAPI()
    app.include_router(router)
    return TestClient(app)


def test_get_sizing_for_a_catalogue_model(client: TestClient) -> None:
    response = client.get("/api/v1/sizing", params={
        "model": "llama-3-8b", "format": "bf16", "context": 8192, "batch": 1, "device": "h100-sxm-80gb",
    })
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["memory"]["weights_gb"] == pytest.approx(16.06, abs=0.005)
    assert body["memory"]["kv_cache_gb"] == pytest.approx(1.07, abs=0.005)
    assert body["speed"]["bound"] == "bandwidth"
    assert body["fits"] is True
    assert body["model"]["active_params"] == pytest.approx(8_030_261_248)
    assert body["device"]["usable_memory_gb"] == pytest.approx(72.0)
    assert any(r["model"] == "llama-3-8b" for r in body["recommendations"])


def test_get_sizing_with_explicit_numbers(client: TestClient) -> None:
    response = client.get("/api/v1/sizing", params={
        "params": 1.5e9, "layers": 28, "hidden": 1536, "heads": 12, "kv_heads": 2, "format": "INT4",
        "context": 1000, "memory_gb": 8, "bandwidth_gbs": 100, "tflops": 10,
    })
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["memory"]["kv_cache_gb"] == pytest.approx(2 * 28 * 2 * 128 * 1000 * 2 / 1e9)
    assert body["device"]["bandwidth_gbs"] == 100


@pytest.mark.parametrize(("params", "needle"), [
    ({"model": "gpt-5"}, "smollm2-135m-instruct"),
    ({"device": "tpu-v9"}, "rtx-4090"),
    ({"format": "int3"}, "INT4"),
    ({"model": "llama-3-8b", "params": 8e9}, "not both"),
    ({"memory_gb": 8}, "bandwidth_gbs"),
])
def test_bad_input_is_422_with_a_clear_message(
    client: TestClient, params: dict[str, object], needle: str
) -> None:
    response = client.get("/api/v1/sizing", params=params)
    assert response.status_code == 422
    detail = response.json()["detail"]  # the documented 422 shape: a list of {loc, msg, type}
    assert isinstance(detail, list) and needle in detail[0]["msg"] and detail[0]["type"] == "value_error"


def test_get_sizing_study(client: TestClient) -> None:
    response = client.get("/api/v1/sizing/study")
    assert response.status_code == 200
    body = response.json()
    assert "DeepSeek-R1 67B" in [r["label"] for r in body["rows"]]
    assert len(body["measurement"]) == len(sizing.MEASURED_ON_THIS_MACHINE)


def test_get_sizing_catalogue(client: TestClient) -> None:
    body = client.get("/api/v1/sizing/catalogue").json()
    assert {m["name"] for m in body["models"]} == set(sizing.MODELS)
    assert body["formats"]["INT4"] == 4.5


# ---------------------------------------------------------------------------------------- the CLI


def test_cli_prints_an_aligned_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert sizing.main(["--model", "llama-3-8b", "--device", "rtx-4090", "--context", "8192"]) == 0
    out = capsys.readouterr().out
    assert "weights GB" in out and "16.06" in out and "bandwidth" in out
    header, rule = out.split("Memory\n", 1)[1].splitlines()[:2]
    assert len(header) == len(rule.rstrip())


def test_cli_study_prints_every_row(capsys: pytest.CaptureFixture[str]) -> None:
    assert sizing.main(["--study"]) == 0
    out = capsys.readouterr().out
    for label in ("GPT-2 Large", "DeepSeek-R1-Distill-Qwen-1.5B", "Llama 3 8B", "DeepSeek-R1 67B"):
        assert label in out
    assert "measured" in out


def test_cli_recommend_and_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert sizing.main(["--recommend", "--device", "a100", "--json"]) == 0
    body = json.loads(capsys.readouterr().out)
    first = body["recommendations"][0]
    assert (first["model"], first["format"]) == ("deepseek-llm-67b", "INT4")  # 67B INT8 needs ~75 GB > 72


def test_cli_custom_model_and_device(capsys: pytest.CaptureFixture[str]) -> None:
    assert sizing.main(["--params", "1.5e9", "--layers", "28", "--hidden", "1536", "--heads", "12",
                        "--kv-heads", "2", "--memory-gb", "16", "--bandwidth-gbs", "100", "--json"]) == 0
    body = json.loads(capsys.readouterr().out)
    assert body["memory"]["weights_gb"] == pytest.approx(3.0)


def test_cli_unknown_model_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert sizing.main(["--model", "gpt-5"]) == 2
    assert "known models" in capsys.readouterr().err


@pytest.mark.parametrize(("params", "field"), [
    ({"params": 5e-324}, "params"),  # was a ZeroDivisionError (a decode step of zero seconds): a 500
    ({"params": 1e-300}, "params"),  # was an infinite speed
    ({"params": "inf"}, "params"),
    ({"params": "nan"}, "params"),
    ({"params": 1e308}, "params"),
    ({"memory_gb": 1e308, "bandwidth_gbs": 1e308}, "memory_gb"),
    ({"memory_gb": 8, "bandwidth_gbs": 5e-324}, "bandwidth_gbs"),
    ({"tflops": 5e-324}, "tflops"),
    ({"params": 1e9, "layers": 10**24}, "layers"),
    ({"compute_efficiency": 5e-324}, "compute_efficiency"),
])
def test_numbers_outside_what_hardware_spans_are_422_not_500(
    client: TestClient, params: dict[str, object], field: str
) -> None:
    response = client.get("/api/v1/sizing", params=params)
    assert response.status_code == 422, response.text
    problems = {item["loc"][-1]: item["msg"] for item in response.json()["detail"]}
    assert field in problems and problems[field].startswith("Input should be")


# ----------------------------------------------------------------------------- which backend


def test_backend_advice_on_a_cpu_follows_the_measured_peer_table() -> None:
    from planwright.sizing.backends import PEER_TABLE, advise_backend, best_engine_tok_s, server_wins_on_cpu

    advice = advise_backend(sizing.get_device("this-cpu"))
    wins = [row.server_tok_s > best_engine_tok_s(row) for row in PEER_TABLE]
    assert server_wins_on_cpu() == (sum(wins) > len(wins) / 2)
    assert advice.backend == ("llamacpp" if server_wins_on_cpu() else "embedded")
    for row in PEER_TABLE:  # the numbers it rests on are quoted, so a reader can check them
        assert f"llama-server {row.server_tok_s:.0f} tok/s" in advice.why
    custom_cpu = sizing.custom_device(64, 40, tflops=2)
    assert advise_backend(custom_cpu).backend == advice.backend


def test_backend_advice_on_gpus_and_apple_points_at_a_server() -> None:
    from planwright.sizing.backends import advise_backend

    assert "vLLM" in advise_backend(sizing.get_device("h200")).settings
    assert "vLLM" in advise_backend(sizing.custom_device(80, 2000, tflops=300)).settings
    apple = advise_backend(sizing.get_device("apple-m1-16gb"))
    assert apple.backend == "openai" and "Ollama" in apple.settings


def test_sizing_command_says_which_backend(capsys: pytest.CaptureFixture[str]) -> None:
    assert sizing.main(["--device", "h200"]) == 0
    text = capsys.readouterr().out
    assert "\nBackend\n- MODEL_BACKEND=openai" in text
    assert sizing.main(["--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["backend"]["backend"] in ("llamacpp", "embedded")
