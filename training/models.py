"""The two melody models, written in backend-neutral Keras 3 (no ``tf.*``).

Both read the same input frames and answer with the same two heads, so the live sampler can
steer pitch without touching rhythm:

* inputs, per position t: the previous event's pitch id (``bos`` at the start) and duration
  id, the harmony under event t (12 pitch-class bits: the chord the new note will sound
  over) and the instrument family; with encoding v2 (``Vocabulary.inputs``) also event t's
  16th slot and beat level in the bar, the pitch ids sounding one and two bars before it
  (through the same embedding as the previous pitch, so "what sounded a bar ago" and "what
  to play" live in one space and copying is easy to learn), two repeating flags and the
  style (source collection);
* outputs: a pitch distribution and a duration distribution for event t.

``seed`` is the seed project's network (a window of events -> the next event); ``stream`` is a
causal LSTM stack trained on every position at once, whose layers the export step re-runs one
event at a time with explicit states. Layer names are part of the contract with export/.
"""

from __future__ import annotations

import keras
from keras import layers
from musicai.live.encoding import Vocabulary
from musicai.live.encoding.context import N_LEVELS, N_POSITIONS
from musicai.training.config import ModelConfig, TrainConfig

INPUT_NAMES = ("prev_pitch", "prev_duration", "harmony", "instrument")  # encoding v1
OUTPUT_NAMES = ("pitch", "duration")
#: Token inputs and the embedding each goes through; the float inputs join as they are.
EMBEDDINGS = {"prev_pitch": "embed_pitch", "prev_duration": "embed_duration",
              "instrument": "embed_instrument", "position": "embed_position",
              "level": "embed_level", "lookback_1": "embed_pitch", "lookback_2": "embed_pitch",
              "style": "embed_style"}


def input_names(vocab: Vocabulary) -> tuple[str, ...]:
    return tuple(name for name, _, _ in vocab.inputs())


def feature_layout(vocab: Vocabulary) -> tuple[tuple[str, str | None], ...]:
    """The features concatenation, in order: (input, embedding layer or None)."""
    return tuple((name, EMBEDDINGS.get(name)) for name in input_names(vocab))


def embedding_widths(config: ModelConfig, vocab: Vocabulary) -> dict[str, tuple[int, int]]:
    """Each embedding layer's (input ids, width)."""
    return {
        "embed_pitch": (vocab.n_pitch_inputs, config.pitch_embedding),
        "embed_duration": (vocab.n_duration_inputs, config.duration_embedding),
        "embed_instrument": (vocab.n_instruments, config.instrument_embedding),
        "embed_position": (N_POSITIONS, config.position_embedding),
        "embed_level": (N_LEVELS, config.level_embedding),
        "embed_style": (vocab.n_styles, config.style_embedding),
    }


def feature_widths(config: ModelConfig, vocab: Vocabulary) -> list[int]:
    sizes = embedding_widths(config, vocab)
    per = {name: width for name, _, width in vocab.inputs()}
    return [sizes[layer][1] if layer else per[name] for name, layer in feature_layout(vocab)]


def _inputs(length: int | None, vocab: Vocabulary) -> dict[str, keras.KerasTensor]:
    return {name: keras.Input((length,) if width == 1 and dtype == "int32" else (length, width),
                              dtype=dtype, name=name)
            for name, dtype, width in vocab.inputs()}


def frame_features(inputs: dict, config: ModelConfig, vocab: Vocabulary) -> keras.KerasTensor:
    """Embed the token inputs and join them with the float ones: (batch, time, features)."""
    layers_by_name = {name: layers.Embedding(ids, width, name=name)
                      for name, (ids, width) in embedding_widths(config, vocab).items()}
    return layers.Concatenate(name="features")([
        layers_by_name[layer](inputs[name]) if layer else inputs[name]
        for name, layer in feature_layout(vocab)
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
    inputs = _inputs(config.window, vocab)
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
    inputs = _inputs(length, vocab)
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
