"""Reference data: the boards, their councils and CCGs, and what each template is issued with.

``load`` reads and checks it (bundled or from a file); ``build`` makes the bundled file.
"""

from bcf_xl.reference.load import (
    ALIASES, CcgContribution, Council, Hwb, Reference, ReferenceError, load_reference, to_csv,
)

__all__ = ["ALIASES", "CcgContribution", "Council", "Hwb", "Reference", "ReferenceError",
           "load_reference", "to_csv"]
