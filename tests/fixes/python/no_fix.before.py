# fix-test: select=LL110 unsafe
"""Reported, but no fix: the resource outlives the statements after it, or leaves."""

import sys


def reassigned(path):
    f = open(path)
    if not path.endswith(".txt"):
        f = sys.stdin
    return f.read()


class Reader:
    def load(self, path):
        f = open(path)
        header = f.readline()
        if header:
            self.handle = f
        return header


def used_by_a_nested_function(path):
    f = open(path)
    if not path:
        return None

    def read():
        return f.read()

    return read
