"""Who read each exam and in which room it was done.

These columns draw on their own random stream (``stream``), never on the
generator's main one, so adding or changing them leaves every other column
of every file byte for byte as it was.
"""

import numpy as np

from sample_data import vocab
from sample_data.timing import DAY

SITES = {
    "ED IMAGING": "MAIN",
    "MAIN RADIOLOGY": "MAIN",
    "NUCLEAR MEDICINE": "MAIN",
    "INTERVENTIONAL RADIOLOGY": "MAIN",
    "OUTPATIENT IMAGING CENTER": "NORTH",
    "BREAST CENTER": "NORTH",
}
ROOM_NAMES = sorted(
    {*sum(vocab.ROOMS.values(), ()), *vocab.ED_ROOMS.values(), vocab.PORTABLE_ROOM}
)
RESIDENTS = (*vocab.DAY_RESIDENTS, *vocab.NIGHT_RESIDENTS)


def stream(seed: int) -> np.random.Generator:
    """Return the random stream of these columns for a generator seed."""
    return np.random.default_rng([seed, 13])


def assign_residents(rng: np.random.Generator, exams: dict) -> None:
    """Give every exam with a preliminary report the resident who dictated it."""
    clock = exams["completed"] % DAY
    night = (clock < 7 * 60) | (clock >= 23 * 60)
    day_pick = rng.integers(0, len(vocab.DAY_RESIDENTS), night.size)
    night_pick = len(vocab.DAY_RESIDENTS) + rng.integers(
        0, len(vocab.NIGHT_RESIDENTS), night.size
    )
    resident = np.where(night, night_pick, day_pick)
    exams["resident"] = np.where(exams["prelim_valid"], resident, -1)


def assign_rooms(rng: np.random.Generator, exams: dict, *, portable_exam: int) -> None:
    """Turn each exam's department into its room or scanner (an index of ROOM_NAMES)."""
    department = exams["department"]
    modality = exams["modality"]
    room = np.full(department.size, -1)
    draw = rng.random(department.size)
    for (site, name), rooms in vocab.ROOMS.items():
        sites = np.array([SITES[d] == site for d in vocab.DEPARTMENTS])
        members = sites[department] & (modality == vocab.MODALITIES.index(name))
        codes = np.array([ROOM_NAMES.index(r) for r in rooms])
        room[members] = codes[(draw[members] * len(rooms)).astype(np.int64)]
    ed = department == vocab.DEPARTMENTS.index("ED IMAGING")
    for name, ed_room in vocab.ED_ROOMS.items():
        room[ed & (modality == vocab.MODALITIES.index(name))] = ROOM_NAMES.index(
            ed_room
        )
    room[exams["exam"] == portable_exam] = ROOM_NAMES.index(vocab.PORTABLE_ROOM)
    if (room < 0).any():
        raise AssertionError("an exam's department has no room for its modality")
    exams["room"] = room
