"""Tests of the independent reader's checks, with repositories made by a small writer that follows docs/format.md.

The real product makes the repositories of test/reader/reader.test.ts. Here a minimal writer, also written from the
document, makes what the product never would: objects whose GCM tag is valid but whose content is wrong (a line that
does not match its hash, a blob that does not match its id, a row set out of order), alias rows, deletions, files
trees. Each test names the check it proves.

Run: /usr/bin/python3 -m unittest tools/reader/test_clinic_backup_reader.py
(CLINIC_BACKUP_WORDLISTS=DIR with english.txt and portuguese.txt enables the recovery-word tests.)
"""

import base64
import contextlib
import hashlib
import io
import json
import os
import shutil
import stat
import sys
import tempfile
import unittest

import zstandard
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import clinic_backup_reader as reader  # noqa: E402

PASSWORD = "senha çedilha"


# ---------------------------------------------------------------------------------------------------------------
# A minimal writer
# ---------------------------------------------------------------------------------------------------------------

def varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def string(text):
    raw = text.encode("utf-8")
    return varint(len(raw)) + raw


def encode_words(key, wordlist):
    """§7.2 in the other direction: 32 bytes → 32 words."""
    words = []
    for line in range(8):
        d = key[4 * line:4 * line + 4]
        v = int.from_bytes(d, "big") * 2 + reader.check_bit(line, d)
        s1, s2, s3 = v >> 22, (v >> 11) & 0x7FF, v & 0x7FF
        words += [wordlist[s] for s in (s1, s2, s3, reader.check_word(line, s1, s2, s3))]
    return words


class MiniWriter:
    def __init__(self, root):
        self.root = root
        self.repo_id = os.urandom(16).hex()
        self.master = os.urandom(32)
        self.recovery_key = os.urandom(28) + bytes.fromhex(self.repo_id)[:4]
        self.keys = reader.Keys(self.master, bytes.fromhex(self.repo_id))
        self.pending = []
        self.packs = []
        self.dictionaries = {}
        for d in ("keys", "data", "index", "snapshots", "locks", "audit"):
            os.makedirs(os.path.join(root, d))
        with open(os.path.join(root, "config"), "w") as f:
            json.dump({"format": "clinic-backup-repository", "version": 2, "id": self.repo_id,
                       "created": "2026-01-01T00:00:00.000Z", "params": {}}, f)
        salt = os.urandom(16)
        wrap = hashlib.scrypt(PASSWORD.encode("utf-8"), salt=salt, n=1024, r=8, p=1, dklen=32)
        self.slot("passphrase", {"name": "scrypt", "N": 1024, "r": 8, "p": 1,
                                 "salt": base64.b64encode(salt).decode()}, wrap, "2026-01-01T00:00:00.000Z")
        salt = os.urandom(16)
        wrap = reader.hkdf(self.recovery_key, salt, b"clinic-backup v1 key slot wrap")
        self.slot("recovery", {"name": "hkdf", "salt": base64.b64encode(salt).decode()}, wrap,
                  "2026-01-01T00:00:01.000Z")

    def slot(self, kind, kdf, wrap, created):
        slot_id = os.urandom(8).hex()
        nonce = os.urandom(12)
        aad = ("CBv1 key|%s|%s" % (self.repo_id, slot_id)).encode()
        wrapped = nonce + AESGCM(wrap).encrypt(nonce, self.master, aad)
        with open(os.path.join(self.root, "keys", slot_id), "w") as f:
            json.dump({"format": "clinic-backup-key", "version": 1, "id": slot_id, "repoId": self.repo_id,
                       "kind": kind, "name": kind, "created": created, "host": "test", "kdf": kdf,
                       "wrappedKey": base64.b64encode(wrapped).decode()}, f)

    def seal(self, kind, payload, codec=1, dictionary=None, length=None):
        if codec == 0:
            body = payload
        elif codec == 1:
            body = zstandard.ZstdCompressor(level=3).compress(payload)
        elif codec == 3:
            d = zstandard.ZstdCompressionDict(self.dictionaries[dictionary], dict_type=zstandard.DICT_TYPE_RAWCONTENT)
            body = dictionary + zstandard.ZstdCompressor(level=3, dict_data=d).compress(payload)
        else:
            body = payload
        plain = bytes([codec]) + (len(payload) if length is None else length).to_bytes(4, "little") + body
        nonce = os.urandom(12)
        return b"CB\x02" + bytes([kind]) + nonce + AESGCM(self.keys.data).encrypt(nonce, plain, b"CBv2" + bytes([kind]))

    def blob(self, blob_type, content, codec=1, dictionary=None, claim_id=None, raw=None):
        blob_id = claim_id or self.keys.blob_id_of(content)
        envelope = self.seal(1, content, codec, dictionary)
        self.pending.append((blob_type, blob_id, envelope, len(content) if raw is None else raw))
        if blob_type == reader.BLOB_DICTIONARY:
            self.dictionaries[blob_id] = content
        return blob_id

    def pack(self):
        entries = b"".join(bytes([t]) + i + varint(len(e)) + varint(r) for t, i, e, r in self.pending)
        header = self.seal(2, b"\x02" + varint(len(self.pending)) + entries)
        data = b"".join(e for _, _, e, _ in self.pending) + header + len(header).to_bytes(4, "little") + b"CBP2"
        name = self.write("data", data)
        self.packs.append((name, len(data), list(self.pending)))
        self.pending = []
        return name

    def write(self, kind, data):
        name = hashlib.sha256(data).hexdigest()
        folder = os.path.join(self.root, kind, name[:2]) if kind == "data" else os.path.join(self.root, kind)
        os.makedirs(folder, exist_ok=True)
        with open(os.path.join(folder, name), "wb") as f:
            f.write(data)
        return name

    def index(self, supersedes=(), extra=b""):
        payload = b"\x02" + varint(len(supersedes)) + b"".join(bytes.fromhex(s) for s in supersedes)
        payload += varint(len(self.packs))
        for name, size, entries in self.packs:
            payload += bytes.fromhex(name) + varint(size) + varint(len(entries))
            payload += b"".join(bytes([t]) + i + varint(len(e)) + varint(r) for t, i, e, r in entries)
        return self.write("index", self.seal(3, payload + extra))

    def snapshot(self, manifest):
        full = {"version": 2, "time": "2026-01-02T00:00:00.000Z", "hostname": "test", "username": "test",
                "toolVersion": "test", "parent": None, "serverTransactionTime": None, "mode": "full",
                "dictionaries": {}, "attachments": None, "partial": False, "problems": [], "problemCount": 0,
                "tags": []}
        full.update(manifest)
        return self.write("snapshots", self.seal(4, json.dumps(full, separators=(",", ":")).encode()))


def row_set(kind, rows, deletions=()):
    """§14.5. rows: (patient, type, id, flags, frame id, offset, length, line hash)."""
    frames = sorted({r[4] for r in rows})
    patients = sorted({r[0] for r in rows})
    types = sorted({r[1] for r in rows} | {d[0] for d in deletions})
    out = b"CBR2" + bytes([kind]) + varint(len(rows))
    out += varint(len(frames)) + b"".join(frames)
    out += varint(len(patients)) + b"".join(string(p) for p in patients)
    out += varint(len(types)) + b"".join(string(t) for t in types)
    out += b"".join(varint(patients.index(r[0])) for r in rows)
    out += b"".join(varint(types.index(r[1])) for r in rows)
    out += b"".join(string(r[2]) for r in rows)
    out += bytes(r[3] for r in rows)
    out += b"".join(varint(frames.index(r[4])) for r in rows)
    out += b"".join(varint(r[5]) for r in rows)
    out += b"".join(varint(r[6]) for r in rows)
    out += b"".join(r[7] for r in rows)
    if kind == 1:
        out += varint(len(deletions)) + b"".join(varint(types.index(t)) + string(i) for t, i in deletions)
    return out


def res(rtype, rid, **fields):
    doc = {"resourceType": rtype, "id": rid}
    doc.update(fields)
    return json.dumps(doc, separators=(",", ":"), ensure_ascii=False).encode()


def ref(pid):
    return {"reference": "Patient/" + pid}


class FhirRepo:
    """Two snapshots: a checkpoint of 3-row chunks, then a delta that changes, adds and deletes resources.

    Patients p1, p2, p3; Group g1 has members p2 and p1 (compartment [p2, p1]: a primary row for p2, an alias row
    for p1); Organization org1 is in no compartment.
    """

    def __init__(self, root, tamper=None):
        tamper = tamper or {}
        w = self.w = MiniWriter(root)
        self.lines = {
            # As a server sent it: a decimal with a trailing zero, a key order of its own, raw UTF-8.
            ("Patient", "p1"): '{"id":"p1","resourceType":"Patient","name":[{"family":"Souza"}],"weight":98.60}'.encode(),
            ("Patient", "p2"): res("Patient", "p2", name=[{"family": "Lima"}]),
            ("Patient", "p3"): res("Patient", "p3", name=[{"family": "Conceição"}]),
            ("Observation", "o1"): res("Observation", "o1", subject=ref("p1"), valueQuantity={"value": 1.50}),
            ("Observation", "o2"): res("Observation", "o2", subject=ref("p3")),
            ("Group", "g1"): res("Group", "g1", member=[{"entity": ref("p2")}, {"entity": ref("p1")}]),
            ("Organization", "org1"): res("Organization", "org1", name="Clínica"),
        }
        dictionary = tamper.get("dictionary") or b"".join(
            self.lines[k] + b"\n" for k in sorted(self.lines) if k[0] in ("Patient", "Observation"))
        dict_id = w.blob(reader.BLOB_DICTIONARY, dictionary, codec=1)
        w.pack()
        locations = {}

        def frame(keys, codec, dictionary=None):
            content = b""
            for k in keys:
                locations[k] = (len(content), len(self.lines[k]))
                content += self.lines[k] + b"\n"
            fid = w.blob(reader.BLOB_FRAME, content, codec, dictionary)
            for k in keys:
                locations[k] = (fid,) + locations[k]
            return fid

        frame([("Patient", "p1"), ("Patient", "p2"), ("Patient", "p3")], 3, dict_id)
        frame([("Observation", "o1"), ("Observation", "o2")], 1)
        frame([("Group", "g1"), ("Organization", "org1")], 0)
        w.pack()

        def row(patient, key, flags=0):
            fid, offset, length = locations[key]
            line_hash = w.keys.line_hash_of(self.lines[key])
            if tamper.get("line_hash") == key:
                line_hash = bytes(12)
            if tamper.get("length") == key:
                length -= 1
            return (patient, key[0], key[1], flags, fid, offset, length, line_hash)

        rows = sorted([
            row("", ("Organization", "org1")),
            row("p1", ("Patient", "p1")),
            row("p1", ("Observation", "o1")),
            row("p1", ("Group", "g1"), 3),
            row("p2", ("Patient", "p2")),
            row("p2", ("Group", "g1"), 1),
            row("p3", ("Patient", "p3")),
            row("p3", ("Observation", "o2")),
        ], key=lambda r: reader.sort_key(r[0], r[1], r[2]))
        if tamper.get("unsorted"):
            rows[1], rows[2] = rows[2], rows[1]
        chunks = []
        for i in range(0, len(rows), 3):
            part = rows[i:i + 3]
            content = row_set(0, part)
            claim = None
            if tamper.get("blob_id") and i == 3:
                claim = w.keys.blob_id_of(content + b"x")
            chunks.append({"blob": w.blob(reader.BLOB_TREE, content, claim_id=claim).hex(), "rows": len(part),
                           "first": list(part[0][:3]), "last": list(part[-1][:3])})
        directory = json.dumps({"format": "CBDIR2", "rows": len(rows), "chunks": chunks}).encode()
        checkpoint = w.blob(reader.BLOB_TREE, directory)
        w.pack()
        self.counts1 = {"Group": 1, "Observation": 2, "Organization": 1, "Patient": 3}
        self.snap1 = w.snapshot({
            "time": "2026-01-02T00:00:00.000Z", "source": {"kind": "ndjson", "location": "x", "strategy": "files"},
            "counts": self.counts1, "totals": self.totals(rows),
            "tree": {"kind": "resources", "checkpoint": checkpoint.hex(), "deltas": [], "changesSinceCheckpoint": 0},
        })
        # The delta: o1 changes, o3 (p1) is added, org1 is deleted, g1 loses p2 (now only p1: no alias row).
        self.lines[("Observation", "o1")] = res("Observation", "o1", subject=ref("p1"), valueQuantity={"value": 2.5})
        self.lines[("Observation", "o3")] = res("Observation", "o3", subject=ref("p1"))
        self.lines[("Group", "g1")] = res("Group", "g1", member=[{"entity": ref("p1")}])
        frame([("Observation", "o1"), ("Observation", "o3"), ("Group", "g1")], 1)
        w.pack()
        upserts = sorted([row("p1", ("Observation", "o1")), row("p1", ("Observation", "o3")),
                          row("p1", ("Group", "g1"))], key=lambda r: reader.sort_key(r[0], r[1], r[2]))
        delta = w.blob(reader.BLOB_TREE, row_set(1, upserts, [("Organization", "org1")]))
        w.pack()
        self.index = w.index(extra=b"\x00" if tamper.get("index_trailing") else b"")
        final = [r for r in rows if (r[1], r[2]) not in {("Observation", "o1"), ("Group", "g1"),
                                                           ("Organization", "org1")}] + upserts
        self.counts2 = {"Group": 1, "Observation": 3, "Patient": 3}
        self.snap2 = w.snapshot({
            "time": "2026-01-03T00:00:00.000Z", "parent": self.snap1,
            "source": {"kind": "ndjson", "location": "x", "strategy": "files"},
            "counts": self.counts2, "totals": self.totals(final),
            "tree": {"kind": "resources", "checkpoint": checkpoint.hex(), "deltas": [delta.hex()],
                     "changesSinceCheckpoint": 4},
        })

    @staticmethod
    def totals(rows):
        primary = [r for r in rows if not r[3] & 2]
        return {"resources": len(primary), "bytes": sum(r[6] for r in primary)}


def run(*argv):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = reader.main(list(argv))
    return code, out.getvalue(), err.getvalue()


class TempDirTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="cb-reader-test-")
        self.password_file = os.path.join(self.tmp, "password")
        with open(self.password_file, "w", encoding="utf-8") as f:
            f.write(PASSWORD + "\n")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def reader(self, command, *args):
        return run(command, "--password-file", self.password_file, *args)

    def read_ndjson(self, folder):
        out = {}
        for name in sorted(os.listdir(folder)):
            with open(os.path.join(folder, name), "rb") as f:
                out[name] = f.read()
        return out


# ---------------------------------------------------------------------------------------------------------------
# Encodings
# ---------------------------------------------------------------------------------------------------------------

class Encodings(unittest.TestCase):
    def test_varints_shortest_form_at_most_8_bytes_below_2_53(self):
        for n in (0, 1, 127, 128, 300, 2 ** 32, 2 ** 53 - 1):
            cur = reader.Cursor(varint(n), "t")
            self.assertEqual(cur.varint(), n)
            cur.end()
        for bad, why in ((b"\x80\x00", "shortest"), (b"\x80" * 8 + b"\x01", "longer than 8"),
                         (varint(2 ** 53), "2^53"), (b"\x80", "truncated")):
            with self.assertRaises(reader.IntegrityError) as e:
                reader.Cursor(bad, "t").varint()
            self.assertIn(why, e.exception.message)

    def test_recovery_word_math_matches_the_worked_example_of_section_7_2(self):
        self.assertEqual([reader.gf_times_alpha(1, 8 + l) for l in range(8)], [256, 512, 1024, 5, 10, 20, 40, 80])
        self.assertEqual(reader.check_word(7, 801, 1783, 1446), 224)
        self.assertEqual(reader.decode_line(7, 801, 1783, 1446, 224), bytes.fromhex("643bded3"))
        with self.assertRaises(reader.ReaderError) as e:
            reader.decode_line(7, 801, 1783, 1446, 225)
        self.assertEqual((e.exception.code, "line 8" in e.exception.message), ("RECOVERY_KEY_CHECKSUM", True))

    def test_normalisation_drops_accents_case_numbers_and_punctuation(self):
        self.assertEqual(reader.normalise_words(" 1. Ábaco, CAFÉ\n2) pão-de-ló "), ["abaco", "cafe", "pao", "de", "lo"])


# ---------------------------------------------------------------------------------------------------------------
# Envelopes (§8)
# ---------------------------------------------------------------------------------------------------------------

class Envelopes(TempDirTest):
    def setUp(self):
        TempDirTest.setUp(self)
        self.w = MiniWriter(os.path.join(self.tmp, "repo"))
        self.repo = reader.Repository(self.w.root)
        self.repo.open_with_password(PASSWORD)
        self.repo.index = {}

    def open(self, data, kind=reader.KIND_SNAPSHOT):
        return self.repo.open_envelope(data, kind, "test object")

    def assertDamaged(self, data, text, kind=reader.KIND_SNAPSHOT):
        with self.assertRaises(reader.IntegrityError) as e:
            self.open(data, kind)
        self.assertIn(text, e.exception.message)

    def test_codecs_0_and_1_open_and_check_the_recorded_length(self):
        self.assertEqual(self.open(self.w.seal(4, b"hello", codec=0)), b"hello")
        self.assertEqual(self.open(self.w.seal(4, b"hello" * 100, codec=1)), b"hello" * 100)
        self.assertDamaged(self.w.seal(4, b"hello", codec=0, length=6), "records 6")
        self.assertDamaged(self.w.seal(4, b"hello", codec=1, length=4), "records 4")

    def test_unknown_codec_wrong_kind_bad_magic_short_and_flipped_bytes_are_refused(self):
        self.assertDamaged(self.w.seal(4, b"hello", codec=9), "unknown codec 9")
        self.assertDamaged(self.w.seal(3, b"hello"), "kind 3, expected 4")
        good = self.w.seal(4, b"hello")
        self.assertDamaged(b"XB" + good[2:], "magic")
        self.assertDamaged(good[:36], "shorter than 37")
        for at in (5, 20, len(good) - 1):
            flipped = bytearray(good)
            flipped[at] ^= 1
            self.assertDamaged(bytes(flipped), "AES-GCM authentication failed")
        # The AAD binds the kind: the same envelope relabelled as another kind does not open.
        self.assertDamaged(good[:3] + b"\x03" + good[4:], "AES-GCM authentication failed", kind=reader.KIND_INDEX)
        with self.assertRaises(reader.Version1Object):
            self.open(good[:2] + b"\x01" + good[3:])

    def test_bytes_after_the_zstd_frame_are_refused(self):
        body = zstandard.ZstdCompressor().compress(b"hello") + b"\x00"
        plain = b"\x01" + (5).to_bytes(4, "little") + body
        nonce = os.urandom(12)
        env = b"CB\x02\x04" + nonce + AESGCM(self.w.keys.data).encrypt(nonce, plain, b"CBv2\x04")
        self.assertDamaged(env, "after the zstd frame")


# ---------------------------------------------------------------------------------------------------------------
# Resource trees, end to end through the commands
# ---------------------------------------------------------------------------------------------------------------

class ResourceTrees(TempDirTest):
    def make(self, **tamper):
        root = os.path.join(self.tmp, "repo")
        return root, FhirRepo(root, tamper)

    def test_checkpoint_plus_delta_restores_changed_added_and_deleted_resources(self):
        root, f = self.make()
        code, out, err = self.reader("snapshots", root, "--json")
        self.assertEqual(code, 0, err)
        self.assertEqual([(s["id"], s["counts"]) for s in json.loads(out)],
                         [(f.snap1, f.counts1), (f.snap2, f.counts2)])
        code, out, err = self.reader("restore", root, f.snap1[:6], os.path.join(self.tmp, "one"))
        self.assertEqual(code, 0, err)
        lines = f.lines
        first = self.read_ndjson(os.path.join(self.tmp, "one"))
        self.assertEqual(sorted(first), ["Group.ndjson", "Observation.ndjson", "Organization.ndjson", "Patient.ndjson"])
        self.assertEqual(first["Patient.ndjson"],
                         lines[("Patient", "p1")] + b"\n" + lines[("Patient", "p2")] + b"\n"
                         + lines[("Patient", "p3")] + b"\n")
        self.assertIn(b'"weight":98.60', first["Patient.ndjson"], "decimals kept as stored")
        self.assertEqual(first["Group.ndjson"].count(b"\n"), 1, "the alias row is not a second resource")
        code, out, err = self.reader("restore", root, "latest", os.path.join(self.tmp, "two"), "--json")
        self.assertEqual(code, 0, err)
        self.assertEqual(json.loads(out)["counts"], f.counts2)
        second = self.read_ndjson(os.path.join(self.tmp, "two"))
        self.assertNotIn("Organization.ndjson", second, "deleted by the delta")
        self.assertEqual(sorted(second["Observation.ndjson"].splitlines()),
                         sorted([lines[("Observation", k)] for k in ("o1", "o2", "o3")]))
        self.assertIn(b'"value":2.5', second["Observation.ndjson"], "o1's new version")
        code, out, err = self.reader("verify", root, "--json")
        self.assertEqual(code, 0, out + err)
        self.assertEqual(json.loads(out)["counts"]["snapshots"], 2)

    def test_one_patient_reads_only_the_chunks_that_can_hold_it_and_includes_alias_rows(self):
        root, f = self.make()
        # Snapshot 1, patient p1: Patient, Observation o1, Group g1 (alias row). Chunks: rows 0-2, 3-5, 6-7.
        code, out, err = self.reader("patient", root, f.snap1, "p1", os.path.join(self.tmp, "p1"), "--json")
        self.assertEqual(code, 0, err)
        report = json.loads(out)
        self.assertEqual(report["counts"], {"Group": 1, "Observation": 1, "Patient": 1})
        self.assertEqual((report["checkpointChunksRead"], report["checkpointChunks"]), (2, 3))
        self.assertEqual(report["blobsRead"]["frame"], report["framesUsed"])
        # p3 sits in the last chunk only.
        code, out, err = self.reader("patient", root, f.snap1, "p3", os.path.join(self.tmp, "p3"), "--json")
        self.assertEqual(code, 0, err)
        self.assertEqual(json.loads(out)["checkpointChunksRead"], 1)
        # Snapshot 2: the delta moved g1 out of p2's record and added o3 to p1's.
        code, out, err = self.reader("patient", root, f.snap2, "p2", os.path.join(self.tmp, "p2"), "--json")
        self.assertEqual(code, 0, err)
        self.assertEqual(json.loads(out)["counts"], {"Patient": 1})
        code, out, err = self.reader("patient", root, f.snap2, "p1", os.path.join(self.tmp, "p1b"), "--json")
        self.assertEqual(json.loads(out)["counts"], {"Group": 1, "Observation": 2, "Patient": 1})
        code, out, err = self.reader("patient", root, f.snap2, "nobody", os.path.join(self.tmp, "none"))
        self.assertEqual((code, "PATIENT_NOT_FOUND" in err), (1, True))

    def assertRefused(self, root, text, command="restore", snapshot="latest"):
        args = [root, snapshot, os.path.join(self.tmp, "out")] if command == "restore" else [root]
        code, out, err = self.reader(command, *args)
        self.assertEqual(code, 3, out + err)
        self.assertIn(text, out + err)
        self.assertFalse(os.path.exists(os.path.join(self.tmp, "out")), "no partial output is left")

    def test_a_line_that_does_not_match_its_line_hash_is_refused(self):
        root, _ = self.make(line_hash=("Patient", "p2"))
        self.assertRefused(root, "Patient/p2 in frame")
        self.assertRefused(root, "do not match its line hash")
        self.assertRefused(root, "line hash", command="verify")

    def test_a_resource_not_followed_by_LF_is_refused(self):
        root, _ = self.make(length=("Patient", "p3"))
        self.assertRefused(root, "not followed by LF")

    def test_a_blob_whose_content_does_not_hash_to_its_id_is_refused(self):
        root, _ = self.make(blob_id=True)
        self.assertRefused(root, "does not hash to its blob id")
        self.assertRefused(root, "does not hash to its blob id", command="verify")

    def test_unsorted_rows_and_bytes_after_an_index_are_refused(self):
        root, _ = self.make(unsorted=True)
        self.assertRefused(root, "not sorted")
        shutil.rmtree(root)
        root, _ = self.make(index_trailing=True)
        self.assertRefused(root, "unexpected bytes after the end")

    def test_a_file_that_does_not_match_its_name_is_refused_with_and_without_keys(self):
        root, f = self.make()
        path = os.path.join(root, "snapshots", f.snap2)
        with open(path, "r+b") as fh:
            fh.seek(40)
            b = fh.read(1)
            fh.seek(40)
            fh.write(bytes([b[0] ^ 0x80]))
        self.assertRefused(root, "snapshots/%s: its SHA-256 does not match its name" % f.snap2)
        code, out, err = run("verify", root)
        self.assertEqual(code, 3, out + err)
        self.assertIn("FILE_CORRUPT", out)
        self.assertIn("only file names", out)

    def test_superseded_index_files_are_ignored_even_when_damaged(self):
        root, f = self.make()
        # A rewritten index (as prune or repair index writes it) lists the same packs and supersedes the first.
        f.w.index(supersedes=[f.index])
        path = os.path.join(root, "index", f.index)
        with open(path, "r+b") as fh:
            fh.seek(50)
            fh.write(b"\xff\xff")
        code, out, err = self.reader("restore", root, "latest", os.path.join(self.tmp, "out"))
        self.assertEqual(code, 0, err)
        # verify still reports the damaged file (its SHA-256 does not match its name).
        code, out, err = self.reader("verify", root)
        self.assertEqual(code, 3)
        self.assertIn("index/%s: its SHA-256 does not match its name" % f.index, out)

    def test_packs_listed_by_two_live_index_files_are_read_and_verified_once(self):
        root, f = self.make()
        f.w.index()  # a second live index file listing the same packs (as after a crash and a retried backup)
        self.assertEqual(len(os.listdir(os.path.join(root, "index"))), 2)
        code, out, err = self.reader("verify", root, "--json")
        self.assertEqual(code, 0, out + err)
        report = json.loads(out)["counts"]
        self.assertEqual((report["indexFiles"], report["blobsVerified"]), (2, report["blobs"]))
        code, out, err = self.reader("restore", root, "latest", os.path.join(self.tmp, "out"))
        self.assertEqual(code, 0, err)

    def test_version_1_files_left_by_a_migration_are_ignored(self):
        root, f = self.make()
        # §3.5: envelopes with version byte 01 in index/ and snapshots/, and packs ending "CBP1".
        f.w.write("snapshots", b"CB\x01\x04" + os.urandom(60))
        f.w.write("index", b"CB\x01\x03" + os.urandom(60))
        f.w.write("data", os.urandom(100) + (20).to_bytes(4, "little") + b"CBP1")
        code, out, err = self.reader("snapshots", root, "--json")
        self.assertEqual(code, 0, err)
        self.assertEqual([s["id"] for s in json.loads(out)], [f.snap1, f.snap2])
        code, out, err = self.reader("verify", root, "--json")
        self.assertEqual(code, 0, out + err)
        self.assertEqual(json.loads(out)["counts"]["unreferencedPacks"], 0)

    def test_a_damaged_live_index_file_stops_the_reader(self):
        root, f = self.make()
        path = os.path.join(root, "index", f.index)
        os.truncate(path, os.path.getsize(path) - 1)
        self.assertRefused(root, "index/%s: its SHA-256 does not match its name" % f.index)

    def test_a_frame_with_the_same_bytes_as_a_dictionary_is_read_from_either_location(self):
        root = os.path.join(self.tmp, "repo")
        w = MiniWriter(root)
        line = res("Observation", "o1", subject=ref("p1"))
        content = line + b"\n"
        w.blob(reader.BLOB_DICTIONARY, content)
        w.pack()
        frame = w.blob(reader.BLOB_FRAME, content, codec=3, dictionary=w.keys.blob_id_of(content))
        w.pack()
        chunk = w.blob(reader.BLOB_TREE, row_set(0, [("p1", "Observation", "o1", 0, frame, 0, len(line),
                                                       w.keys.line_hash_of(line))]))
        directory = w.blob(reader.BLOB_TREE, json.dumps({"format": "CBDIR2", "rows": 1, "chunks": [
            {"blob": chunk.hex(), "rows": 1, "first": ["p1", "Observation", "o1"],
             "last": ["p1", "Observation", "o1"]}]}).encode())
        w.pack()
        w.index()
        w.snapshot({"source": {"kind": "ndjson", "location": "x", "strategy": "files"}, "counts": {"Observation": 1},
                    "totals": {"resources": 1, "bytes": len(line)},
                    "tree": {"kind": "resources", "checkpoint": directory.hex(), "deltas": []}})
        code, out, err = self.reader("restore", root, "latest", os.path.join(self.tmp, "out"))
        self.assertEqual(code, 0, err)
        self.assertEqual(self.read_ndjson(os.path.join(self.tmp, "out")), {"Observation.ndjson": content})
        code, out, err = self.reader("verify", root)
        self.assertEqual(code, 0, out + err)

    def test_a_dictionary_sealed_with_itself_as_dictionary_is_damaged(self):
        root = os.path.join(self.tmp, "repo")
        w = MiniWriter(root)
        content = res("Observation", "o1") + b"\n"
        did = w.keys.blob_id_of(content)
        w.dictionaries[did] = content
        w.blob(reader.BLOB_DICTIONARY, content, codec=3, dictionary=did)
        w.pack()
        w.index()
        code, out, err = self.reader("verify", root)
        self.assertEqual(code, 3)
        self.assertIn("a dictionary's own envelope uses codec 3", out)

    def test_wrong_password_and_credentials_of_another_kind(self):
        root, f = self.make()
        bad = os.path.join(self.tmp, "bad")
        with open(bad, "w") as fh:
            fh.write("wrong\n")
        code, out, err = run("snapshots", root, "--password-file", bad)
        self.assertEqual(code, 1)
        self.assertIn("WRONG_PASSWORD", err)
        code, out, err = run("snapshots", root)
        self.assertEqual(code, 2)

    def test_the_kit_qr_text_opens_the_repository(self):
        root, f = self.make()
        qr = os.path.join(self.tmp, "qr")
        with open(qr, "w") as fh:
            fh.write("CLINIC-BACKUP-RECOVERY:V1:%s:%s\n" % (f.w.repo_id.upper(),
                                                          base64.b32encode(f.w.recovery_key).decode().rstrip("=")))
        code, out, err = run("snapshots", root, "--recovery-words", qr)
        self.assertEqual(code, 0, err)


@unittest.skipUnless(os.environ.get("CLINIC_BACKUP_WORDLISTS"), "CLINIC_BACKUP_WORDLISTS is not set")
class RecoveryWords(TempDirTest):
    def test_english_and_portuguese_words_open_the_repository_and_a_wrong_word_names_its_line(self):
        folder = os.environ["CLINIC_BACKUP_WORDLISTS"]
        root = os.path.join(self.tmp, "repo")
        f = FhirRepo(root)
        for language in ("english", "portuguese"):
            with open(os.path.join(folder, language + ".txt"), encoding="utf-8") as fh:
                wordlist = fh.read().split()
            words = encode_words(f.w.recovery_key, wordlist)
            path = os.path.join(self.tmp, language)
            with open(path, "w", encoding="utf-8") as fh:
                fh.write("\n".join("%d. %s" % (i + 1, " ".join(words[4 * i:4 * i + 4]).upper()) for i in range(8)))
            code, out, err = run("snapshots", root, "--recovery-words", path, "--wordlists", folder)
            self.assertEqual(code, 0, language + err)
            words[9] = wordlist[(wordlist.index(words[9]) + 1) % 2048]
            with open(path, "w", encoding="utf-8") as fh:
                fh.write(" ".join(words))
            code, out, err = run("snapshots", root, "--recovery-words", path, "--wordlists", folder)
            self.assertEqual(code, 1)
            self.assertIn("RECOVERY_KEY_CHECKSUM: line 3", err)
        other = MiniWriter(os.path.join(self.tmp, "other"))
        with open(os.path.join(folder, "english.txt"), encoding="utf-8") as fh:
            wordlist = fh.read().split()
        path = os.path.join(self.tmp, "other-words")
        with open(path, "w") as fh:
            fh.write(" ".join(encode_words(other.recovery_key, wordlist)))
        code, out, err = run("snapshots", root, "--recovery-words", path, "--wordlists", folder)
        self.assertEqual((code, "RECOVERY_KEY_OTHER_REPO" in err), (1, True))


# ---------------------------------------------------------------------------------------------------------------
# File trees (§15)
# ---------------------------------------------------------------------------------------------------------------

class FileTrees(TempDirTest):
    def test_a_files_snapshot_restores_contents_modes_times_and_symlinks(self):
        w = MiniWriter(os.path.join(self.tmp, "repo"))
        big = os.urandom(3000)
        c1, c2 = w.blob(reader.BLOB_CHUNK, big[:1000]), w.blob(reader.BLOB_CHUNK, big[1000:], codec=0)
        w.pack()
        t1, t2 = "1733304764123456789", "1600000000000000001"

        def node(entries):
            return w.blob(reader.BLOB_TREE, json.dumps({"format": "CBFILES2", "entries": entries}).encode())

        inner = node([
            {"name": "laudo ç.pdf", "type": "file", "mode": 0o640, "mtimeNs": t1, "size": 3000,
             "content": [c1.hex(), c2.hex()]},
            {"name": "vazio", "type": "file", "mode": 0o600, "mtimeNs": t2, "size": 0, "content": []},
        ])
        source = node([
            {"name": "atalho", "type": "symlink", "mode": 0o777, "mtimeNs": t2, "target": "exames/laudo ç.pdf"},
            {"name": "exames", "type": "dir", "mode": 0o750, "mtimeNs": t1, "subtree": inner.hex()},
        ])
        root = node([{"name": "Documentos", "type": "dir", "mode": 0o755, "mtimeNs": t2, "subtree": source.hex()}])
        w.pack()
        w.index()
        snap = w.snapshot({"source": {"kind": "files", "location": "pc", "paths": ["/home/c/Documentos"]},
                           "counts": {"files": 2, "dirs": 2, "symlinks": 1}, "totals": {"files": 2, "bytes": 3000},
                           "tree": {"kind": "files", "root": root.hex()}})
        out = os.path.join(self.tmp, "out")
        code, text, err = self.reader("restore", w.root, snap, out, "--json")
        self.assertEqual(code, 0, err)
        self.assertEqual(json.loads(text)["counts"], {"files": 2, "dirs": 2, "symlinks": 1})
        base = os.path.join(out, "Documentos")
        with open(os.path.join(base, "exames", "laudo ç.pdf"), "rb") as fh:
            self.assertEqual(fh.read(), big)
        st = os.stat(os.path.join(base, "exames", "laudo ç.pdf"))
        self.assertEqual((stat.S_IMODE(st.st_mode), st.st_mtime_ns), (0o640, int(t1)))
        self.assertEqual(os.path.getsize(os.path.join(base, "exames", "vazio")), 0)
        self.assertEqual(os.readlink(os.path.join(base, "atalho")), "exames/laudo ç.pdf")
        self.assertEqual(os.lstat(os.path.join(base, "atalho")).st_mtime_ns, int(t2))
        st = os.stat(os.path.join(base, "exames"))
        self.assertEqual((stat.S_IMODE(st.st_mode), st.st_mtime_ns), (0o750, int(t1)), "folder times set last")
        code, text, err = self.reader("verify", w.root)
        self.assertEqual(code, 0, text + err)

    def test_names_that_would_leave_the_folder_are_refused(self):
        w = MiniWriter(os.path.join(self.tmp, "repo"))
        root = w.blob(reader.BLOB_TREE, json.dumps({"format": "CBFILES2", "entries": [
            {"name": "..", "type": "file", "mode": 0o644, "mtimeNs": "0", "size": 0, "content": []}]}).encode())
        w.pack()
        w.index()
        snap = w.snapshot({"source": {"kind": "files", "location": "pc", "paths": []},
                           "counts": {"files": 1, "dirs": 0, "symlinks": 0}, "tree": {"kind": "files", "root": root.hex()}})
        code, text, err = self.reader("restore", w.root, snap, os.path.join(self.tmp, "out"))
        self.assertEqual(code, 3)
        self.assertIn("invalid entry name", err)


if __name__ == "__main__":
    unittest.main()
