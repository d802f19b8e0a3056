"""Facts: what one file says about itself that the analysis of other files needs, as
plain data (cached by content, sent to worker processes), and the index over them.

    per file:  parse -> extract facts            (go_package: declarations, uses)
    per run:   facts of the files read -> index  (index: packages, each file's reads)
    per file:  the analysis reads ctx.reads      (analyze.FileContext.reads)

``collect`` runs the phase; ``lifetimes`` says how long an owner lives.
"""
