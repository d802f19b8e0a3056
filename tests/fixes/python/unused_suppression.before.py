# fix-test: select=LL110,LL002
import subprocess


def fixed():
    with subprocess.Popen(["ls"]) as proc:  # leaklint: ignore[LL110]
        return proc.wait()


def above():
    # leaklint: ignore[python-resource-not-closed] kept open for the reader
    with open("log.txt") as fh:
        return fh.read()
