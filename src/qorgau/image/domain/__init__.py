"""The pure domain of the image module: no files, no database, no web.

Survey side: :mod:`.scales` (the scale file), :mod:`.survey` (table → ratings cube, validation,
straight-lining), :mod:`.profiles` (means, bootstrap intervals, E/P/A, D, Cronbach–Gleser split,
segments), :mod:`.factors` (E/P/A from the data). Speech side: :mod:`.text` (sentences, words,
syllables, language check), :mod:`.readability`, :mod:`.diversity`, :mod:`.lexicon`,
:mod:`.speech` (one speech's analysis, comparison over time). Errors: :mod:`.errors`.
"""
