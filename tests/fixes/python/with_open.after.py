# fix-test: select=LL110,LL111
"""Resources used only by the statements that follow them: `with` closes them."""

import json
import socket

import requests


def first_line(path):
    with open(path, encoding="utf-8") as f:  # a comment on the acquisition stays with it
        line = f.readline()
        if not line:
            return None  # the with closes on this return too
    return line


def save(path, rows):
    # the explicit close goes: the with closes the file
    with open(path, "w") as out:
        json.dump(rows, out)


def ping(host):
    with socket.create_connection((host, 7)) as sock:
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
