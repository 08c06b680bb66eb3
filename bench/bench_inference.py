"""Inference latency, one thread, side by side: what a live step and a seed window cost.

    python bench/bench_inference.py [--models DIR] [--quick]      (make bench)

Rows: the stream model's step graph (one event, states carried: the live engine's call), a
reference measured beside it (the same stack of native ONNX ``LSTM`` ops, same sizes, random
weights, nothing else: the floor an exported step can reach; the shipped step must stay within
1.5x of it), the seed BiLSTM window graph in onnxruntime, and the same seed model in Keras
through ``model.predict`` and through a direct call. onnxruntime runs with one intra-op and one
inter-op thread and spinning off (``live.model_file.session_options``); TensorFlow with one
thread each. The shipped models (models/default.onnx, models/seed-bilstm.onnx) are used when
present; otherwise the full-size architectures are built with random weights and exported into
a temp folder (latency does not depend on the weight values). A benchmark, not a test: it
prints a table and the live target (stream step p50 <= 0.15 ms, p99 <= 0.3 ms).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np
from bench_samples import keep, samples_path
from musicai.export.timing import Latency, measure, timed_calls
from musicai.live.encoding import Vocabulary
from musicai.live.inference.model_file import ModelFile, open_model

ROOT = Path(__file__).resolve().parents[1]
STREAM_FILE, SEED_FILE = "default.onnx", "seed-bilstm.onnx"
TARGET_P50_MS, TARGET_P99_MS = 0.15, 0.3
REFERENCE_RATIO = 1.5  # the shipped step against the bare native-LSTM stack, same run


@dataclass(frozen=True)
class Row:
    name: str
    latency: Latency


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--models", type=Path, default=ROOT / "models",
                   help="folder of shipped models (default models/)")
    p.add_argument("--quick", action="store_true", help="a tenth of the calls")
    p.add_argument("--samples", type=Path, default=None, metavar="FILE",
                   help="also keep the onnxruntime rows' per-call seconds in FILE (.npz; "
                        "default $MUSICAI_BENCH_SAMPLES) for musicai-eval's histograms")
    args = p.parse_args(argv)
    scale = 0.1 if args.quick else 1.0
    calls = {name: max(int(n * scale), 5) for name, n in
             {"step": 5000, "window": 500, "predict": 40, "eager": 10}.items()}

    one_tf_thread()
    with tempfile.TemporaryDirectory(prefix="musicai-bench-") as tmp:
        stream, seed, notes = models(args.models, Path(tmp))
        keras_seed = keras_model(seed)
        timed = Timer(samples_path(args.samples))
        reference = native_reference(stream)
        rows = [
            timed("stream step, onnxruntime", step_call(stream), calls["step"], 500),
            timed("stream step, ORT + IOBinding", bound_step_call(stream), calls["step"], 500),
            timed("native LSTM stack (reference)", reference_call(reference), calls["step"],
                  500),
            timed("seed window, onnxruntime", window_call(seed), calls["window"], 20),
            timed("seed window, Keras model.predict", predict_call(keras_seed, seed),
                  calls["predict"], 3),
            timed("seed window, Keras direct call", eager_call(keras_seed, seed),
                  calls["eager"], 2),
        ]
    print_table(rows, stream, seed, notes)
    return 0


class Timer:
    """``measure`` as before; with a samples file, the onnxruntime rows keep every call."""

    def __init__(self, samples: Path | None) -> None:
        self.samples = samples

    def __call__(self, name: str, call, calls: int, warmup: int) -> Row:
        if self.samples is None or "Keras" in name:
            return Row(name, measure(call, calls, warmup))
        seconds = timed_calls(call, calls, warmup)
        keep(f"inference: {name}", seconds, self.samples)
        p50, p99 = np.percentile(seconds, (50, 99)) * 1000
        return Row(name, Latency(float(p50), float(p99), calls))


def models(folder: Path, tmp: Path) -> tuple[ModelFile, ModelFile, list[str]]:
    """The shipped models, or full-size random-weight exports made in ``tmp``."""
    notes, found = [], {}
    for arch, name in (("stream", STREAM_FILE), ("seed", SEED_FILE)):
        path = folder / name
        if path.is_file():
            found[arch] = path
            notes.append(f"{arch}: shipped model {path}")
        else:
            found[arch] = export_random(arch, tmp)
            notes.append(f"{arch}: no {path}; full-size {arch} architecture with random weights, "
                         f"exported to a temp folder")
    return open_model(found["stream"]), open_model(found["seed"]), notes


def export_random(arch: str, tmp: Path) -> Path:
    from musicai.export.convert import ExportOptions, export
    from musicai.training.config import make_config
    from musicai.training.models import build_model

    config = make_config(arch, "full")
    folder = tmp / f"ck_{arch}"
    folder.mkdir()
    build_model(config, Vocabulary()).save_weights(folder / "best.weights.h5")
    (folder / "config.json").write_text(config.to_json())
    out = tmp / f"{arch}.onnx"
    export(folder, out, ExportOptions(sequences=2))
    return out


def one_tf_thread() -> None:
    """Before TensorFlow runs anything: it cannot change its pools afterwards."""
    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(1)
    tf.config.threading.set_inter_op_parallelism_threads(1)


def keras_model(seed: ModelFile):
    """The seed architecture the window file was made from (random weights: timing only)."""
    from musicai.training.config import TrainConfig
    from musicai.training.models import build_model

    config = TrainConfig.from_dict(seed.metadata.training_config)
    return build_model(config, seed.metadata.vocabulary)


def one_event(model: ModelFile, length: int) -> dict[str, np.ndarray]:
    """Token inputs for ``length`` events: random pitches, durations and chords; the model's
    other inputs (encoding 2: bar position, lookback, style) at zero (timing only)."""
    vocab = model.metadata.vocabulary
    rng = np.random.default_rng(0)
    feeds = {
        "prev_pitch": rng.integers(1, vocab.n_pitches, (1, length)).astype(np.int32),
        "prev_duration": rng.integers(0, vocab.n_durations, (1, length)).astype(np.int32),
        "harmony": (rng.random((1, length, 12)) < 0.25).astype(np.float32),
    }
    states = {name for s in model.metadata.states for name in (s.h_in, s.c_in)}
    for spec in model.session.get_inputs():
        if spec.name in feeds or spec.name in states:
            continue
        tail = [d for d in spec.shape[2:] if isinstance(d, int)]
        dtype = np.float32 if "float" in spec.type else np.int32
        feeds[spec.name] = np.zeros((1, length, *tail), dtype)
    return feeds


def step_call(model: ModelFile):
    """The engine's call: one event, the states of the previous call fed back."""
    session = model.session
    names = [o.name for o in session.get_outputs()]
    feeds = {**one_event(model, 1), **model.initial_states(1)}
    carry = [(names.index(s.h_out), s.h_in) for s in model.metadata.states]
    carry += [(names.index(s.c_out), s.c_in) for s in model.metadata.states]
    return stepping(session, names, feeds, carry)


def stepping(session, names: list[str], feeds: dict[str, np.ndarray],
             carry: list[tuple[int, str]]):
    """One step per call: run, then feed output ``index`` back as input ``name``."""
    def call() -> None:
        out = session.run(names, feeds)
        for index, name in carry:
            feeds[name] = out[index]
    return call


def bound_step_call(model: ModelFile):
    """The same step with IOBinding: states ping-pong between two preallocated buffer sets,
    so a call allocates nothing and converts nothing (what an engine can do to save ~30 us)."""
    session, meta = model.session, model.metadata
    event = one_event(model, 1)
    sets = [model.initial_states(1) for _ in range(2)]
    logits = {t.name: np.zeros((1, 1, t.shape[-1]), np.float32) for t in meta.outputs}
    pairs = [(s.h_out, s.h_in) for s in meta.states] + [(s.c_out, s.c_in) for s in meta.states]
    bindings = []
    for k in range(2):
        binding = session.io_binding()
        for name, value in (*event.items(), *sets[k].items()):
            binding.bind_cpu_input(name, value)
        outputs = [(out, sets[1 - k][state]) for out, state in pairs] + list(logits.items())
        for name, buffer in outputs:
            binding.bind_output(name, "cpu", 0, np.float32, list(buffer.shape),
                                buffer.ctypes.data)
        bindings.append(binding)
    turn = [0]

    def call() -> None:
        session.run_with_iobinding(bindings[turn[0]])
        turn[0] ^= 1
    return call


def native_reference(model: ModelFile) -> tuple[object, dict[str, np.ndarray], list[str]]:
    """The step graph's LSTM ops alone, chained as in the model (input width, units and
    layers read from its own LSTM nodes), with random weights: one event in, states carried."""
    import onnx
    import onnxruntime as ort
    from musicai.live.inference.model_file import session_options
    from onnx import TensorProto, helper, numpy_helper

    graph = onnx.load(str(model.path)).graph
    weights = {t.name: t for t in graph.initializer}
    shapes = [tuple(weights[node.input[1]].dims) for node in graph.node if node.op_type == "LSTM"]
    rng = np.random.default_rng(0)
    nodes, inits, inputs, outputs, feeds = [], [], [], [], {}
    width = shapes[0][2]
    x = "x"
    inputs.append(helper.make_tensor_value_info(x, TensorProto.FLOAT, [1, 1, width]))
    feeds[x] = rng.standard_normal((1, 1, width)).astype(np.float32)
    for k, (_, gates, size) in enumerate(shapes):
        units = gates // 4
        for name, dims in ((f"W{k}", (1, gates, size)), (f"R{k}", (1, gates, units)),
                           (f"B{k}", (1, 2 * gates))):
            inits.append(numpy_helper.from_array(
                (0.1 * rng.standard_normal(dims)).astype(np.float32), name))
        for state in (f"h{k}", f"c{k}"):
            inputs.append(helper.make_tensor_value_info(state, TensorProto.FLOAT, [1, 1, units]))
            feeds[state] = np.zeros((1, 1, units), np.float32)
        nodes.append(helper.make_node("LSTM", [x, f"W{k}", f"R{k}", f"B{k}", "", f"h{k}", f"c{k}"],
                                      [f"y{k}", f"h{k}_out", f"c{k}_out"], hidden_size=units))
        nodes.append(helper.make_node("Squeeze", [f"y{k}", "axis1"], [f"x{k + 1}"]))
        x = f"x{k + 1}"
        outputs += [helper.make_tensor_value_info(f"{s}{k}_out", TensorProto.FLOAT, None)
                    for s in "hc"]
    inits.append(numpy_helper.from_array(np.array([1], np.int64), "axis1"))
    outputs.append(helper.make_tensor_value_info(x, TensorProto.FLOAT, None))
    reference = helper.make_model(helper.make_graph(nodes, "reference", inputs, outputs, inits),
                                  opset_imports=[helper.make_opsetid("", 17)])
    session = ort.InferenceSession(reference.SerializeToString(), session_options(),
                                   providers=["CPUExecutionProvider"])
    return session, feeds, [o.name for o in session.get_outputs()]


def reference_call(reference: tuple[object, dict[str, np.ndarray], list[str]]):
    """One step of the reference stack, states fed back, as ``step_call`` does."""
    session, feeds, names = reference
    carry = [(i, name[:-4]) for i, name in enumerate(names) if name.endswith("_out")]
    return stepping(session, names, feeds, carry)


def window_call(model: ModelFile):
    session = model.session
    feeds = one_event(model, model.metadata.window)
    return lambda: session.run(None, feeds)


def predict_call(keras_seed, seed: ModelFile):
    feeds = one_event(seed, seed.metadata.window)
    return lambda: keras_seed.predict(feeds, verbose=0)


def eager_call(keras_seed, seed: ModelFile):
    feeds = one_event(seed, seed.metadata.window)
    return lambda: keras_seed(feeds, training=False)


def print_table(rows: list[Row], stream: ModelFile, seed: ModelFile, notes: list[str]) -> None:
    base = next(r for r in rows if r.name.startswith("seed window, onnx")).latency.p50_ms
    units = stream.metadata.states[0].units if stream.metadata.states else 0
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"one thread; stream {len(stream.metadata.states)}x{units} LSTM step graph, "
          f"seed BiLSTM window of {seed.metadata.window}; load average {load} on "
          f"{os.cpu_count()} cores (other work inflates p99 first)")
    for note in notes:
        print(f"  {note}")
    print(f"{'':34} {'calls':>6} {'p50 ms':>9} {'p99 ms':>9} {'p50 / ORT window':>17}")
    for row in rows:
        lat = row.latency
        print(f"{row.name:34} {lat.calls:>6} {lat.p50_ms:>9.3f} {lat.p99_ms:>9.3f} "
              f"{lat.p50_ms / base:>16.2f}x")
    for row in rows[:2]:
        lat = row.latency
        verdict = "met" if lat.p50_ms <= TARGET_P50_MS and lat.p99_ms <= TARGET_P99_MS \
            else "MISSED"
        print(f"live target (p50 <= {TARGET_P50_MS} ms, p99 <= {TARGET_P99_MS} ms), "
              f"{row.name}: {verdict}")
    reference = rows[2].latency
    for row in rows[:2]:
        p50, p99 = (row.latency.p50_ms / reference.p50_ms, row.latency.p99_ms / reference.p99_ms)
        verdict = "met" if p50 <= REFERENCE_RATIO else "MISSED"
        print(f"{row.name} / native LSTM stack, same run: p50 {p50:.2f}x, p99 {p99:.2f}x "
              f"(target p50 <= {REFERENCE_RATIO}x): {verdict}")


if __name__ == "__main__":
    sys.exit(main())
