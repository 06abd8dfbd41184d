"""One benchmark task with the Python reference, in a fresh process: prints
{"seconds", "rss_mb", "check"} as JSON. Run by bench/run.mjs with /usr/bin/python3.

Tools: hyperspy (hs.load, lazy where it says so) and numpy (on the raw bytes).
"""
import json
import os
import resource
import shutil
import sys
import tempfile
import time
import warnings

import numpy as np

warnings.simplefilter("ignore")
tool, task, path = sys.argv[1], sys.argv[2], sys.argv[3]
rest = sys.argv[4:]
out = tempfile.mkdtemp(prefix="blo-bench-")


def positions(n, ny, nx):
    state = 12345  # MINSTD, as bench/ours.mjs
    result = []
    for _ in range(n):
        state = (state * 48271) % 2147483647
        y = state % ny
        state = (state * 48271) % 2147483647
        result.append((y, state % nx))
    return result


def raw_view(path, loader):
    hdr = np.fromfile(path, dtype=np.uint8, count=240)
    magic = int(hdr[6:8].view("<u2")[0])
    off2 = int(hdr[12:16].view("<u4")[0])
    dp = int(hdr[20:22].view("<u2")[0])
    nx = int(hdr[24:26].view("<u2")[0])
    ny = int(hdr[26:28].view("<u2")[0])
    itemsize = 2 if magic == 0x0103 else 1
    record = 6 + dp * dp * itemsize
    raw = loader(path)
    frames = np.lib.stride_tricks.as_strided(
        raw[off2 + 6:].view(np.uint8), shape=(ny, nx, dp * dp * itemsize), strides=(nx * record, record, 1))
    if itemsize == 2:
        frames = frames.view("<u2")
    return frames.reshape(ny, nx, dp, dp), dp


try:
    if tool == "hyperspy":
        import hyperspy.api as hs
    # Imports are not timed: a user's session has them loaded already.
    t = time.perf_counter()
    if task == "load":
        if tool == "hyperspy":
            data = hs.load(path).data
        else:
            data, _ = raw_view(path, lambda p: np.fromfile(p, dtype=np.uint8))
        seconds = time.perf_counter() - t
        ny, nx, dp = data.shape[0], data.shape[1], data.shape[-1]
        frame, pixel = divmod(12345, dp * dp)
        check = int(data[-1, -1, -1, -1]) + int(data[frame // nx, frame % nx, pixel // dp, pixel % dp])
    elif task == "random-frames":
        n = int(rest[0]) if rest else 1000
        s = hs.load(path, lazy=True)
        ny, nx = s.data.shape[:2]
        total = 0
        for y, x in positions(n, ny, nx):
            total += int(np.asarray(s.data[y, x].compute()).reshape(-1)[100])
        seconds = time.perf_counter() - t
        check = total
    elif task == "first-pattern":
        s = hs.load(path, lazy=True)
        frame = np.asarray(s.data[0, 0].compute())
        seconds = time.perf_counter() - t
        check = int(frame.reshape(-1)[100])
    elif task == "virtual":
        if tool == "hyperspy":
            data = hs.load(path).data
            dp = data.shape[-1]
        else:
            data, dp = raw_view(path, lambda p: np.memmap(p, dtype=np.uint8, mode="r"))
        yy, xx = np.mgrid[0:dp, 0:dp]
        mask = (xx - dp / 2) ** 2 + (yy - dp / 2) ** 2 <= (dp / 8) ** 2
        image = data[..., mask].sum(axis=-1, dtype=np.float64)
        seconds = time.perf_counter() - t
        check = float(image.sum())
    elif task == "to-npy":
        s = hs.load(path)
        np.save(os.path.join(out, "out.npy"), s.data)
        seconds = time.perf_counter() - t
        check = 0
    elif task == "write-blo":
        s = hs.load(path)
        t = time.perf_counter()
        s.save(os.path.join(out, "out.blo"))
        seconds = time.perf_counter() - t
        check = 0
    else:
        raise SystemExit(f"unknown task {task}")
finally:
    shutil.rmtree(out, ignore_errors=True)

print(json.dumps({"seconds": seconds, "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "check": check}))
