"""What every exported graph shares: its tensor spec and its op census."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import onnx
from musicai.live.inference.metadata import StateSpec, TensorSpec

#: Ops that mean a recurrence was unrolled into a generic loop instead of a native LSTM.
LOOP_OPS = ("Loop", "Scan")


@dataclass(frozen=True)
class GraphSpec:
    """The tensors a built graph exposes, as they go into the file's metadata."""

    inputs: tuple[TensorSpec, ...]
    outputs: tuple[TensorSpec, ...]
    states: tuple[StateSpec, ...] = ()


def op_census(model: onnx.ModelProto) -> Counter[str]:
    """Op type -> count over the graph and any subgraphs (a Loop body counts too)."""
    census: Counter[str] = Counter()
    def walk(graph: onnx.GraphProto) -> None:
        for node in graph.node:
            census[node.op_type] += 1
            for attr in node.attribute:
                if attr.type == onnx.AttributeProto.GRAPH:
                    walk(attr.g)
                for sub in attr.graphs:
                    walk(sub)
    walk(model.graph)
    return census


def format_census(census: Counter[str]) -> str:
    ordered = sorted(census.items(), key=lambda kv: (-kv[1], kv[0]))
    return ", ".join(f"{op} {n}" for op, n in ordered)
