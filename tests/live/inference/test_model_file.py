"""live/inference/model_file.py: reading a model file's metadata back, refusing what it must.

Fast: the model files here are tiny hand-built graphs (an Identity per tensor), so the reader is
tested without TensorFlow; tests/export/test_export.py checks it on real exported models.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from musicai.live.encoding import ENCODING_VERSION, Vocabulary
from musicai.live.encoding.vocab import SUPPORTED_VERSIONS
from musicai.live.errors import ModelFileError
from musicai.live.inference.metadata import PREFIX, ModelMetadata, StateSpec, TensorSpec
from musicai.live.inference.model_file import open_model

onnx = pytest.importorskip("onnx")
from onnx import TensorProto, helper  # noqa: E402


def step_metadata(**changes: object) -> ModelMetadata:
    meta = ModelMetadata(
        encoding_version=ENCODING_VERSION,
        vocabulary=Vocabulary(),
        architecture="stream",
        inputs=(TensorSpec("prev_pitch", "int32", ("batch", "time")),),
        outputs=(TensorSpec("pitch_logits", "float32", ("batch", "time", 89)),),
        states=(StateSpec(0, "h_in_0", "c_in_0", "h_out_0", "c_out_0", 4),),
        training_config={"model": {"arch": "stream", "stream_units": 4}},
        data={"sets": ["bach"], "pieces": 3, "events": 120},
        heldout={"nll": 2.5, "targets": 40},
        training={"wall_seconds": 3.0, "hardware": {"cores": 2}},
        source_commit="0123abcd",
        exported_at="2026-11-02T10:00:00+00:00",
        tools={"onnxruntime": "1.32.0"},
    )
    return replace(meta, **changes)


def write_model(path: Path, props: dict[str, str] | None,
                tensors: tuple[tuple[str, str], ...] = (("prev_pitch", "pitch_logits"),
                                                        ("h_in_0", "h_out_0"),
                                                        ("c_in_0", "c_out_0"))) -> Path:
    """A graph of Identity nodes (input -> output per pair) carrying ``props``."""
    nodes = [helper.make_node("Identity", [a], [b]) for a, b in tensors]
    def info(name: str, pair: str) -> onnx.ValueInfoProto:
        dtype = TensorProto.INT32 if "prev_pitch" in (name, pair) else TensorProto.FLOAT
        return helper.make_tensor_value_info(name, dtype, None)
    graph = helper.make_graph(nodes, "g", [info(a, b) for a, b in tensors],
                              [info(b, a) for a, b in tensors])
    opsets = [helper.make_opsetid("", 17)]
    model = helper.make_model(graph, opset_imports=opsets,
                              ir_version=helper.find_min_ir_version_for(opsets))
    if props is not None:
        helper.set_model_props(model, props)
    onnx.save(model, str(path))
    return path


def refusal(path: Path) -> str:
    with pytest.raises(ModelFileError) as caught:
        open_model(path)
    message = str(caught.value)
    assert "\n" not in message and message.startswith(str(path))
    return message


def test_metadata_round_trip(tmp_path: Path) -> None:
    meta = step_metadata()
    model = open_model(write_model(tmp_path / "m.onnx", meta.to_props()))
    assert model.metadata == meta
    assert model.metadata.graph == "step" and model.metadata.is_step
    assert model.metadata.vocabulary.to_json() == Vocabulary().to_json()


def test_every_value_is_json(tmp_path: Path) -> None:
    props = step_metadata().to_props()
    assert all(key.startswith(PREFIX) for key in props)
    assert json.loads(props[PREFIX + "vocabulary"])["version"] == ENCODING_VERSION
    assert json.loads(props[PREFIX + "states"])[0]["shape"] == [1, "batch", 4]


def test_initial_states_are_zero_and_shaped(tmp_path: Path) -> None:
    model = open_model(write_model(tmp_path / "m.onnx", step_metadata().to_props()))
    states = model.initial_states(batch=2)
    assert set(states) == {"h_in_0", "c_in_0"}
    assert all(s.shape == (1, 2, 4) and s.dtype == np.float32 and not s.any()
               for s in states.values())


def test_unsupported_encoding_version_names_both_versions(tmp_path: Path) -> None:
    props = step_metadata().to_props()
    props[PREFIX + "encoding_version"] = "999"
    vocab = json.loads(props[PREFIX + "vocabulary"])
    props[PREFIX + "vocabulary"] = json.dumps({**vocab, "version": 999})
    message = refusal(write_model(tmp_path / "future.onnx", props))
    assert "999" in message
    assert all(str(v) in message for v in SUPPORTED_VERSIONS)
    assert "encoding version" in message


def test_not_our_model(tmp_path: Path) -> None:
    message = refusal(write_model(tmp_path / "other.onnx", {"author": "someone"}))
    assert "not a MusicAI model" in message


def test_corrupt_file_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "corrupt.onnx"
    path.write_bytes(np.random.default_rng(0).bytes(4096))
    assert "not a readable ONNX model" in refusal(path)


def test_missing_file(tmp_path: Path) -> None:
    assert "no such model file" in refusal(tmp_path / "absent.onnx")


def test_metadata_that_names_other_tensors(tmp_path: Path) -> None:
    props = step_metadata(outputs=(TensorSpec("logits", "float32", ("batch", 89)),)).to_props()
    message = refusal(write_model(tmp_path / "m.onnx", props))
    assert "disagree on the outputs" in message


def test_bad_json_value_names_the_key(tmp_path: Path) -> None:
    props = step_metadata().to_props()
    props[PREFIX + "inputs"] = "{not json"
    assert f"{PREFIX}inputs" in refusal(write_model(tmp_path / "m.onnx", props))


def test_model_file_needs_no_training_stack() -> None:
    """The runtime reader loads with onnxruntime alone (onnx is in the train extra)."""
    probe = ("import sys, musicai.live.inference.model_file; "
             "print(sorted({m.split('.')[0] for m in sys.modules} & "
             "{'onnx', 'tensorflow', 'keras', 'tf2onnx'}))")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == "[]"
