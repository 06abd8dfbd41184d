"""Reads blockfiles with HyperSpy (1.7.3, or 2.x with RosettaSciIO) and prints
what it found as JSON: the reference our writer is tested against."""
import hashlib
import json
import sys
import warnings

import numpy as np
import hyperspy.api as hs


def axes_of(s):
    """The axes as HyperSpy holds them, as plain data."""
    return [
        {"name": a.name, "size": a.size, "scale": a.scale, "offset": a.offset,
         "units": a.units, "navigate": a.navigate}
        for a in s.axes_manager._axes
    ]


def plain(v):
    """Header values as JSON can hold them (bytes decoded, numpy scalars unwrapped)."""
    if isinstance(v, bytes):
        return v.decode()
    return v.item() if hasattr(v, "item") else v


def describe(path):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        s = hs.load(path)
        data = np.ascontiguousarray(s.data)
    header = s.original_metadata.blockfile_header.as_dictionary()
    return {
        "shape": list(data.shape),
        "dtype": str(data.dtype),
        "data_sha256": hashlib.sha256(data.tobytes()).hexdigest(),
        "axes": axes_of(s),
        "header": {k: plain(v) for k, v in header.items()},
        "warnings": [str(w.message) for w in caught
                     if "blockfile" in str(w.filename).lower() or "blo" in str(w.message).lower()],
    }


def describe_or_error(path):
    """What HyperSpy reads, or the error it raises (some malformed files it refuses)."""
    try:
        return describe(path)
    except Exception as e:  # noqa: BLE001 - any refusal is an outcome to report
        return {"error": f"{type(e).__name__}: {e}"}


if __name__ == "__main__":
    print(json.dumps({path: describe_or_error(path) for path in sys.argv[1:]}))
