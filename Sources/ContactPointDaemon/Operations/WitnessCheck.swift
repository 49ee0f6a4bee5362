import AuditLog
import ContactPointModel
import ContactPointStore
import Dispatch
import HTTP1
import TLSTransport

/// `pocd audit verify --witnesses`: asks each partner daemon for the latest checkpoint of
/// this log it cosigned (`GET /v1/log/witnessed?origin=`) and checks that this log still
/// agrees with it — not smaller, the same root at that size. A log rebuilt with recomputed
/// hashes and re-signed with the stolen log key fails here: the partners cosigned the old one.
enum WitnessCheck {
    struct Report {
        var lines: [String] = []
        var broken = false
    }

    static func run(store: EventStore, origin: String, directory: Directory, tls: TLSConfiguration) -> Report {
        var report = Report()
        let witnesses = directory.witnesses
        guard !witnesses.isEmpty else {
            report.lines.append("witnesses: no partner daemon with a log_key in the directory")
            return report
        }
        let head: (size: Int64, root: MerkleHash)
        do { head = try store.treeHead() } catch {
            report.lines.append("BROKEN: cannot read the tree: \(error)")
            report.broken = true
            return report
        }
        for w in witnesses {
            let name = "\(w.code.code) (\(w.key.name))"
            // A partner that runs a pair: its next address when one cannot be reached.
            let path = "/v1/log/witnessed?origin=" + (origin.addingPercentEncodingForQuery())
            var answer: Result<HTTPClientResponse, HTTPClientError>?
            var clients: [HTTPSClient] = []
            defer { clients.forEach { $0.close() } }
            for url in w.urls {
                let client: HTTPSClient
                do { client = try HTTPSClient(baseURL: url, tls: tls, expectedServerIdentity: w.identity, timeout: 15) } catch {
                    report.lines.append("witness \(name): cannot connect to \(url): \(error)")
                    continue
                }
                clients.append(client)
                answer = client.sendSync(method: "GET", path: path)
                if case .failure(.connect) = answer { continue }
                break
            }
            guard let answer else { continue }
            switch answer {
            case .failure(let error):
                report.lines.append("witness \(name): unreachable (\(error)); not checked")
            case .success(let r) where r.status == 404:
                report.lines.append("witness \(name): has cosigned no checkpoint of this log yet")
            case .success(let r) where r.status != 200:
                report.lines.append("witness \(name): answered \(r.status); not checked")
            case .success(let r):
                let text = String(decoding: r.body, as: UTF8.self)
                do {
                    let note = try SignedNote(parsing: text)
                    let cosigner = try VerifierKey(name: w.key.name, type: .cosignatureV1, publicKey: w.key.publicKey)
                    _ = try note.verify(with: [cosigner])
                    let checkpoint = try Checkpoint(body: note.body)
                    guard checkpoint.origin == origin else { throw AuditLogError.malformed("a checkpoint of \(checkpoint.origin)") }
                    if checkpoint.size > head.size {
                        report.lines.append("BROKEN: witness \(name) cosigned \(checkpoint.size) events of this log, which has \(head.size): events were deleted")
                        report.broken = true
                    } else if try store.rootHash(size: checkpoint.size) != checkpoint.root {
                        report.lines.append("BROKEN: witness \(name) cosigned root \(checkpoint.root.base64) at \(checkpoint.size) events; "
                                            + "this log gives another there: it was changed or rebuilt")
                        report.broken = true
                    } else {
                        report.lines.append("witness \(name): agrees at \(checkpoint.size) events")
                    }
                } catch {
                    report.lines.append("BROKEN: witness \(name): its record does not verify: \(error)")
                    report.broken = true
                }
            }
        }
        return report
    }
}

extension String {
    /// Percent-encoded for a query value (`/` and `+` included).
    func addingPercentEncodingForQuery() -> String {
        var out = ""
        for b in utf8 {
            switch b {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.append(Character(UnicodeScalar(b)))
            default:
                out += String(format: "%%%02X", b)
            }
        }
        return out
    }
}
