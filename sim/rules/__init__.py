"""Batched rules, one module per process. Each acts on arrays of the members or threads it
touches and draws all randomness from the model's rng; a batch of one is the same rule."""
