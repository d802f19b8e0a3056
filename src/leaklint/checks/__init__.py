"""Rules implemented as code (check = "module.function" in their TOML)."""
