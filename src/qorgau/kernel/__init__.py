"""The kernel every module stands on: db, auth, audit, people, law, i18n and the web shell."""
