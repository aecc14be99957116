"""Experiments on the model: designs that compare arms over replicate runs."""
