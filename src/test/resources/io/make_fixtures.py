#!/usr/bin/env python3
"""Writes the numpy-made .npy/.npz fixtures that NpyNumpyFixturesTest reads.

Run by hand from this folder with Debian's numpy (the build never runs it):

    /usr/bin/python3 make_fixtures.py

The expected values are simple formulas that the Java test recomputes; keep the two in step.
"""
import numpy as np

# --- readable arrays -------------------------------------------------------------------------
np.save("f4_2x3.npy", np.arange(6, dtype="<f4").reshape(2, 3) / np.float32(7))
np.save("f8_scalar.npy", np.array(np.pi, dtype="<f8"))                 # shape ()
np.save("f8_2x3x4.npy", np.arange(24, dtype="<f8").reshape(2, 3, 4) * 0.5 - 3)
np.save("f8_special.npy", np.array([np.nan, np.inf, -np.inf, -0.0, 5e-324, 1.7976931348623157e308]))
np.save("f8_empty_0x3.npy", np.zeros((0, 3), dtype="<f8"))
np.save("i4_5.npy", np.array([-2**31, -1, 0, 1, 2**31 - 1], dtype="<i4"))
np.save("i8_2x2.npy", np.array([[-2**63, 2**63 - 1], [0, 123456789012]], dtype="<i8"))
np.save("u1_5.npy", np.array([0, 1, 127, 128, 255], dtype="u1"))
np.save("b1_3.npy", np.array([True, False, True]))
with open("f8_v2_2x2.npy", "wb") as f:                                  # format version 2.0
    np.lib.format.write_array(f, np.array([[1.5, -2.5], [3.25, 4.0]]), version=(2, 0))

# --- archives --------------------------------------------------------------------------------
arrays = dict(w=np.arange(6, dtype="<f4").reshape(3, 2) / np.float32(3),
              b=np.array([0.25, -0.5], dtype="<f8"),
              step=np.array(42, dtype="<i8"))
np.savez("savez.npz", **arrays)                      # stored entries
np.savez_compressed("savez_compressed.npz", **arrays)  # deflated entries

# --- files that must be rejected -------------------------------------------------------------
np.save("bad_fortran_2x3.npy", np.asfortranarray(np.arange(6, dtype="<f8").reshape(2, 3)))
np.save("bad_bigendian.npy", np.arange(3, dtype=">f8"))
np.save("bad_complex.npy", np.array([1 + 2j], dtype="<c16"))
np.save("bad_structured.npy", np.zeros(2, dtype=[("x", "<f4"), ("y", "<i4")]))
print("numpy", np.__version__, "wrote the fixtures")
