"""The HTTP layer: request plumbing, body parsing, the error envelope, health, signed file links
and the built studio. Feature packages keep their own routes; `audio` and `planner` never import
this package (checked by the import-linter contracts in pyproject.toml)."""
