"""Prints the IDNA2003 nameprep range tables used by teamlog's email validator (src/commands/validation.cpp).

Run with the CPython that the tables should match (Django's punycode() is str.encode("idna"), i.e. Python's
encodings.idna with stringprep's Unicode 3.2 tables):  python3 gen_idna_tables.py
"""
import stringprep
import unicodedata


def ranges(pred):
    out = []
    for c in range(0x80, 0x110000):
        if pred(c):
            if out and out[-1][1] == c - 1:
                out[-1][1] = c
            else:
                out.append([c, c])
    return out


def maps_to_bad_ascii(c):
    ch = chr(c)
    if stringprep.in_table_b1(ch):
        return False
    m = unicodedata.normalize("NFKC", stringprep.map_table_b2(ch))
    return any(ord(x) < 128 and not (x.isalnum() or x == "-") for x in m)


def prohibited(c):
    ch = chr(c)
    return (stringprep.in_table_c12(ch) or stringprep.in_table_c22(ch) or stringprep.in_table_c3(ch)
            or stringprep.in_table_c4(ch) or stringprep.in_table_c5(ch) or stringprep.in_table_c6(ch)
            or stringprep.in_table_c7(ch) or stringprep.in_table_c8(ch) or stringprep.in_table_c9(ch))


def host_ascii_length(c):
    ch = chr(c)
    if stringprep.in_table_b1(ch):
        return 0
    m = unicodedata.normalize("NFKC", stringprep.map_table_b2(ch))
    if m and all(ord(x) < 128 and (x.isalnum() or x == "-") for x in m):
        return len(m)
    return 0


def length_ranges(length_of):
    out = []
    for c in range(0x80, 0x110000):
        n = length_of(c)
        if n:
            if out and out[-1][1] == c - 1 and out[-1][2] == n:
                out[-1][1] = c
            else:
                out.append([c, c, n])
    return out


TABLES = [
    ("kMappedToNothing", "B.1: removed before anything else", lambda c: stringprep.in_table_b1(chr(c))),
    ("kProhibited", "C.1.2, C.2.2, C.3-C.9: a label holding one cannot be encoded", prohibited),
    ("kRandAL", "D.1: right-to-left characters (bidi R or AL)", lambda c: stringprep.in_table_d1(chr(c))),
    ("kLeftToRight", "D.2: left-to-right characters (bidi L)", lambda c: stringprep.in_table_d2(chr(c))),
    ("kMapsToNonHostAscii", "NFKC(B.2(c)) holds ASCII other than letters, digits and '-'", maps_to_bad_ascii),
]

for name, doc, pred in TABLES:
    r = ranges(pred)
    print(f"// {doc} ({len(r)} ranges).")
    print(f"constexpr CodeRange {name}[] = {{")
    line = "   "
    for lo, hi in r:
        item = f" {{0x{lo:X}, 0x{hi:X}}},"
        if len(line) + len(item) > 118:
            print(line)
            line = "   "
        line += item
    if line.strip():
        print(line)
    print("};")

r = length_ranges(host_ascii_length)
print(f"// NFKC(B.2(c)) is nothing but ASCII letters, digits and '-': the code points and that ASCII's length "
      f"({len(r)} ranges).")
print("constexpr AsciiMapping kMapsToHostAscii[] = {")
line = "   "
for lo, hi, n in r:
    item = f" {{0x{lo:X}, 0x{hi:X}, {n}}},"
    if len(line) + len(item) > 118:
        print(line)
        line = "   "
    line += item
if line.strip():
    print(line)
print("};")
