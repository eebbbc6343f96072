"""FLIP digests: the Digest model (model.py), the extractive engine (extractive.py, offline
default), the optional LLM engine (llm.py), renderers (render*.py), the honesty checks
(checks.py) and the review flow (service.py). No chat platform in here.

Nothing is imported here on purpose: the model is imported by the messenger, and the engine
pulls in scikit-learn, which only the modules that build digests should pay for.
"""
