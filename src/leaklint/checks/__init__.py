"""Rules that are code rather than lifecycle data: ``check = "module.function"`` in a rule's
TOML names ``leaklint.checks.module.function(ctx, rule)``."""
