"""TypeScript/JavaScript rules that are code: one module per rule (llNNN_name.py) and their
shared helpers."""
