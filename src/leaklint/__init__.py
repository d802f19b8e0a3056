"""leaklint: finds leak-prone code in Go, TypeScript/JavaScript and Python."""

__version__ = "0.1.0"
