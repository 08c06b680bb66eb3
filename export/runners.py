"""Running an exported model over melodies the way the live engine will (onnxruntime only).

A step graph is run event by event with its states carried (as played live) or over a whole
melody in one call; a window graph over every full window of a melody. Every runner answers
the graph's outputs by name (``pitch_logits`` ... , without the batch axis of a melody), with
the states left out; :func:`nll` scores the logits.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from musicai.live.inference.model_file import ModelFile

Arrays = dict[str, np.ndarray]
HEADS = ("pitch", "duration")


def softmax(logits: np.ndarray) -> np.ndarray:
    shifted = np.exp(logits - logits.max(axis=-1, keepdims=True))
    return shifted / shifted.sum(axis=-1, keepdims=True)


def log_softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def nll(logits: Arrays, targets: Arrays) -> tuple[float, int]:
    """Summed event NLL in nats (pitch + duration heads) and the number of targets."""
    total = 0.0
    for head in HEADS:
        logp = log_softmax(logits[f"{head}_logits"].astype(np.float64))
        total -= float(np.take_along_axis(logp, targets[head][:, None], axis=-1).sum())
    return total, len(targets["pitch"])


def _token_inputs(inputs: Arrays, model: ModelFile) -> Arrays:
    """The event inputs the graph asks for (a v1 graph leaves the bar context out)."""
    names = {t.name for t in model.metadata.inputs}
    return {k: v for k, v in inputs.items() if k in names}


def run_sequence(model: ModelFile, inputs: Arrays) -> Arrays:
    """Step graph, the whole ``(1, T)`` melody in one call from zero states -> ``(T, V)``."""
    out = dict(zip(_names(model), model.session.run(
        None, {**_token_inputs(inputs, model), **model.initial_states(1)}), strict=True))
    return {name: out[name][0] for name in _heads(model)}


def run_stepwise(model: ModelFile, inputs: Arrays) -> Arrays:
    """Step graph, one event per call with the states fed back -> ``(T, V)``."""
    step = Stepper(model)
    length = inputs["prev_pitch"].shape[1]
    rows = [step({k: v[:, t:t + 1] for k, v in _token_inputs(inputs, model).items()})
            for t in range(length)]
    return {name: np.concatenate([r[name] for r in rows]) for name in _heads(model)}


def run_windows(model: ModelFile, inputs: Arrays, batch: int = 64) -> Arrays:
    """Window graph over ``(N, window)`` inputs -> ``(N, V)`` logits and probabilities."""
    names = _names(model)
    count = len(inputs["prev_pitch"])
    parts = []
    for lo in range(0, count, batch):
        feed = {k: v[lo:lo + batch] for k, v in _token_inputs(inputs, model).items()}
        parts.append(model.session.run(names, feed))
    return {name: np.concatenate([p[i] for p in parts]) for i, name in enumerate(names)}


class Stepper:
    """One event at a time through a step graph, carrying the states between calls."""

    def __init__(self, model: ModelFile) -> None:
        self.session = model.session
        self.names = _names(model)
        self.heads = _heads(model)
        self.states = model.initial_states(1)
        self.carry = [(s.h_out, s.h_in) for s in model.metadata.states]
        self.carry += [(s.c_out, s.c_in) for s in model.metadata.states]

    def __call__(self, event: Arrays) -> Arrays:
        out = dict(zip(self.names, self.session.run(None, {**event, **self.states}),
                       strict=True))
        self.states = {dst: out[src] for src, dst in self.carry}
        return {name: out[name][0] for name in self.heads}


def one_call(model: ModelFile, inputs: Arrays) -> Callable[[], object]:
    """A zero-argument call of one live step (step graph) or one window (window graph),
    batch 1, for timing; a step call feeds its states back like the engine does."""
    if model.metadata.is_step:
        step = Stepper(model)
        event = {k: v[:1, :1] for k, v in _token_inputs(inputs, model).items()}
        return lambda: step(event)
    feed = {k: v[:1] for k, v in _token_inputs(inputs, model).items()}
    session, names = model.session, _names(model)
    return lambda: session.run(names, feed)


def _names(model: ModelFile) -> list[str]:
    return [o.name for o in model.session.get_outputs()]


def _heads(model: ModelFile) -> list[str]:
    """The declared non-state outputs (logits, and probabilities where the graph has them)."""
    return [t.name for t in model.metadata.outputs]
