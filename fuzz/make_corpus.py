#!/usr/bin/env python3
"""Writes the seed corpora fuzz/corpus/<target>/ (checked in; rerun only to regenerate).

Seeds come from the shared test vectors (../shared/vectors), the configuration docs and hand-made
cases; password seeds get low costs so that fuzzing them stays fast. Each file is one input in
the target's format (see the comment at the top of fuzz/<target>.cpp).
"""
import base64
import ctypes
import hashlib
import json
import re
import shutil
import warnings
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
VECTORS = ROOT.parent / "shared" / "vectors"


def write(target, seeds):
    out = HERE / "corpus" / target
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    unique = []
    for seed in seeds:
        data = seed if isinstance(seed, bytes) else seed.encode()
        if data not in unique:
            unique.append(data)
    for i, data in enumerate(unique):
        (out / f"seed-{i:03d}").write_bytes(data)
    print(f"{target}: {len(unique)} seeds")


def token_seeds():
    vectors = json.loads((VECTORS / "jwt_tokens.json").read_text())["vectors"]
    seeds = []
    for v in vectors:
        seeds.append(b"\x00" + v["token"].encode())
        if v["header"] is not None and v["payload"] is not None:
            header = json.dumps(v["header"], separators=(",", ":"))
            payload = json.dumps(v["payload"], separators=(",", ":"))
            seeds.append(b"\x01" + f"{header}\n{payload}".encode())
    token = vectors[0]["token"]
    seeds += [b"\x00Bearer " + token.encode(), b"\x00bearer\t " + token.encode() + b" ",
              b"\x00Bearer", b"\x00Bearerxyz", b"\x00 ", b"\x00a.b.c", b"\x00..", b"\x00a.b.c.d",
              b"\x80Bearer " + token.encode()]
    for header, payload in [
        ('{"typ":"JWT","alg":"HS256"}', '{"id":"ID_1","exp":1700000100}'),
        ('{"alg":"HS256","typ":"JWT"}', '{"exp":1700000100,"id":"ID_1"}'),
        ('{"alg":"HS256"}', '{"id":"ID_1","exp":1699999990}'),
        ('{"alg":"none"}', '{"id":"ID_1"}'),
        ('{"alg":"HS256","kid":1}', '{"id":"ID_1"}'),
        ('{"alg":"HS256"}', '{"id":"ID_1","exp":1.7e9,"nbf":1700000030,"iat":1699990000}'),
        ('{"alg":"HS256"}', '{"id":"ID_1","exp":"1800000000"}'),
        ('{"alg":"HS256"}', '{"id":"ID_1","aud":"x"}'),
        ('{"alg":"HS256"}', '{"id":"ID_1","aud":[]}'),
        ('{"alg":"HS256"}', '{"id":"","exp":99999999999999999999}'),
        ('{"alg":"HS256"}', '{"id":"\\u00e9\\ud800","exp":-1e400}'),
        ('{"alg":"HS256"}', '[1]'),
    ]:
        seeds.append(b"\x01" + f"{header}\n{payload}".encode())
        seeds.append(b"\x81" + f"{header}\n{payload}".encode())
    seeds += [b"\x02ID_8bd15605-fcb0-4beb-8475-e47545c065dc", b"\x02", b"\x02\xff\xfe\"\\",
              b"\x02\xc3\xa9\xe2\x82\xac"]
    return seeds


def body_seeds():
    multipart = (b"--XyZ\r\nContent-Disposition: form-data; name=\"email\"\r\n\r\nada@example.com\r\n"
                 b"--XyZ\r\nContent-Disposition: form-data; name=\"password\"\r\n\r\npw\r\n"
                 b"--XyZ\r\nContent-Disposition: form-data; name=\"f\"; filename=\"a.txt\"\r\n"
                 b"Content-Type: text/plain\r\n\r\nfile\r\n--XyZ--\r\n")
    return [
        b'\x00{"email": "ada@example.com", "password": "pw"}',
        b'\x00{"email": {"$ne": null}, "password": ["a", 1, 2.5, true, null]}',
        b'\x00{"a": {"b": {"c": [[[[{}]]]]}}}',
        b'\x00[1, 2]', b'\x00"text"', b'\x00{"a": "\\u00e9\\ud83d\\ude00"}', b'\x00{"a": 1e400}',
        b'\x00{"a": "\xff"}', b'\x00{', b'\x00' + b'[' * 40 + b']' * 40,
        b'\x01email=ada%40example.com&password=correct+horse',
        b'\x01a=%zz&b=%C3%A9&c&&=x&a=2', b'\x01%ff=1', b'\x01' + b'&'.join(b'k%d=v' % i for i in range(5)),
        b'\x02' + multipart,
        b'\x02--XyZ\r\nContent-Disposition: form-data\r\n\r\nx\r\n--XyZ--',
        b'\x02--XyZ\r\ncontent-disposition: form-data; NAME=n\r\n\r\n\r\n--XyZ--',
        b'\x03application/json; charset=utf-8\n{"a": "b"}',
        b'\x03Application/Vnd.Api+JSON\n{"a": "b"}',
        b'\x03multipart/form-data; boundary="q q"; charset=x\n--q q\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--q q--',
        b'\x03multipart/form-data\n--\r\n',
        b'\x03application/x-www-form-urlencoded ; charset=latin-1\na=b',
        b'\x03text/plain\nhello',
        b'\x03\n',
    ]


def password_seeds():
    vectors = json.loads((VECTORS / "password_hashes.json").read_text())["vectors"]
    seeds = []

    def lower_costs(h):
        h = re.sub(r"^(pbkdf2_sha(?:256|1))\$\d+\$", r"\1$1000$", h)
        h = re.sub(r"\$(2[aby])\$\d\d\$", r"$\1$04$", h)
        h = re.sub(r"m=\d+,t=\d+,p=\d+", "m=64,t=1,p=1", h)
        return h

    for v in vectors:
        password = base64.b64decode(v["password_b64"]) if v.get("password_b64") else v["password"].encode()
        if b"\n" in password:
            continue
        seeds.append(b"\x00" + password + b"\n" + lower_costs(v["hash"]).encode())
    # Hashes that verify, at fuzzing costs.
    for pw in [b"", b"pw", b"correct horse battery staple", "pässwörd".encode(), b"a" * 80, b"x\x00y"]:
        salt = "abcdefghijkl"
        for name, algo, size in [("pbkdf2_sha256", "sha256", 32), ("pbkdf2_sha1", "sha1", 20)]:
            key = hashlib.pbkdf2_hmac(algo, pw, salt.encode(), 1000, size)
            seeds.append(b"\x00" + pw + b"\n" + f"{name}$1000${salt}${base64.b64encode(key).decode()}".encode())
        if b"\x00" not in pw:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                import crypt
            bc = crypt.crypt(pw.decode(), "$2b$04$abcdefghijklmnopqrstuu")
            seeds.append(b"\x00" + pw + b"\nbcrypt$" + bc.encode())
            pre = hashlib.sha256(pw).hexdigest()
            seeds.append(b"\x00" + pw + b"\nbcrypt_sha256$" + crypt.crypt(pre, "$2b$04$abcdefghijklmnopqrstuu").encode())
        seeds.append(b"\x00" + pw + b"\n" + argon2(pw, 2 if pw else 0).encode())
    seeds += [b"\x01pw\n", b"\x01\n!unusable", b"\x00pw\n!", b"\x00pw\nmd5$x$y", b"\x00pw\npbkdf2_sha256$0$s$k",
              b"\x00pw\npbkdf2_sha256$99999999999$s$" + b"A" * 44,
              b"\x00pw\nargon2$argon2id$v=19$m=1048577,t=1,p=1$c2FsdHNhbHQ$aGFzaA",
              b"\x00pw\nbcrypt$$2b$31$abcdefghijklmnopqrstuuyvPXIbu7xe6/CED2DzX8z6Si09MlzlW",
              b"\x00pw\nbcrypt$$2x$04$abcdefghijklmnopqrstuuyvPXIbu7xe6/CED2DzX8z6Si09MlzlW"]
    return seeds


def argon2(password, variant):
    """argon2 hash in Django's format at fuzzing costs (libargon2 through ctypes)."""
    lib = ctypes.CDLL("libargon2.so.1")
    out = ctypes.create_string_buffer(256)
    salt = b"saltsaltsaltsalt"
    fn = [lib.argon2d_hash_encoded, lib.argon2i_hash_encoded, lib.argon2id_hash_encoded][variant]
    u32, size = ctypes.c_uint32, ctypes.c_size_t
    fn.argtypes = [u32, u32, u32, ctypes.c_char_p, size, ctypes.c_char_p, size, size,
                   ctypes.c_char_p, size]
    rc = fn(1, 64, 1, password, len(password), salt, len(salt), 16, out, 256)
    assert rc == 0, rc
    return "argon2" + out.value.decode()


def settings_seeds():
    seeds = []
    doc = (ROOT / "docs" / "configuration.md").read_text()
    for block in re.findall(r"```toml\n(.*?)```", doc, re.S):
        seeds.append(b"\x00" + block.encode())
    seeds += [
        b'\x00fields = ["first_name", "mobile"]\nsecondary_username_field = "mobile"\njwt_life = 7\n',
        b'\x00db_host = "db.example.com"\ndb_port = 27017\ndb_name = "app"\ndb_user = "u"\ndb_pass = "p"\n',
        b'\x00db_uri = "mongodb://u:p@h:1/db"\ndb_host = "x"\n',
        b'\x00jwt_secret = "secret"\nallow_weak_secret = true\nlisten = "0.0.0.0:9000"\nurl_prefix = "/api/auth"\n',
        b'\x00jwt_life = nan\n', b'\x00jwt_life = 1e400\n', b'\x00pbkdf2_rounds = 9223372036854775807\n',
        b'\x00max_body_bytes = -1\nidle_timeout_seconds = 0\n', b'\x00[table]\nkey = 1\n', b'\x00a = [[[[1]]]]\n',
        b'\x00fields = "mobile"\n', b'\x00jwt_lfe = 7\n', b'\x00= \n', b'\x00"\xff" = 1\n',
        b'\x00log_level = "debug"\ndata_dir = "/tmp/x"\npassword_scheme = "argon2"\nworker_threads = 4\n',
        b'\x01\n%%\nFIELDS=["first_name", "mobile"]\nSECONDARY_USERNAME_FIELD=email\nJWT_LIFE=0.5',
        b'\x01\n%%\nMANGO_JWT_FIELDS=mobile,,x\nMANGO_JWT_DB_PORT=99999',
        b'\x01\n%%\nJWT_SECRT=x', b'\x01\n%%\njwt_secret=lowercase',
        b'\x01\n%%\nLISTEN=[::1]:0\nIO_THREADS=2\nUSER_CACHE_SECONDS=0\nDB_TIMEOUT_MS=1',
        b'\x00jwt_life = 3\n\n%%\nJWT_LIFE=2\nDB_HOST=h\nDB_NAME=n',
    ]
    return seeds


if __name__ == "__main__":
    write("fuzz_token", token_seeds())
    write("fuzz_body", body_seeds())
    write("fuzz_password", password_seeds())
    write("fuzz_settings", settings_seeds())
