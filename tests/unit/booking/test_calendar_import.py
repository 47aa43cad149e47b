"""Calendar import: every line checked, all stored in one transaction or none, bounded in rows and bytes,
every bad line named; odd line ends are read, not a 500."""
from __future__ import annotations

from sqlmodel import Session, func, select

from services.booking.store import Slot


def _import(booking, body: bytes, name: str = "times.csv"):  # type: ignore[no-untyped-def]
    return booking.call("POST", "/api/units/hc-teg/slots/import", "scheduler", unit="hc-teg",
                        files={"calendar": (name, body, "text/csv")})


def _slots(booking) -> int:  # type: ignore[no-untyped-def]
    with Session(booking.rt.db.engine) as s:
        return s.exec(select(func.count()).select_from(Slot)).one()


def _csv(*starts: str) -> bytes:
    return ("starts_at,duration_min,profession\n" + "".join(f"{t},45,psychologist\n" for t in starts)).encode()


def test_a_file_whose_fourth_row_overlaps_its_second_stores_nothing_and_names_line_5(booking) -> None:  # type: ignore[no-untyped-def]
    r = _import(booking, _csv("2026-03-10T09:00:00+01:00", "2026-03-10T10:00:00+01:00", "2026-03-10T11:00:00+01:00",
                              "2026-03-10T10:30:00+01:00"))
    assert r.status_code == 409, r.text
    [err] = r.json()["errors"]
    assert err["code"] == "overlap" and err["en"].startswith("Line 5:") and "line 3" in err["en"]
    assert _slots(booking) == 0


def test_every_bad_line_is_named_and_nothing_is_stored(booking) -> None:  # type: ignore[no-untyped-def]
    booking.slot("hc-teg", 7)  # 2026-03-09 09:00 is taken
    body = (b"starts_at,duration_min,profession\n"
            b"2026-03-10T09:00:00+01:00,45,psychologist\n"
            b"not-a-date,45,psychologist\n"
            b"2026-03-11T09:00:00+01:00,45,astrologer\n"
            b"2026-03-09T09:10:00+01:00,45,psychologist\n"
            b"2026-03-01T09:00:00+01:00,45,psychologist\n")
    r = _import(booking, body)
    assert r.status_code == 422, r.text
    named = [(e["en"].split(":")[0], e["code"]) for e in r.json()["errors"]]
    assert named == [("Line 3", "bad_row"), ("Line 4", "bad_value"), ("Line 5", "overlap"), ("Line 6", "in_past")]
    unknown = r.json()["errors"][1]
    assert "'astrologer'" in unknown["en"] and all(f"'{p}'" in unknown["sv"] for p in (
        "psychologist", "counsellor", "psychiatric_nurse", "physician"))  # the valid values, named
    assert all(e["sv"].startswith("Rad ") for e in r.json()["errors"])
    assert _slots(booking) == 1


def test_a_line_with_several_faults_names_each_of_them(booking) -> None:  # type: ignore[no-untyped-def]
    r = _import(booking, b"starts_at,duration_min,profession,visit_type\nsoon,long,surgeon,chat\n")
    assert r.status_code == 422, r.text
    said = [e["en"] for e in r.json()["errors"]]
    assert len(said) == 4 and all(s.startswith("Line 2:") for s in said), said
    assert "'new_visit'" in said[3] and "'chat'" in said[3]


def test_a_good_file_is_stored_whole(booking) -> None:  # type: ignore[no-untyped-def]
    r = _import(booking, _csv(*(f"2026-03-1{d}T09:00:00+01:00" for d in range(5))))
    assert r.status_code == 200 and r.json() == {"created": 5} and _slots(booking) == 5


def test_too_many_rows_and_too_many_bytes_are_refused_with_413(booking) -> None:  # type: ignore[no-untyped-def]
    rows = booking.rt.settings.import_max_rows
    many = _csv(*("2026-04-01T08:00:00+02:00" for _ in range(rows + 1)))
    r = _import(booking, many)
    assert r.status_code == 413 and r.json()["errors"][0]["code"] == "too_many_rows"
    big = b"starts_at\n" + b"#" * booking.rt.settings.import_max_bytes
    r = _import(booking, big)
    assert r.status_code == 413 and r.json()["errors"][0]["code"] == "too_large"
    assert _slots(booking) == 0


def test_a_csv_with_bare_carriage_returns_is_read_not_a_500(booking) -> None:  # type: ignore[no-untyped-def]
    r = _import(booking, _csv("2026-03-10T09:00:00+01:00", "2026-03-11T09:00:00+01:00").replace(b"\n", b"\r"))
    assert r.status_code == 200 and r.json() == {"created": 2}, r.text
    stray = b"starts_at,duration_min\n2026-03-12T09:00:00+01:00,4\r5\n"
    r = _import(booking, stray)
    assert r.status_code == 422 and r.json()["errors"][0]["en"].startswith("Line "), r.text
    quote = b'starts_at,duration_min\n"2026-03-12T09:00:00+01:00\r,45\n'
    assert _import(booking, quote).status_code == 422
