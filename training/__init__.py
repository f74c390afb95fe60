"""Build-time training pipeline (needs the ``[train]`` extra: PyTorch).

``python -m training.train``    trains the handwriting model on IAM-OnDB,
``python -m training.export``   writes the project weights format into ``weights/``,
``python -m training.evaluate`` prints the NLL (nats per point) of any weights file.
"""
