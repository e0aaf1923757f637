"""The error gallery: mistakes people make with ``tf.GradientTape``, one module per kind of symptom.

Each mistake is a function that reproduces it and each fix is a function next to
it; ``docs/error-gallery.md`` shows both and runs both.
"""
