#!/usr/bin/env python3
"""verify-bundle.py BUNDLE — verify a ContactPoint evidence bundle offline.

A bundle (`pocd audit export`) holds every event of one request, each with its leaf data and an
inclusion proof, plus a checkpoint of the daemon's audit log signed by the log key and cosigned
by partner daemons. This tool checks, from the bundle alone and in this order (docs/audit.md §6):

  1. `format` is known; the log vkey parses and its name is `origin`;
  2. the checkpoint body's first line is `origin`; its log signature verifies with the log key;
  3. every cosignature line whose name and key ID match a witness key verifies;
  4. each event's leaf is already in JCS form, its `request_id` is the bundle's, and its
     inclusion proof leads from SHA-256(0x00 || leaf) at `index` to the checkpoint's root;
  5. the events' `sequence` values are 0, 1, 2, … without a gap, in increasing index order.

It is written from docs/audit.md and the public specifications it names, and shares no code
with the daemon: RFC 8785 (JCS), RFC 9162 §2.1 (Merkle trees, inclusion proofs), C2SP
signed-note (vkeys, notes, Ed25519), tlog-checkpoint and tlog-cosignature v1.

Output: exactly one line on standard output.
  OK: <n> events of request <id> are in <origin> at size <size>, signed by the log and
      cosigned by <witness names, or "no witness">                                  exit 0
  FAIL: <the first failure, naming the event, field or signature>                    exit 1
  FAIL: unusable bundle: <why> (unreadable, not JSON, a member missing or mistyped)  exit 2

What it does not prove: that the bundle's keys are the right ones. Compare `log_key` and
`witness_keys` with the keys the partners' directories publish.

Needs Python 3.11 and the `cryptography` package (for Ed25519); when that is missing it runs
`python3 -m pip install --quiet cryptography` once, with this interpreter, and goes on.
"""
import base64
import hashlib
import importlib
import json
import math
import re
import site
import struct
import subprocess
import sys

BUNDLE_FORMAT = "contactpoint-evidence-bundle/1"
SIG_ED25519 = 0x01           # C2SP signed-note signature type of the log key
SIG_COSIGNATURE_V1 = 0x04    # C2SP tlog-cosignature v1 (timestamped Ed25519)
MAX_SIGNATURE_LINES = 100    # signed-note: a verifier must accept at least 16


class Failure(Exception):
    """A check failed: the bundle is well-formed but does not prove what it claims (exit 1)."""


class Unusable(Exception):
    """The input cannot be checked at all: unreadable, not JSON, a member missing (exit 2)."""


# ---------------------------------------------------------------------------------------------
# Ed25519 through the `cryptography` package, installed on first use if missing.

_ed25519 = None


def _load_ed25519():
    global _ed25519
    if _ed25519 is not None:
        return _ed25519
    try:
        from cryptography.hazmat.primitives.asymmetric import ed25519
    except ImportError:
        # pip's own chatter goes to stderr: stdout carries the one result line only.
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "cryptography"],
                       stdout=sys.stderr, check=False)
        importlib.invalidate_caches()
        user_site = site.getusersitepackages()      # where a non-root pip puts it
        if user_site not in sys.path:
            site.addsitedir(user_site)
        try:
            from cryptography.hazmat.primitives.asymmetric import ed25519
        except ImportError:
            raise Unusable("the Python package 'cryptography' is missing and pip could not "
                           "install it") from None
    _ed25519 = ed25519
    return ed25519


def ed25519_verify(public_key: bytes, signature: bytes, message: bytes) -> bool:
    ed25519 = _load_ed25519()
    try:
        ed25519.Ed25519PublicKey.from_public_bytes(public_key).verify(signature, message)
        return True
    except Exception:  # InvalidSignature, or a key that is not a curve point
        return False


# ---------------------------------------------------------------------------------------------
# Strict decoding of the text encodings the specification uses.

_B64 = re.compile(r"(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?")


def b64decode(text: str) -> bytes:
    """Standard base64 with padding (RFC 4648 §4), canonical only: no line breaks, no missing
    padding and zero pad bits, so that one text stands for one byte string (docs/audit.md)."""
    if not _B64.fullmatch(text):
        raise ValueError("not canonical base64")
    raw = base64.b64decode(text)
    if base64.b64encode(raw).decode("ascii") != text:
        raise ValueError("not canonical base64 (non-zero pad bits)")
    return raw


def sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


# ---------------------------------------------------------------------------------------------
# RFC 8785, the JSON Canonicalization Scheme: parse I-JSON, serialize canonically.

class JCSError(ValueError):
    pass


def _no_duplicates(pairs):
    obj = {}
    for name, value in pairs:
        if name in obj:
            raise JCSError(f"duplicate member {name!r}")
        obj[name] = value
    return obj


def _no_constant(name):
    raise JCSError(f"{name} is not JSON")


def parse_json(text: str):
    """Parse JSON text as JCS sees it (RFC 8785 §3.1): I-JSON, every number an IEEE 754 double,
    no duplicate member names. Numbers come back as float, so 1 and 1.0 are the same value."""
    try:
        return json.loads(text, object_pairs_hook=_no_duplicates, parse_float=float,
                          parse_int=float, parse_constant=_no_constant)
    except JCSError:
        raise
    except (ValueError, RecursionError) as e:
        raise JCSError(f"not JSON: {e}") from None


_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f",
            "\r": "\\r"}


def jcs_string(s: str) -> str:
    """RFC 8785 §3.2.2.2 (ECMAScript JSON.stringify's QuoteJSONString): escape `"` and `\\`,
    the short forms \\b \\t \\n \\f \\r, other controls below U+0020 as \\u00xx in lower-case
    hex; every other character as itself. A lone surrogate is an error (I-JSON)."""
    out = ['"']
    for c in s:
        o = ord(c)
        if c in _ESCAPES:
            out.append(_ESCAPES[c])
        elif o < 0x20:
            out.append(f"\\u{o:04x}")
        elif 0xD800 <= o <= 0xDFFF:
            raise JCSError(f"lone surrogate U+{o:04X} in a string")
        else:
            out.append(c)
    out.append('"')
    return "".join(out)


def jcs_number(x) -> str:
    """RFC 8785 §3.2.2.3: ECMAScript's Number.prototype.toString for a double."""
    x = float(x)
    if math.isnan(x) or math.isinf(x):
        raise JCSError("NaN and Infinity are not JSON numbers")
    if x == 0:
        return "0"                        # also for -0
    sign = "-" if x < 0 else ""
    # Python's repr gives the shortest digit string that reads back as the same double, the
    # closest to it when there are several: the digits s (k of them) that ECMAScript asks for.
    mantissa, _, exp = repr(abs(x)).partition("e")
    whole, _, frac = mantissa.partition(".")
    digits = whole + frac
    n = int(exp or "0") + len(whole)      # value = 0.<digits> × 10^n
    stripped = digits.lstrip("0")
    n -= len(digits) - len(stripped)
    s = stripped.rstrip("0")
    k = len(s)
    if k <= n <= 21:                      # an integer: digits, then zeros
        return sign + s + "0" * (n - k)
    if 0 < n <= 21:                       # a decimal point inside the digits
        return sign + s[:n] + "." + s[n:]
    if -6 < n <= 0:                       # a small fraction: 0.000ddd
        return sign + "0." + "0" * (-n) + s
    e = n - 1                             # otherwise exponential: d[.ddd]e±x
    mant = s if k == 1 else s[0] + "." + s[1:]
    return f"{sign}{mant}e{'+' if e >= 0 else '-'}{abs(e)}"


def _utf16_key(name: str) -> bytes:
    # Big-endian UTF-16 bytes compare exactly as the sequences of UTF-16 code units do.
    return name.encode("utf-16-be", "surrogatepass")


def jcs(value) -> str:
    """Serialize a parsed JSON value per RFC 8785 §3.2: no whitespace, members sorted by their
    names as UTF-16 code units (§3.2.3), literals and numbers and strings as above."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, str):
        return jcs_string(value)
    if isinstance(value, (int, float)):
        return jcs_number(value)
    if isinstance(value, list):
        return "[" + ",".join(jcs(v) for v in value) + "]"
    if isinstance(value, dict):
        names = sorted(value, key=_utf16_key)
        return "{" + ",".join(jcs_string(n) + ":" + jcs(value[n]) for n in names) + "}"
    raise JCSError(f"not a JSON value: {type(value).__name__}")


# ---------------------------------------------------------------------------------------------
# RFC 9162 §2.1: the Merkle tree hashes and inclusion-proof verification.

def leaf_hash(data: bytes) -> bytes:
    return sha256(b"\x00" + data)


def node_hash(left: bytes, right: bytes) -> bytes:
    return sha256(b"\x01" + left + right)


def root_from_inclusion_proof(index: int, size: int, leaf: bytes, proof: list) -> bytes:
    """RFC 9162 §2.1.3.2: the root that `proof` (the audit path, leaf side up) leads to from
    the leaf hash `leaf` at `index` in a tree of `size` leaves; ValueError if it leads nowhere."""
    if not 0 <= index < size:
        raise ValueError(f"index {index} is not below the tree size {size}")
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            raise ValueError("the proof is longer than the path to the root")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ValueError("the proof is shorter than the path to the root")
    return r


# ---------------------------------------------------------------------------------------------
# C2SP signed-note: verifier keys, notes and their signature lines; tlog-checkpoint bodies.

class NoteError(ValueError):
    pass


def check_utf8(text: str, what: str) -> None:
    # A JSON string can hold a lone surrogate (an escaped "\ud800"), which has no UTF-8 form.
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise NoteError(f"{what} is not valid Unicode (a lone surrogate)") from None


def check_key_name(name: str) -> None:
    # signed-note: non-empty, no Unicode spaces, no plus.
    check_utf8(name, "key name")
    if not name or "+" in name or any(c.isspace() for c in name):
        raise NoteError(f"key name {name!r} is empty or has a space or a plus")


class VKey:
    """A C2SP verifier key: <name>+<8 lower-case hex key ID>+<base64(type || public key)>."""

    def __init__(self, text: str, sig_type: int):
        parts = text.split("+", 2)        # neither the name nor the ID may contain a plus
        if len(parts) != 3:
            raise NoteError("not <name>+<key ID>+<key>")
        self.name, hex_id, key = parts
        check_key_name(self.name)
        if not re.fullmatch(r"[0-9a-f]{8}", hex_id):
            raise NoteError(f"key ID {hex_id!r} is not 8 lower-case hex digits")
        try:
            raw = b64decode(key)
        except ValueError as e:
            raise NoteError(f"key: {e}") from None
        if len(raw) != 33:
            raise NoteError(f"key is {len(raw)} bytes, expected 1 + 32 (Ed25519)")
        if raw[0] != sig_type:
            raise NoteError(f"signature type 0x{raw[0]:02x}, expected 0x{sig_type:02x}")
        # key ID = SHA-256(name || "\n" || type || public key)[:4]; it must be the one given.
        self.key_id = bytes.fromhex(hex_id)
        if sha256(self.name.encode("utf-8") + b"\n" + raw)[:4] != self.key_id:
            raise NoteError(f"key ID {hex_id} is not the one of this name and key")
        self.public_key = raw[1:]
        self.text = text


def parse_signed_note(text: str):
    """Split a C2SP signed note into its text (the body, final newline included) and its
    signature lines, as (line number, key name, key ID, signature bytes) tuples."""
    check_utf8(text, "the note")
    if any(ord(c) < 0x20 and c != "\n" for c in text):
        raise NoteError("control character other than newline")
    if not text.endswith("\n"):
        raise NoteError("does not end with a newline")
    cut = text.rfind("\n\n")              # the last empty line separates text and signatures
    if cut < 0:
        raise NoteError("no empty line between the text and the signatures")
    body, lines = text[:cut + 1], text[cut + 2:-1].split("\n")
    if lines == [""]:
        raise NoteError("no signature line")
    if len(lines) > MAX_SIGNATURE_LINES:
        raise NoteError(f"more than {MAX_SIGNATURE_LINES} signature lines")
    signatures = []
    for number, line in enumerate(lines, 1):
        if not line.startswith("\u2014 "):
            raise NoteError(f"signature line {number} does not start with an em dash and space")
        name, _, sig = line[2:].partition(" ")
        check_key_name(name)
        try:
            raw = b64decode(sig)
        except ValueError as e:
            raise NoteError(f"signature line {number}: {e}") from None
        if len(raw) < 5:
            raise NoteError(f"signature line {number} is too short for a key ID and signature")
        signatures.append((number, name, raw[:4], raw[4:]))
    return body, signatures


def parse_checkpoint_body(body: str):
    """tlog-checkpoint as docs/audit.md §3 fixes it: exactly three lines, origin, tree size in
    decimal without leading zeros, base64 of the 32-byte root hash."""
    lines = body[:-1].split("\n")
    if len(lines) != 3:
        raise NoteError(f"the body has {len(lines)} lines, expected 3")
    origin, size, root = lines
    if not origin:
        raise NoteError("the origin line is empty")
    if not re.fullmatch(r"0|[1-9][0-9]*", size):
        raise NoteError(f"tree size {size!r} is not a decimal without leading zeros")
    try:
        root_hash = b64decode(root)
    except ValueError as e:
        raise NoteError(f"root hash: {e}") from None
    if len(root_hash) != 32:
        raise NoteError(f"root hash is {len(root_hash)} bytes, expected 32")
    return origin, int(size), root_hash


def cosignature_message(timestamp: int, body: str) -> bytes:
    """tlog-cosignature v1: `cosignature/v1`, `time <POSIX seconds>`, then the checkpoint body."""
    return f"cosignature/v1\ntime {timestamp}\n".encode("ascii") + body.encode("utf-8")


# ---------------------------------------------------------------------------------------------
# The bundle (docs/audit.md §6).

def _member(obj, name, kind, where="bundle"):
    if name not in obj:
        raise Unusable(f"{where} has no member {name!r}")
    value = obj[name]
    if kind is int:
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif kind is list:
        ok = isinstance(value, list)
    else:
        ok = isinstance(value, kind)
    if not ok:
        raise Unusable(f"{where}.{name} is not a JSON {kind.__name__}")
    return value


def _string_list(obj, name, where="bundle"):
    items = _member(obj, name, list, where)
    for i, item in enumerate(items):
        if not isinstance(item, str):
            raise Unusable(f"{where}.{name}[{i}] is not a JSON string")
    return items


def verify_bundle(bundle) -> str:
    """Run every check of docs/audit.md §6 in order; return the OK line or raise the first
    Failure (or Unusable when a member is missing or of the wrong JSON type)."""
    if not isinstance(bundle, dict):
        raise Unusable("the bundle is not a JSON object")

    # 1. The format is known; the log vkey parses and its name is the origin.
    fmt = _member(bundle, "format", str)
    if fmt != BUNDLE_FORMAT:
        raise Failure(f"format: {fmt!r} is not {BUNDLE_FORMAT!r}")
    origin = _member(bundle, "origin", str)
    log_key_text = _member(bundle, "log_key", str)
    witness_texts = _string_list(bundle, "witness_keys")
    checkpoint = _member(bundle, "checkpoint", str)
    request_id = _member(bundle, "request_id", str)
    events = _member(bundle, "events", list)
    for i, event in enumerate(events):
        where = f"events[{i}]"
        if not isinstance(event, dict):
            raise Unusable(f"{where} is not a JSON object")
        _member(event, "index", int, where)
        _member(event, "leaf", str, where)
        _string_list(event, "inclusion_proof", where)
    try:
        log_key = VKey(log_key_text, SIG_ED25519)
    except NoteError as e:
        raise Failure(f"log_key: {e}") from None
    if log_key.name != origin:
        raise Failure(f"log_key: its name {log_key.name!r} is not the origin {origin!r}")

    # 2. The checkpoint is of this origin, and the log signed it.
    try:
        body, signatures = parse_signed_note(checkpoint)
        cp_origin, size, root = parse_checkpoint_body(body)
    except NoteError as e:
        raise Failure(f"checkpoint: {e}") from None
    if cp_origin != origin:
        raise Failure(f"checkpoint: its origin line {cp_origin!r} is not the origin {origin!r}")
    log_lines = [s for s in signatures if (s[1], s[2]) == (log_key.name, log_key.key_id)]
    if not log_lines:
        raise Failure(f"checkpoint: no signature line of the log key {log_key.name}+"
                      f"{log_key.key_id.hex()}")
    for number, _, _, sig in log_lines:
        if len(sig) != 64 or not ed25519_verify(log_key.public_key, sig, body.encode("utf-8")):
            raise Failure(f"checkpoint: the log signature (signature line {number}) does not "
                          "verify with log_key")

    # 3. Every cosignature line of a given witness key verifies; other lines are ignored.
    witnesses = []
    for i, text in enumerate(witness_texts):
        try:
            witnesses.append(VKey(text, SIG_COSIGNATURE_V1))
        except NoteError as e:
            raise Failure(f"witness_keys[{i}]: {e}") from None
    cosigned = set()
    for number, name, key_id, sig in signatures:
        for i, w in enumerate(witnesses):
            if (name, key_id) != (w.name, w.key_id):
                continue
            # timestamped_signature: u64 big-endian POSIX seconds, then the Ed25519 signature
            if len(sig) != 8 + 64:
                raise Failure(f"checkpoint: the cosignature of {name} (signature line {number}) "
                              "is not a timestamp and an Ed25519 signature")
            (timestamp,) = struct.unpack(">Q", sig[:8])
            if timestamp > 2**63 - 1 or not ed25519_verify(
                    w.public_key, sig[8:], cosignature_message(timestamp, body)):
                raise Failure(f"checkpoint: the cosignature of {name} (signature line {number}) "
                              f"does not verify with witness_keys[{i}]")
            cosigned.add((w.name, w.key_id))

    # 4. Each leaf is canonical, of this request, and in the checkpoint's tree.
    leaves = []
    for i, event in enumerate(events):
        index, leaf = event["index"], event["leaf"]
        where = f"events[{i}] (leaf index {index})"
        try:
            data = leaf.encode("utf-8")
        except UnicodeEncodeError:
            raise Failure(f"{where}: leaf is not valid Unicode (a lone surrogate)") from None
        try:
            value = parse_json(leaf)
            canonical = jcs(value)
        except (JCSError, RecursionError) as e:
            raise Failure(f"{where}: leaf is not JSON that JCS can serialize: {e}") from None
        if canonical != leaf:
            at = next((n for n, (a, b) in enumerate(zip(canonical, leaf)) if a != b),
                      min(len(canonical), len(leaf)))
            raise Failure(f"{where}: leaf is not in JCS form (it differs from its canonical "
                          f"serialization at character {at})")
        if not isinstance(value, dict):
            raise Failure(f"{where}: leaf is not a JSON object")
        if value.get("request_id") != request_id:
            raise Failure(f"{where}: request_id {value.get('request_id')!r} is not the "
                          f"bundle's {request_id!r}")
        proof = []
        for j, node in enumerate(event["inclusion_proof"]):
            try:
                h = b64decode(node)
            except ValueError as e:
                raise Failure(f"{where}: inclusion_proof[{j}]: {e}") from None
            if len(h) != 32:
                raise Failure(f"{where}: inclusion_proof[{j}] is {len(h)} bytes, expected 32")
            proof.append(h)
        try:
            reached = root_from_inclusion_proof(index, size, leaf_hash(data), proof)
        except ValueError as e:
            raise Failure(f"{where}: inclusion proof: {e}") from None
        if reached != root:
            raise Failure(f"{where}: the inclusion proof does not lead to the checkpoint's "
                          f"root at size {size}")
        leaves.append(value)

    # 5. The request's history is whole from its start: sequence 0, 1, 2, … in log order.
    if not events:
        raise Failure("events: none (a request has at least its first event)")
    for i in range(1, len(events)):
        if events[i]["index"] <= events[i - 1]["index"]:
            raise Failure(f"events[{i}] (leaf index {events[i]['index']}): not after the event "
                          "before it in the log")
    for i, (event, value) in enumerate(zip(events, leaves)):
        where = f"events[{i}] (leaf index {event['index']})"
        seq = value.get("sequence")
        if type(seq) is not float or seq != i:
            shown = jcs(seq) if seq is not None else "missing"
            raise Failure(f"{where}: sequence {shown} where {i} was expected")

    names = [w.name for w in witnesses if (w.name, w.key_id) in cosigned]
    names = list(dict.fromkeys(names))     # a key given twice is named once
    return (f"OK: {len(events)} events of request {request_id} are in {origin} at size {size}, "
            f"signed by the log and cosigned by {', '.join(names) or 'no witness'}")


def load_bundle(raw: bytes):
    """The bundle file's bytes as JSON; Unusable if they are not UTF-8 JSON without duplicate
    member names."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise Unusable(f"not UTF-8: {e}") from None
    try:
        return json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_no_constant)
    except (JCSError, ValueError, RecursionError) as e:
        raise Unusable(f"not JSON: {e}") from None


def main(argv) -> int:
    try:
        if len(argv) != 2:
            raise Unusable("usage: verify-bundle.py BUNDLE")
        try:
            with open(argv[1], "rb") as f:
                raw = f.read()
        except OSError as e:
            raise Unusable(f"cannot read {argv[1]}: {e.strerror}") from None
        bundle = load_bundle(raw)
        _load_ed25519()
        print(verify_bundle(bundle))
        return 0
    except Failure as e:
        print(f"FAIL: {e}")
        return 1
    except Unusable as e:
        print(f"FAIL: unusable bundle: {e}")
        return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
