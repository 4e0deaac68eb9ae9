"""Prints the differential cases (JSON lines) that run.sh feeds to drf_oracle.py and validation_probe."""
import json
import random

random.seed(1)
cases = []
def add(**kw): cases.append(kw)
emails = [
 'email@here.com', 'weirder-email@here.and.there.com', 'email@[127.0.0.1]', 'email@[2001:dB8::1]',
 'email@[2001:dB8:0:0:0:0:0:1]', 'email@[::fffF:127.0.0.1]', 'example@valid-----hyphens.com',
 'example@valid-with-hyphens.com', 'test@domain.with.idn.tld.उदाहरण.परीक्षा', 'email@localhost',
 '"test@test"@example.com', 'example@atm.' + 'a'*63, 'example@' + 'a'*63 + '.atm', 'example@' + 'a'*63 + '.' + 'b'*10 + '.atm',
 '"\\\011"@here.com', 'a@' + 'a'*63 + '.us', None, '', 'abc', 'abc@', 'abc@bar', 'a @x.cz', 'abc@.com', 'something@@somewhere.com',
 'email@127.0.0.1', 'email@[127.0.0.256]', 'email@[2001:db8::12345]', 'email@[2001:db8:0:0:0:0:1]', 'email@[::ffff:127.0.0.256]',
 'email@[2001:dg8::1]', 'email@[2001:dG8:0:0:0:0:0:1]', 'email@[::fTzF:127.0.0.1]', 'example@invalid-.com', 'example@-invalid.com',
 'example@invalid.com-', 'example@inv-.alid-.com', 'example@inv-.-alid.com', 'test@example.com\n\n<script src="x.js">',
 '"\\\012"@here.com', 'trailingdot@shouldfail.com.', 'a@b.com\n', 'a\n@b.com', '"test@test"\n@example.com', 'a@[127.0.0.1]\n',
 'example@atm.' + 'a'*64, 'example@' + 'b'*64 + '.atm.' + 'a'*63, 'example@' + 'a'*64 + '.' + 'b'*64 + '.atm',
 'a@' + 'a'*64 + '.us', 'email@[::1]', 'email@[1::]', 'email@[::]', 'email@[1:2:3:4:5:6:7:8]', 'email@[1:2:3:4:5:6:7::]',
 'email@[::2:3:4:5:6:7:8]', 'email@[1::3:4:5:6:7:8]', 'email@[1:2:3:4:5:6:7:8:9]', 'email@[:1:2:3:4:5:6:7]',
 'email@[0000:0000:0000:0000:0000:ffff:255.255.255.255]', 'email@[::ffff:1.2.3.4]', 'email@[1.2.3.04]', 'email@[1.2.3]',
 'email@[IPv6:::1]', 'ı@example.com', 'user@exampleſ.com', 'K@x.co', 'üser@example.com', 'user@müller.de', 'user@straße.de',
 'user@ｅｘａｍｐｌｅ.com', 'user@example.ｃｏｍ', 'user@a.ｅ', 'user@😀.com', 'user@مثال.com', 'user@مثال1.com', 'user@abcمثال.com',
 'user@xn--nxasmq6b.com', 'user@XN--ü.com', 'user@a\u00adb.com', 'user@\u00ad.com', 'user@a\u00a0b.com', 'user@\u2474.com',
 'user@a\u3002com', 'user@a\uff0ecom', 'user@ü.', 'user@ü..com', 'user@' + 'ü'*60 + '.com', 'user@' + 'ü'*20 + '.com',
 '"a\\"b"@x.com', '"a"b"@x.com', '""@x.com', '"@x.com', '.a@x.com', 'a.@x.com', 'a..b@x.com', 'a.b@x.com', "a!#$%&'*+/=?^_`{}|~@x.com",
 'a@b.c', 'a@b.-c', 'a@b.c-', 'a@b.12', 'a@1.2.3.4', 'a@[1.2.3.4]', 'a@B.COM', 'a@x_y.com', 'x@' + 'a'*300 + '.com', 'a'*310 + '@x.com',
 'a@b.com ', ' a@b.com', 'a@\u4f8b\u3048.\u30c6\u30b9\u30c8', 'user@\u05d0\u05d1.com', 'user@\u05d0a\u05d1.com', 'user@1\u05d0.com',
 'user@\u0627\u0644\u0639\u0631\u0628\u064a\u0629.com', 'user@a\u200db.com', 'user@a\ue000b.com', 'user@\ufffd.com', 'user@\u00e9xample.com',
 '"\\\x7f"@x.com', '"\x7f"@x.com', '"\\ "@x.com', '" "@x.com', '"\t"@x.com', 'İ@x.com', 'a@İ.com', 'a@ı.com',
]
for e in emails:
    if e is None: continue
    add(op='email', s=e)
# idna fuzz
alphabet = ['a','B','-','1','.','ü','ß','é','\u00ad','\u05d0','\u0627','\u4f8b','\u3002','😀','\u2474','\uff21','\ufe63','x','n','\u0301','\u200b',' ','_']
for i in range(3000):
    n = random.randint(1, 12)
    s = ''.join(random.choice(alphabet) for _ in range(n))
    add(op='email', s='u@' + s)
for i in range(1500):
    n = random.randint(1, 70)
    s = ''.join(chr(random.choice([random.randint(0x61,0x7a), random.randint(0xa0, 0x3000), random.randint(0x4e00,0x9fff), random.randint(0x10000,0x1ffff)])) for _ in range(n))
    add(op='puny', cps=[ord(ch) for ch in s])
    add(op='email', s='u@' + s + '.com')
# user part fuzz
ualpha = ['a','"','\\','.','@',' ','\t','\x01','\x7f','ſ','!','(',')',',',';',':','<','>','[',']','ü']
for i in range(2000):
    n = random.randint(1, 8)
    s = ''.join(random.choice(ualpha) for _ in range(n))
    add(op='email', s=s + '@x.com')
# literal fuzz
lalpha = list('0123456789abcdefABCDEFgG:._[]%') + ['ſ']
for i in range(3000):
    n = random.randint(1, 20)
    s = ''.join(random.choice(lalpha) for _ in range(n))
    add(op='email', s='a@[' + s + ']')
for v in [1, 1.5, 1e16, 1e15, 0.0001, 0.00001, -0.0, 0.0, 123456789012345678.0, 1e22, 1e-7, 1.7976931348623157e308, 9999999999999998.0, 0.1, 100.0, -12.75, True, False, None, [], {}, ["a", 1, 1.0, None, True, {"b": [2]}], {"a": 1}, "it's", 'say "hi"', 'both \' and "', "tab\tnl\ncr\r\x00\x7f\\", "\u00e9\u00a0\u00ad\u200b\U0001F600\ue000\x85"]:
    add(op='str', v=[v])
for i in range(20000):
    add(op='frepr', s=repr(random.uniform(-1e6, 1e6) * 10 ** random.randint(-310, 300)))
for i in range(5000):
    add(op='frepr', s=str(random.randint(0, 10**random.randint(1, 25))) + '.' + str(random.randint(0, 999)) + 'e' + str(random.randint(-330, 310)))
dts = ['2017-12-27T10:00:00Z', '2017-12-27T10:00:00+01:00', '2017-12-27T10:00:00.123456Z', '2017-12-27 10:00', '2017-12-27T10:00',
 '2017-12-27', '2017-12-27T10', '2017-1-2T3:4', '2017-12-27T10:00:00.5Z', '2017-12-27T10:00:00,5Z', '2017-12-27T10:00:00.1234567Z',
 '2017-12-27T10:00:00.123456789012Z', '2017-12-27T10:00 Z', '2017-12-27T10:00:00-0530', '2017-12-27T10:00:00+05', '2017-12-27T10:00:00+01:99',
 '2017-12-27T10:00:00+24:00', '2017-12-27T10:00:00+23:59', '2017-02-29T10:00', '2016-02-29T10:00', '2017-13-01T10:00', '2017-12-27T24:00',
 '2017-12-27T10:60', '2017-12-27T10:00:60', '0001-01-01T00:00:00Z', '0001-01-01T00:00:00+01:00', '9999-12-31T23:59:59.999999Z',
 '9999-12-31T23:59:59-01:00', '27.12.2017', 'foo', '', '2017-12-27T10:00:00Zx', '2017-12-27T10:00:00Z\n', '2017-12-27\n', '2017-12-27T10:00\n',
 '2017-12-27t10:00', '2017-12-27T10:00:00+0100', '2017-12-27T10:00:00+01:0', '1969-12-31T23:59:59.5Z',
 '2017-12-27T10:00:00 +01:00', '2017-12-27T10:00:00  ', '2017-12-27T10Z', '2017-12-27T10+01:00']
for d in dts: add(op='dt', s=d)
# team bodies
vals = [None, True, False, 0, 1, 2, 1.0, 0.0, 1.5, -0.0, "", " ", "x", "  x  ", "true", "True", "yes", "Y", "on", "ON", "1", "0", "off", "no", "null", [], ["dummy"], {}, {"dummy": 1}, "a"*190, "a"*191, "ü"*190, "ü"*191, "a\u0000b", 5, "dummy", ["dummy", "dummy"], ["nope"], [5], [True], [None], [{"a": 1}], [["x"]], [1.5], ["dummy", "nope", "other"], [" dummy"], "\u00a0\u3000", 1e16]
keys = ['name', 'all_events', 'limit_events', 'can_view_orders', 'can_checkin_orders', 'id', 'unknown']
for i in range(4000):
    d = {}
    for k in keys:
        if random.random() < 0.5:
            d[k] = random.choice(vals)
    add(op='team', data=d, partial=random.random() < 0.3)
for top in [None, [], [1], "x", 1, 1.5, True, {}]:
    add(op='team', data=top); add(op='invite', data=top); add(op='token', data=top)
fvals = ['', ' ', 'x', 'true', 'false', 'dummy', 'nope', '1', 'on', 'null']
fkeys = ['name', 'all_events', 'limit_events', 'can_view_orders', 'can_manage_customers']
for i in range(3000):
    pairs = []
    for _ in range(random.randint(0, 6)):
        pairs.append([random.choice(fkeys), random.choice(fvals)])
    add(op='team', form=pairs, partial=random.random() < 0.3)
for e in emails + [None, 5, 1.5, True, [], {}, "   ", " a@b.com\n", "a"*250 + "@" + "b"*70 + ".com", "a"*250 + "@b.com", "a\u0000@b.com"]:
    add(op='invite', data={'email': e})
    if isinstance(e, str): add(op='invite', form=[['email', e]])
add(op='invite', data={}); add(op='invite', form=[]); add(op='invite', form=[['other', 'x']]); add(op='invite', form=[['email', 'a@b.com'], ['email', '']])
for v in vals:
    add(op='token', data={'name': v}); 
    if isinstance(v, str): add(op='token', form=[['name', v]])
add(op='token', data={}); add(op='token', form=[]); add(op='token', data={'name': 'x', 'active': False})
for c in cases:
    print(json.dumps(c))
