"""bcf-xl: issue, validate and assure Better Care Fund planning workbooks."""

__version__ = "0.1.0"
