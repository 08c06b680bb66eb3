"""Keep TensorFlow's start-up chatter (C++ logs written before any log setting applies) off
the user's terminal, without hiding a real failure: the text is shown again if import fails."""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from collections.abc import Iterator


@contextlib.contextmanager
def native_stderr_captured() -> Iterator[None]:
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile(mode="w+b") as sink:
        os.dup2(sink.fileno(), 2)
        try:
            yield
        except BaseException:
            os.dup2(saved, 2)
            sink.seek(0)
            sys.stderr.write(sink.read().decode(errors="replace"))
            raise
        finally:
            os.dup2(saved, 2)
            os.close(saved)


def import_keras_quietly():  # -> module keras
    """Import Keras and start its backend (first op) with the native logs captured."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    with native_stderr_captured():
        import keras

        keras.ops.convert_to_numpy(keras.ops.zeros((1,)) + 1)
    return keras
