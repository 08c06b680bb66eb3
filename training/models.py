"""The two melody models, written in backend-neutral Keras 3 (no ``tf.*``).

Both read the same input frames and answer with the same two heads, so the live sampler can
steer pitch without touching rhythm:

* inputs, per position t: the previous event's pitch id (``bos`` at the start) and duration
  id, the harmony under event t (12 pitch-class bits: the chord the new note will sound
  over) and the instrument family;
* outputs: a pitch distribution and a duration distribution for event t.

``seed`` is the seed project's network (a window of events -> the next event); ``stream`` is a
causal LSTM stack trained on every position at once, whose layers the export step re-runs one
event at a time with explicit states. Layer names are part of the contract with export/.
"""

from __future__ import annotations

import keras
from keras import layers
from musicai.live.encoding import Vocabulary
from musicai.training.config import ModelConfig, TrainConfig

INPUT_NAMES = ("prev_pitch", "prev_duration", "harmony", "instrument")
OUTPUT_NAMES = ("pitch", "duration")


def _inputs(length: int | None) -> dict[str, keras.KerasTensor]:
    return {
        "prev_pitch": keras.Input((length,), dtype="int32", name="prev_pitch"),
        "prev_duration": keras.Input((length,), dtype="int32", name="prev_duration"),
        "harmony": keras.Input((length, 12), dtype="float32", name="harmony"),
        "instrument": keras.Input((length,), dtype="int32", name="instrument"),
    }


def frame_features(inputs: dict, config: ModelConfig, vocab: Vocabulary) -> keras.KerasTensor:
    """Embed the token inputs and join them with the harmony bits: (batch, time, features)."""
    pitch = layers.Embedding(vocab.n_pitch_inputs, config.pitch_embedding, name="embed_pitch")
    duration = layers.Embedding(vocab.n_duration_inputs, config.duration_embedding,
                                name="embed_duration")
    instrument = layers.Embedding(vocab.n_instruments, config.instrument_embedding,
                                  name="embed_instrument")
    return layers.Concatenate(name="features")([
        pitch(inputs["prev_pitch"]),
        duration(inputs["prev_duration"]),
        inputs["harmony"],
        instrument(inputs["instrument"]),
    ])


def _heads(hidden: keras.KerasTensor, vocab: Vocabulary) -> dict[str, keras.KerasTensor]:
    pitch = layers.Dense(vocab.n_pitches, name="pitch_logits")(hidden)
    duration = layers.Dense(vocab.n_durations, name="duration_logits")(hidden)
    return {
        "pitch": layers.Softmax(name="pitch")(pitch),
        "duration": layers.Softmax(name="duration")(duration),
    }


def build_seed(config: ModelConfig, vocab: Vocabulary) -> keras.Model:
    """The seed design: two BiLSTM blocks, an LSTM, a dense block, softmax heads."""
    inputs = _inputs(config.window)
    x = frame_features(inputs, config, vocab)
    for i in (1, 2):
        x = layers.Bidirectional(layers.LSTM(config.seed_units, return_sequences=True),
                                 name=f"bilstm_{i}")(x)
        x = layers.BatchNormalization(name=f"bn_{i}")(x)
        x = layers.Dropout(config.dropout, name=f"dropout_{i}")(x)
    x = layers.LSTM(config.seed_units, name="lstm_3")(x)
    x = layers.BatchNormalization(name="bn_3")(x)
    x = layers.Dropout(config.dropout, name="dropout_3")(x)
    x = layers.Dense(config.seed_dense, activation="relu", name="dense")(x)
    x = layers.BatchNormalization(name="bn_dense")(x)
    x = layers.Dropout(config.dropout, name="dropout_dense")(x)
    return keras.Model(inputs, _heads(x, vocab), name="seed_bilstm")


def stream_lstm_name(index: int) -> str:
    return f"lstm_{index}"


def build_stream(config: ModelConfig, vocab: Vocabulary, length: int | None = None) -> keras.Model:
    """Causal LSTM stack with a prediction at every position (any length at inference)."""
    inputs = _inputs(length)
    x = frame_features(inputs, config, vocab)
    for i in range(config.stream_layers):
        x = layers.LSTM(config.stream_units, return_sequences=True, name=stream_lstm_name(i))(x)
        x = layers.Dropout(config.dropout, name=f"dropout_{i}")(x)
    return keras.Model(inputs, _heads(x, vocab), name="stream_lstm")


def build_model(config: TrainConfig, vocab: Vocabulary) -> keras.Model:
    if config.model.arch == "seed":
        return build_seed(config.model, vocab)
    return build_stream(config.model, vocab)


def compile_model(model: keras.Model, config: TrainConfig) -> keras.Model:
    """Adam and (sparse) categorical cross-entropy on both heads, as in the seed."""
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=config.learning_rate),
        # Padded positions of stream sequences carry sample weight 0; the default reduction
        # would still count them in the mean and report a loss below the true NLL per event.
        loss={name: keras.losses.SparseCategoricalCrossentropy(
            reduction="mean_with_sample_weight") for name in OUTPUT_NAMES},
        weighted_metrics={
            "pitch": [
                keras.metrics.SparseCategoricalAccuracy(name="acc"),
                keras.metrics.SparseTopKCategoricalAccuracy(k=5, name="top5"),
            ],
            "duration": [keras.metrics.SparseCategoricalAccuracy(name="acc")],
        },
    )
    return model
