"""The area as a unit (issue 20): cmake/areas.txt is the one list of areas, and every area
it names has its files; no folder of src/ and no C header is left out of it."""

import pathlib
import re

SOURCE_DIR = pathlib.Path(__file__).resolve().parents[2]
LAYERS = {"core", "capi"}  # src/ folders that are layers, not areas


def areas() -> dict:
    """name -> True when the area has a C API, in the list's order."""
    out = {}
    for line in (SOURCE_DIR / "cmake" / "areas.txt").read_text().splitlines():
        if not line or line.startswith("#"):
            continue
        name, c_api = line.split()
        assert c_api in ("c", "-"), line
        out[name] = c_api == "c"
    return out


def test_the_list_is_well_formed():
    listed = areas()
    assert len(listed) >= 6 and "nik" in listed and "registry" in listed
    assert list(listed)[0] == "nik", "nik comes first: the other areas use its types"


def test_every_area_has_its_files():
    missing = []
    for name, c_api in areas().items():
        wanted = [
            f"src/{name}/sources.cmake",
            f"include/smartkampung/{name}.hpp",
            f"bindings/python/register_{name}.cpp",
        ]
        if c_api:
            wanted += [f"include/smartkampung/c/{name}.h", f"src/capi/{name}_c.cpp"]
        missing += [w for w in wanted if not (SOURCE_DIR / w).is_file()]
    assert missing == []


def test_no_src_folder_and_no_c_header_is_left_out():
    listed = areas()
    folders = {p.name for p in (SOURCE_DIR / "src").iterdir() if p.is_dir()}
    assert folders - LAYERS - set(listed) == set(), "a src/ folder that cmake/areas.txt does not name"
    headers = {p.stem for p in (SOURCE_DIR / "include" / "smartkampung" / "c").glob("*.h")}
    c_areas = {name for name, c_api in listed.items() if c_api}
    assert headers - c_areas - {"common", "deprecated", "version", "arrow"} == set()
    umbrella = (SOURCE_DIR / "include" / "smartkampung" / "smartkampung.h").read_text()
    included = set(re.findall(r"#include <smartkampung/c/(\w+)\.h>", umbrella))
    assert c_areas <= included, "an area's C header that smartkampung.h does not include"
    capi = {p.stem[: -len("_c")] for p in (SOURCE_DIR / "src" / "capi").glob("*_c.cpp")}
    assert capi - c_areas - {"common", "deprecated"} == set(), "a C layer file of no listed area"


def test_every_binding_file_is_built():
    """bindings/python/: the shared helpers (named in its CMakeLists.txt), one
    register_<area>.cpp an area, and a large area's parts <area>_<stage>.cpp, which the
    build takes by that name; no file is left out of the module."""
    bindings = SOURCE_DIR / "bindings" / "python"
    cmake = (bindings / "CMakeLists.txt").read_text()
    listed = list(areas())
    stray = []
    for path in sorted(bindings.glob("*.cpp")):
        name = path.name
        if re.search(rf"\b{re.escape(name)}\b", cmake) or name.startswith("register_"):
            continue
        if not any(name.startswith(f"{area}_") for area in listed):
            stray.append(name)
    assert stray == [], "a bindings file that the build does not take"


def test_no_binding_file_is_long():
    """Issue 20: a bindings file over 700 lines is split along its stages."""
    long_files = [
        p.name
        for p in (SOURCE_DIR / "bindings" / "python").glob("*.[ch]pp")
        if len(p.read_text(encoding="utf-8").splitlines()) > 700
    ]
    assert long_files == []
