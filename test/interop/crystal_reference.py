#!/usr/bin/python3
"""Reference values for test/crystal-interop.test.ts, from gemmi and spglib.

    /usr/bin/python3 test/interop/crystal_reference.py FILE.cif [FILE.cif ...]

Prints one JSON object per file (a list): gemmi's reading of the CIF (cell,
sites, symmetry operators through gemmi's own CIF parser, space group),
d-spacings and electron |F|^2 (StructureFactorCalculatorE with
change_occupancies_to_crystallographic(), as ORIENTATION.md says) for every
reflection with d >= 0.8 A, and spglib's space group of the atoms of the
cell that gemmi expands.
"""
import json
import sys

import gemmi
import spglib

out = []
for path in sys.argv[1:]:
    doc = gemmi.cif.read(path)
    block = doc.sole_block()
    st = gemmi.read_small_structure(path)
    ops = []
    for tag in ('_space_group_symop_operation_xyz', '_symmetry_equiv_pos_as_xyz'):
        values = block.find_values(tag)
        if len(values):
            ops = [gemmi.Op(gemmi.cif.as_string(v)).triplet() for v in values]
            break
    # gemmi 0.5.7 reads the space group from the symbol only; take it from the operators when listed.
    sg = gemmi.find_spacegroup_by_ops(gemmi.GroupOps([gemmi.Op(t) for t in ops])) if ops else st.find_spacegroup()
    if sg is not None:
        st.spacegroup_hm = sg.xhm()
        st.setup_cell_images()
    cell = st.cell
    sites = [
        {'label': s.label, 'element': s.element.name, 'fract': [s.fract.x, s.fract.y, s.fract.z], 'occ': s.occ, 'u_iso': s.u_iso}
        for s in st.sites
    ]
    # The whole cell, for spglib.
    m = cell.orthogonalization_matrix.tolist()
    lattice = [[m[r][c] for r in range(3)] for c in range(3)]
    positions, numbers = [], []
    for s in st.get_all_unit_cell_sites():
        positions.append([s.fract.x % 1, s.fract.y % 1, s.fract.z % 1])
        numbers.append(s.element.atomic_number)
    dataset = spglib.get_symmetry_dataset((lattice, positions, numbers), symprec=1e-3)
    st.change_occupancies_to_crystallographic()
    calc = gemmi.StructureFactorCalculatorE(st.cell)
    reflections = []
    hmax = [int(v / 0.8) for v in (cell.a, cell.b, cell.c)]
    for h in range(-hmax[0], hmax[0] + 1):
        for k in range(-hmax[1], hmax[1] + 1):
            for l in range(-hmax[2], hmax[2] + 1):
                if (h, k, l) == (0, 0, 0):
                    continue
                d = cell.calculate_d([h, k, l])
                if d < 0.8:
                    continue
                f = calc.calculate_sf_from_small_structure(st, [h, k, l])
                reflections.append({'hkl': [h, k, l], 'd': d, 'f2': abs(f) ** 2})
    out.append({
        'file': path,
        'cell': [cell.a, cell.b, cell.c, cell.alpha, cell.beta, cell.gamma],
        'sites': sites,
        'ops': ops,
        'spaceGroup': {'number': sg.number, 'hm': sg.hm, 'ops': [op.triplet() for op in sg.operations()]} if sg else None,
        'spglib': {'number': dataset['number'] if isinstance(dataset, dict) else dataset.number,
                   'international': dataset['international'] if isinstance(dataset, dict) else dataset.international},
        'cellAtoms': len(positions),
        'reflections': reflections,
    })
json.dump(out, sys.stdout)
