"""Building case-import CSV files for the import tests."""

from app.cases.csv_rows import COLUMNS

HEADER = ",".join(COLUMNS)


def row(case_ref="C001", taxpayer_ref="T001", name="山田 太郎", name_kana="ヤマダ タロウ",
        phone="090-1234-5678", phone2="", consent="yes", department="TAX", tax_type="住民税",
        fiscal_year="2024", amount_due="12,300", due_date="2025-05-31", address="埼玉県三郷市1-1"):
    values = [case_ref, taxpayer_ref, name, name_kana, phone, phone2, consent, department, tax_type,
              fiscal_year, amount_due, due_date, address]
    return ",".join(f'"{v}"' if "," in v else v for v in values)


def csv_bytes(*rows: str, header: str = HEADER, encoding: str = "utf-8") -> bytes:
    return "\r\n".join([header, *rows, ""]).encode(encoding)
