import ContactPointModel
import Foundation
import TestSupport

/// `Scripts/testing/lose_first_submit_answer.py` in front of a running pocd, for one test:
/// a mutual-TLS man in the middle that forwards every request, drops the client connection
/// instead of relaying pocd's answer to the first `POST /v1/requests`, and records what it
/// forwarded.
///
/// It presents the daemon's own certificate to clients and `identity`'s to the daemon, so a
/// client configured for the daemon (same CA, same certificate) only has to change its URL.
/// Stop it with `stop()` (its deinit kills it too).
final class AnswerLosingProxy {
    /// One request the proxy forwarded, with pocd's answer and whether it was relayed.
    struct Forwarded: Equatable, CustomStringConvertible {
        var client: String?
        var method: String
        var path: String
        /// The JSON body's `id`, or nil when it had none.
        var id: String?
        var status: Int
        var relayed: Bool

        var description: String {
            "\(method) \(path) id=\(id ?? "none") as \(client ?? "?") → \(status)\(relayed ? "" : " (answer lost)")"
        }
    }

    /// The proxy would not start, or wrote a record the test cannot read.
    struct ProxyFailed: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }

    /// The proxy's process (a python3).
    let process: ChildProcess
    /// `https://127.0.0.1:PORT`: point a client here instead of at the daemon.
    let url: String
    private let folder: TemporaryDirectory

    private var recordPath: String { folder.path("forwarded.jsonl") }
    private var stderrPath: String { folder.path("stderr.log") }

    /// Starts the proxy in front of `daemon`, presenting `identity`'s certificate to it, and
    /// waits until it listens (or throws with what it printed).
    init(in front: PocdProcess, identity: String, timeout: TimeInterval = 30) throws {
        folder = try TemporaryDirectory(prefix: "contactpoint-mitm")
        let pki = front.pki
        let stdoutPath = folder.path("stdout.log"), stderrPath = folder.path("stderr.log")
        let process = try ChildProcess.spawn(try Subprocess.which("python3"), [
            ProjectRoot.path("Scripts/testing/lose_first_submit_answer.py"),
            "--upstream", front.url,
            "--cert", pki.certificate(front.serverIdentity), "--key", pki.privateKey(front.serverIdentity),
            "--client-cert", pki.certificate(identity), "--client-key", pki.privateKey(identity),
            "--ca", pki.caCert, "--record", folder.path("forwarded.jsonl"),
        ], standardInput: .nullDevice, standardOutput: .file(stdoutPath), standardError: .file(stderrPath))
        self.process = process
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let printed = (try? String(contentsOfFile: stdoutPath, encoding: .utf8)) ?? ""
            if printed.hasSuffix("\n"), let port = Int(printed.trimmingCharacters(in: .whitespacesAndNewlines)) {
                url = "https://127.0.0.1:\(port)"
                return
            }
            if !process.isRunning || Date() >= deadline {
                process.send(SIGKILL)
                throw ProxyFailed("the proxy did not start (\(process.termination?.description ?? "still running")): "
                                       + "stdout: \(printed)\nstderr: \((try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "")")
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
    }

    deinit { stop() }

    /// Every request forwarded so far, in order (each line is written before the answer is
    /// relayed or dropped, so a client that has its answer finds its request here).
    func forwarded() throws -> [Forwarded] {
        let text = FileManager.default.contents(atPath: recordPath).map { String(decoding: $0, as: UTF8.self) } ?? ""
        return try text.split(separator: "\n").map { line in
            let entry = try JSONParser.parse(Array(line.utf8))
            guard let method = entry["method"]?.stringValue, let path = entry["path"]?.stringValue,
                  let status = entry["status"]?.intValue, let relayed = entry["relayed"]?.boolValue else {
                throw ProxyFailed("a record line the test cannot read: \(line)")
            }
            return Forwarded(client: entry["client"]?.stringValue, method: method, path: path, id: entry["id"]?.stringValue,
                             status: status, relayed: relayed)
        }
    }

    /// What the proxy wrote to stderr (connections that ended early, and why).
    var stderr: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }

    /// Kills the proxy and waits for it.
    func stop() {
        if process.send(SIGKILL) { process.waitUntilExit() }
    }
}
