#!/usr/bin/env python3
"""Tests of Scripts/verify-bundle.py, without the daemon:

    python3 Scripts/testing/test_verify_bundle.py

Bundles come from Scripts/testing/make-test-bundle.py (an independent maker, from the spec).
The honest bundle must verify; one changed byte anywhere that a signature, a proof or a key
covers must not. The building blocks are checked against published vectors: RFC 8785 (JCS),
transparency-dev/merkle (RFC 6962/9162 inclusion proofs), C2SP signed-note and
tlog-cosignature.
"""
import base64
import copy
import hashlib
import importlib.util
import json
import os
import random
import struct
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
VERIFIER = os.path.join(os.path.dirname(HERE), "verify-bundle.py")
MAKER = os.path.join(HERE, "make-test-bundle.py")


def load(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


V = load("verify_bundle", VERIFIER)
V._load_ed25519()                       # installs `cryptography` if missing; the maker needs it
M = load("make_test_bundle", MAKER)
LOG = M.TestLog()
HONEST = [LOG.bundle(r) for r in range(3)]


def honest(request=0):
    return copy.deepcopy(HONEST[request])


def verdict(bundle):
    """("OK", line), ("FAIL", message) or ("UNUSABLE", message)."""
    try:
        return "OK", V.verify_bundle(bundle)
    except V.Failure as e:
        return "FAIL", str(e)
    except V.Unusable as e:
        return "UNUSABLE", str(e)


def flip_b64(text, i, mask=0x01):
    """The base64 text of the same bytes with byte i changed."""
    raw = bytearray(base64.b64decode(text))
    raw[i] ^= mask
    return base64.b64encode(bytes(raw)).decode()


def other_char(c):
    return "B" if c == "A" else "A"


def replace_at(text, i, c):
    return text[:i] + c + text[i + 1:]


def signature_lines(checkpoint):
    body, _, sigs = checkpoint.rpartition("\n\n")
    return body + "\n\n", sigs.splitlines(keepends=True)


def with_signature_line(checkpoint, n, change):
    """The checkpoint with signature line n (from 0) replaced by change(name, raw bytes)."""
    head, lines = signature_lines(checkpoint)
    name, b64 = lines[n][2:-1].split(" ")
    raw = change(name, bytearray(base64.b64decode(b64)))
    lines[n] = f"\u2014 {name} {base64.b64encode(bytes(raw)).decode()}\n"
    return head + "".join(lines)


def xor(i, mask=0x01):
    def change(_name, raw):
        raw[i] ^= mask
        return raw
    return change


class HonestBundles(unittest.TestCase):
    def test_each_request_verifies(self):
        for r, n in ((0, 8), (1, 5), (2, 6)):
            self.assertEqual(verdict(honest(r)), ("OK", (
                f"OK: {n} events of request {M.REQUESTS[r]} are in pocd.vn/contactpoint at size "
                "20, signed by the log and cosigned by pocd.de/contactpoint, "
                "pocd.fr/contactpoint")))

    def test_an_earlier_checkpoint_verifies_the_events_it_holds(self):
        b = LOG.bundle(0, size=10)
        self.assertEqual(len(b["events"]), 5)
        self.assertEqual(verdict(b)[0], "OK")

    def test_a_witness_not_listed_or_without_a_line_is_no_failure(self):
        b = honest()
        del b["witness_keys"][0]
        self.assertTrue(verdict(b)[1].endswith("cosigned by pocd.fr/contactpoint"))
        b["witness_keys"] = []
        self.assertTrue(verdict(b)[1].endswith("cosigned by no witness"))
        b = honest()
        b["checkpoint"] = LOG.checkpoint(20, cosigners=[])
        self.assertTrue(verdict(b)[1].endswith("cosigned by no witness"))


class OneChangedByte(unittest.TestCase):
    def assertFails(self, bundle, *fragments):
        kind, message = verdict(bundle)
        self.assertEqual(kind, "FAIL", message)
        for f in fragments:
            self.assertIn(f, message)

    def test_a_leaf(self):
        b = honest()
        leaf = b["events"][2]["leaf"]
        i = leaf.index("Eingang")
        b["events"][2]["leaf"] = replace_at(leaf, i, "e")
        self.assertFails(b, "events[2] (leaf index 3)", "inclusion proof does not lead")

    def test_a_leaf_re_serialized_with_a_space(self):
        b = honest()
        b["events"][1]["leaf"] = b["events"][1]["leaf"].replace('":', '": ', 1)
        self.assertFails(b, "events[1] (leaf index 2)", "not in JCS form")

    def test_a_leaf_re_serialized_by_code_point_order_or_ascii_escapes(self):
        for i, options in ((5, {"sort_keys": True, "ensure_ascii": False}),
                           (2, {"ensure_ascii": True})):
            b = honest()
            obj = json.loads(b["events"][i]["leaf"])
            b["events"][i]["leaf"] = json.dumps(obj, separators=(",", ":"), **options)
            self.assertFails(b, f"events[{i}]", "not in JCS form")

    def test_an_inclusion_proof_node(self):
        b = honest()
        b["events"][4]["inclusion_proof"][2] = flip_b64(b["events"][4]["inclusion_proof"][2], 17)
        self.assertFails(b, "events[4] (leaf index 9)", "inclusion proof does not lead")
        b = honest()
        node = b["events"][0]["inclusion_proof"][0]
        b["events"][0]["inclusion_proof"][0] = node[:42] + chr(ord(node[42]) + 1) + node[43:]
        self.assertFails(b, "events[0]", "inclusion_proof[0]")

    def test_the_checkpoint_size(self):
        b = honest()
        b["checkpoint"] = b["checkpoint"].replace("\n20\n", "\n21\n", 1)
        self.assertFails(b, "checkpoint", "log signature", "does not verify")

    def test_the_checkpoint_root(self):
        b = honest()
        lines = b["checkpoint"].split("\n")
        lines[2] = flip_b64(lines[2], 31)
        b["checkpoint"] = "\n".join(lines)
        self.assertFails(b, "checkpoint", "log signature", "does not verify")

    def test_the_log_signature(self):
        b = honest()
        b["checkpoint"] = with_signature_line(b["checkpoint"], 0, xor(4 + 10))
        self.assertFails(b, "log signature (signature line 1) does not verify with log_key")
        b = honest()
        b["checkpoint"] = with_signature_line(b["checkpoint"], 0, xor(0))   # its key ID
        self.assertFails(b, "no signature line of the log key")

    def test_a_cosignature(self):
        for at in (4 + 8 + 30, 11):          # in the signature; in the timestamp
            b = honest()
            b["checkpoint"] = with_signature_line(b["checkpoint"], 1, xor(at))
            self.assertFails(b, "the cosignature of pocd.de/contactpoint (signature line 2) "
                                "does not verify with witness_keys[0]")
        b = honest()
        b["checkpoint"] = with_signature_line(b["checkpoint"], 2, lambda n, raw: raw[:-1])
        self.assertFails(b, "the cosignature of pocd.fr/contactpoint", "not a timestamp")

    def test_a_witness_key(self):
        b = honest()
        b["witness_keys"][1] = flip_b64(b["witness_keys"][1].split("+", 2)[2], 20)
        b["witness_keys"][1] = "+".join(honest()["witness_keys"][1].split("+", 2)[:2]
                                        + [b["witness_keys"][1]])
        self.assertFails(b, "witness_keys[1]", "key ID")
        b = honest()
        b["witness_keys"][0] = b["witness_keys"][0].replace("pocd.de", "pocd.dk", 1)
        self.assertFails(b, "witness_keys[0]", "key ID")

    def test_an_event_of_another_request_inserted(self):
        b = honest()
        intruder = LOG.bundle_event(4, 20)      # leaf 4 is request 2's first event
        b["events"].insert(2, intruder)
        self.assertFails(b, "events[2] (leaf index 4)", "request_id", M.REQUESTS[2])

    def test_an_event_removed(self):
        b = honest()
        del b["events"][3]
        self.assertFails(b, "events[3] (leaf index 9)", "sequence 4 where 3 was expected")

    def test_the_log_key_swapped_for_another_valid_key(self):
        b = honest()
        b["log_key"] = M.vkey(M.ORIGIN, 0x01, M.seeded_key("another log key"))
        self.assertFails(b, "checkpoint: no signature line of the log key pocd.vn/contactpoint+")


class OtherFailures(unittest.TestCase):
    def assertFails(self, bundle, *fragments):
        kind, message = verdict(bundle)
        self.assertEqual(kind, "FAIL", message)
        for f in fragments:
            self.assertIn(f, message)

    def test_the_checks_of_section_1_and_2(self):
        b = honest()
        b["format"] = "contactpoint-evidence-bundle/2"
        self.assertFails(b, "format")
        b = honest()
        b["origin"] = "pocd.de/contactpoint"
        self.assertFails(b, "log_key: its name", "is not the origin")
        b = honest()
        b["log_key"] = b["log_key"].replace("+AVnH", "+AVnH".lower(), 1)
        self.assertFails(b, "log_key")
        b = honest()
        b["log_key"] = honest()["witness_keys"][0]
        self.assertFails(b, "log_key", "signature type 0x04, expected 0x01")
        b = honest()
        b["checkpoint"] = b["checkpoint"].replace("=\n\n", "=\nextension\n\n", 1)
        self.assertFails(b, "checkpoint: the body has 4 lines, expected 3")
        b = honest()
        b["checkpoint"] = b["checkpoint"].replace("\n20\n", "\n020\n", 1)
        self.assertFails(b, "checkpoint: tree size '020'")
        b = honest()
        b["checkpoint"] = b["checkpoint"][:-1]
        self.assertFails(b, "checkpoint: does not end with a newline")

    def test_the_order_and_number_of_events(self):
        b = honest()
        b["events"][1], b["events"][2] = b["events"][2], b["events"][1]
        self.assertFails(b, "events[2] (leaf index 2): not after the event before it")
        b = honest()
        b["events"].insert(3, copy.deepcopy(b["events"][2]))
        self.assertFails(b, "events[3] (leaf index 3): not after")
        b = honest()
        b["events"] = []
        self.assertFails(b, "events: none")
        b = honest()
        b["events"][0]["index"] = 20
        self.assertFails(b, "events[0] (leaf index 20): inclusion proof: index 20 is not below")

    def test_every_character_that_a_signature_covers(self):
        """Any one character changed in the checkpoint's body and log signature, a key, the
        origin or request ID, a leaf or a proof node fails; in a listed witness's
        cosignature line it fails or that witness is no longer named."""
        b = honest()
        head, lines = signature_lines(b["checkpoint"])
        covered = len(head) + len(lines[0])
        de_ends = covered + len(lines[1])
        fr_ends = de_ends + len(lines[2])
        for i in range(len(b["checkpoint"])):
            t = honest()
            t["checkpoint"] = replace_at(b["checkpoint"], i, other_char(b["checkpoint"][i]))
            kind, message = verdict(t)
            if i < covered:
                self.assertEqual(kind, "FAIL", f"checkpoint character {i}: {message}")
            elif i < fr_ends:
                witness = "pocd.de/contactpoint" if i < de_ends else "pocd.fr/contactpoint"
                self.assertTrue(kind == "FAIL" or witness not in message, (i, message))
        fields = [("log_key",), ("origin",), ("request_id",), ("witness_keys", 0),
                  ("witness_keys", 1)]
        for e in range(len(b["events"])):
            fields.append(("events", e, "leaf"))
            for n in range(len(b["events"][e]["inclusion_proof"])):
                fields.append(("events", e, "inclusion_proof", n))
        for path in fields:
            text = b
            for step in path:
                text = text[step]
            for i in range(len(text)):
                t = honest()
                target = t
                for step in path[:-1]:
                    target = target[step]
                target[path[-1]] = replace_at(text, i, other_char(text[i]))
                self.assertEqual(verdict(t)[0], "FAIL", f"{path} character {i}")


class NeverCrashes(unittest.TestCase):
    def test_random_edits_of_the_bundle_file_give_ok_fail_or_unusable(self):
        """Seeded fuzzing of the bundle's JSON text: whatever the bytes, the verifier answers
        with a result, never with a Python exception."""
        rng = random.Random(8785)
        text = json.dumps(honest(), ensure_ascii=False).encode()
        alphabet = b'{}[]",:\\u0123456789abcdefABCDEF+/=\n -.e\x00\xff'
        for n in range(3000):
            data = bytearray(text)
            for _ in range(rng.randint(1, 4)):
                i = rng.randrange(len(data))
                action = rng.randrange(3)
                if action == 0:
                    data[i] = rng.choice(alphabet)
                elif action == 1:
                    del data[i]
                else:
                    data.insert(i, rng.choice(alphabet))
            if n % 10 == 0:     # escapes that decode to a lone surrogate or a control
                at = rng.choice([i for i in range(len(data)) if data.startswith(b"pocd.", i)])
                data[at:at + 4] = rng.choice([b"\\ud800", b"\\u0000"])
            try:
                V.verify_bundle(V.load_bundle(bytes(data)))
            except (V.Failure, V.Unusable):
                pass


class CommandLine(unittest.TestCase):
    def run_verifier(self, *args, content=None):
        with tempfile.TemporaryDirectory() as d:
            if content is not None:
                path = os.path.join(d, "bundle.json")
                with open(path, "wb") as f:
                    f.write(content if isinstance(content, bytes) else content.encode())
                args = (path,)
            p = subprocess.run([sys.executable, VERIFIER, *args], capture_output=True, text=True)
        self.assertEqual(p.stdout.count("\n"), 1, p.stdout)
        return p.returncode, p.stdout

    def test_ok_fail_and_unusable(self):
        code, out = self.run_verifier(content=json.dumps(honest(1)))
        self.assertEqual((code, out[:4]), (0, "OK: "))
        b = honest(1)
        del b["events"][0]
        code, out = self.run_verifier(content=json.dumps(b))
        self.assertEqual((code, out), (1, "FAIL: events[0] (leaf index 5): sequence 1 where 0 "
                                          "was expected\n"))
        for content in (b"{not json", b"\xff\xfe", b'{"format": 1}', b"[]",
                        b'{"format": "x", "format": "y"}'):
            self.assertEqual(self.run_verifier(content=content)[0], 2, content)
        b = honest()
        del b["events"][0]["inclusion_proof"]
        code, out = self.run_verifier(content=json.dumps(b))
        self.assertEqual((code, out), (2, "FAIL: unusable bundle: events[0] has no member "
                                          "'inclusion_proof'\n"))
        b = honest()
        b["events"][0]["index"] = "0"
        self.assertEqual(self.run_verifier(content=json.dumps(b))[0], 2)
        self.assertEqual(self.run_verifier("/nonexistent/bundle.json")[0], 2)
        self.assertEqual(self.run_verifier()[0], 2)

    def test_the_maker_writes_the_same_bytes_every_run(self):
        runs = [subprocess.run([sys.executable, MAKER, "--request", "2"], capture_output=True,
                               check=True).stdout for _ in range(2)]
        self.assertEqual(runs[0], runs[1])
        self.assertEqual(self.run_verifier(content=runs[0])[0], 0)


class RFC8785(unittest.TestCase):
    """Vectors from RFC 8785 (JSON Canonicalization Scheme)."""

    def canon(self, text):
        return V.jcs(V.parse_json(text))

    def test_section_3_2_2_sample_and_3_2_4_its_utf8_bytes(self):
        text = r'''{
          "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
          "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
          "literals": [null, true, false]
        }'''
        expected = ('{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,'
                    '1e-27],"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}')
        self.assertEqual(self.canon(text), expected)
        self.assertEqual(self.canon(text).encode("utf-8").hex(), (
            "7b226c69746572616c73223a5b6e756c6c2c747275652c66616c73655d2c226e756d62657273223a5b"
            "3333333333333333332e333333333333332c31652b33302c342e352c302e3030322c31652d32375d2c"
            "22737472696e67223a22e282ac245c75303030665c6e4127425c225c5c5c5c5c222f227d"))

    def test_section_3_2_3_sorting_by_utf16_code_units(self):
        text = (r'{"\u20ac": "Euro Sign", "\r": "Carriage Return", "\ufb33": "Hebrew Letter '
                r'Dalet With Dagesh", "1": "One", "\ud83d\ude00": "Emoji: Grinning Face", '
                r'"\u0080": "Control", "\u00f6": "Latin Small Letter O With Diaeresis"}')
        self.assertEqual(self.canon(text), (
            '{"\\r":"Carriage Return","1":"One","\u0080":"Control","ö":"Latin Small Letter O '
            'With Diaeresis","€":"Euro Sign","\U0001F600":"Emoji: Grinning Face","\ufb33":'
            '"Hebrew Letter Dalet With Dagesh"}'))

    def test_appendix_b_number_serialization_samples(self):
        table = [
            ("0000000000000000", "0"), ("8000000000000000", "0"),
            ("0000000000000001", "5e-324"), ("8000000000000001", "-5e-324"),
            ("7fefffffffffffff", "1.7976931348623157e+308"),
            ("ffefffffffffffff", "-1.7976931348623157e+308"),
            ("4340000000000000", "9007199254740992"), ("c340000000000000", "-9007199254740992"),
            ("4430000000000000", "295147905179352830000"),
            ("44b52d02c7e14af5", "9.999999999999997e+22"), ("44b52d02c7e14af6", "1e+23"),
            ("44b52d02c7e14af7", "1.0000000000000001e+23"),
            ("444b1ae4d6e2ef4e", "999999999999999700000"),
            ("444b1ae4d6e2ef4f", "999999999999999900000"), ("444b1ae4d6e2ef50", "1e+21"),
            ("3eb0c6f7a0b5ed8c", "9.999999999999997e-7"), ("3eb0c6f7a0b5ed8d", "0.000001"),
            ("41b3de4355555553", "333333333.3333332"), ("41b3de4355555554", "333333333.33333325"),
            ("41b3de4355555555", "333333333.3333333"), ("41b3de4355555556", "333333333.3333334"),
            ("41b3de4355555557", "333333333.33333343"),
            ("becbf647612f3696", "-0.0000033333333333333333"),
            ("43143ff3c1cb0959", "1424953923781206.2"),
        ]
        for bits, expected in table:
            (x,) = struct.unpack(">d", bytes.fromhex(bits))
            self.assertEqual(V.jcs_number(x), expected, bits)
        for bits in ("7fffffffffffffff", "7ff0000000000000"):      # NaN, Infinity: errors
            with self.assertRaises(V.JCSError):
                V.jcs_number(struct.unpack(">d", bytes.fromhex(bits))[0])

    def test_the_integers_and_strings_of_docs_audit_md(self):
        self.assertEqual([V.jcs_number(n) for n in (0, -3, 86400, 1e21, 1e-7)],
                         ["0", "-3", "86400", "1e+21", "1e-7"])
        self.assertEqual(V.jcs("\x00\x08\t\n\x0b\x0c\r\x1f\"\\/\x7f\u2028é"),
                         '"\\u0000\\b\\t\\n\\u000b\\f\\r\\u001f\\"\\\\/\x7f\u2028é"')
        for bad in (r'"\ud800"', '{"a":1,"a":2}', "NaN", "[Infinity]", "1e400"):
            with self.assertRaises(V.JCSError, msg=bad):
                self.canon(bad)


class RFC9162InclusionProofs(unittest.TestCase):
    """The 8-leaf test tree of RFC 6962's reference implementation, with the roots and the
    inclusion proofs published in transparency-dev/merkle, proof/verify_test.go
    (github.com/transparency-dev/merkle, Apache-2.0): leaf numbers there are 1-based."""

    LEAVES = [bytes.fromhex(h) for h in ("", "00", "10", "2021", "3031", "40414243",
                                         "5051525354555657", "606162636465666768696a6b6c6d6e6f")]
    ROOTS = [bytes.fromhex(h) for h in (
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328")]
    PROOFS = [  # (leaf, 1-based; tree size; audit path)
        (1, 1, []),
        (1, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
        (6, 8, ["bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
                "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
        (3, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
        (2, 5, ["6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
    ]

    def root(self, index, size, proof, leaf=None):
        leaf = V.leaf_hash(self.LEAVES[index]) if leaf is None else leaf
        try:
            return V.root_from_inclusion_proof(index, size, leaf, proof)
        except ValueError:
            return None

    def test_published_proofs_verify_and_corrupted_ones_do_not(self):
        for leaf, size, hexes in self.PROOFS:
            proof, index, root = [bytes.fromhex(h) for h in hexes], leaf - 1, self.ROOTS[size - 1]
            self.assertEqual(self.root(index, size, proof), root, (leaf, size))
            wrong = [self.root(index + 1, size, proof), self.root(index, size * 2, proof),
                     self.root(index, size, proof + [root]), self.root(index, size, [root] + proof),
                     self.root(index, size, proof, leaf=b"WrongLeaf")]
            if index:
                wrong.append(self.root(index - 1, size, proof))
            if size > 1:
                wrong.append(self.root(index, size // 2, proof))
            if proof:
                wrong.append(self.root(index, size, proof[:-1]))
                flipped = [bytes([proof[0][0] ^ 8]) + proof[0][1:]] + proof[1:]
                wrong.append(self.root(index, size, flipped))
            for w in wrong:
                self.assertNotEqual(w, root, (leaf, size))

    def test_the_makers_tree_against_the_same_vectors_and_the_verifier(self):
        self.assertEqual(M.mth([]), hashlib.sha256(b"").digest())
        for n in range(1, 9):
            self.assertEqual(M.mth(self.LEAVES[:n]), self.ROOTS[n - 1], n)
        for leaf, size, hexes in self.PROOFS:
            self.assertEqual(M.path(leaf - 1, self.LEAVES[:size]), [bytes.fromhex(h) for h in hexes])
        leaves = [f"leaf {i}".encode() for i in range(33)]
        for n in range(1, 34):
            for m in range(n):
                self.assertEqual(V.root_from_inclusion_proof(
                    m, n, V.leaf_hash(leaves[m]), M.path(m, leaves[:n])), M.mth(leaves[:n]))


class C2SP(unittest.TestCase):
    """Examples of C2SP signed-note, tlog-checkpoint and tlog-cosignature, and vkeys from
    transparency-dev/formats note/note_cosigv1_test.go."""

    def test_signed_note_example_verifies(self):
        key = V.VKey("example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k", 0x01)
        note = ("This is an example message.\n\n\u2014 example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv"
                "1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n")
        body, [(_, name, key_id, sig)] = V.parse_signed_note(note)
        self.assertEqual((name, key_id), (key.name, key.key_id))
        self.assertTrue(V.ed25519_verify(key.public_key, sig, body.encode()))
        self.assertFalse(V.ed25519_verify(key.public_key, sig, b"This is an example message!\n"))

    def test_vkeys(self):
        # A 0x01 key whose base64 holds a plus; a native cosignature (0x04) key.
        self.assertEqual(V.VKey("TEST+7997405c+AQcC+FTVKf0jlTdHDY3rbevmnKxxPjigCXlVtGe6RIr6",
                                0x01).name, "TEST")
        remora = "remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2"
        self.assertEqual(V.VKey(remora, 0x04).key_id.hex(), "da77ade7")
        for text, sig_type in ((remora, 0x01), (remora.replace("da77ade7", "00000000"), 0x04),
                               (remora.replace("da77ade7", "DA77ADE7"), 0x04),
                               ("bananas.sigstore.dev+12344556", 0x01),
                               ("a b+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k", 0x01)):
            with self.assertRaises(V.NoteError, msg=text):
                V.VKey(text, sig_type)

    def test_checkpoint_and_cosignature_examples(self):
        """tlog-cosignature publishes no key for witness.example.com/w1, so its example can't
        be verified; what can be checked is the framing: the line is a key ID, a big-endian
        timestamp and 64 bytes, and the message for that timestamp is the one the spec shows."""
        note = ("example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I="
                "\n\n\u2014 example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeO"
                "oRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n\u2014 witness.example.com/w1 jWb"
                "PPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9dlrDJsX3b2oyin1nPZqhf5nNo0"
                "xUe+mbIUBkBIfZ+qnA==\n")
        body, sigs = V.parse_signed_note(note)
        origin, size, root = V.parse_checkpoint_body(body)
        self.assertEqual((origin, size, len(root)), ("example.com/behind-the-sofa", 20852163, 32))
        _, name, key_id, sig = sigs[1]
        self.assertEqual((name, key_id.hex(), len(sig)), ("witness.example.com/w1", "8d66cf3f", 72))
        (timestamp,) = struct.unpack(">Q", sig[:8])
        self.assertEqual(V.cosignature_message(timestamp, body).decode(), (
            "cosignature/v1\ntime 1679315147\nexample.com/behind-the-sofa\n20852163\n"
            "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"))


if __name__ == "__main__":
    unittest.main()
