"""Who may do what in the image module: one permission per action.

* ``image.read`` — see surveys' profiles, speeches' analyses, comparisons, and download reports.
  Analysts, and the administrator (who oversees what the system holds). Nothing the module shows
  identifies a respondent: profiles are aggregates, and flagged rows are shown by number only.
* ``image.write`` — upload surveys and add speeches: analysts only (the administrator manages the
  system, not its content).
"""

from __future__ import annotations

from qorgau.kernel.auth.domain import grant

IMAGE_READ = grant("image.read", ["analyst", "admin"])
IMAGE_WRITE = grant("image.write", ["analyst"])
