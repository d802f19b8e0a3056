"""leaklint: finds leak-prone code in Go, TypeScript/JavaScript and Python."""

__version__ = "0.1.0"
# the name it is installed under: `leaklint` on PyPI is an unrelated project
DISTRIBUTION = "leaklint-code"
