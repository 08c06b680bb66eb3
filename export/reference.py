"""What Keras says: the reference every exported graph is compared with."""

from __future__ import annotations

import numpy as np

Arrays = dict[str, np.ndarray]
HEADS = ("pitch", "duration")


class KerasReference:
    """Probabilities and pre-softmax logits of a Keras model, by the ONNX output names."""

    def __init__(self, model) -> None:
        import keras

        outputs = {}
        for head in HEADS:
            outputs[f"{head}_logits"] = model.get_layer(f"{head}_logits").output
            outputs[f"{head}_probs"] = model.get_layer(head).output
        self.model = keras.Model(model.input, outputs, name=f"{model.name}_reference")

    def __call__(self, inputs: Arrays) -> Arrays:
        out = self.model(inputs, training=False)
        return {name: np.asarray(value) for name, value in out.items()}
