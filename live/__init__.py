"""The live run: the one place where samples, pipeline, warnings and store are wired together."""
