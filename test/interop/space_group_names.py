#!/usr/bin/python3
"""How gemmi resolves every space-group name of its table: for test/crystal-interop.test.ts.

    /usr/bin/python3 test/interop/space_group_names.py

Prints a JSON list of [name, number, Hall symbol] for each Hermann-Mauguin
symbol (full, with setting, short) of every setting, looked up with
gemmi.find_spacegroup_by_name.
"""
import json
import sys

import gemmi

out = []
seen = set()
for sg in gemmi.spacegroup_table():
    for name in (sg.hm, sg.xhm(), sg.short_name()):
        if name in seen:
            continue
        seen.add(name)
        found = gemmi.find_spacegroup_by_name(name)
        if found is not None:
            out.append([name, found.number, found.hall.strip()])
json.dump(out, sys.stdout)
