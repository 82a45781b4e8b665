"""Open category lexicons for speech analysis, one YAML file per language (ru, kk, en); see README.md."""
