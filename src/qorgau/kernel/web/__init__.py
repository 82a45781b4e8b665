"""The web shell: templates, static files, authentication dependencies, problem+json errors."""
