"""backcoach: from back pain to progress with a back-worn motion sensor.

The wiring lives here (configuration, errors, the command line); the work lives in the
sub-packages `backcoach.collector`, `backcoach.processing`, `backcoach.storage` and
`backcoach.dashboard`, which sit in the repository's top-level folders of the same names.
"""

__version__ = "0.1.0"
