"""The seed model as an ONNX *window* graph: ``(batch, window)`` events -> the next event.

tf2onnx converts the seed's BiLSTM stack to native ``LSTM`` ops (two bidirectional, one
forward). Its output tensors are then renamed to the names the runtime uses
(``pitch_probs``/``duration_probs``), the pre-softmax dense outputs are exposed as
``pitch_logits``/``duration_logits`` (the sampler works on logits), and the unknown batch
dimension is named ``batch``.
"""

from __future__ import annotations

import logging

import onnx
from musicai.export.errors import ExportError, UnsupportedModelError
from musicai.export.graph import GraphSpec
from musicai.live.encoding import Vocabulary
from musicai.live.inference.metadata import TensorSpec
from musicai.training.config import ModelConfig

PROBS = {"pitch": "pitch_probs", "duration": "duration_probs"}
LOGITS = {"pitch": "pitch_logits", "duration": "duration_logits"}


def window_inputs(window: int, vocab: Vocabulary) -> tuple[TensorSpec, ...]:
    token = ("batch", window)
    return tuple(TensorSpec(name, dtype, token if width == 1 and dtype == "int32"
                            else (*token, width))
                 for name, dtype, width in vocab.inputs())


def build_window_graph(model, config: ModelConfig, opset: int = 17) -> tuple[onnx.ModelProto,
                                                                             GraphSpec]:
    """Convert the Keras seed model with tf2onnx and give its tensors the runtime's names."""
    import tensorflow as tf
    import tf2onnx

    logging.getLogger("tf2onnx").setLevel(logging.ERROR)
    inputs = window_inputs(config.window, config.vocabulary())
    dtypes = {"int32": tf.int32, "float32": tf.float32}
    signature = [{t.name: tf.TensorSpec((None, *t.shape[1:]), dtypes[t.dtype], name=t.name)
                  for t in inputs}]
    try:
        proto, _ = tf2onnx.convert.from_keras(model, input_signature=signature, opset=opset)
    except Exception as err:  # tf2onnx raises anything from TF tracing to its own asserts
        raise ExportError(f"tf2onnx could not convert the seed model ({err}); "
                          f"see the opset and tool versions in the README") from err
    outputs = []
    for head, width in (("pitch", model.get_layer("pitch_logits").units),
                        ("duration", model.get_layer("duration_logits").units)):
        softmax = _producer(proto.graph, head)
        if softmax is None or softmax.op_type != "Softmax":
            raise UnsupportedModelError(f"the converted seed graph has no softmax for {head!r}")
        _rename(proto.graph, softmax.input[0], LOGITS[head])
        _rename(proto.graph, head, PROBS[head])
        proto.graph.output.append(onnx.helper.make_tensor_value_info(
            LOGITS[head], onnx.TensorProto.FLOAT, ["batch", width]))
        outputs += [TensorSpec(PROBS[head], "float32", ("batch", width)),
                    TensorSpec(LOGITS[head], "float32", ("batch", width))]
    for value in (*proto.graph.input, *proto.graph.output):
        value.type.tensor_type.shape.dim[0].dim_param = "batch"
    proto.producer_name = "musicai-export (tf2onnx)"
    return proto, GraphSpec(inputs, tuple(outputs))


def _producer(graph: onnx.GraphProto, tensor: str) -> onnx.NodeProto | None:
    return next((node for node in graph.node if tensor in node.output), None)


def _rename(graph: onnx.GraphProto, old: str, new: str) -> None:
    """Rename a tensor everywhere it appears: producer, consumers, graph outputs."""
    for node in graph.node:
        node.output[:] = [new if name == old else name for name in node.output]
        node.input[:] = [new if name == old else name for name in node.input]
    for value in (*graph.output, *graph.value_info):
        if value.name == old:
            value.name = new
