"""Decodes NIKs with the Python API."""

import datetime

import smartkampung as sk

info = sk.parse_nik("3510014501900001", as_of=datetime.date(2020, 5, 1))
print(sk.mask_nik(info.nik), info.district_name, info.regency_name, info.birth_date, info.sex)
try:
    sk.parse_nik("3510013002900001")
except sk.NikError as e:
    print("rejected:", e.code)
print(sk.validate_niks(["3510014501900001", "3.51001E+15", "123"]))
