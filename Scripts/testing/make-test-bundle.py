#!/usr/bin/env python3
"""make-test-bundle.py [--request N] [--output FILE] — an evidence bundle made without the daemon,
for Scripts/testing/test_verify_bundle.py.

Written from docs/audit.md (sections 1-4 and 6) alone, and on purpose differently from
Scripts/verify-bundle.py, so that the two check each other: leaves are serialized with
json.dumps over members pre-sorted by UTF-16 code units (the verifier has its own JCS writer),
the tree root and audit paths are computed with the recursive definitions of RFC 9162
§2.1.1/§2.1.3.1 (the verifier walks a proof iteratively, §2.1.3.2), and notes are assembled by
hand.

The log, in memory: 20 events of three requests, interleaved as a daemon would record them,
plus one event of the log itself (request_id ""); a log key for `pocd.vn/contactpoint` and two
witness keys (partner daemons pocd.de and pocd.fr cosigning with their own log keys), all
Ed25519 from fixed seeds, so every run writes the same bytes. The checkpoint is signed by the
log key and cosigned by both witnesses; it also carries a cosignature of a third partner whose
key the bundle does not list (a verifier must ignore that line).

Writes the bundle of request N (0, 1 or 2; default 0) as JSON to FILE or standard output.
Needs the `cryptography` package.
"""
import argparse
import base64
import datetime
import hashlib
import json
import sys

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

ORIGIN = "pocd.vn/contactpoint"
WITNESSES = ("pocd.de/contactpoint", "pocd.fr/contactpoint")
UNLISTED_WITNESS = "pocd.it/contactpoint"
START = datetime.datetime(2026, 1, 5, 8, 0, 0)
COSIGNED_AT = 1767700800                 # 2026-01-06T12:00:00Z, POSIX seconds
REQUESTS = (
    "3f6c1a52-8d0e-4b7a-9c41-2e5d7f0a9b13",
    "a81d4c07-52f3-4e9b-8a6d-0c3b9e7f1d25",
    "5e09b2d8-7c14-4f6a-b3e2-9d8a1c0f6e47",
)


def seeded_key(label: str) -> Ed25519PrivateKey:
    """An Ed25519 key from a fixed seed: SHA-256 of a label (test keys only)."""
    return Ed25519PrivateKey.from_private_bytes(hashlib.sha256(label.encode()).digest())


def public_bytes(key: Ed25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(serialization.Encoding.Raw,
                                         serialization.PublicFormat.Raw)


def key_id(name: str, sig_type: int, key: Ed25519PrivateKey) -> bytes:
    # docs/audit.md §3/§4: SHA-256(<name> || "\n" || type || public key)[0:4]
    return hashlib.sha256(name.encode() + b"\n" + bytes([sig_type]) + public_bytes(key)).digest()[:4]


def vkey(name: str, sig_type: int, key: Ed25519PrivateKey) -> str:
    blob = base64.b64encode(bytes([sig_type]) + public_bytes(key)).decode()
    return f"{name}+{key_id(name, sig_type, key).hex()}+{blob}"


def utf16_order(obj):
    """Rebuild dicts with their members in UTF-16 code-unit order (RFC 8785 §3.2.3)."""
    if isinstance(obj, dict):
        return {k: utf16_order(obj[k]) for k in sorted(obj, key=lambda k: k.encode("utf-16-be"))}
    if isinstance(obj, list):
        return [utf16_order(v) for v in obj]
    return obj


def leaf_data(event: dict) -> str:
    """The canonical event (docs/audit.md §1) for values that are strings, integers, booleans,
    null, lists and objects: json.dumps escapes exactly as JCS does for those (\\" \\\\ \\b \\f
    \\n \\r \\t, other controls as lower-case \\u00xx, everything else as itself)."""
    return json.dumps(utf16_order(event), ensure_ascii=False, separators=(",", ":"),
                      allow_nan=False)


# RFC 9162 §2.1.1 and §2.1.3.1, recursively.
def mth(leaves: list) -> bytes:
    n = len(leaves)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return hashlib.sha256(b"\x00" + leaves[0]).digest()
    k = 1 << ((n - 1).bit_length() - 1)      # the largest power of two smaller than n
    return hashlib.sha256(b"\x01" + mth(leaves[:k]) + mth(leaves[k:])).digest()


def path(m: int, leaves: list) -> list:
    n = len(leaves)
    if n == 1:
        return []
    k = 1 << ((n - 1).bit_length() - 1)
    if m < k:
        return path(m, leaves[:k]) + [mth(leaves[k:])]
    return path(m - k, leaves[k:]) + [mth(leaves[:k])]


def history():
    """(request number or None for the log itself, type, actor, payload), in log order."""
    alice, bob = "officer.vn.alice", "officer.de.bob via pocd.de"
    carol, timer = "officer.fr.carol via pocd.fr", "pocd.vn"
    return [
        (0, "submitted", alice, {"to": "DE", "kind": "preservation", "priority": "urgent",
                                 "provider": "Mailbox GmbH", "identifiers": ["x@example.de"],
                                 "legal_basis": "Art. 29 Budapest Convention",
                                 "case_reference": "HCM-2026-0117"}),
        (1, "submitted", bob, {"to": "VN", "kind": "preservation", "priority": "normal",
                               "provider": "Viettel IDC", "identifiers": ["203.0.113.7"],
                               "case_reference": "BKA-26-4411"}),
        (0, "delivered", timer, {"partner": "pocd.de", "attempt": 1}),
        (0, "acknowledged", "officer.de.dieter via pocd.de", {"note": "Eingang bestätigt"}),
        (2, "submitted", carol, {"to": "VN", "kind": "preservation", "priority": "urgent",
                                 "provider": "FPT Telecom", "identifiers": ["+84 28 0000 0000"],
                                 "case_reference": "OFAC/2026/031"}),
        (1, "acknowledged", alice, {"note": "Nguyễn Văn An is on it"}),
        (0, "reminded", timer, {"deadline": "acknowledge", "after_seconds": 3600}),
        (2, "acknowledged", alice, {}),
        (1, "action", alice, {"action": "preserved", "until": "2026-04-01",
                              "note": "Server \"mail-03\"\nrack 4\ttray 2"}),
        (0, "action", "officer.de.dieter via pocd.de", {"action": "preserved",
                                                        "until": "2026-04-15", "items": 3}),
        (None, "log-inconsistent", timer, {
            "origin": "pocd.it/contactpoint",
            "cosigned": "pocd.it/contactpoint\n12\nq2Zq3EvhOgFfVR7QwXmb5gJ9zWQxhYq2DkD9Y1gAAAA=\n",
            "received": "pocd.it/contactpoint\n9\nLq4pOd3tqq3sQm1Sx4n5C7yU0UuU4m3mYk2b9AAAAAA=\n"}),
        (2, "escalated", timer, {"deadline": "act", "level": 1, "overdue_seconds": 86400}),
        (1, "delivered", timer, {"partner": "pocd.de", "attempt": 2}),
        (0, "extended", alice, {"until": "2026-07-15", "€uro": -3, "é": 0, "z": True, "a": None,
                               # U+1F4CE sorts before U+FF52 by UTF-16 code unit, after it by
                               # code point: a writer or checker sorting the wrong way fails here
                               "\U0001F4CE": "HCM-2026-0117.pdf", "\uFF52\uFF45\uFF46": 86400}),
        (2, "action", alice, {"action": "preserved", "until": "2026-05-01"}),
        (0, "acknowledged", "officer.de.dieter via pocd.de", {"of": "extended"}),
        (1, "closed", bob, {"reason": "handled"}),
        (2, "escalated", timer, {"deadline": "close", "level": 2, "overdue_seconds": 172800}),
        (0, "closed", alice, {"reason": "data handed over through MLA"}),
        (2, "expired", timer, {"after_days": 90}),
    ]


class TestLog:
    """The in-memory log, its keys, its tree; makes checkpoints and bundles."""

    def __init__(self):
        self.log_key = seeded_key("make-test-bundle log pocd.vn")
        self.witness_keys = [seeded_key(f"make-test-bundle log {w}") for w in WITNESSES]
        self.unlisted_key = seeded_key(f"make-test-bundle log {UNLISTED_WITNESS}")
        self.events = []                  # (request_id, leaf data as str)
        sequences = {}
        for position, (req, type_, actor, payload) in enumerate(history(), 1):
            request_id = "" if req is None else REQUESTS[req]
            seq = sequences.get(request_id, 0)
            sequences[request_id] = seq + 1
            # `at` as stored: seconds, and milliseconds only when they are not zero
            ms = 250 if position % 7 == 0 else 0
            t = START + datetime.timedelta(minutes=37 * position, seconds=position, milliseconds=ms)
            at = t.strftime("%Y-%m-%dT%H:%M:%S") + (f".{ms:03d}Z" if ms else "Z")
            event = {"id": self.event_id(position), "request_id": request_id, "sequence": seq,
                     "type": type_, "actor": actor, "at": at, "payload": payload}
            self.events.append((request_id, leaf_data(event)))
        self.leaves = [leaf.encode("utf-8") for _, leaf in self.events]

    @staticmethod
    def event_id(position: int) -> str:
        h = hashlib.sha256(f"event {position}".encode()).hexdigest()
        return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:32]}"

    def checkpoint_body(self, size: int) -> str:
        root = base64.b64encode(mth(self.leaves[:size])).decode()
        return f"{ORIGIN}\n{size}\n{root}\n"

    def checkpoint(self, size: int, log_key=None, cosigners=None) -> str:
        """The signed note: body, empty line, the log's signature, then cosignatures
        (docs/audit.md §3, §4) by `cosigners`, a list of (name, key) (default: both listed
        witnesses and the unlisted one)."""
        log_key = log_key or self.log_key
        if cosigners is None:
            cosigners = list(zip(WITNESSES, self.witness_keys))
            cosigners.append((UNLISTED_WITNESS, self.unlisted_key))
        body = self.checkpoint_body(size)
        sig = key_id(ORIGIN, 0x01, log_key) + log_key.sign(body.encode())
        lines = [f"\u2014 {ORIGIN} {base64.b64encode(sig).decode()}\n"]
        for name, key in cosigners:
            message = f"cosignature/v1\ntime {COSIGNED_AT}\n{body}".encode()
            blob = key_id(name, 0x04, key) + COSIGNED_AT.to_bytes(8, "big") + key.sign(message)
            lines.append(f"\u2014 {name} {base64.b64encode(blob).decode()}\n")
        return body + "\n" + "".join(lines)

    def bundle_event(self, index: int, size: int) -> dict:
        return {"index": index, "leaf": self.events[index][1],
                "inclusion_proof": [base64.b64encode(h).decode()
                                    for h in path(index, self.leaves[:size])]}

    def bundle(self, request: int = 0, size: int = None) -> dict:
        size = len(self.leaves) if size is None else size
        request_id = REQUESTS[request]
        return {
            "format": "contactpoint-evidence-bundle/1",
            "origin": ORIGIN,
            "log_key": vkey(ORIGIN, 0x01, self.log_key),
            "witness_keys": [vkey(n, 0x04, k) for n, k in zip(WITNESSES, self.witness_keys)],
            "checkpoint": self.checkpoint(size),
            "request_id": request_id,
            "events": [self.bundle_event(i, size) for i, (rid, _) in enumerate(self.events[:size])
                       if rid == request_id],
        }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--request", type=int, choices=range(len(REQUESTS)), default=0)
    parser.add_argument("--output", "-o", help="write here instead of standard output")
    args = parser.parse_args()
    text = json.dumps(TestLog().bundle(args.request), ensure_ascii=False, indent=2) + "\n"
    if args.output:
        with open(args.output, "w", encoding="utf-8") as f:
            f.write(text)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
