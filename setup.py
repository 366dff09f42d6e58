# SPDX-License-Identifier: MIT
"""setup.py — the C extension half of the pip build (pyproject.toml holds
the metadata): compiles heapsnap._heapsnap from dump/python/*.c together
with the writer (dump/) and the codec (formats/) directly, linking
-lzstd -lcbor. `pip install --no-build-isolation .` from the repo root."""

import glob
import os
import tempfile

from setuptools import Extension, setup

# Build outside the tree: build/ at the root is a CMake build directory.
SCRATCH = os.path.join(tempfile.gettempdir(), "heapsnap-setuptools-%d" % os.getuid())
os.makedirs(SCRATCH, exist_ok=True)

# every C file of the three layers (the same sets CMake builds)
SOURCES = sorted(glob.glob("dump/python/hspy_*.c") + glob.glob("dump/hs_*.c") + glob.glob("formats/hsf_*.c"))

setup(
    options={"build": {"build_base": SCRATCH}, "egg_info": {"egg_base": SCRATCH}},
    ext_modules=[
        Extension(
            "heapsnap._heapsnap",
            sources=SOURCES,
            include_dirs=["dump", "formats", "dump/python"],
            libraries=["zstd", "cbor"],
            extra_compile_args=["-std=c11", "-fvisibility=hidden"],
        )
    ],
)
