#!/usr/bin/python3
"""Independent reader for Clinic Backup repositories, format version 2.

Written from docs/format.md alone (section numbers below, "§n", refer to that document), without the product's
code, so that records stay readable after the product is gone. It needs Python 3.9 or later, the standard library,
and two packages: `cryptography` (AES-256-GCM, HKDF) and `zstandard` (zstd, with raw-content dictionaries).
On Debian: apt-get install python3-cryptography python3-zstandard.

The repository must be a local folder (a NAS share, a USB drive, or a copy of an S3 bucket's prefix downloaded with
any S3 tool). Nothing in it is ever modified.

Commands (credentials: --password-file FILE, or --recovery-words FILE with --wordlists DIR; the file may also hold
the recovery kit's QR text, CLINIC-BACKUP-RECOVERY:V1:...):

  snapshots REPO                          list the snapshots: id, time, source, counts
  restore REPO SNAPSHOT OUTDIR            FHIR snapshot: one <Type>.ndjson per type, byte for byte as received;
                                          files snapshot: the folder tree with modes, times and symbolic links
  patient REPO SNAPSHOT PATIENT OUTDIR    one patient's record (every row of that patient, §14.4), reading only
                                          the checkpoint chunks, deltas and frames it needs; prints what it read
  verify REPO                             every file's SHA-256 against its name (without credentials, only this);
                                          with credentials also every index file, pack header, blob (its id),
                                          snapshot, tree, resource (its line hash), lock and audit entry

SNAPSHOT is a full id, a unique prefix of at least 4 characters, or `latest`.
--wordlists DIR holds english.txt and portuguese.txt: the BIP39 lists, one word per line (§7.2).
--json prints machine-readable output.

Exit codes: 0 ok, 1 failed (wrong credentials, bad arguments, missing files), 2 usage, 3 integrity problem
(a file or object does not match its name, id, hash, tag or declared length). Every check the format asks a reader
to make is made, and any mismatch stops the command with a message naming the file or blob. Restores are written to
a temporary folder next to OUTDIR and renamed to OUTDIR only when everything was read and verified.
"""

import argparse
import base64
import hashlib
import hmac
import json
import os
import shutil
import sys
import tempfile
import unicodedata

try:
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF
    import zstandard
except ImportError as _missing:  # pragma: no cover - environment problem
    sys.stderr.write(
        "clinic_backup_reader: missing Python package (%s).\n"
        "Install python3-cryptography and python3-zstandard (Debian) or `pip install cryptography zstandard`.\n"
        % _missing
    )
    sys.exit(1)


# ---------------------------------------------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------------------------------------------

class ReaderError(Exception):
    """A failure with a stable code; exit code 1."""

    exit_code = 1

    def __init__(self, code, message):
        Exception.__init__(self, "%s: %s" % (code, message))
        self.code = code
        self.message = message


class IntegrityError(ReaderError):
    """Stored data does not match its name, id, hash, tag or declared structure; exit code 3."""

    exit_code = 3


class UsageError(ReaderError):
    exit_code = 2


def damaged(what, why):
    return IntegrityError("DAMAGED", "%s: %s" % (what, why))


# ---------------------------------------------------------------------------------------------------------------
# §1 Conventions: little-endian integers, varints, strings
# ---------------------------------------------------------------------------------------------------------------

MAX_VARINT = 2 ** 53


class Cursor:
    """Reads the binary encodings of §1 from a bytes object; every read checks bounds."""

    def __init__(self, data, what):
        self.data = data
        self.pos = 0
        self.what = what

    def take(self, n):
        if n < 0 or self.pos + n > len(self.data):
            raise damaged(self.what, "truncated at byte %d (needs %d more bytes)" % (self.pos, n))
        out = self.data[self.pos:self.pos + n]
        self.pos += n
        return out

    def u8(self):
        return self.take(1)[0]

    def u32(self):
        return int.from_bytes(self.take(4), "little")

    def varint(self):
        """Unsigned LEB128, at most 8 bytes, shortest form, value < 2^53 (§1)."""
        value = 0
        for i in range(8):
            b = self.take(1)[0]
            value |= (b & 0x7F) << (7 * i)
            if b & 0x80 == 0:
                if i > 0 and b == 0:
                    raise damaged(self.what, "varint not in its shortest form at byte %d" % (self.pos - 1))
                if value >= MAX_VARINT:
                    raise damaged(self.what, "varint value %d is not below 2^53" % value)
                return value
        raise damaged(self.what, "varint longer than 8 bytes at byte %d" % self.pos)

    def string(self):
        raw = self.take(self.varint())
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            raise damaged(self.what, "string is not UTF-8 at byte %d" % (self.pos - len(raw)))

    def end(self):
        if self.pos != len(self.data):
            raise damaged(self.what, "%d unexpected bytes after the end" % (len(self.data) - self.pos))


def sort_key(*fields):
    """"Sorted" in the format: by UTF-8 bytes, byte by byte, a proper prefix first (§1)."""
    return tuple(f.encode("utf-8") for f in fields)


def sha256_hex(data):
    return hashlib.sha256(data).hexdigest()


def parse_json(data, what):
    try:
        return json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        raise damaged(what, "not valid UTF-8 JSON (%s)" % e)


def is_hex(text, length):
    return isinstance(text, str) and len(text) == length and all(c in "0123456789abcdef" for c in text)


def blob_id_from_hex(text, what):
    if not is_hex(text, 32):
        raise damaged(what, "blob id %r is not 32 lowercase hex characters" % (text,))
    return bytes.fromhex(text)


# ---------------------------------------------------------------------------------------------------------------
# §4 Cryptography
# ---------------------------------------------------------------------------------------------------------------

def hkdf(ikm, salt, info, length=32):
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=salt, info=info).derive(ikm)


def gcm_open(key, nonce, ciphertext_and_tag, aad):
    """AES-256-GCM open; returns None when authentication fails."""
    try:
        return AESGCM(key).decrypt(nonce, ciphertext_and_tag, aad)
    except InvalidTag:
        return None


class Keys:
    """The subkeys of §4.3, derived from the master key M."""

    def __init__(self, master, repo_id_bytes):
        self.data = hkdf(master, repo_id_bytes, b"clinic-backup v1 encryption")
        self.blob_id = hkdf(master, repo_id_bytes, b"clinic-backup v1 blob id")
        self.line = hkdf(master, repo_id_bytes, b"clinic-backup v2 line hash")

    def blob_id_of(self, content):
        """§10.1: HMAC-SHA256(K_id, content), first 16 bytes."""
        return hmac.new(self.blob_id, content, hashlib.sha256).digest()[:16]

    def line_hash_of(self, line):
        """§14.3: SHA-256(K_line ‖ line)[0..12]."""
        return hashlib.sha256(self.line + line).digest()[:12]


# ---------------------------------------------------------------------------------------------------------------
# §7 Recovery words
# ---------------------------------------------------------------------------------------------------------------

GF_REDUCTION = 0x805  # x^11 + x^2 + 1


def gf_times_alpha(x, times):
    """Multiply x by α^times in GF(2^11) (§7.2): shift left, reduce when bit 11 is set."""
    for _ in range(times):
        x <<= 1
        if x & 0x800:
            x ^= GF_REDUCTION
    return x


def normalise_words(text):
    """§7.3 steps 1-2: NFKD, drop combining marks, lowercase, trim, split on runs of non-letters."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.category(c).startswith("M"))
    text = text.lower().strip()
    tokens = []
    current = []
    for c in text:
        if unicodedata.category(c).startswith("L"):
            current.append(c)
        elif current:
            tokens.append("".join(current))
            current = []
    if current:
        tokens.append("".join(current))
    return tokens


def load_wordlists(folder):
    if not folder:
        raise UsageError("USAGE", "--recovery-words needs --wordlists DIR (english.txt and portuguese.txt, BIP39)")
    lists = {}
    for language in ("english", "portuguese"):
        path = os.path.join(folder, language + ".txt")
        try:
            with open(path, "r", encoding="utf-8") as f:
                words = [w.strip() for w in f.read().splitlines() if w.strip()]
        except OSError as e:
            raise ReaderError("WORDLIST_MISSING", "cannot read %s (%s)" % (path, e.strerror))
        normalised = []
        for w in words:
            tokens = normalise_words(w)
            if len(tokens) != 1:
                raise ReaderError("WORDLIST_INVALID", "%s: %r is not one word" % (path, w))
            normalised.append(tokens[0])
        if len(normalised) != 2048 or len(set(normalised)) != 2048:
            raise ReaderError("WORDLIST_INVALID", "%s must hold 2048 distinct words, one a line" % path)
        lists[language] = {w: i for i, w in enumerate(normalised)}
    return lists


def decode_recovery_words(text, wordlists):
    """§7.2-7.3: 32 words → the 32-byte recovery key R. Checks every line's check word and bit."""
    tokens = normalise_words(text)
    if len(tokens) != 32:
        raise ReaderError("RECOVERY_KEY_INVALID", "a recovery key has 32 words; found %d" % len(tokens))
    scores = sorted(((sum(1 for t in tokens if t in index), language) for language, index in wordlists.items()),
                    reverse=True)
    # The language whose list holds the most tokens; on a tie every tied language is tried (English first).
    best = scores[0][0]
    candidates = [lang for score, lang in sorted(scores, key=lambda s: (-s[0], s[1])) if score == best]
    last_error = None
    for language in candidates:
        try:
            return decode_words_in(tokens, wordlists[language])
        except ReaderError as e:
            last_error = e
    raise last_error


def decode_words_in(tokens, index):
    key = b""
    for line in range(8):
        words = tokens[4 * line:4 * line + 4]
        try:
            symbols = [index[w] for w in words]
        except KeyError as e:
            raise ReaderError("RECOVERY_KEY_CHECKSUM", "line %d: %r is not a word of the list" % (line + 1, e.args[0]))
        key += decode_line(line, *symbols)
    return key


def check_word(line, s1, s2, s3):
    """§7.2: s4 = α·s1 ⊕ α²·s2 ⊕ α³·s3 ⊕ α^(8+l) in GF(2^11)."""
    return gf_times_alpha(s1, 1) ^ gf_times_alpha(s2, 2) ^ gf_times_alpha(s3, 3) ^ gf_times_alpha(1, 8 + line)


def check_bit(line, d):
    """§7.2: the most significant bit of SHA-256("clinic-backup/recovery-key/v1" ‖ u8(l) ‖ d)[0]."""
    return hashlib.sha256(b"clinic-backup/recovery-key/v1" + bytes([line]) + d).digest()[0] >> 7


def decode_line(line, s1, s2, s3, s4):
    """One line of four 11-bit symbols → 4 bytes of R, after checking the check word and the check bit."""
    if check_word(line, s1, s2, s3) != s4:
        raise ReaderError("RECOVERY_KEY_CHECKSUM", "line %d: the check word does not match" % (line + 1))
    v = (s1 << 22) | (s2 << 11) | s3
    d = (v >> 1).to_bytes(4, "big")
    if v & 1 != check_bit(line, d):
        raise ReaderError("RECOVERY_KEY_CHECKSUM", "line %d: the check bit does not match" % (line + 1))
    return d


def parse_recovery_text(text, wordlists_folder):
    """The 32 words (§7.3), or the kit's QR text `CLINIC-BACKUP-RECOVERY:V1:<repo id>:<base32 key>` (§7.1)."""
    stripped = text.strip()
    if stripped.upper().startswith("CLINIC-BACKUP-RECOVERY:"):
        parts = stripped.split(":")
        if len(parts) != 4 or parts[1].upper() != "V1":
            raise ReaderError("RECOVERY_KEY_INVALID", "the QR text is not CLINIC-BACKUP-RECOVERY:V1:<id>:<key>")
        b32 = parts[3].upper()
        try:
            key = base64.b32decode(b32 + "=" * (-len(b32) % 8))
        except ValueError:
            raise ReaderError("RECOVERY_KEY_INVALID", "the QR text's key is not base32")
        if len(key) != 32:
            raise ReaderError("RECOVERY_KEY_INVALID", "the QR text's key is not 32 bytes")
        return key
    return decode_recovery_words(text, load_wordlists(wordlists_folder))


# ---------------------------------------------------------------------------------------------------------------
# §8-9 Envelopes and codecs
# ---------------------------------------------------------------------------------------------------------------

KIND_BLOB, KIND_PACK_HEADER, KIND_INDEX, KIND_SNAPSHOT, KIND_LOCK, KIND_AUDIT = 1, 2, 3, 4, 5, 6


class Version1Object(Exception):
    """An envelope with version byte 01: a version 1 object, ignored in a version 2 repository (§3.5)."""


def envelope_header_check(data, kind, what):
    """§8.4 step 1."""
    if len(data) < 37:
        raise damaged(what, "envelope shorter than 37 bytes")
    if data[0:2] != b"CB":
        raise damaged(what, "envelope magic is not \"CB\"")
    if data[2] == 1:
        raise Version1Object(what)
    if data[2] != 2:
        raise damaged(what, "unknown envelope version %d" % data[2])
    if data[3] != kind:
        raise damaged(what, "envelope kind %d, expected %d" % (data[3], kind))


def decompress_zstd(payload, length, what, dictionary=None):
    """One standard zstd frame, nothing after it, exactly `length` bytes out (§8.4, §9.1)."""
    try:
        if dictionary is not None:
            dctx = zstandard.ZstdDecompressor(dict_data=dictionary)
        else:
            dctx = zstandard.ZstdDecompressor()
        obj = dctx.decompressobj()
        out = obj.decompress(payload)
    except zstandard.ZstdError as e:
        raise damaged(what, "zstd: %s" % e)
    if not obj.eof:
        raise damaged(what, "zstd frame is incomplete")
    if obj.unused_data:
        raise damaged(what, "%d bytes after the zstd frame" % len(obj.unused_data))
    return out


def decompress_brotli(payload, what):
    try:
        import brotli  # not in the standard library; Debian: python3-brotli
    except ImportError:
        raise ReaderError("CODEC_UNAVAILABLE",
                          "%s uses codec 2 (brotli): install the Python brotli module (Debian: python3-brotli)" % what)
    try:
        return brotli.decompress(payload)
    except Exception as e:  # brotli.error
        raise damaged(what, "brotli: %s" % e)


# ---------------------------------------------------------------------------------------------------------------
# §10-12 Blobs, packs, index
# ---------------------------------------------------------------------------------------------------------------

BLOB_FRAME, BLOB_CHUNK, BLOB_TREE, BLOB_DICTIONARY = 0, 1, 2, 3
BLOB_TYPE_NAMES = {0: "frame", 1: "chunk", 2: "tree", 3: "dictionary"}


def decode_blob_entries(cur):
    """§11.2 blob entries: u8 type ‖ 16-byte id ‖ varint stored ‖ varint raw, B of them after a varint B."""
    count = cur.varint()
    entries = []
    for _ in range(count):
        blob_type = cur.u8()
        if blob_type not in BLOB_TYPE_NAMES:
            raise damaged(cur.what, "unknown blob type %d" % blob_type)
        blob_id = cur.take(16)
        stored = cur.varint()
        raw = cur.varint()
        if stored < 37:
            raise damaged(cur.what, "blob %s has a stored length below 37" % blob_id.hex())
        entries.append((blob_type, blob_id, stored, raw))
    classes = {0 if t in (BLOB_FRAME, BLOB_CHUNK) else 1 for t, _, _, _ in entries}
    if len(classes) > 1:
        raise damaged(cur.what, "a pack mixes data and tree blobs (§10.2)")
    return entries


class Location:
    __slots__ = ("pack", "pack_order", "offset", "stored", "raw", "type")

    def __init__(self, pack, pack_order, offset, stored, raw, blob_type):
        self.pack = pack
        self.pack_order = pack_order
        self.offset = offset
        self.stored = stored
        self.raw = raw
        self.type = blob_type


# ---------------------------------------------------------------------------------------------------------------
# §14 Resource trees: rows, row sets, checkpoint directory, deltas
# ---------------------------------------------------------------------------------------------------------------

FLAG_SHARED, FLAG_ALIAS = 1, 2


class Row:
    """One row of a resource tree (§14.4)."""

    __slots__ = ("patient", "type", "id", "flags", "frame", "offset", "length", "line_hash")

    def __init__(self, patient, rtype, rid, flags, frame, offset, length, line_hash):
        self.patient = patient
        self.type = rtype
        self.id = rid
        self.flags = flags
        self.frame = frame
        self.offset = offset
        self.length = length
        self.line_hash = line_hash

    def key(self):
        return sort_key(self.patient, self.type, self.id)

    @property
    def alias(self):
        return bool(self.flags & FLAG_ALIAS)


def decode_row_set(content, expected_kind, what):
    """§14.5: returns (rows, deletions) with deletions as a list of (type, id)."""
    cur = Cursor(content, what)
    if cur.take(4) != b"CBR2":
        raise damaged(what, "row set magic is not \"CBR2\"")
    kind = cur.u8()
    if kind != expected_kind:
        raise damaged(what, "row set kind %d, expected %d" % (kind, expected_kind))
    n = cur.varint()
    frames = [cur.take(16) for _ in range(cur.varint())]
    patients = [cur.string() for _ in range(cur.varint())]
    types = [cur.string() for _ in range(cur.varint())]

    def column(read):
        return [read() for _ in range(n)]

    def indexes(table, name):
        values = column(cur.varint)
        for v in values:
            if v >= len(table):
                raise damaged(what, "%s index %d out of range (%d entries)" % (name, v, len(table)))
        return values

    col_patient = indexes(patients, "patient")
    col_type = indexes(types, "type")
    col_id = column(cur.string)
    col_flags = column(cur.u8)
    col_frame = indexes(frames, "frame")
    col_offset = column(cur.varint)
    col_length = column(cur.varint)
    col_hash = column(lambda: cur.take(12))
    deletions = []
    if kind == 1:
        for _ in range(cur.varint()):
            t = cur.varint()
            if t >= len(types):
                raise damaged(what, "deletion type index %d out of range" % t)
            deletions.append((types[t], cur.string()))
    cur.end()
    rows = []
    previous = None
    for i in range(n):
        flags = col_flags[i]
        if flags & ~3:
            raise damaged(what, "row %d has unknown flag bits %d" % (i, flags))
        if flags & FLAG_ALIAS and not flags & FLAG_SHARED:
            raise damaged(what, "row %d is an alias row without the shared flag" % i)
        row = Row(patients[col_patient[i]], types[col_type[i]], col_id[i], flags, frames[col_frame[i]],
                  col_offset[i], col_length[i], col_hash[i])
        key = row.key()
        if previous is not None and key <= previous:
            raise damaged(what, "rows not sorted by (patient, type, id) or not unique at row %d" % i)
        previous = key
        rows.append(row)
    return rows, deletions


def parse_checkpoint_directory(content, what):
    """§14.6: the JSON checkpoint directory; returns (total rows, chunks)."""
    doc = parse_json(content, what)
    if not isinstance(doc, dict) or doc.get("format") != "CBDIR2":
        raise damaged(what, "checkpoint directory format is not CBDIR2")
    chunks = doc.get("chunks")
    total = doc.get("rows")
    if not isinstance(chunks, list) or not isinstance(total, int):
        raise damaged(what, "checkpoint directory lacks rows or chunks")
    out = []
    previous_last = None
    for i, c in enumerate(chunks):
        if not isinstance(c, dict):
            raise damaged(what, "chunk %d is not an object" % i)
        first, last, rows = c.get("first"), c.get("last"), c.get("rows")
        for k in (first, last):
            if not (isinstance(k, list) and len(k) == 3 and all(isinstance(x, str) for x in k)):
                raise damaged(what, "chunk %d: first/last is not [patient, type, id]" % i)
        if not isinstance(rows, int) or rows < 1:
            raise damaged(what, "chunk %d: rows must be a positive number" % i)
        first_key, last_key = sort_key(*first), sort_key(*last)
        if first_key > last_key or (previous_last is not None and first_key <= previous_last):
            raise damaged(what, "chunk %d is out of order or overlaps the previous one" % i)
        previous_last = last_key
        out.append({"blob": blob_id_from_hex(c.get("blob"), what), "rows": rows, "first": first, "last": last})
    if sum(c["rows"] for c in out) != total:
        raise damaged(what, "chunk row counts do not add up to %d" % total)
    return total, out


def check_chunk_matches(rows, chunk, what):
    if len(rows) != chunk["rows"]:
        raise damaged(what, "holds %d rows, the directory says %d" % (len(rows), chunk["rows"]))
    if not rows:
        raise damaged(what, "an empty checkpoint chunk")
    if [rows[0].patient, rows[0].type, rows[0].id] != chunk["first"] or \
            [rows[-1].patient, rows[-1].type, rows[-1].id] != chunk["last"]:
        raise damaged(what, "first/last rows differ from the checkpoint directory")


def apply_delta(rows, upserts, deletions):
    """§14.8: drop every row whose key the delta upserts or deletes, then merge the upserts, sorted."""
    changed = {(r.type, r.id) for r in upserts}
    changed.update(deletions)
    kept = [r for r in rows if (r.type, r.id) not in changed]
    merged = kept + list(upserts)
    merged.sort(key=Row.key)
    return merged


def check_row_list(rows, what):
    """Invariants of a materialised row list (§14.4): sorted, unique, alias rows consistent with their resource."""
    primary = {}
    previous = None
    for r in rows:
        k = r.key()
        if previous is not None and k <= previous:
            raise damaged(what, "materialised rows are not sorted and unique near %s/%s" % (r.type, r.id))
        previous = k
        if not r.alias:
            if (r.type, r.id) in primary:
                raise damaged(what, "resource %s/%s has two rows without the alias flag" % (r.type, r.id))
            primary[(r.type, r.id)] = r
    for r in rows:
        if r.alias:
            p = primary.get((r.type, r.id))
            if p is None:
                raise damaged(what, "alias row of %s/%s for patient %s has no resource row" % (r.type, r.id, r.patient))
            if not p.flags & FLAG_SHARED or (p.frame, p.offset, p.length, p.line_hash) != \
                    (r.frame, r.offset, r.length, r.line_hash):
                raise damaged(what, "alias row of %s/%s does not match its resource row" % (r.type, r.id))


# ---------------------------------------------------------------------------------------------------------------
# The repository
# ---------------------------------------------------------------------------------------------------------------

NAME_CHARS = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-")


def valid_name(name):
    """§3.3: ^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$"""
    return 1 <= len(name) <= 128 and name[0] not in "._-" and all(c in NAME_CHARS for c in name)


class Stats:
    """What a command read, to show that a patient's restore reads only what it needs."""

    def __init__(self):
        self.blobs = {"frame": 0, "chunk": 0, "tree": 0, "dictionary": 0}
        self.blob_bytes = 0
        self.checkpoint_chunks_read = 0
        self.checkpoint_chunks_total = 0
        self.deltas_read = 0

    def as_dict(self):
        return {
            "blobsRead": dict(self.blobs, total=sum(self.blobs.values())),
            "storedBytesRead": self.blob_bytes,
            "checkpointChunksRead": self.checkpoint_chunks_read,
            "checkpointChunks": self.checkpoint_chunks_total,
            "deltasRead": self.deltas_read,
        }


class Repository:
    def __init__(self, root):
        self.root = root
        self.keys = None
        self.index = None  # blob id → [Location]
        self.pack_sizes = {}  # pack id → size recorded in the index
        self.pack_records = {}  # pack id → its blob entries as the index lists them
        self.index_files = []  # live index file names, in the order loaded
        self.dictionaries = {}
        self.stats = Stats()
        self.config = self._read_config()
        self.repo_id = self.config["id"]

    # ---- files ----------------------------------------------------------------------------------------------

    def path(self, *parts):
        return os.path.join(self.root, *parts)

    def list_kind(self, kind):
        """Names of the files of a kind (§3.3); for `data`, returns pack ids."""
        if kind == "data":
            out = []
            try:
                folders = sorted(os.listdir(self.path("data")))
            except FileNotFoundError:
                return []
            for folder in folders:
                if len(folder) != 2 or not valid_name(folder) or not os.path.isdir(self.path("data", folder)):
                    continue
                for name in sorted(os.listdir(self.path("data", folder))):
                    if valid_name(name) and name[:2] == folder and os.path.isfile(self.path("data", folder, name)):
                        out.append(name)
            return out
        try:
            names = sorted(os.listdir(self.path(kind)))
        except FileNotFoundError:
            return []
        return [n for n in names if valid_name(n) and os.path.isfile(self.path(kind, n))]

    def read_file(self, kind, name):
        """Reads a content-addressed file and checks that its SHA-256 is its name (§3.2)."""
        rel = self.rel(kind, name)
        try:
            with open(self.path(rel), "rb") as f:
                data = f.read()
        except FileNotFoundError:
            raise IntegrityError("FILE_MISSING", "%s does not exist" % rel)
        if sha256_hex(data) != name:
            raise IntegrityError("FILE_CORRUPT", "%s: its SHA-256 does not match its name" % rel)
        return data

    @staticmethod
    def rel(kind, name):
        return "data/%s/%s" % (name[:2], name) if kind == "data" else "%s/%s" % (kind, name)

    # ---- §5 config ------------------------------------------------------------------------------------------

    def _read_config(self):
        path = self.path("config")
        try:
            with open(path, "rb") as f:
                raw = f.read()
        except FileNotFoundError:
            raise ReaderError("REPO_MARKER_MISSING", "%s has no `config` file: not a Clinic Backup repository"
                              % self.root)
        config = parse_json(raw, "config")
        if not isinstance(config, dict) or config.get("format") != "clinic-backup-repository":
            raise ReaderError("REPO_MARKER_MISSING", "config: format is not clinic-backup-repository")
        if config.get("version") != 2:
            raise ReaderError("REPO_VERSION_UNSUPPORTED",
                              "config: repository format version %r; this reader reads version 2"
                              % (config.get("version"),))
        if not is_hex(config.get("id"), 32):
            raise damaged("config", "id is not 32 lowercase hex characters")
        return config

    # ---- §6 key slots ---------------------------------------------------------------------------------------

    def slots(self, kind):
        out = []
        for name in self.list_kind("keys"):
            try:
                with open(self.path("keys", name), "rb") as f:
                    slot = json.loads(f.read().decode("utf-8"))
            except (OSError, ValueError, UnicodeDecodeError):
                continue
            if (isinstance(slot, dict) and slot.get("format") == "clinic-backup-key" and slot.get("version") == 1
                    and slot.get("repoId") == self.repo_id and slot.get("id") == name
                    and slot.get("kind") in ("keychain", "recovery", "passphrase")):
                out.append(slot)
        out.sort(key=lambda s: (str(s.get("created", "")), s["id"]))
        return [s for s in out if s["kind"] == kind]

    def _unwrap(self, slot, wrap_key):
        """§6.3: AES-256-GCM open of wrappedKey with AAD "CBv1 key|<repoId>|<slotId>"; M must be 32 bytes."""
        try:
            wrapped = base64.b64decode(slot.get("wrappedKey", ""), validate=True)
        except (ValueError, TypeError):
            return None
        if len(wrapped) != 60:
            return None
        aad = ("CBv1 key|%s|%s" % (self.repo_id, slot["id"])).encode("utf-8")
        master = gcm_open(wrap_key, wrapped[:12], wrapped[12:], aad)
        return master if master is not None and len(master) == 32 else None

    @staticmethod
    def _salt(slot):
        try:
            return base64.b64decode(slot["kdf"]["salt"], validate=True)
        except (KeyError, TypeError, ValueError):
            return None

    def open_with_password(self, password):
        """§6.6 step 3: try every passphrase slot."""
        secret = unicodedata.normalize("NFC", password).encode("utf-8")
        for slot in self.slots("passphrase"):
            kdf = slot.get("kdf") or {}
            salt = self._salt(slot)
            n, r, p = kdf.get("N"), kdf.get("r"), kdf.get("p")
            if kdf.get("name") != "scrypt" or salt is None or not all(isinstance(x, int) for x in (n, r, p)):
                continue
            # Slot metadata is not authenticated (§23): refuse parameters that would exhaust memory or time.
            if not (2 <= n <= 2 ** 22 and n & (n - 1) == 0 and 1 <= r <= 32 and 1 <= p <= 16):
                continue
            wrap_key = hashlib.scrypt(secret, salt=salt, n=n, r=r, p=p, dklen=32,
                                      maxmem=128 * r * (n + p + 2) + (1 << 24))
            master = self._unwrap(slot, wrap_key)
            if master is not None:
                return self._set_master(master)
        raise ReaderError("WRONG_PASSWORD", "the password opens no passphrase key slot of this repository")

    def open_with_recovery_key(self, key):
        """§6.6 step 2: try every recovery slot."""
        for slot in self.slots("recovery"):
            salt = self._salt(slot)
            if (slot.get("kdf") or {}).get("name") != "hkdf" or salt is None:
                continue
            master = self._unwrap(slot, hkdf(key, salt, b"clinic-backup v1 key slot wrap"))
            if master is not None:
                return self._set_master(master)
        if key[28:32] != bytes.fromhex(self.repo_id)[:4]:
            raise ReaderError("RECOVERY_KEY_OTHER_REPO",
                              "these recovery words belong to another repository (its id starts %s)" % key[28:].hex())
        raise ReaderError("WRONG_RECOVERY_KEY", "the recovery words open no recovery key slot of this repository")

    def _set_master(self, master):
        self.keys = Keys(master, bytes.fromhex(self.repo_id))

    # ---- §8 envelopes ---------------------------------------------------------------------------------------

    def open_envelope(self, data, kind, what, dictionary_allowed=True):
        """§8.4: returns the decompressed payload. Raises Version1Object for version 1 envelopes."""
        envelope_header_check(data, kind, what)
        aad = b"CBv2" + bytes([kind])
        plain = gcm_open(self.keys.data, data[4:16], data[16:], aad)
        if plain is None:
            raise IntegrityError("DAMAGED", "%s: AES-GCM authentication failed (damaged or not of this repository)"
                                 % what)
        if len(plain) < 5:
            raise damaged(what, "plaintext shorter than 5 bytes")
        codec = plain[0]
        length = int.from_bytes(plain[1:5], "little")
        if codec == 0:
            out = plain[5:]
        elif codec == 1:
            out = decompress_zstd(plain[5:], length, what)
        elif codec == 2:
            out = decompress_brotli(plain[5:], what)
        elif codec == 3:
            if len(plain) < 21:
                raise damaged(what, "codec 3 plaintext shorter than 21 bytes")
            if not dictionary_allowed:
                raise damaged(what, "a dictionary's own envelope uses codec 3 (§9.2)")
            dictionary = self.dictionary(plain[5:21], what)
            out = decompress_zstd(plain[21:], length, what, dictionary)
        else:
            raise damaged(what, "unknown codec %d" % codec)
        if len(out) != length:
            raise damaged(what, "decompressed to %d bytes, the envelope records %d" % (len(out), length))
        return out

    def dictionary(self, blob_id, what):
        """§9.2: a dictionary blob used as a zstd raw-content dictionary."""
        d = self.dictionaries.get(blob_id)
        if d is None:
            if not self.index.get(blob_id):
                raise damaged(what, "its dictionary %s is not in the index" % blob_id.hex())
            content = self.read_blob(blob_id, expected_type=BLOB_DICTIONARY)
            d = zstandard.ZstdCompressionDict(content, dict_type=zstandard.DICT_TYPE_RAWCONTENT)
            self.dictionaries[blob_id] = d
        return d

    # ---- §12 index ------------------------------------------------------------------------------------------

    def decode_index(self, payload, what):
        """§12 payload: u8 version 2, superseded ids, pack records. Returns (supersedes, [(pack, size, entries)])."""
        cur = Cursor(payload, what)
        version = cur.u8()
        if version != 2:
            raise ReaderError("REPO_VERSION_UNSUPPORTED", "%s: index version %d" % (what, version))
        supersedes = [cur.take(32).hex() for _ in range(cur.varint())]
        packs = []
        for _ in range(cur.varint()):
            pack = cur.take(32).hex()
            size = cur.varint()
            entries = decode_blob_entries(cur)
            if sum(e[2] for e in entries) + 8 + 37 > size:
                raise damaged(what, "pack %s: blob lengths do not fit in its size" % pack)
            packs.append((pack, size, entries))
        cur.end()
        return supersedes, packs

    def load_index(self):
        """§19.1 step 3: read every index file, drop superseded ones, map blob id → locations."""
        if self.index is not None:
            return
        files = {}
        failures = {}
        for name in self.list_kind("index"):
            what = "index/" + name
            try:
                data = self.read_file("index", name)
                files[name] = self.decode_index(self.open_envelope(data, KIND_INDEX, what), what)
            except Version1Object:
                continue
            except ReaderError as e:
                failures[name] = e
        superseded = set()
        for supersedes, _ in files.values():
            superseded.update(supersedes)
        # A damaged file that a readable one supersedes is never used (prune and repair delete it after writing
        # its successor); any other damaged index file could hide blobs, so it stops the reader.
        for name, error in sorted(failures.items()):
            if name not in superseded:
                raise error
        self.index = {}
        pack_order = {}
        for name in sorted(files):
            if name in superseded:
                continue
            self.index_files.append(name)
            for pack, size, entries in files[name][1]:
                if pack in self.pack_records:
                    # Listed again by another live index file: it must be the same record (§12 repeats headers).
                    if (self.pack_sizes[pack], self.pack_records[pack]) != (size, entries):
                        raise damaged("index/" + name, "pack %s is listed differently by two index files" % pack)
                    continue
                self.pack_sizes[pack] = size
                self.pack_records[pack] = entries
                order = pack_order.setdefault(pack, len(pack_order))
                offset = 0
                for blob_type, blob_id, stored, raw in entries:
                    self.index.setdefault(blob_id, []).append(Location(pack, order, offset, stored, raw, blob_type))
                    offset += stored

    # ---- §11.3 reading a blob -------------------------------------------------------------------------------

    def read_blob(self, blob_id, expected_type=None):
        """Reads, opens and checks one blob (§11.3): range read, envelope kind 1, raw length, keyed id.

        A blob id names content only, so one id may be indexed in several packs, even with different types (a frame
        whose bytes equal a dictionary's). Locations of the expected type are tried first, then the others: whichever
        opens and hashes to the id holds the right bytes. Only when none does is the blob damaged."""
        locations = self.index.get(blob_id)
        if not locations:
            raise IntegrityError("BLOB_MISSING", "blob %s is not in the index" % blob_id.hex())
        ordered = sorted(locations, key=lambda loc: loc.type != expected_type)
        errors = []
        for loc in ordered:
            what = "%s %s (data/%s/%s at %d)" % (BLOB_TYPE_NAMES[loc.type], blob_id.hex(), loc.pack[:2], loc.pack,
                                                 loc.offset)
            try:
                with open(self.path("data", loc.pack[:2], loc.pack), "rb") as f:
                    f.seek(loc.offset)
                    data = f.read(loc.stored)
                if len(data) != loc.stored:
                    raise IntegrityError("FILE_TRUNCATED", "%s: the pack is shorter than the index says" % what)
                self.stats.blobs[BLOB_TYPE_NAMES[loc.type]] += 1
                self.stats.blob_bytes += loc.stored
                return self.open_blob_envelope(data, blob_id, loc, what,
                                               dictionary_allowed=expected_type != BLOB_DICTIONARY)
            except FileNotFoundError:
                errors.append(IntegrityError("BLOB_MISSING", "%s: the pack file does not exist" % what))
            except Version1Object:
                errors.append(damaged(what, "a version 1 envelope inside a version 2 pack"))
            except IntegrityError as e:
                errors.append(e)
        raise errors[0]

    def open_blob_envelope(self, data, blob_id, loc, what, dictionary_allowed=True):
        content = self.open_envelope(data, KIND_BLOB, what, dictionary_allowed and loc.type != BLOB_DICTIONARY)
        if len(content) != loc.raw:
            raise damaged(what, "content has %d bytes, the index says %d" % (len(content), loc.raw))
        if self.keys.blob_id_of(content) != blob_id:
            raise IntegrityError("DAMAGED", "%s: content does not hash to its blob id" % what)
        return content

    # ---- §13 snapshots --------------------------------------------------------------------------------------

    def read_snapshot(self, snapshot_id):
        what = "snapshots/" + snapshot_id
        data = self.read_file("snapshots", snapshot_id)
        payload = self.open_envelope(data, KIND_SNAPSHOT, what)
        manifest = parse_json(payload, what)
        if not isinstance(manifest, dict):
            raise damaged(what, "manifest is not a JSON object")
        if manifest.get("version") != 2:
            raise ReaderError("REPO_VERSION_UNSUPPORTED", "%s: manifest version %r" % (what, manifest.get("version")))
        if not isinstance(manifest.get("tree"), dict):
            raise damaged(what, "manifest has no tree")
        return manifest

    def list_snapshots(self):
        """§13.1: every snapshot (version 1 envelopes skipped), sorted by time, then id."""
        out = []
        for name in self.list_kind("snapshots"):
            try:
                out.append((name, self.read_snapshot(name)))
            except Version1Object:
                continue
        out.sort(key=lambda s: (str(s[1].get("time", "")), s[0]))
        return out

    def resolve_snapshot(self, ref):
        """`latest`, a full id or a unique prefix of ≥ 4 characters (§13.1)."""
        if ref == "latest":
            snaps = self.list_snapshots()
            if not snaps:
                raise ReaderError("SNAPSHOT_NOT_FOUND", "the repository has no snapshots")
            return snaps[-1]
        ref = ref.lower()
        if len(ref) < 4 or not all(c in "0123456789abcdef" for c in ref):
            raise UsageError("USAGE", "a snapshot is `latest`, or an id or prefix of at least 4 hex characters")
        matches = [n for n in self.list_kind("snapshots") if n.startswith(ref)]
        if len(matches) > 1:
            raise ReaderError("SNAPSHOT_AMBIGUOUS", "%s names %d snapshots" % (ref, len(matches)))
        if not matches:
            raise ReaderError("SNAPSHOT_NOT_FOUND", "no snapshot %s" % ref)
        try:
            return matches[0], self.read_snapshot(matches[0])
        except Version1Object:
            raise ReaderError("SNAPSHOT_NOT_FOUND", "snapshot %s is a version 1 object" % matches[0])

    # ---- §14 resource trees ---------------------------------------------------------------------------------

    def read_tree_blob(self, blob_id):
        return self.read_blob(blob_id, expected_type=BLOB_TREE)

    def resource_tree(self, manifest, what):
        tree = manifest["tree"]
        if tree.get("kind") != "resources":
            raise ReaderError("NOT_A_FHIR_SNAPSHOT", "%s holds a %r tree, not resources" % (what, tree.get("kind")))
        deltas = tree.get("deltas")
        if not isinstance(deltas, list):
            raise damaged(what, "tree.deltas is not a list")
        checkpoint = tree.get("checkpoint")
        return (None if checkpoint is None else blob_id_from_hex(checkpoint, what),
                [blob_id_from_hex(d, what) for d in deltas])

    def checkpoint_directory(self, checkpoint):
        what = "checkpoint directory " + checkpoint.hex()
        total, chunks = parse_checkpoint_directory(self.read_tree_blob(checkpoint), what)
        self.stats.checkpoint_chunks_total = len(chunks)
        return total, chunks

    def read_chunk(self, chunk):
        what = "checkpoint chunk " + chunk["blob"].hex()
        rows, _ = decode_row_set(self.read_tree_blob(chunk["blob"]), 0, what)
        check_chunk_matches(rows, chunk, what)
        self.stats.checkpoint_chunks_read += 1
        return rows

    def read_delta(self, blob_id):
        self.stats.deltas_read += 1
        return decode_row_set(self.read_tree_blob(blob_id), 1, "row delta " + blob_id.hex())

    def snapshot_rows(self, manifest, what):
        """§14.7-14.8: the checkpoint's rows with the deltas applied in order."""
        checkpoint, deltas = self.resource_tree(manifest, what)
        rows = []
        if checkpoint is not None:
            total, chunks = self.checkpoint_directory(checkpoint)
            previous = None
            for chunk in chunks:
                chunk_rows = self.read_chunk(chunk)
                if previous is not None and chunk_rows[0].key() <= previous:
                    raise damaged(what, "checkpoint chunks overlap")
                previous = chunk_rows[-1].key()
                rows.extend(chunk_rows)
            if len(rows) != total:
                raise damaged(what, "checkpoint holds %d rows, its directory says %d" % (len(rows), total))
        for delta in deltas:
            upserts, deletions = self.read_delta(delta)
            rows = apply_delta(rows, upserts, deletions)
        check_row_list(rows, what)
        return rows

    def patient_rows(self, manifest, patient, what):
        """§19.3: only the checkpoint chunks whose [first[0], last[0]] holds the patient, and every delta."""
        checkpoint, deltas = self.resource_tree(manifest, what)
        target = patient.encode("utf-8")
        rows = []
        if checkpoint is not None:
            _, chunks = self.checkpoint_directory(checkpoint)
            for chunk in chunks:
                if chunk["first"][0].encode("utf-8") <= target <= chunk["last"][0].encode("utf-8"):
                    rows.extend(r for r in self.read_chunk(chunk) if r.patient == patient)
        for delta in deltas:
            upserts, deletions = self.read_delta(delta)
            rows = apply_delta(rows, upserts, deletions)
            rows = [r for r in rows if r.patient == patient]
        return rows

    # ---- reading resources ----------------------------------------------------------------------------------

    def storage_order(self, rows):
        """§19.2: rows in storage order: by pack (in index order), then blob offset, then offset in the frame."""
        def where(r):
            locations = self.index.get(r.frame)
            if not locations:
                raise IntegrityError("BLOB_MISSING", "frame %s of %s/%s is not in the index"
                                     % (r.frame.hex(), r.type, r.id))
            loc = locations[0]
            return (loc.pack_order, loc.offset, r.offset)
        return sorted(rows, key=where)

    def resource_lines(self, rows):
        """Yields (row, line) for the rows, each frame read once, every line checked (§19.2 step 3)."""
        frame_id, frame = None, None
        for r in self.storage_order(rows):
            if r.frame != frame_id:
                frame = self.read_blob(r.frame, expected_type=BLOB_FRAME)
                frame_id = r.frame
            yield r, self.extract_line(frame, r)

    def extract_line(self, frame, r):
        what = "%s/%s in frame %s" % (r.type, r.id, r.frame.hex())
        end = r.offset + r.length
        if end >= len(frame):
            raise damaged(what, "offset + length %d is past the frame's %d bytes" % (end, len(frame)))
        if frame[end] != 0x0A:
            raise damaged(what, "the resource is not followed by LF")
        if r.offset > 0 and frame[r.offset - 1] != 0x0A:
            raise damaged(what, "the resource does not start a line")
        line = frame[r.offset:end]
        if b"\n" in line:
            raise damaged(what, "the resource spans several lines")
        if self.keys.line_hash_of(line) != r.line_hash:
            raise IntegrityError("DAMAGED", "%s: its bytes do not match its line hash" % what)
        return line


# ---------------------------------------------------------------------------------------------------------------
# Output folders: written aside, renamed into place when complete
# ---------------------------------------------------------------------------------------------------------------

class OutputFolder:
    def __init__(self, outdir):
        self.outdir = os.path.abspath(outdir)
        if os.path.lexists(self.outdir):
            if not os.path.isdir(self.outdir) or os.listdir(self.outdir):
                raise ReaderError("RESTORE_TARGET_NOT_EMPTY", "%s exists and is not an empty folder" % outdir)
        parent = os.path.dirname(self.outdir)
        os.makedirs(parent, exist_ok=True)
        self.tmp = tempfile.mkdtemp(prefix="." + os.path.basename(self.outdir) + ".partial-", dir=parent)

    def __enter__(self):
        return self.tmp

    def __exit__(self, exc_type, exc, tb):
        if exc_type is not None:
            shutil.rmtree(self.tmp, ignore_errors=True)
            return False
        if os.path.isdir(self.outdir):
            os.rmdir(self.outdir)
        os.chmod(self.tmp, 0o777 & ~current_umask())  # as mkdir would have made it (mkdtemp makes 0700)
        os.rename(self.tmp, self.outdir)
        return False


def current_umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_ndjson(repo, rows, folder):
    """Appends line ‖ LF to <type>.ndjson for each row, in storage order. Returns counts per type."""
    counts = {}
    handles = {}
    try:
        for r, line in repo.resource_lines(rows):
            f = handles.get(r.type)
            if f is None:
                if not valid_type(r.type):
                    raise damaged("row " + r.id, "resource type %r is not a FHIR type name" % r.type)
                f = handles[r.type] = open(os.path.join(folder, r.type + ".ndjson"), "wb")
            f.write(line)
            f.write(b"\n")
            counts[r.type] = counts.get(r.type, 0) + 1
    finally:
        for f in handles.values():
            f.close()
    return dict(sorted(counts.items()))


def valid_type(t):
    """§14.1: ^[A-Z][A-Za-z]{1,63}$ (also keeps type names safe as file names)."""
    return 2 <= len(t) <= 64 and "A" <= t[0] <= "Z" and all(c.isascii() and c.isalpha() for c in t)


# ---------------------------------------------------------------------------------------------------------------
# §15 File trees
# ---------------------------------------------------------------------------------------------------------------

def parse_directory_node(content, what):
    doc = parse_json(content, what)
    if not isinstance(doc, dict) or doc.get("format") != "CBFILES2" or not isinstance(doc.get("entries"), list):
        raise damaged(what, "directory node format is not CBFILES2")
    previous = None
    for e in doc["entries"]:
        if not isinstance(e, dict):
            raise damaged(what, "an entry is not an object")
        name = e.get("name")
        if not isinstance(name, str) or name in ("", ".", "..") or "/" in name or "\0" in name:
            raise damaged(what, "invalid entry name %r" % (name,))
        try:
            key = name.encode("utf-8")
        except UnicodeEncodeError:
            raise damaged(what, "entry name %r is not valid Unicode text" % name)
        if previous is not None and key <= previous:
            raise damaged(what, "entries not sorted by name or not unique at %r" % name)
        previous = key
        if e.get("type") not in ("file", "dir", "symlink"):
            raise damaged(what, "%r has unknown type %r" % (name, e.get("type")))
        if not isinstance(e.get("mode"), int) or not 0 <= e["mode"] <= 0o7777:
            raise damaged(what, "%r has an invalid mode" % name)
        mtime = e.get("mtimeNs")
        if not isinstance(mtime, str) or not mtime.lstrip("-").isdigit():
            raise damaged(what, "%r has an invalid mtimeNs" % name)
        if e["type"] == "file":
            if not isinstance(e.get("content"), list) or not isinstance(e.get("size"), int) or e["size"] < 0:
                raise damaged(what, "file %r lacks content or size" % name)
        elif e["type"] == "dir":
            blob_id_from_hex(e.get("subtree"), what)
        elif not isinstance(e.get("target"), str):
            raise damaged(what, "symlink %r lacks its target" % name)
    return doc["entries"]


def restore_files(repo, manifest, folder, what):
    """§19.4: walk from tree.root; folders, files (concatenated chunks), symlinks; then modes and times."""
    root = blob_id_from_hex(manifest["tree"].get("root"), what)
    counts = {"files": 0, "dirs": 0, "symlinks": 0}
    total_bytes = [0]
    folders = []  # (depth, path, entry), fixed up last, deepest first

    def walk(node_id, path, depth):
        entries = parse_directory_node(repo.read_tree_blob(node_id), "directory node " + node_id.hex())
        for e in entries:
            target = os.path.join(path, e["name"])
            if e["type"] == "dir":
                os.mkdir(target)
                counts["dirs"] += 1
                walk(blob_id_from_hex(e["subtree"], what), target, depth + 1)
                folders.append((depth, target, e))
            elif e["type"] == "file":
                size = 0
                with open(target, "wb") as f:
                    for chunk_hex in e["content"]:
                        data = repo.read_blob(blob_id_from_hex(chunk_hex, what), expected_type=BLOB_CHUNK)
                        f.write(data)
                        size += len(data)
                if size != e["size"]:
                    raise damaged(target, "restored %d bytes, the tree says %d" % (size, e["size"]))
                total_bytes[0] += size
                os.chmod(target, e["mode"])
                set_times(target, e, follow=True)
                counts["files"] += 1
            else:
                os.symlink(e["target"], target)
                set_times(target, e, follow=False)
                counts["symlinks"] += 1

    walk(root, folder, 0)
    folders.sort(key=lambda f: -f[0])
    for _, path, e in folders:
        os.chmod(path, e["mode"])
        set_times(path, e, follow=True)
    return counts, total_bytes[0]


def set_times(path, entry, follow):
    ns = int(entry["mtimeNs"])
    try:
        os.utime(path, ns=(ns, ns), follow_symlinks=follow)
    except NotImplementedError:  # no lutimes on this platform: symbolic links keep the restore time
        if follow:
            raise


# ---------------------------------------------------------------------------------------------------------------
# §16 Attachments
# ---------------------------------------------------------------------------------------------------------------

def attachment_records(repo, manifest, what):
    """The records of the attachment listing (§16), in order; [] when the snapshot has none."""
    ref = manifest.get("attachments")
    if ref is None:
        return []
    if not isinstance(ref, dict) or not isinstance(ref.get("listing"), list):
        raise damaged(what, "manifest.attachments is not an object with a listing")
    records = []
    for h in ref["listing"]:
        where = "attachment listing " + str(h)
        data = repo.read_tree_blob(blob_id_from_hex(h, what))
        try:
            lines = data.decode("utf-8").split("\n")
        except UnicodeDecodeError:
            raise damaged(where, "not UTF-8 text")
        if lines[0] != "CBATT1":
            raise damaged(where, "does not start with the line CBATT1")
        for line in lines[1:]:
            rec = parse_json(line.encode("utf-8"), where)
            if (not isinstance(rec, dict) or not isinstance(rec.get("owner"), str) or not isinstance(rec.get("url"), str)
                    or rec.get("status") not in ("stored", "external", "failed") or not isinstance(rec.get("blobs"), list)):
                raise damaged(where, "a record lacks owner, url, status or blobs")
            records.append(rec)
    if len(records) != ref.get("count"):
        raise damaged(what, "the attachment listing holds %d records, the manifest says %r" % (len(records), ref.get("count")))
    return records


def attachment_content(repo, rec, what):
    """A stored attachment's content (its chunks, concatenated), checked against its size and SHA-256."""
    content = b"".join(repo.read_blob(blob_id_from_hex(c, what), expected_type=BLOB_CHUNK) for c in rec["blobs"])
    if len(content) != rec.get("size") or sha256_hex(content) != rec.get("sha256"):
        raise damaged("attachment of " + rec["owner"], "content does not match its size and SHA-256")
    return content


def restore_attachments(repo, manifest, folder, what):
    """Writes attachments/<sha256> for each stored attachment, checked against its size and SHA-256, and
    attachments/attachments.json listing every record (the document does not define a restored layout). A record
    whose content is a Binary of the snapshot (`resource`) is listed: its content is in Binary.ndjson."""
    records = attachment_records(repo, manifest, what)
    if not records:
        return 0
    out = os.path.join(folder, "attachments")
    os.mkdir(out)
    for rec in records:
        if rec["status"] == "stored" and rec["blobs"]:
            content = attachment_content(repo, rec, what)
            with open(os.path.join(out, rec["sha256"]), "wb") as f:
                f.write(content)
    with open(os.path.join(out, "attachments.json"), "w", encoding="utf-8") as f:
        json.dump([{k: v for k, v in r.items() if k != "blobs"} for r in records], f, indent=1, ensure_ascii=False)
    return len(records)


# ---------------------------------------------------------------------------------------------------------------
# §20 Verifying
# ---------------------------------------------------------------------------------------------------------------

class Verifier:
    def __init__(self, repo, out):
        self.repo = repo
        self.problems = []
        self.out = out
        self.counts = {}
        self.resources = {}  # (frame, offset, length, line hash) → (snapshot, row): each resource checked once

    def problem(self, code, text):
        self.problems.append({"code": code, "message": text})
        self.out("PROBLEM %s: %s" % (code, text))

    def guard(self, fn, *args):
        try:
            return fn(*args)
        except ReaderError as e:
            self.problem(e.code, e.message)
            return None

    # §20.1, without keys
    def files_without_keys(self):
        repo = self.repo
        checked = 0
        for kind, envelope_kind in (("data", None), ("index", KIND_INDEX), ("snapshots", KIND_SNAPSHOT),
                                    ("locks", KIND_LOCK), ("audit", KIND_AUDIT)):
            for name in repo.list_kind(kind):
                rel = repo.rel(kind, name)
                with open(repo.path(rel), "rb") as f:
                    data = f.read()
                checked += 1
                if sha256_hex(data) != name:
                    self.problem("FILE_CORRUPT", "%s: its SHA-256 does not match its name" % rel)
                    continue
                if envelope_kind is None:
                    if len(data) >= 8 and data[-4:] == b"CBP1":
                        continue
                    h = int.from_bytes(data[-8:-4], "little") if len(data) >= 8 else 0
                    if len(data) < 8 or data[-4:] != b"CBP2" or h + 8 > len(data):
                        self.problem("PACK_CORRUPT", "%s: no \"CBP2\" trailer or header length past the start" % rel)
                elif data[:2] != b"CB" or data[2] not in (1, 2) or (data[2] == 2 and data[3] != envelope_kind):
                    self.problem("FILE_CORRUPT", "%s: does not start with 43 42 02 %02x" % (rel, envelope_kind))
        self.counts["files"] = checked

    # §20.2 and §20.3, with keys
    def with_keys(self):
        repo = self.repo
        if self.guard(repo.load_index) is None and repo.index is None:
            return
        self.counts["indexFiles"] = len(repo.index_files)
        self.counts["blobs"] = len(repo.index)
        present = set(repo.list_kind("data"))
        for pack, size in sorted(repo.pack_sizes.items()):
            if pack not in present:
                self.problem("BLOB_MISSING", "data/%s/%s is indexed but missing" % (pack[:2], pack))
            elif os.path.getsize(repo.path("data", pack[:2], pack)) != size:
                self.problem("FILE_TRUNCATED", "data/%s/%s has not the indexed size %d" % (pack[:2], pack, size))
        unreferenced = []
        for pack in sorted(present):
            if pack not in repo.pack_sizes:
                try:
                    with open(repo.path("data", pack[:2], pack), "rb") as f:
                        f.seek(-4, os.SEEK_END)
                        if f.read(4) == b"CBP1":
                            continue
                except OSError:
                    pass
                unreferenced.append(pack)
        self.counts["unreferencedPacks"] = len(unreferenced)
        # Every pack: its own header against the index, every blob's envelope and id.
        verified = 0
        for pack in sorted(repo.pack_sizes):
            if pack in present:
                verified += self.guard(self.pack, pack, repo.pack_records[pack]) or 0
        for pack in unreferenced:
            self.guard(self.pack_header_only, pack)
        self.counts["blobsVerified"] = verified
        # Snapshots: trees, every resource, counts.
        snapshots = 0
        for name in repo.list_kind("snapshots"):
            try:
                manifest = repo.read_snapshot(name)
            except Version1Object:
                continue
            except ReaderError as e:
                self.problem(e.code, e.message)
                continue
            snapshots += 1
            self.guard(self.snapshot, name, manifest)
        self.counts["snapshots"] = snapshots
        self.counts["resourcesVerified"] = self.lines()
        self.counts["locks"] = self.envelopes("locks", KIND_LOCK)
        self.counts["auditEntries"] = self.audit()

    def lines(self):
        """Reads each frame once and checks every resource any snapshot holds in it: LF, line start, line hash."""
        rows = [r for _, r in self.resources.values()]
        where = {id(r): what for what, r in self.resources.values()}
        checked = 0
        frame_id, frame = None, None
        for r in self.repo.storage_order(rows):
            try:
                if r.frame != frame_id:
                    frame_id, frame = r.frame, None
                    frame = self.repo.read_blob(r.frame, expected_type=BLOB_FRAME)
                if frame is not None:
                    self.repo.extract_line(frame, r)
                    checked += 1
            except ReaderError as e:
                self.problem(e.code, "%s: %s" % (where[id(r)], e.message))
        return checked

    def read_pack_header(self, pack):
        rel = "data/%s/%s" % (pack[:2], pack)
        data = self.repo.read_file("data", pack)
        if len(data) < 8 or data[-4:] != b"CBP2":
            raise damaged(rel, "no \"CBP2\" trailer")
        h = int.from_bytes(data[-8:-4], "little")
        if h + 8 > len(data):
            raise damaged(rel, "header length past the start of the file")
        payload = self.repo.open_envelope(data[len(data) - 8 - h:len(data) - 8], KIND_PACK_HEADER, rel + " header")
        cur = Cursor(payload, rel + " header")
        if cur.u8() != 2:
            raise damaged(rel, "pack header version is not 2")
        entries = decode_blob_entries(cur)
        cur.end()
        if sum(e[2] for e in entries) + h + 8 != len(data):
            raise damaged(rel, "stored lengths + header + 8 != pack size")
        return data, entries

    def pack_header_only(self, pack):
        self.read_pack_header(pack)

    def pack(self, pack, indexed):
        """§20.3: the pack's own header equals its index record; every blob opens and hashes to its id."""
        repo = self.repo
        rel = "data/%s/%s" % (pack[:2], pack)
        data, entries = self.read_pack_header(pack)
        if entries != indexed:
            raise damaged(rel, "its header does not match the index")
        offset = 0
        for blob_type, blob_id, stored, raw in entries:
            loc = Location(pack, 0, offset, stored, raw, blob_type)
            what = "%s %s (%s at %d)" % (BLOB_TYPE_NAMES[blob_type], blob_id.hex(), rel, offset)
            try:
                repo.open_blob_envelope(data[offset:offset + stored], blob_id, loc, what)
            except Version1Object:
                self.problem("DAMAGED", "%s: version 1 envelope in a version 2 pack" % what)
            except ReaderError as e:
                self.problem(e.code, e.message)
            offset += stored
        return len(entries)

    def snapshot(self, name, manifest):
        repo = self.repo
        what = "snapshots/" + name
        kind = manifest["tree"].get("kind")
        if kind == "resources":
            rows = repo.snapshot_rows(manifest, what)
            counts = {}
            total_bytes = 0
            for r in rows:
                if r.alias:
                    continue
                counts[r.type] = counts.get(r.type, 0) + 1
                total_bytes += r.length
                if not repo.index.get(r.frame):
                    raise IntegrityError("BLOB_MISSING", "%s: frame %s of %s/%s is not indexed"
                                         % (what, r.frame.hex(), r.type, r.id))
                # Every resource's bytes are checked once, whatever number of snapshots hold it (lines()).
                self.resources.setdefault((r.frame, r.offset, r.length, r.line_hash), (what, r))
            if dict(sorted(counts.items())) != manifest.get("counts"):
                raise damaged(what, "counts per type %s differ from the manifest's %s" % (counts, manifest.get("counts")))
            totals = manifest.get("totals") or {}
            if totals.get("resources") != sum(counts.values()) or totals.get("bytes") != total_bytes:
                raise damaged(what, "totals.resources/bytes differ from the rows")
        elif kind == "files":
            self.files_tree(blob_id_from_hex(manifest["tree"].get("root"), what), what, manifest)
        else:
            raise damaged(what, "unknown tree kind %r" % kind)
        for rec in attachment_records(repo, manifest, what):
            if rec["status"] == "stored" and rec["blobs"]:
                attachment_content(repo, rec, what)

    def files_tree(self, root, what, manifest):
        counts = {"files": 0, "dirs": 0, "symlinks": 0}
        stack = [root]
        while stack:
            node = stack.pop()
            for e in parse_directory_node(self.repo.read_tree_blob(node), "directory node " + node.hex()):
                counts[e["type"] + "s" if e["type"] != "dir" else "dirs"] += 1
                if e["type"] == "dir":
                    stack.append(blob_id_from_hex(e["subtree"], what))
                elif e["type"] == "file":
                    size = 0
                    for c in e["content"]:
                        locations = self.repo.index.get(blob_id_from_hex(c, what))
                        if not locations:
                            raise IntegrityError("BLOB_MISSING", "%s: a chunk of %r is not indexed" % (what, e["name"]))
                        size += locations[0].raw
                    if size != e["size"]:
                        raise damaged(what, "file %r: chunk lengths add up to %d, not %d" % (e["name"], size, e["size"]))
        if counts != manifest.get("counts"):
            raise damaged(what, "counts %s differ from the manifest's %s" % (counts, manifest.get("counts")))

    def envelopes(self, kind, envelope_kind):
        n = 0
        for name in self.repo.list_kind(kind):
            try:
                data = self.repo.read_file(kind, name)
                parse_json(self.repo.open_envelope(data, envelope_kind, "%s/%s" % (kind, name)), "%s/%s" % (kind, name))
                n += 1
            except Version1Object:
                continue
            except ReaderError as e:
                self.problem(e.code, e.message)
        return n

    def audit(self):
        """§18: open every entry; the chain must be complete, linked and hashed right."""
        entries = {}
        for name in self.repo.list_kind("audit"):
            what = "audit/" + name
            try:
                data = self.repo.read_file("audit", name)
                entry = parse_json(self.repo.open_envelope(data, KIND_AUDIT, what), what)
            except Version1Object:
                continue
            except ReaderError as e:
                self.problem(e.code, e.message)
                continue
            seq = entry.get("seq") if isinstance(entry, dict) else None
            if not isinstance(seq, int):
                self.problem("AUDIT_TAMPERED", "%s has no seq" % what)
                continue
            canonical = canonical_json(entry)
            if seq in entries and entries[seq][0] != canonical:
                self.problem("AUDIT_TAMPERED", "two different audit entries with seq %d" % seq)
            entries[seq] = (canonical, entry)
        previous = "0" * 64  # the genesis prevHash
        expected_seq = None
        for seq in sorted(entries):
            entry = entries[seq][1]
            if expected_seq is not None and seq != expected_seq:
                self.problem("AUDIT_TAMPERED", "audit entries %d to %d are missing" % (expected_seq, seq - 1))
            expected_seq = seq + 1
            if entry.get("prevHash") != previous:
                self.problem("AUDIT_TAMPERED", "audit entry %d does not link to the one before it" % seq)
            body = {k: entry.get(k) for k in ("seq", "at", "actor", "action", "details")}
            expected = sha256_hex(str(entry.get("prevHash")).encode("utf-8") + canonical_json(body).encode("utf-8"))
            if entry.get("hash") != expected:
                self.problem("AUDIT_TAMPERED", "audit entry %d has a wrong hash" % seq)
            previous = entry.get("hash")
        return len(entries)


def canonical_json(value):
    """§18: object keys sorted, no whitespace."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


# ---------------------------------------------------------------------------------------------------------------
# Commands
# ---------------------------------------------------------------------------------------------------------------

def open_repository(args, required=True):
    repo = Repository(args.repo)
    if args.password_file and args.recovery_words:
        raise UsageError("USAGE", "give --password-file or --recovery-words, not both")
    if args.password_file:
        repo.open_with_password(read_secret_file(args.password_file))
    elif args.recovery_words:
        repo.open_with_recovery_key(parse_recovery_text(read_secret_file(args.recovery_words), args.wordlists))
    elif required:
        raise UsageError("USAGE", "give --password-file FILE or --recovery-words FILE --wordlists DIR")
    else:
        return repo
    return repo


def read_secret_file(path):
    try:
        with open(path, "rb") as f:
            text = f.read().decode("utf-8")
    except OSError as e:
        raise ReaderError("SECRET_FILE_UNREADABLE", "cannot read %s (%s)" % (path, e.strerror))
    except UnicodeDecodeError:
        raise ReaderError("SECRET_FILE_UNREADABLE", "%s is not UTF-8 text" % path)
    return text.rstrip("\r\n")


def snapshot_summary(sid, m):
    source = m.get("source") or {}
    tree = m.get("tree") or {}
    return {
        "id": sid,
        "time": m.get("time"),
        "hostname": m.get("hostname"),
        "source": source,
        "mode": m.get("mode"),
        "parent": m.get("parent"),
        "treeKind": tree.get("kind"),
        "counts": m.get("counts"),
        "totals": m.get("totals"),
        "partial": m.get("partial"),
        "tags": m.get("tags"),
    }


def cmd_snapshots(args, out):
    repo = open_repository(args)
    snaps = [snapshot_summary(sid, m) for sid, m in repo.list_snapshots()]
    if args.json:
        out(json.dumps(snaps, indent=2, ensure_ascii=False))
        return 0
    for s in snaps:
        counts = s["counts"] or {}
        total = sum(v for v in counts.values() if isinstance(v, int))
        what = ", ".join("%s %s" % (k, v) for k, v in counts.items())
        out("%s  %s  %s %s  %d  (%s)" % (s["id"], s["time"], s["source"].get("kind"), s["source"].get("location"),
                                        total, what))
    out("%d snapshot(s)" % len(snaps))
    return 0


def cmd_restore(args, out):
    repo = open_repository(args)
    sid, manifest = repo.resolve_snapshot(args.snapshot)
    what = "snapshots/" + sid
    repo.load_index()
    kind = manifest["tree"].get("kind")
    with OutputFolder(args.outdir) as folder:
        if kind == "resources":
            rows = repo.snapshot_rows(manifest, what)
            resources = [r for r in rows if not r.alias]
            counts = write_ndjson(repo, resources, folder)
            if counts != manifest.get("counts"):
                raise damaged(what, "restored counts %s differ from the manifest's %s" % (counts, manifest.get("counts")))
            attachments = restore_attachments(repo, manifest, folder, what)
            result = {"snapshot": sid, "kind": "resources", "counts": counts, "resources": sum(counts.values()),
                      "attachments": attachments}
        elif kind == "files":
            counts, size = restore_files(repo, manifest, folder, what)
            if counts != manifest.get("counts"):
                raise damaged(what, "restored counts %s differ from the manifest's %s" % (counts, manifest.get("counts")))
            result = {"snapshot": sid, "kind": "files", "counts": counts, "bytes": size}
        else:
            raise damaged(what, "unknown tree kind %r" % kind)
    result.update(repo.stats.as_dict())
    if args.json:
        out(json.dumps(result, indent=2))
    else:
        out("restored snapshot %s into %s: %s" % (sid, args.outdir, json.dumps(result["counts"])))
    return 0


def cmd_patient(args, out):
    repo = open_repository(args)
    sid, manifest = repo.resolve_snapshot(args.snapshot)
    repo.load_index()
    rows = repo.patient_rows(manifest, args.patient, "snapshots/" + sid)
    if not rows:
        raise ReaderError("PATIENT_NOT_FOUND", "snapshot %s holds no record of patient %s" % (sid, args.patient))
    with OutputFolder(args.outdir) as folder:
        counts = write_ndjson(repo, rows, folder)
    result = {"snapshot": sid, "patient": args.patient, "counts": counts, "resources": sum(counts.values()),
              "framesUsed": len({r.frame for r in rows}), "indexedBlobs": len(repo.index)}
    result.update(repo.stats.as_dict())
    if args.json:
        out(json.dumps(result, indent=2))
    else:
        out("restored %d resources of patient %s from snapshot %s into %s" % (result["resources"], args.patient, sid,
                                                                               args.outdir))
        out("read %d blobs (%s) of %d indexed; %d of %d checkpoint chunks, %d deltas"
            % (result["blobsRead"]["total"], ", ".join("%s %d" % kv for kv in result["blobsRead"].items()
                                                        if kv[0] != "total"),
               result["indexedBlobs"], result["checkpointChunksRead"], result["checkpointChunks"],
               result["deltasRead"]))
    return 0


def cmd_verify(args, out):
    repo = open_repository(args, required=False)
    lines = []

    def say(text):
        lines.append(text)
        if not args.json:
            out(text)

    v = Verifier(repo, say)
    v.files_without_keys()
    if repo.keys is not None:
        v.with_keys()
    else:
        say("no credentials given: only file names, markers and trailers were checked (§20.1)")
    result = {"ok": not v.problems, "withKeys": repo.keys is not None, "counts": v.counts, "problems": v.problems}
    if args.json:
        out(json.dumps(result, indent=2))
    else:
        out("%s: %s" % ("verify OK" if result["ok"] else "verify FAILED (%d problems)" % len(v.problems),
                        json.dumps(v.counts)))
    return 0 if result["ok"] else 3


def main(argv=None):
    def credentials(parser, default):
        # Options may come before or after the command; the command's parser must not reset them (SUPPRESS).
        parser.add_argument("--password-file", metavar="FILE", default=default,
                            help="the repository's passphrase, in a file")
        parser.add_argument("--recovery-words", metavar="FILE", default=default, help="the 32 recovery words, in a file")
        parser.add_argument("--wordlists", metavar="DIR", default=default,
                            help="folder with english.txt and portuguese.txt (BIP39)")
        parser.add_argument("--json", action="store_true", default=default, help="machine-readable output")
        return parser

    common = credentials(argparse.ArgumentParser(add_help=False), argparse.SUPPRESS)
    parser = credentials(argparse.ArgumentParser(prog="clinic_backup_reader.py", description=__doc__,
                                                 formatter_class=argparse.RawDescriptionHelpFormatter), None)
    parser.set_defaults(json=False)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("snapshots", parents=[common], help="list snapshots")
    p.add_argument("repo")
    p = sub.add_parser("restore", parents=[common], help="restore a snapshot into an empty folder")
    p.add_argument("repo")
    p.add_argument("snapshot")
    p.add_argument("outdir")
    p = sub.add_parser("patient", parents=[common], help="restore one patient's record")
    p.add_argument("repo")
    p.add_argument("snapshot")
    p.add_argument("patient")
    p.add_argument("outdir")
    p = sub.add_parser("verify", parents=[common], help="verify every file, index, blob, snapshot and resource")
    p.add_argument("repo")
    args = parser.parse_args(argv)

    def out(text):
        sys.stdout.write(text + "\n")

    commands = {"snapshots": cmd_snapshots, "restore": cmd_restore, "patient": cmd_patient, "verify": cmd_verify}
    try:
        return commands[args.command](args, out)
    except ReaderError as e:
        if args.json:
            out(json.dumps({"error": {"code": e.code, "message": e.message}}))
        sys.stderr.write("clinic_backup_reader: %s: %s\n" % (e.code, e.message))
        return e.exit_code
    except Version1Object as e:
        sys.stderr.write("clinic_backup_reader: REPO_VERSION_UNSUPPORTED: %s is a version 1 object\n" % e)
        return 1


if __name__ == "__main__":
    sys.exit(main())
