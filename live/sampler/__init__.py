"""The theory sampler and its parts: (logits, state) -> note. Pure numpy, seeded."""
