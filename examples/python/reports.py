"""Report export jobs: some leak, some are written the safe way."""

import sqlite3
import subprocess
import threading

import requests


def export_csv(db_path, out_path):
    # `with sqlite3.connect()` commits, but never closes the connection
    with sqlite3.connect(db_path) as conn:
        rows = conn.execute("SELECT id, total FROM orders").fetchall()
    out = open(out_path, "w")
    for row in rows:
        out.write(f"{row[0]},{row[1]}\n")
    out.close()  # skipped if a write raises


def fetch_rates(url):
    session = requests.Session()
    return session.get(url, timeout=5).json()


def compress(path):
    proc = subprocess.Popen(["gzip", "-k", path])
    return proc.pid


def schedule_reminder(send):
    timer = threading.Timer(3600, send)
    timer.start()


def export_json(db_path, out_path):
    conn = sqlite3.connect(db_path)
    try:
        rows = conn.execute("SELECT id, total FROM orders").fetchall()
    finally:
        conn.close()
    with open(out_path, "w") as out:
        for row in rows:
            out.write(f'{{"id": {row[0]}, "total": {row[1]}}}\n')


class RateClient:
    """Owns its session and closes it in close()."""

    def __init__(self):
        self.session = requests.Session()

    def get(self, url):
        return self.session.get(url, timeout=5).json()

    def close(self):
        self.session.close()
