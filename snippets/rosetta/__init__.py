"""The Rosetta page: the same derivatives in TensorFlow, JAX and PyTorch, checked against closed forms.

``examples`` holds the inputs, the closed forms and which call computes what;
``tensorflow_side``, ``jax_side`` and ``torch_side`` hold one function per call in
each library; ``recording`` keeps the PyTorch results that the opt-in ``rosetta_torch``
session recorded; ``report`` prints the comparisons and the Rosetta table.
"""
