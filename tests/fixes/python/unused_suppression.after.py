# fix-test: select=LL110,LL002
import subprocess


def fixed():
    with subprocess.Popen(["ls"]) as proc:
        return proc.wait()


def above():
    with open("log.txt") as fh:
        return fh.read()
