"""DeZero's ``get_file`` and ``cache_dir``: fetch a file once into ``~/.plugrad``."""

from __future__ import annotations

import os
import sys

cache_dir = os.path.join(os.path.expanduser("~"), ".plugrad")


def get_file(url: str, file_name: str | None = None) -> str:
    """Download ``url`` into ``cache_dir`` unless it is there already; return the local path."""
    name = file_name if file_name is not None else url.rsplit("/", 1)[-1]
    file_path = os.path.join(cache_dir, name)
    if not os.path.exists(file_path):
        download(url, file_path)
    return file_path


def download(url: str, file_path: str, timeout: float = 30.0) -> None:
    """Fetch ``url`` to ``file_path``; a partial download never takes the final name."""
    import urllib.request  # here, not at import time: it pulls in http, ssl and email

    folder = os.path.dirname(os.path.abspath(file_path))
    os.makedirs(folder, exist_ok=True)
    temp_path = file_path + ".part"
    print(f"Downloading: {url}", file=sys.stderr)
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response, open(temp_path, "wb") as out:
            while chunk := response.read(1 << 16):
                out.write(chunk)
        os.replace(temp_path, file_path)
    except BaseException:
        if os.path.exists(temp_path):
            os.remove(temp_path)
        raise
