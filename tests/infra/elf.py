"""The dynamic section of an ELF shared object, read with the standard library (no pyelftools, no readelf): what the
dynamic loader needs to load it (DT_NEEDED) and where it looks first (DT_RUNPATH, or the older DT_RPATH).

Only what Lambda runs is supported: 64-bit little-endian ELF (x86_64, or aarch64).
"""

import struct
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Final

ELF_MAGIC: Final = b"\x7fELF"
EM_X86_64: Final = 62
EM_AARCH64: Final = 183
_ELFCLASS64: Final = 2
_ELFDATA2LSB: Final = 1
_HEADER: Final = struct.Struct("<HHIQQQIHHHHHH")  # the ELF64 header after e_ident
_PROGRAM_HEADER: Final = struct.Struct("<IIQQQQQQ")  # p_type, p_flags, p_offset, p_vaddr, p_paddr, p_filesz, ...
_DYNAMIC_ENTRY: Final = struct.Struct("<qQ")
PT_LOAD: Final = 1
PT_DYNAMIC: Final = 2
DT_NULL: Final = 0
DT_NEEDED: Final = 1
DT_STRTAB: Final = 5
DT_STRSZ: Final = 10
DT_SONAME: Final = 14
DT_RPATH: Final = 15
DT_RUNPATH: Final = 29


@dataclass(frozen=True)
class DynamicInfo:
    machine: int
    needed: tuple[str, ...]
    # DT_RUNPATH, or DT_RPATH where there is no DT_RUNPATH (the loader ignores RPATH then), split on ':'
    search_path: tuple[str, ...]
    soname: str | None


def is_elf(path: Path) -> bool:
    with path.open("rb") as file:
        return file.read(4) == ELF_MAGIC


def _read_at(file: BinaryIO, offset: int, size: int) -> bytes:
    file.seek(offset)
    data = file.read(size)
    if len(data) != size:
        raise ValueError(f"{file.name}: truncated ELF (wanted {size} bytes at {offset})")
    return data


def read_dynamic(path: Path) -> DynamicInfo:
    """The dynamic section of `path`; a statically linked file has no needs and no search path."""
    with path.open("rb") as file:
        ident = file.read(16)
        if ident[:4] != ELF_MAGIC:
            raise ValueError(f"{path}: not an ELF file")
        if ident[4] != _ELFCLASS64 or ident[5] != _ELFDATA2LSB:
            raise ValueError(f"{path}: not a 64-bit little-endian ELF file")
        header = _HEADER.unpack(_read_at(file, 16, _HEADER.size))
        machine, phoff, phentsize, phnum = header[1], header[4], header[8], header[9]
        table = _read_at(file, phoff, phentsize * phnum)
        segments = [_PROGRAM_HEADER.unpack_from(table, i * phentsize) for i in range(phnum)]
        dynamic = next((s for s in segments if s[0] == PT_DYNAMIC), None)
        if dynamic is None:
            return DynamicInfo(machine=machine, needed=(), search_path=(), soname=None)

        data = _read_at(file, dynamic[2], dynamic[5])
        entries: list[tuple[int, int]] = []
        for offset in range(0, len(data) - _DYNAMIC_ENTRY.size + 1, _DYNAMIC_ENTRY.size):
            tag, value = _DYNAMIC_ENTRY.unpack_from(data, offset)
            if tag == DT_NULL:
                break
            entries.append((tag, value))
        tags = dict(entries)  # the last one wins; STRTAB and STRSZ appear once
        strtab_address, strtab_size = tags[DT_STRTAB], tags[DT_STRSZ]
        # DT_STRTAB is an address in memory: find the loaded segment holding it to get its offset in the file.
        load = next(s for s in segments if s[0] == PT_LOAD and s[3] <= strtab_address < s[3] + s[5])
        strings = _read_at(file, strtab_address - load[3] + load[2], strtab_size)

    def string(index: int) -> str:
        return strings[index : strings.index(b"\0", index)].decode()

    needed = tuple(string(value) for tag, value in entries if tag == DT_NEEDED)
    runpath = [string(value) for tag, value in entries if tag == DT_RUNPATH]
    rpath = [string(value) for tag, value in entries if tag == DT_RPATH]
    search = ":".join(runpath or rpath)
    return DynamicInfo(
        machine=machine,
        needed=needed,
        search_path=tuple(d for d in search.split(":") if d),
        soname=string(tags[DT_SONAME]) if DT_SONAME in tags else None,
    )
