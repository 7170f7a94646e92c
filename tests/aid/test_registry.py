"""The registry extract: every row checked, bad rows reported by line and kept out, households derived."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

import pytest
import time_machine
from hypothesis import given
from hypothesis import strategies as st

from gateway.aid.kk import Eligibility, HouseholdRow, group_households, household_eligibility
from gateway.aid.registry import COLUMNS, PersonRow, RegistryRead, RowError, RowWarning, read_registry
from gateway.phones import normalize_phone

HEADER = ",".join(COLUMNS)
KK = "3324151203150007"
VILLAGE = "33.24.15.1002"  # Sukodono, Kendal


def nik(serial: int, day: int = 15) -> str:
    """A NIK of Kecamatan Kendal, born 08-1995 on ``day`` (add 40 for a woman)."""
    return f"332415{day:02d}0895{serial:04d}"


def row(**values: str) -> str:
    """One CSV line of a valid person (a head of household), with some fields replaced."""
    fields = {
        "no_kk": KK,
        "nik": nik(1),
        "nama": "Slamet Riyadi",
        "hubungan": "KEPALA KELUARGA",
        "tanggal_lahir": "15-08-1995",
        "jenis_kelamin": "L",
        "kode_desa": VILLAGE,
        "alamat": "Jl. Pemuda No. 3",
        "rt": "3",
        "rw": "1",
        "telepon": "081234567890",
        "status": "HIDUP",
        **values,
    }
    return ",".join(f'"{value}"' if "," in value or "\n" in value else value for value in fields.values())


def read(*lines: str, header: str = HEADER) -> RegistryRead:
    """Read an extract of these data lines."""
    return read_registry(io.StringIO("\n".join((header, *lines)) + "\n"), "33.24")


def one(*lines: str) -> PersonRow:
    """The only person of an extract that must read without errors."""
    result = read(*lines)
    assert result.errors == []
    (person,) = result.people
    return person


def error_of(*lines: str) -> RowError:
    """The only error of an extract."""
    result = read(*lines)
    (error,) = result.errors
    return error


def test_it_reads_a_valid_row_into_a_person() -> None:
    result = read(row())
    assert result == RegistryRead(
        people=[
            PersonRow(
                line=2,
                kk=KK,
                nik=nik(1),
                name="Slamet Riyadi",
                relation="head",
                birth_date=date(1995, 8, 15),
                sex="L",
                village_code=VILLAGE,
                address="Jl. Pemuda No. 3",
                rt="003",
                rw="001",
                phone="+6281234567890",
                status="alive",
            )
        ],
        errors=[],
        warnings=[],
        rows=1,
    )


@pytest.mark.parametrize(
    ("label", "relation"),
    [
        ("KEPALA KELUARGA", "head"),
        ("kepala  keluarga", "head"),
        ("Kepala Rumah Tangga", "head"),
        ("SUAMI", "spouse"),
        ("ISTRI", "spouse"),
        ("Istri", "spouse"),
        ("ANAK", "child"),
        ("ANAK ANGKAT", "child"),
        ("ORANG TUA", "parent"),
        ("orangtua", "parent"),
        ("MERTUA", "in_law"),
        ("MENANTU", "in_law"),
        ("CUCU", "grandchild"),
        ("FAMILI LAIN", "other"),
        ("LAINNYA", "other"),
        ("PEMBANTU", "other"),
    ],
)
def test_it_maps_relation_labels_to_our_words(label: str, relation: str) -> None:
    assert one(row(hubungan=label)).relation == relation


@pytest.mark.parametrize(("label", "status"), [
    ("HIDUP", "alive"), ("hidup", "alive"), ("MENINGGAL", "deceased"), ("Meninggal Dunia", "deceased"),
    ("PINDAH", "moved"), ("TIDAK LAYAK", "ineligible"), ("tidak  layak", "ineligible"), ("TIDAK-LAYAK", "ineligible"),
])  # fmt: skip
def test_it_maps_status_labels_to_our_words(label: str, status: str) -> None:
    assert one(row(status=label)).status == status


@pytest.mark.parametrize(("label", "sex"), [
    ("L", "L"), ("LAKI-LAKI", "L"), ("laki laki", "L"), ("M", "L"), ("P", "P"), ("PEREMPUAN", "P"), ("F", "P"),
])  # fmt: skip
def test_it_maps_sex_labels_to_l_or_p(label: str, sex: str) -> None:
    assert one(row(jenis_kelamin=label, nik=nik(1, day=55))).sex == sex


def test_it_takes_the_sex_from_the_nik_when_the_column_is_empty() -> None:
    assert one(row(jenis_kelamin="", nik=nik(1, day=55))).sex == "P"


def test_it_warns_and_takes_the_sex_from_the_nik_when_the_column_is_unreadable() -> None:
    result = read(row(jenis_kelamin="X", nik=nik(1, day=55)))
    assert result.people[0].sex == "P"
    assert result.warnings == [RowWarning(2, "jenis_kelamin 'X' is neither L nor P; taken from the NIK")]


@pytest.mark.parametrize("written", ["1995-08-15", "15-08-1995", "15/08/1995", "1995-8-15", "15-8-1995"])
def test_it_reads_birth_dates_in_each_format_extracts_use(written: str) -> None:
    assert one(row(tanggal_lahir=written)).birth_date == date(1995, 8, 15)


def test_a_missing_birth_date_is_empty() -> None:
    assert one(row(tanggal_lahir="")).birth_date is None


@pytest.mark.parametrize("written", ["31-02-1995", "15.08.1995", "1995/08/15", "kemarin", "15-08-2995"])
def test_an_unreadable_birth_date_keeps_the_person_with_a_warning(written: str) -> None:
    result = read(row(tanggal_lahir=written))
    assert result.people[0].birth_date is None
    assert [warning.line for warning in result.warnings] == [2]
    assert "tanggal_lahir" in result.warnings[0].message


@pytest.mark.parametrize(
    ("written", "code"),
    [("33.24.15.1002", "33.24.15.1002"), ("3324151002", "33.24.15.1002"), (" 33.24.15.1002 ", "33.24.15.1002")],
)
def test_it_reads_village_codes_dotted_or_not(written: str, code: str) -> None:
    assert one(row(kode_desa=written)).village_code == code


@pytest.mark.parametrize(
    "written",
    [
        "33.74.01.1001",  # a kelurahan of Kota Semarang: outside the kabupaten
        "33.24.15.9999",  # no such desa
        "33.24.15",  # a kecamatan, not a desa
        "desa sukodono",
    ],
)
def test_a_village_outside_the_region_or_unknown_is_an_error(written: str) -> None:
    assert error_of(row(kode_desa=written)) == RowError(2, f"kode_desa '{written}' is no desa of 33.24")


@pytest.mark.parametrize(
    ("written", "padded"), [("3", "003"), ("03", "003"), ("003", "003"), ("12", "012"), ("RT 05", "005"), ("", None)]
)
def test_it_pads_rt_and_rw_to_three_digits(written: str, padded: str | None) -> None:
    person = one(row(rt=written, rw=written))
    assert (person.rt, person.rw) == (padded, padded)


@pytest.mark.parametrize("written", ["abc", "1234", "0"])
def test_an_unreadable_rt_is_left_empty_with_a_warning(written: str) -> None:
    result = read(row(rt=written))
    assert result.people[0].rt is None
    assert result.warnings == [RowWarning(2, f"rt '{written}' is not a number of at most 3 digits; left empty")]


@pytest.mark.parametrize(
    ("written", "phone"),
    [
        ("081234567890", "+6281234567890"),
        ("+6281234567890", "+6281234567890"),
        ("6281234567890", "+6281234567890"),
        ("0812-3456-7890", "+6281234567890"),
        ("0812 3456 7890", "+6281234567890"),
        ("'081234567890", "+6281234567890"),  # Excel's text marker
        ("(024) 3581234", "+62243581234"),  # a landline in Semarang
        ("", None),
    ],
)
def test_it_writes_phones_as_e164(written: str, phone: str | None) -> None:
    assert one(row(telepon=written)).phone == phone


@pytest.mark.parametrize("written", ["12345", "0800000", "nomor hp", "8.12346E+11"])
def test_a_phone_that_cannot_be_dialled_keeps_the_person_with_a_warning(written: str) -> None:
    result = read(row(telepon=written))
    assert result.people[0].phone is None
    assert result.warnings == [RowWarning(2, "telepon is no phone number that can be dialled; left empty")]


@given(
    st.sampled_from(["0", "62", "+62", "+62 ", "0-"]),
    st.text(alphabet="0123456789", min_size=8, max_size=13),
)
def test_the_quick_reading_of_mobile_numbers_agrees_with_phonenumbers(prefix: str, digits: str) -> None:
    written = f"{prefix}8{digits}"
    result = read(row(telepon=written))
    assert result.people[0].phone == normalize_phone(written)


@pytest.mark.parametrize("written", [nik(1), f"'{nik(1)}", "3324 1515 0895 0001", "332415.150895.0001", f" {nik(1)} "])
def test_it_accepts_a_nik_with_spaces_dots_or_an_excel_apostrophe(written: str) -> None:
    assert one(row(nik=written)).nik == nik(1)


@pytest.mark.parametrize(
    ("written", "reason"),
    [
        ("332415150895001", "must be 16 digits"),
        ("9924151508950001", "its first two digits are no province code"),
        ("3324153208950001", "its birth-date digits are no real date"),
        ("3324151508950000", "its last four digits are 0000"),
    ],
)
def test_an_invalid_nik_is_an_error(written: str, reason: str) -> None:
    assert error_of(row(nik=written)) == RowError(2, f"nik is not a valid NIK ({reason})")


def test_a_nik_from_another_kabupaten_is_accepted_since_people_move() -> None:
    assert one(row(nik="3374011508950001")).nik == "3374011508950001"


@pytest.mark.parametrize("written", [KK, f"'{KK}", "3324 1512 0315 0007"])
def test_it_accepts_a_kk_with_spaces_or_an_excel_apostrophe(written: str) -> None:
    assert one(row(no_kk=written)).kk == KK


@pytest.mark.parametrize(
    ("written", "message"),
    [
        ("", "no_kk is empty"),
        ("332415120315000", "no_kk must be 16 digits"),
        ("33241512031500AB", "no_kk must be 16 digits"),
        ("0000000000000000", "no_kk is all zeros"),
        ("9924151203150007", "no_kk is not a valid KK (its first four digits (99.24) are no kabupaten or kota)"),
        ("3399151203150007", "no_kk is not a valid KK (its first four digits (33.99) are no kabupaten or kota)"),
        ("3324001203150007", "no_kk is not a valid KK (its kabupaten or kecamatan digits are 00)"),
        ("3324150000000001", "no_kk is not a valid KK (its issue-date digits (7 to 12, DDMMYY) are no real date)"),
        ("3324153102150007", "no_kk is not a valid KK (its issue-date digits (7 to 12, DDMMYY) are no real date)"),
        ("3324151203150000", "no_kk is not a valid KK (its last four digits are 0000)"),
        (
            "3399159999990000",
            "no_kk is not a valid KK (its first four digits (33.99) are no kabupaten or kota, its issue-date digits "
            "(7 to 12, DDMMYY) are no real date, its last four digits are 0000)",
        ),
    ],
)
def test_an_invalid_kk_is_an_error(written: str, message: str) -> None:
    assert error_of(row(no_kk=written)) == RowError(2, message)


@time_machine.travel(datetime(2026, 6, 15, 12, tzinfo=UTC), tick=False)
def test_a_kk_issued_after_the_day_of_the_import_is_an_error() -> None:
    assert one(row(no_kk="3324151506260007")).kk == "3324151506260007"  # issued today
    assert error_of(row(no_kk="3324151606260007")) == RowError(
        2, "no_kk is not a valid KK (its issue-date digits (7 to 12, DDMMYY) are a date still to come)"
    )


def test_a_kk_issued_in_another_kabupaten_is_accepted_since_codes_outlive_a_split() -> None:
    assert one(row(no_kk="3374011203150007")).kk == "3374011203150007"


def test_a_repeated_nik_is_an_error_on_the_later_line_naming_the_earlier() -> None:
    result = read(row(), row(nik=nik(2), hubungan="ISTRI"), row(nama="Slamet R."))
    assert [person.line for person in result.people] == [2, 3]
    assert result.errors == [RowError(4, "nik repeats the NIK of line 2")]


def test_members_of_one_kk_in_two_villages_is_an_error_on_the_later_line() -> None:
    result = read(row(), row(nik=nik(2), kode_desa="33.24.15.1001"))
    assert result.errors == [
        RowError(3, "kode_desa 33.24.15.1001 differs from 33.24.15.1002 given for this KK on line 2")
    ]


@pytest.mark.parametrize(("field", "message"), [
    ("nama", "nama is empty"),
    ("status", "status is empty (use HIDUP, MENINGGAL, PINDAH or TIDAK LAYAK)"),
    ("kode_desa", "kode_desa is empty"),
    ("nik", "nik is empty"),
])  # fmt: skip
def test_a_missing_required_field_is_an_error(field: str, message: str) -> None:
    assert error_of(row(**{field: ""})) == RowError(2, message)


def test_an_unknown_status_is_an_error_rather_than_a_guess() -> None:
    assert error_of(row(status="HILANG")) == RowError(
        2, "status is 'HILANG' (use HIDUP, MENINGGAL, PINDAH or TIDAK LAYAK)"
    )


def test_an_unknown_relation_is_kept_as_other_with_a_warning() -> None:
    result = read(row(hubungan="KEPONAKAN"))
    assert result.people[0].relation == "other"
    assert result.warnings == [RowWarning(2, "hubungan is 'KEPONAKAN', taken as other (FAMILI LAIN)")]


def test_an_error_names_every_problem_of_the_row() -> None:
    error = error_of(row(nik="123", no_kk="0000000000000000", status="?"))
    assert error.message.split("; ") == [
        "nik is not a valid NIK (must be 16 digits)",
        "no_kk is all zeros",
        "status is '?' (use HIDUP, MENINGGAL, PINDAH or TIDAK LAYAK)",
    ]


def test_a_row_with_too_few_or_too_many_fields_is_an_error() -> None:
    result = read(row() + ",extra", "a,b,c")
    assert result.errors == [
        RowError(2, "has 13 fields, the header has 12 (a stray comma or quote?)"),
        RowError(3, "has 3 fields, the header has 12 (a stray comma or quote?)"),
    ]


def test_quoted_fields_with_commas_and_line_breaks_keep_the_line_numbers_of_the_file() -> None:
    result = read(
        row(alamat="Dk. Krajan, Gg. Mawar"),
        row(nik=nik(2), alamat="Jl. Raya\nNo. 3"),
        row(nik=nik(3), status="?"),
    )
    assert [(person.line, person.address) for person in result.people] == [
        (2, "Dk. Krajan, Gg. Mawar"),
        (3, "Jl. Raya No. 3"),
    ]
    assert [error.line for error in result.errors] == [5]


def test_blank_lines_are_skipped_and_not_counted() -> None:
    result = read("", row(), ",,,,,,,,,,,", "", row(nik=nik(2), status="?"))
    assert (result.rows, [p.line for p in result.people], [e.line for e in result.errors]) == (2, [3], [6])


def test_the_header_may_differ_in_case_order_and_carry_a_byte_order_mark() -> None:
    header = "\ufeff" + ",".join(column.upper() for column in reversed(COLUMNS))
    values = row().split(",")
    result = read(",".join(reversed(values)), header=header)
    assert result.errors == []
    assert result.people[0].nik == nik(1)


def test_a_file_saved_by_excel_with_semicolons_reads_the_same() -> None:
    text = HEADER.replace(",", ";") + "\n" + row(alamat="Dk. Krajan, Gg. Mawar").replace('"', "").replace(",", ";")
    result = read_registry(io.StringIO(text.replace("Dk. Krajan; Gg. Mawar", "Dk. Krajan, Gg. Mawar")), "33.24")
    assert result.errors == []
    assert result.people[0].address == "Dk. Krajan, Gg. Mawar"


def test_a_wrong_header_is_one_error_on_line_one_naming_the_columns() -> None:
    header = HEADER.replace("telepon", "no_hp").replace(",status", "")
    result = read(row(), header=header)
    assert result.people == []
    assert result.errors == [
        RowError(
            1,
            f"the first line must name the columns {HEADER}; missing columns: telepon, status; unknown columns: no_hp",
        )
    ]


def test_an_empty_file_is_one_error_on_line_one() -> None:
    result = read_registry([], "33.24")
    assert result.errors == [RowError(1, "the file is empty; the first line must name the columns")]


def test_an_unknown_region_is_refused() -> None:
    with pytest.raises(ValueError, match=r"unknown region code '99\.99'"):
        read_registry([HEADER], "99.99")


def test_it_reads_from_a_list_of_lines_as_well_as_a_file() -> None:
    assert read_registry([HEADER, row()], "33.24").people == read(row()).people


def person(serial: int, **values: object) -> PersonRow:
    """A person of one household in Sukodono, with some fields replaced."""
    fields: dict[str, object] = {
        "line": serial + 1, "kk": KK, "nik": nik(serial), "name": f"Warga {serial}", "relation": "child",
        "birth_date": None, "sex": "L", "village_code": VILLAGE, "address": f"Jl. {serial}", "rt": "001",
        "rw": "002", "phone": None, "status": "alive", **values,
    }  # fmt: skip
    return PersonRow(**fields)  # type: ignore[arg-type]


def test_it_groups_people_into_households_by_kk() -> None:
    other = "3324151203150008"
    people = [
        person(1, relation="spouse", phone="+6281111111111"),
        person(2, relation="head", phone="+6282222222222", address="Jl. Kepala", rt="009"),
        person(3, kk=other),
        person(4),
    ]
    assert group_households(people) == {
        KK: HouseholdRow(
            kk=KK,
            village_code=VILLAGE,
            address="Jl. Kepala",
            rt="009",
            rw="002",
            phone="+6282222222222",
            members=(nik(1), nik(2), nik(4)),
            head_nik=nik(2),
        ),
        other: HouseholdRow(
            kk=other,
            village_code=VILLAGE,
            address="Jl. 3",
            rt="001",
            rw="002",
            phone=None,
            members=(nik(3),),
            head_nik=None,
        ),
    }


@pytest.mark.parametrize(
    ("members", "phone"),
    [
        ([("head", "+6281", "alive"), ("spouse", "+6282", "alive")], "+6281"),
        ([("head", None, "alive"), ("spouse", None, "alive"), ("child", "+6283", "alive")], "+6283"),
        ([("head", "+6281", "deceased"), ("spouse", "+6282", "alive")], "+6282"),  # the widow's phone
        ([("head", "+6281", "deceased"), ("spouse", None, "alive")], "+6281"),  # her husband's phone, kept
        ([("child", None, "alive"), ("spouse", "+6282", "moved")], "+6282"),
        ([("head", None, "alive")], None),
    ],
)
def test_the_household_phone_is_the_heads_else_a_living_members(
    members: list[tuple[str, str | None, str]], phone: str | None
) -> None:
    people = [
        person(serial, relation=relation, phone=number, status=status)
        for serial, (relation, number, status) in enumerate(members, start=1)
    ]
    assert group_households(people)[KK].phone == phone


@pytest.mark.parametrize(
    ("statuses", "eligibility"),
    [
        (["alive"], Eligibility(True, None)),
        (["deceased", "moved", "alive"], Eligibility(True, None)),
        (["deceased", "deceased"], Eligibility(False, "all members deceased")),
        (["moved"], Eligibility(False, "all members moved")),
        (["ineligible", "ineligible"], Eligibility(False, "household marked ineligible")),
        (["deceased", "moved"], Eligibility(False, "no eligible member")),
        (["deceased", "ineligible"], Eligibility(False, "no eligible member")),
        ([], Eligibility(False, "no members")),
    ],
)
def test_a_household_is_eligible_only_while_a_member_is_alive(statuses: list[str], eligibility: Eligibility) -> None:
    assert household_eligibility(statuses) == eligibility


def test_an_unknown_member_status_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="unknown member status 'HIDUP'"):
        household_eligibility(["HIDUP"])
