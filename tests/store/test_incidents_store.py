"""Incidents in the store, on both backends: idempotent import, rejected rows kept, token, read back."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from geo.sources.incident_files import check_upload
from geo.store import incidents

HEADER = (
    "event_id_cnty,event_date,event_type,sub_event_type,actor1,actor2,admin1,admin2,admin3,"
    "location,latitude,longitude,geo_precision,time_precision,fatalities,notes,source"
)
ROWS = [
    "MLI1,2021-03-15,Battles,Armed clash,JNIM,FAMa,Mopti,Mopti,Mopti,Mopti,14.4843,-4.1960,1,1,2,x,y",
    "MLI2,16 March 2021,Riots,Mob violence,Rioters,,Ségou,Ségou,Ségou,Ségou,13.4317,-6.2157,2,1,0,"
    '"\'; DROP TABLE incidents; -- 100% ?",y',
    "MLI3,2021-03-17,Battles,Armed clash,JNIM,FAMa,Mopti,Mopti,Mopti,Mopti,0,0,1,1,0,x,y",
]


def test_import_twice_adds_nothing_and_reads_back(new_store: Callable[[str], Path]) -> None:
    store = new_store("store")
    assert incidents.store_token(store) == "none"
    data = ("\n".join([HEADER, *ROWS]) + "\n").encode("utf-8")
    first = incidents.import_result(store, check_upload(data, "acled.csv"), data)
    assert (first.added, first.already_present, first.rejected_rows, first.repeated_file) == (2, 0, 1, False)
    token = incidents.store_token(store)
    assert token == "1:1:2"
    again = incidents.import_result(store, check_upload(data, "acled.csv"), data)
    assert (again.added, again.already_present, again.repeated_file) == (0, 2, True)
    assert again.import_id == first.import_id
    assert incidents.store_token(store) == token
    conn = incidents.open_store(store)
    try:
        stored = incidents.read_store(conn)
        rejects = incidents.read_rejects(conn)
    finally:
        conn.close()
    assert list(stored["source_event_id"]) == ["MLI1", "MLI2"]
    assert stored.set_index("source_event_id").at["MLI2", "notes"] == "'; DROP TABLE incidents; -- 100% ?"
    assert list(stored["latitude"]) == [14.4843, 13.4317]  # double precision on both backends
    assert list(rejects["row"]) == [3] and list(rejects["file_name"]) == ["acled.csv"]
