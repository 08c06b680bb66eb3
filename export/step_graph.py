"""The stream model as an ONNX *step* graph, written directly from the Keras weights.

Why not convert with tf2onnx and rewire: tf2onnx does give native ``LSTM`` ops for the
full-sequence model, but wrapped in ~45 helper nodes (zero-state construction, casts, mask
checks) that cost microseconds each on the hot path, and its names and layouts follow
TensorFlow's graph, which changes between versions. The stream model is small and fixed
(embeddings -> concatenation -> stacked LSTMs -> two dense heads; dropout is the identity at
inference), so the step graph is spelled out here, ~15 nodes, with native ``LSTM`` ops whose
``initial_h``/``initial_c`` come from graph inputs and whose ``Y_h``/``Y_c`` are graph outputs.

The time axis is dynamic: one event per call while playing, or T events at once (priming with
a seed melody, verification). States are ``(1, batch, units)``, ONNX's own LSTM state layout, so
the engine feeds each output straight back as the next input with no reshaping.

Keras stores an LSTM as ``kernel (in, 4H)``, ``recurrent_kernel (H, 4H)`` and one ``bias (4H)``
with gates ordered i, f, c, o; ONNX wants ``W (1, 4H, in)``, ``R (1, 4H, H)``, ``B (1, 8H)``
(input bias then recurrent bias) with gates ordered i, o, f, c.
"""

from __future__ import annotations

import numpy as np
import onnx
from musicai.export.errors import UnsupportedModelError
from musicai.export.graph import GraphSpec
from musicai.live.encoding import Vocabulary
from musicai.live.inference.metadata import StateSpec, TensorSpec
from musicai.training.config import ModelConfig
from musicai.training.models import feature_layout, feature_widths, stream_lstm_name
from onnx import TensorProto, helper, numpy_helper

HEADS = ("pitch_logits", "duration_logits")
KNOWN_LAYERS = {"InputLayer", "Embedding", "Concatenate", "LSTM", "Dropout", "Dense", "Softmax"}
MIN_OPSET = 14


def step_inputs(vocab: Vocabulary) -> tuple[TensorSpec, ...]:
    token = ("batch", "time")
    return tuple(TensorSpec(name, dtype, token if width == 1 and dtype == "int32"
                            else (*token, width))
                 for name, dtype, width in vocab.inputs())


def state_specs(layers: int, units: int) -> tuple[StateSpec, ...]:
    return tuple(StateSpec(i, f"h_in_{i}", f"c_in_{i}", f"h_out_{i}", f"c_out_{i}", units)
                 for i in range(layers))


def keras_lstm_to_onnx(kernel: np.ndarray, recurrent: np.ndarray,
                       bias: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Keras (i, f, c, o) LSTM weights -> ONNX W, R, B (i, o, f, c), one direction."""
    def reorder(w: np.ndarray) -> np.ndarray:
        i, f, c, o = np.split(w, 4, axis=-1)
        return np.concatenate([i, o, f, c], axis=-1)
    w = reorder(kernel).T[None]
    r = reorder(recurrent).T[None]
    b = np.concatenate([reorder(bias), np.zeros_like(bias)])[None]
    return (w.astype(np.float32), r.astype(np.float32), b.astype(np.float32))


def check_stream_model(model, config: ModelConfig) -> None:
    """Refuse a Keras model this builder would translate wrongly (rather than export it)."""
    import keras

    unknown = sorted({type(layer).__name__ for layer in model.layers} - KNOWN_LAYERS)
    if unknown:
        raise UnsupportedModelError(f"the stream model holds layers the step graph does not "
                                    f"translate: {', '.join(unknown)}; extend export/step_graph.py")
    vocab = config.vocabulary()
    widths = [t.shape[-1] for t in model.get_layer("features").input]
    expected = feature_widths(config, vocab)
    if widths != expected:
        names = ", ".join(name for name, _ in feature_layout(vocab))
        raise UnsupportedModelError(f"the features layer joins widths {widths}, expected "
                                    f"{expected} ({names})")
    for i in range(config.stream_layers):
        lstm = model.get_layer(stream_lstm_name(i))
        cell = lstm.cell
        if (keras.activations.serialize(cell.activation) != "tanh"
                or keras.activations.serialize(cell.recurrent_activation) != "sigmoid"
                or not cell.use_bias or lstm.go_backwards or not lstm.return_sequences):
            raise UnsupportedModelError(f"{lstm.name}: only forward tanh/sigmoid LSTMs with a "
                                        f"bias returning sequences are translated")
    for name in HEADS:
        dense = model.get_layer(name)
        if keras.activations.serialize(dense.activation) != "linear" or not dense.use_bias:
            raise UnsupportedModelError(f"{name}: the head must be a linear Dense with a bias")


def build_step_graph(model, config: ModelConfig, opset: int = 17) -> tuple[onnx.ModelProto,
                                                                           GraphSpec]:
    """The step graph of a Keras stream model, with its tensor spec."""
    if opset < MIN_OPSET:
        raise UnsupportedModelError(f"--opset {opset} is too old for the step graph; use "
                                    f"{MIN_OPSET} or newer")
    check_stream_model(model, config)
    builder = _Builder()
    vocab = config.vocabulary()
    inputs = step_inputs(vocab)
    states = state_specs(config.stream_layers, config.stream_units)
    parts = []
    for name, layer in feature_layout(vocab):
        if layer is None:  # a float input joins as it is
            parts.append(name)
        else:  # lookbacks share the pitch table: one initializer, several gathers
            table = builder.const(layer, model.get_layer(layer).get_weights()[0])
            parts.append(builder.node("Gather", [table, name], f"{name}_embedded", axis=0))
    features = builder.node("Concat", parts, "features", axis=-1)
    x = builder.node("Transpose", [features], "features_tbf", perm=[1, 0, 2])
    squeeze_axis = builder.const("axis_1", np.array([1], dtype=np.int64))
    for state in states:
        name = stream_lstm_name(state.layer)
        w, r, b = keras_lstm_to_onnx(*model.get_layer(name).get_weights())
        builder.nodes.append(helper.make_node(
            "LSTM",
            [x, builder.const(f"{name}_W", w), builder.const(f"{name}_R", r),
             builder.const(f"{name}_B", b), "", state.h_in, state.c_in],
            [f"{name}_Y", state.h_out, state.c_out],
            name=name, hidden_size=state.units, direction="forward"))
        x = builder.node("Squeeze", [f"{name}_Y", squeeze_axis], f"{name}_seq")
    hidden = builder.node("Transpose", [x], "hidden", perm=[1, 0, 2])
    outputs = []
    for head in HEADS:
        kernel, bias = model.get_layer(head).get_weights()
        product = builder.node("MatMul", [hidden, builder.const(f"{head}_kernel", kernel)],
                               f"{head}_matmul")
        builder.node("Add", [product, builder.const(f"{head}_bias", bias)], head)
        outputs.append(TensorSpec(head, "float32", ("batch", "time", int(kernel.shape[1]))))
    spec = GraphSpec(inputs, tuple(outputs), states)
    return builder.model(spec, opset), spec


class _Builder:
    """Collects nodes and initializers; names every node after the tensor it makes."""

    def __init__(self) -> None:
        self.nodes: list[onnx.NodeProto] = []
        self.initializers: list[onnx.TensorProto] = []

    def const(self, name: str, value: np.ndarray) -> str:
        if name not in {t.name for t in self.initializers}:
            self.initializers.append(numpy_helper.from_array(np.asarray(value), name))
        return name

    def node(self, op: str, inputs: list[str], output: str, **attrs: object) -> str:
        self.nodes.append(helper.make_node(op, inputs, [output], name=output, **attrs))
        return output

    def model(self, spec: GraphSpec, opset: int) -> onnx.ModelProto:
        def value_info(t: TensorSpec) -> onnx.ValueInfoProto:
            dtype = TensorProto.INT32 if t.dtype == "int32" else TensorProto.FLOAT
            return helper.make_tensor_value_info(t.name, dtype, list(t.shape))
        def state_info(name: str, units: int) -> onnx.ValueInfoProto:
            return helper.make_tensor_value_info(name, TensorProto.FLOAT, [1, "batch", units])
        graph = helper.make_graph(
            self.nodes, "musicai_stream_step",
            [value_info(t) for t in spec.inputs]
            + [state_info(n, s.units) for s in spec.states for n in (s.h_in, s.c_in)],
            [value_info(t) for t in spec.outputs]
            + [state_info(n, s.units) for s in spec.states for n in (s.h_out, s.c_out)],
            initializer=self.initializers,
        )
        opsets = [helper.make_opsetid("", opset)]
        return helper.make_model(graph, opset_imports=opsets, producer_name="musicai-export",
                                 ir_version=helper.find_min_ir_version_for(opsets))
