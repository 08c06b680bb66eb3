"""Predictors: the protocol, the theory-only one and the ONNX ones."""
