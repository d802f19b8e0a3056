# fix-test: select=LL110,LL111
"""Resources used only by the statements that follow them: `with` closes them."""

import json
import socket

import requests


def first_line(path):
    f = open(path, encoding="utf-8")  # a comment on the acquisition stays with it
    line = f.readline()
    if not line:
        return None  # the with closes on this return too
    f.close()
    return line


def save(path, rows):
    # the explicit close goes: the with closes the file
    out = open(path, "w")
    json.dump(rows, out)
    out.close()


def ping(host):
    sock = socket.create_connection((host, 7))
    sock.sendall(b"x")
    for chunk in sock.makefile("rb"):
        print(len(chunk))
        break
    return True


def stream(url):
    # the response comes from the session and is read after the last use of the
    # session: a `with` could close what it still needs, so the fix is unsafe
    session = requests.Session()
    response = session.get(url, stream=True)
    return b"".join(response.iter_content(1024))
