"""The log channel: every warning as one line in the service's log (and so on the console)."""

from __future__ import annotations

import logging

from backcoach.i18n import warning_text
from backcoach.processing.types import OverloadWarning

LOGGER_NAME = "backcoach.warnings"


class LogChannel:
    """Writes each warning at WARNING level to the `backcoach.warnings` logger."""

    name = "log"

    def __init__(self, logger: logging.Logger | None = None) -> None:
        self.logger = logger or logging.getLogger(LOGGER_NAME)

    def send(self, warning: OverloadWarning, lang: str) -> None:
        # The warning's own (data) time travels with the record: a replayed or simulated day
        # can show it instead of the wall clock (`backcoach demo` does).
        self.logger.warning("%s", warning_text(warning, lang), extra={"data_time_s": warning.t_s})
