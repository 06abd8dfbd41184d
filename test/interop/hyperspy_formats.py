"""HyperSpy (1.7.3, or 2.x with RosettaSciIO) on the formats `blo convert` writes.

    hyperspy_formats.py read PATH...   what HyperSpy loads from each path, eagerly and lazily, as JSON
    hyperspy_formats.py save BLO OUT... HyperSpy's own .hspy/.zspy files of a blockfile
"""
import hashlib
import json
import sys

import numpy as np
import hyperspy.api as hs

from hyperspy_read import axes_of, plain


def describe(path, lazy):
    s = hs.load(path, lazy=lazy)
    data = np.ascontiguousarray(np.asarray(s.data.compute() if lazy else s.data))
    om = s.original_metadata.as_dictionary()
    return {
        "class": type(s).__name__,
        "shape": list(data.shape),
        "dtype": str(data.dtype),
        "data_sha256": hashlib.sha256(data.tobytes()).hexdigest(),
        "axes": axes_of(s),
        "header": {k: plain(v) for k, v in om.get("blockfile_header", {}).items()},
        "general": {k: plain(v) for k, v in s.metadata.General.as_dictionary().items() if k != "FileIO"},
    }


if sys.argv[1] == "read":
    print(json.dumps({p: {"eager": describe(p, False), "lazy": describe(p, True)} for p in sys.argv[2:]}))
else:
    s = hs.load(sys.argv[2])
    for out in sys.argv[3:]:
        s.save(out, overwrite=True)
