# SPDX-License-Identifier: MIT
"""dump/python/build_backend/hs_build.py — heapsnap's in-tree PEP 517
build backend (pyproject.toml: build-backend = "hs_build", backend-path),
standard library only, so `pip install .` and `pip install
--no-build-isolation .` work offline in a fresh venv with no setuptools.

build_wheel drives the project's own CMake build with the interpreter pip
runs it under (-DHS_PYTHON=ON -DPython3_EXECUTABLE=sys.executable, tests
and benchmarks off) for three targets: hs_python_ext (heapsnap._heapsnap and
the pure-Python package, laid out in <build>/python/heapsnap),
hs_analyze_ext (heapsnap._analyze, beside it) and heapsnap_cli (the analyzer). The wheel holds the package and the analyzer
as a script (heapsnap-<v>.data/scripts/heapsnap), which pip puts on PATH
(<venv>/bin/heapsnap). It is tagged for this interpreter and platform only
(cpXY-cpXY-<platform>): the extension reads this CPython's internals.
build_sdist packs the sources CMake needs. Needs cmake, a C compiler and
Debian's libzstd-dev, libcbor-dev, python3-dev (or pyenv's headers).
Environment: HEAPSNAP_BUILD_JOBS (default 2), HEAPSNAP_BUILD_DIR (keep the
CMake build there instead of a temporary directory). See
docs/python.md#install."""

import base64
import hashlib
import io
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import tempfile
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
# what build_sdist packs: enough for CMake to build the package and the CLI
SDIST_PATHS = ["CMakeLists.txt", "pyproject.toml", "LICENSE", "README.md", "dump", "formats", "analyze", "docs"]


class BuildError(Exception):
    pass


def _project():
    """name, version, description, requires-python from pyproject.toml's
    [project] table (tomllib where the stdlib has it, 3.11+; else the
    simple `key = "value"` lines this file uses)."""
    path = os.path.join(ROOT, "pyproject.toml")
    with open(path, "rb") as f:
        raw = f.read()
    try:
        import tomllib
        return tomllib.loads(raw.decode("utf-8"))["project"]
    except ImportError:
        pass
    out, section = {}, None
    for line in raw.decode("utf-8").splitlines():
        line = line.strip()
        m = re.match(r"^\[([^\]]+)\]$", line)
        if m:
            section = m.group(1)
        elif section == "project":
            m = re.match(r'^([A-Za-z_-]+)\s*=\s*"([^"]*)"\s*$', line)
            if m:
                out[m.group(1)] = m.group(2)
    return out


def _tag():
    v = "cp%d%d" % sys.version_info[:2]
    abi = v + ("d" if hasattr(sys, "gettotalrefcount") else "")
    plat = sysconfig.get_platform().replace("-", "_").replace(".", "_")
    return "%s-%s-%s" % (v, abi, plat)


def _metadata(p):
    lines = ["Metadata-Version: 2.1", "Name: %s" % p["name"], "Version: %s" % p["version"]]
    if p.get("description"):
        lines.append("Summary: %s" % p["description"])
    if p.get("requires-python"):
        lines.append("Requires-Python: %s" % p["requires-python"])
    lines.append("License: MIT")
    return "\n".join(lines) + "\n"


def _dist_info(p):
    return "%s-%s.dist-info" % (p["name"], p["version"])


def _run(cmd, log):
    log.write(("$ " + " ".join(cmd) + "\n").encode())
    log.flush()
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    log.write(r.stdout)
    if r.returncode != 0:
        sys.stderr.write(r.stdout.decode("utf-8", "replace")[-6000:])
        raise BuildError("heapsnap build: %s failed (exit %d)" % (cmd[0] + " " + cmd[1], r.returncode))


def _cmake_build(build):
    """Configure and build the two targets in `build`; return the package
    directory and the analyzer binary."""
    if not shutil.which("cmake"):
        raise BuildError("heapsnap build: cmake not found (apt-get install cmake)")
    gen = ["-G", "Ninja"] if shutil.which("ninja") else []
    jobs = os.environ.get("HEAPSNAP_BUILD_JOBS", "2")
    with open(os.path.join(build, "hs_build.log"), "wb") as log:
        _run(["cmake", "-S", ROOT, "-B", build] + gen +
             ["-DCMAKE_BUILD_TYPE=Release", "-DHS_PYTHON=ON", "-DPython3_EXECUTABLE=" + sys.executable,
              "-DHS_TESTS=OFF", "-DHS_BENCH=OFF"], log)
        _run(["cmake", "--build", build, "-j", jobs, "--target", "hs_python_ext", "hs_analyze_ext", "heapsnap_cli"], log)
    pkg = os.path.join(build, "python", "heapsnap")
    cli = os.path.join(build, "bin", "heapsnap")
    if not os.path.isfile(cli):  # the analyzer's output name or folder moved: find it
        for d, _, files in os.walk(build):
            if "heapsnap" in files and os.access(os.path.join(d, "heapsnap"), os.X_OK):
                cli = os.path.join(d, "heapsnap")
                break
        else:
            raise BuildError("heapsnap build: the analyzer (target heapsnap_cli) was built but no 'heapsnap' "
                             "executable was found under %s" % build)
    for ext in ("_heapsnap", "_analyze"):
        if not os.path.isdir(pkg) or not any(n.startswith(ext) and n.endswith(".so") for n in os.listdir(pkg)):
            raise BuildError("heapsnap build: no heapsnap/%s*.so under %s" % (ext, build))
    return pkg, cli


class _Wheel:
    """A wheel being written: each file's hash goes to RECORD."""

    def __init__(self, path):
        self.zip = zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED)
        self.record = []

    def add(self, arcname, data, executable=False):
        info = zipfile.ZipInfo(arcname, date_time=(2020, 1, 1, 0, 0, 0))
        info.external_attr = ((0o755 if executable else 0o644) | 0o100000) << 16
        info.compress_type = zipfile.ZIP_DEFLATED
        self.zip.writestr(info, data)
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        self.record.append("%s,sha256=%s,%d" % (arcname, digest, len(data)))

    def close(self, record_name):
        self.record.append("%s,," % record_name)
        info = zipfile.ZipInfo(record_name, date_time=(2020, 1, 1, 0, 0, 0))
        self.zip.writestr(info, "\n".join(self.record) + "\n")
        self.zip.close()


def _read(path):
    with open(path, "rb") as f:
        return f.read()


# ---- PEP 517 hooks ----

def get_requires_for_build_wheel(config_settings=None):
    return []


def get_requires_for_build_sdist(config_settings=None):
    return []


def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):
    p = _project()
    di = os.path.join(metadata_directory, _dist_info(p))
    os.makedirs(di, exist_ok=True)
    with open(os.path.join(di, "METADATA"), "w") as f:
        f.write(_metadata(p))
    with open(os.path.join(di, "WHEEL"), "w") as f:
        f.write(_wheel_file())
    return _dist_info(p)


def _wheel_file():
    return "Wheel-Version: 1.0\nGenerator: hs_build\nRoot-Is-Purelib: false\nTag: %s\n" % _tag()


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    p = _project()
    keep = os.environ.get("HEAPSNAP_BUILD_DIR")
    build = os.path.abspath(keep) if keep else tempfile.mkdtemp(prefix="heapsnap-build-")
    os.makedirs(build, exist_ok=True)
    try:
        pkg, cli = _cmake_build(build)
        name = "%s-%s-%s.whl" % (p["name"], p["version"], _tag())
        w = _Wheel(os.path.join(wheel_directory, name))
        for f in sorted(os.listdir(pkg)):
            full = os.path.join(pkg, f)
            if os.path.isfile(full) and (f.endswith(".py") or (f.startswith(("_heapsnap", "_analyze")) and f.endswith(".so"))):
                w.add("heapsnap/" + f, _read(full))
        w.add("%s-%s.data/scripts/heapsnap" % (p["name"], p["version"]), _read(cli), executable=True)
        di = _dist_info(p)
        w.add(di + "/METADATA", _metadata(p).encode())
        w.add(di + "/WHEEL", _wheel_file().encode())
        w.add(di + "/top_level.txt", b"heapsnap\n")
        w.close(di + "/RECORD")
        return name
    finally:
        if not keep:
            shutil.rmtree(build, ignore_errors=True)


def build_sdist(sdist_directory, config_settings=None):
    p = _project()
    base = "%s-%s" % (p["name"], p["version"])
    name = base + ".tar.gz"
    skip = re.compile(r"(^|/)(build[^/]*|__pycache__|\.git)(/|$)")
    with tarfile.open(os.path.join(sdist_directory, name), "w:gz", format=tarfile.PAX_FORMAT) as tar:
        for top in SDIST_PATHS:
            full = os.path.join(ROOT, top)
            if not os.path.exists(full):
                continue
            for d, dirs, files in os.walk(full) if os.path.isdir(full) else [(ROOT, [], [top])]:
                dirs[:] = sorted(x for x in dirs if not skip.search(os.path.relpath(os.path.join(d, x), ROOT)))
                for f in sorted(files):
                    rel = os.path.relpath(os.path.join(d, f), ROOT)
                    if not skip.search(rel):
                        tar.add(os.path.join(ROOT, rel), arcname=base + "/" + rel, recursive=False)
        info = tarfile.TarInfo(base + "/PKG-INFO")
        data = _metadata(p).encode()
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    return name
