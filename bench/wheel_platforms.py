"""Which platform each package set can run on: every pin of the shared layer and of each container image, downloaded
and installed for Lambda's Python (CPython 3.12, manylinux) on x86_64 and on aarch64 with the layer's own install
command (`infra.constructs.shared_layer.install_command`), as CDK bundles the layer.

Prints, per package set and platform, the installed size and the pins with no wheel, then the native libraries that a
distribution's build bundles on one platform and not on the other (a wheel can exist and still lack what the code
relies on: paddlepaddle's aarch64 build has no oneDNN). infra/architectures.py decides from these facts.

Downloads about 1.5 GB the first time (uv keeps them in its cache).
    .venv/bin/python bench/wheel_platforms.py [--only layer ocr_worker ...]
"""

import argparse
import importlib.metadata
import re
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from infra.architectures import PLATFORMS, LambdaPlatform, canonical_name, image_requirements  # noqa: E402
from infra.constructs.shared_layer import install_command  # noqa: E402
from infra.layout import API_LAYER_REQUIREMENTS, CONTAINERS_DIR  # noqa: E402

LAYER = "layer"
# An extension module (named for its Python and platform) is not a library another platform's build could lack.
EXTENSION_MODULE = re.compile(r"\.(cpython-\d+|abi3)[^/]*\.so$")
# auditwheel renames what it grafts into a wheel with a hash of the content, once per grafting:
# libgfortran-daac5196-038a5e3c.so.5.0.0 is libgfortran.so.5.0.0 grafted twice.
GRAFTED_HASH = re.compile(r"(-[0-9a-f]{8})+(?=\.)")
SHARED_OBJECT = re.compile(r"\.so(\.\d+)*$")


def package_sets() -> dict[str, Path]:
    images = sorted(path.parent.name for path in CONTAINERS_DIR.glob("*/Dockerfile"))
    return {LAYER: API_LAYER_REQUIREMENTS, **{name: image_requirements(name) for name in images}}


def pins(requirements: Path) -> list[str]:
    return [line.strip() for line in requirements.read_text().splitlines() if line.strip() and line[0] != "#"]


def install(requirements: Path, target: Path, platform: LambdaPlatform) -> bool:
    result = subprocess.run(install_command(requirements, target, platform), capture_output=True, text=True)
    return result.returncode == 0


def pins_without_wheel(requirements: Path, platform: LambdaPlatform, scratch: Path) -> list[str]:
    """Each pin installed alone: the ones that cannot be."""
    missing = []
    for number, pin in enumerate(pins(requirements)):
        single = scratch / f"pin-{number}.txt"
        single.write_text(pin + "\n")
        if not install(single, scratch / f"pin-{number}", platform):
            missing.append(pin)
    return missing


def directory_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 1e6


def bundled_libraries(target: Path) -> dict[str, set[str]]:
    """Distribution -> the shared libraries (not extension modules) its wheel installed, grafting hashes removed."""
    libraries: dict[str, set[str]] = {}
    for dist in importlib.metadata.distributions(path=[str(target)]):
        names = {
            GRAFTED_HASH.sub("", Path(file).name)
            for file in dist.files or []
            if SHARED_OBJECT.search(file.name) and not EXTENSION_MODULE.search(file.name)
        }
        if names:
            libraries[canonical_name(dist.metadata["Name"])] = names
    return libraries


def platform_only(libraries: Mapping[str, Mapping[str, set[str]]]) -> list[str]:
    """Lines naming, per distribution, the libraries only one platform's build bundles."""
    lines = []
    for platform in PLATFORMS:
        others = [other for other in PLATFORMS if other != platform]
        for dist, names in sorted(libraries[platform.name].items()):
            extra = names.difference(*(libraries[other.name].get(dist, set()) for other in others))
            if extra:
                lines.append(f"  {dist}: only the {platform.name} build bundles {', '.join(sorted(extra))}")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", nargs="*", help="package sets to check (default: all)")
    args = parser.parse_args()

    sets = {name: path for name, path in package_sets().items() if not args.only or name in args.only}
    print("installed for CPython 3.12, manylinux (unzipped MB; pins with no wheel for the platform):")
    print(f"  {'package set':18s} " + "".join(f"{p.name:>12s}" for p in PLATFORMS) + "   no wheel")
    differences: list[str] = []
    for name, requirements in sets.items():
        sizes: dict[str, str] = {}
        missing: dict[str, list[str]] = {}
        libraries: dict[str, dict[str, set[str]]] = {}
        for platform in PLATFORMS:
            with tempfile.TemporaryDirectory() as tmp:
                target = Path(tmp) / "site"
                if install(requirements, target, platform):
                    sizes[platform.name] = f"{directory_mb(target):10.1f}  "
                    missing[platform.name] = []
                    libraries[platform.name] = bundled_libraries(target)
                else:
                    sizes[platform.name] = f"{'-':>10s}  "
                    missing[platform.name] = pins_without_wheel(requirements, platform, Path(tmp))
                    libraries[platform.name] = {}
        absent = "; ".join(f"{p}: {', '.join(m)}" for p, m in missing.items() if m) or "none"
        print(f"  {name:18s} " + "".join(sizes[p.name] for p in PLATFORMS) + f" {absent}")
        differences += [f"  {name}, {line.strip()}" for line in platform_only(libraries)]
    print("native libraries bundled by one platform's wheel only:")
    print("\n".join(differences) or "  none")


if __name__ == "__main__":
    main()
