"""Run a model on people's own images: reading images, matching their axes, predicting, results."""
