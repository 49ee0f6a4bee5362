import AuditLog
import ContactPointModel
import ContactPointStore
import Dispatch
import Foundation
import HTTP1
import Logging
import TLSTransport

/// The daemon's side of the audit log (docs/audit.md): it signs a checkpoint of the Merkle
/// tree when the log has grown (at most once per `audit.checkpoint_interval`, and at
/// shutdown), gets each one cosigned by the partner daemons that list a log key, and
/// witnesses their logs in turn (`POST /v1/log/add-checkpoint`). A partner's checkpoint that
/// contradicts one cosigned earlier — or a partner that has cosigned more of this log than
/// this log holds — is recorded as a `log-inconsistent` event and alerted.
///
/// Queues: `queue` owns the latest checkpoint, the timers and the partners' state;
/// `witnessQueue` serialises the witnessing of partners' checkpoints, so that checking a
/// checkpoint against the last one cosigned and storing it are one step per origin.
final class AuditService: @unchecked Sendable {  // mutable state on `queue`; witnessing on `witnessQueue`
    let queue = DispatchQueue(label: "contactpoint.audit")
    let witnessQueue = DispatchQueue(label: "contactpoint.audit.witness")
    let store: EventStore
    let desk: Desk
    let settings: Settings
    let key: LogKey
    /// This daemon's origin, `<identity>/contactpoint`, the name of its log key.
    let origin: String
    /// The log key's public form (type 0x01), as partners list it.
    let verifierKey: VerifierKey
    let interval: PolicyDuration
    let clock: Clock
    let log: Logger
    var tls: TLSConfiguration
    /// The latest signed checkpoint (on `queue`).
    var latest: StoredCheckpoint?
    /// Which address of a partner that runs a pair is asked to cosign (queue).
    var witnessTurn: [String: Int] = [:]
    /// The size each partner last cosigned, as far as this daemon knows (on `queue`).
    var cosignedSize: [String: Int64] = [:]
    /// Partners whose refusal showed an inconsistency, so it is alerted once per size (on `queue`).
    var alerted: Set<String> = []
    var clients: [String: HTTPSClient] = [:]
    var inFlight: Set<String> = []
    var timer: DispatchSourceTimer?
    /// Inconsistencies already recorded as a witness, by origin, size and root (on `witnessQueue`).
    var witnessReported: Set<String> = []
    var lastCosigningRound = Instant(millisecondsSince1970: 0)
    var running = false

    /// Partners are asked for a cosignature at least this often while reachable.
    static let cosigningPeriod: PolicyDuration = .seconds(60)

    /// Loads (or, when the file is missing, makes and logs) the log key.
    init(store: EventStore, desk: Desk, settings: Settings, configuration: DaemonConfiguration, identity: String,
         clock: Clock, log: Logger) throws {
        let file = configuration.audit.logKeyFile
        if FileManager.default.fileExists(atPath: file) {
            if let problem = SecretFile.problem(file, what: "audit.log_key") { throw StartupError("\(configuration.file): \(problem)") }
            do { key = try LogKey(pemFile: file) } catch { throw StartupError("\(configuration.file): audit.log_key: \(error)") }
        } else {
            do {
                key = try LogKey.generate()
                try key.write(pemFile: file)
            } catch {
                throw StartupError("\(configuration.file): audit.log_key: cannot make a log key at \(file): \(error)")
            }
            log.notice("made a new log key: give partners its public form for their directories", metadata: [
                "file": "\(file)", "log_key": "\((try? key.verifierKey(name: Directory.origin(of: identity))).map { "\($0)" } ?? "?")",
            ])
        }
        origin = Directory.origin(of: identity)
        do { verifierKey = try key.verifierKey(name: origin) } catch { throw StartupError("audit.log_key: \(error)") }
        self.store = store
        self.desk = desk
        self.settings = settings
        interval = configuration.audit.checkpointInterval
        self.clock = clock
        self.log = log
        tls = configuration.tls
    }

    /// Refuses a log shorter than its latest checkpoint: events after it were deleted.
    static func checkNotTruncated(_ store: EventStore) throws {
        guard let latest = try store.latestCheckpoint() else { return }
        let head = try store.treeHead()
        guard head.size >= latest.size else {
            throw StartupError("the event log has \(head.size) events, but a checkpoint of \(latest.size) was signed at "
                               + "\(latest.issuedAt.rfc3339): events were deleted. Restore the data directory from a backup "
                               + "taken after that checkpoint; pocd audit verify names what is missing")
        }
        let root = try store.rootHash(size: latest.size)
        guard root == latest.root else {
            throw StartupError("the event log's first \(latest.size) events do not give the root signed in the checkpoint of "
                               + "\(latest.issuedAt.rfc3339): the log was changed or rebuilt. Run pocd audit verify")
        }
    }

    /// Stops signing checkpoints and asking for cosignatures, without a last checkpoint: this
    /// daemon no longer leads its pair (the new leader signs from the log as it finds it).
    func pause() {
        queue.async { [self] in
            running = false
            timer?.cancel()
            timer = nil
        }
    }

    func start() {
        queue.async { [self] in
            timer?.cancel()
            running = true
            latest = (try? store.latestCheckpoint()) ?? nil
            for (code, _, _, key) in settings.directory.witnesses {
                if let size = latest.flatMap({ c in (try? store.cosignatures(size: c.size))?.first { $0.witness == key.name } })?.size {
                    cosignedSize[code.code] = size
                }
            }
            let t = DispatchSource.makeTimerSource(queue: queue)
            t.setEventHandler { [weak self] in self?.tick() }
            t.schedule(wallDeadline: .now() + .milliseconds(Int(interval.seconds * 1000)),
                       repeating: .milliseconds(Int(interval.seconds * 1000)), leeway: .milliseconds(200))
            t.resume()
            timer = t
            tick()
        }
    }

    /// Signs a last checkpoint if the log grew, and stops (shutdown).
    func stop(done: @escaping @Sendable () -> Void) {
        queue.async { [self] in
            let wasRunning = running
            running = false
            timer?.cancel()
            timer = nil
            if wasRunning { issueIfGrown() }  // a standby of a pair signs nothing
            clients.values.forEach { $0.close() }
            done()
        }
    }

    /// Uses `next` for connections to partners made from now on (SIGHUP).
    func reloadTLS(_ next: TLSConfiguration) {
        queue.async { [self] in
            tls = next
            let old = clients
            clients = [:]
            old.values.forEach { $0.close() }
        }
    }

    /// A delivery to `partner` just succeeded: it is reachable, ask for a cosignature now.
    func partnerReachable(_ code: String) {
        queue.async { [self] in
            guard running else { return }
            issueIfGrown()
            requestCosignature(from: code)
        }
    }

    private func tick() {
        dispatchPrecondition(condition: .onQueue(queue))
        guard running else { return }
        let grew = issueIfGrown()
        let now = clock.now()
        if grew || now.milliseconds(since: lastCosigningRound) >= Self.cosigningPeriod.seconds * 1000 {
            lastCosigningRound = now
            for w in settings.directory.witnesses { requestCosignature(from: w.code.code) }
        }
    }

    /// Signs and stores a checkpoint of the tree as it is, if it grew since the last one.
    @discardableResult
    func issueIfGrown() -> Bool {
        dispatchPrecondition(condition: .onQueue(queue))
        do {
            let head = try store.treeHead()
            guard head.size > (latest?.size ?? 0) else { return false }
            let checkpoint = try Checkpoint(origin: origin, size: head.size, root: head.root)
            let note = try SignedNote.sign(body: checkpoint.body, name: origin, key: key)
            let stored = StoredCheckpoint(size: head.size, root: head.root, note: note.text, issuedAt: clock.now())
            var batch = WriteBatch()
            batch.audit.checkpoints = [stored]
            _ = try store.appendAndWait(batch).get()
            latest = stored
            return true
        } catch {
            log.error("could not sign a checkpoint", metadata: ["error": "\(error)"])
            return false
        }
    }

    /// The latest checkpoint with the cosignatures held for it (`GET /v1/log/checkpoint`).
    func checkpointText(reply: @escaping @Sendable (String?) -> Void) {
        queue.async { [self] in
            // A standby of a pair signs nothing: the leader's latest checkpoint is in the store.
            let current = running ? latest : ((try? store.latestCheckpoint()) ?? nil) ?? latest
            guard let latest = current else { return reply(nil) }
            let lines = ((try? store.cosignatures(size: latest.size)) ?? []).map(\.line)
            reply(latest.note + lines.map { $0 + "\n" }.joined())
        }
    }

    // MARK: - Asking partners to cosign (tlog-witness add-checkpoint)

    private func requestCosignature(from code: String, retried: Bool = false) {
        dispatchPrecondition(condition: .onQueue(queue))
        guard running, let latest, !inFlight.contains(code),
              let witness = settings.directory.witnesses.first(where: { $0.code.code == code }) else { return }
        let old = min(cosignedSize[code] ?? 0, latest.size)
        let body: [UInt8]
        do {
            let proof = old == 0 || old == latest.size ? [] : try store.consistencyProof(from: old, to: latest.size)
            body = try AddCheckpointRequest(oldSize: old, proof: proof, note: SignedNote(parsing: latest.note)).body
        } catch {
            return log.error("could not build a cosignature request", metadata: ["partner": "\(code)", "error": "\(error)"])
        }
        let client: HTTPSClient
        // A partner that runs a pair: the address that answered last, the next after a failure to connect.
        let url = witness.urls[witnessTurn[code, default: 0] % max(1, witness.urls.count)]
        do { client = try self.client(url, identity: witness.identity) } catch {
            return log.warning("cannot reach a witness", metadata: ["partner": "\(code)", "error": "\(error)"])
        }
        inFlight.insert(code)
        client.send(method: "POST", path: "/v1/log/add-checkpoint", headers: HTTPHeaders([("Content-Type", "text/plain; charset=utf-8")]),
                    body: body) { [self] result in
            queue.async { [self] in
                inFlight.remove(code)
                if case .failure(.connect) = result { witnessTurn[code, default: 0] += 1 }
                handleWitnessAnswer(result, code: code, witness: witness.key, checkpoint: latest, old: old, retried: retried)
            }
        }
    }

    private func handleWitnessAnswer(_ result: Result<HTTPClientResponse, HTTPClientError>, code: String, witness: VerifierKey,
                                     checkpoint: StoredCheckpoint, old: Int64, retried: Bool) {
        dispatchPrecondition(condition: .onQueue(queue))
        guard case .success(let response) = result else {
            if case .failure(let error) = result { log.debug("witness unreachable; will ask again", metadata: ["partner": "\(code)", "error": "\(error)"]) }
            return
        }
        let text = String(decoding: response.body, as: UTF8.self)
        switch response.status {
        case 200:
            let cosigner: VerifierKey
            do { cosigner = try VerifierKey(name: witness.name, type: .cosignatureV1, publicKey: witness.publicKey) } catch { return }
            var stored: [StoredCosignature] = []
            for line in text.split(separator: "\n").map(String.init) where line.hasPrefix("— ") {
                // Stored without its newline, as served and exported (a newline is added then).
                guard let sig = try? NoteSignature(line: line + "\n"), sig.name == cosigner.name, sig.keyID == cosigner.keyID,
                      let cosig = try? Cosignature(sig), let body = try? Checkpoint(body: (try? SignedNote(parsing: checkpoint.note))?.body ?? ""),
                      cosig.verify(body, key: cosigner) else { continue }
                stored.append(StoredCosignature(size: checkpoint.size, witness: cosigner.name, line: line, receivedAt: clock.now()))
            }
            guard !stored.isEmpty else {
                return log.error("a witness answered without a valid cosignature", metadata: ["partner": "\(code)", "answer": "\(text.prefix(200))"])
            }
            var batch = WriteBatch()
            batch.audit.cosignatures = stored
            if case .success = store.appendAndWait(batch) {
                cosignedSize[code] = checkpoint.size
                log.info("checkpoint cosigned", metadata: ["partner": "\(code)", "size": "\(checkpoint.size)", "witness": "\(cosigner.name)"])
                // A checkpoint signed while this one was out was not sent (one request at a time): send it now.
                if let latest, latest.size > checkpoint.size { requestCosignature(from: code) }
            }
        case 409:
            guard let size = Int64(text.trimmingCharacters(in: .whitespacesAndNewlines)) else { return }
            if size > checkpoint.size {
                inconsistency(code, witness: witness.name, contradicts: "truncated|\(size)",
                              "\(witness.name) has cosigned \(size) events of this log, which now has \(checkpoint.size): "
                              + "events were deleted, or an older copy of the log is running")
            } else if !retried {
                cosignedSize[code] = size
                requestCosignature(from: code, retried: true)
            }
        case 422:
            inconsistency(code, witness: witness.name, contradicts: "forked|\(old)",
                          "\(witness.name) refused checkpoint \(checkpoint.size) as inconsistent with the one it "
                          + "cosigned (\(old) events): this log was changed or forked (\(text.prefix(200)))")
        case 403, 404:
            log.warning("a partner does not know this log's key yet: give it the log key for its directory", metadata: [
                "partner": "\(code)", "status": "\(response.status)", "log_key": "\(verifierKey)",
            ])
        default:
            log.warning("a witness refused the checkpoint", metadata: ["partner": "\(code)", "status": "\(response.status)", "answer": "\(text.prefix(200))"])
        }
    }

    /// This log contradicts what partner `code` cosigned: record it and alert, once per
    /// contradicted checkpoint of the witness (`contradicts`: how, and the size it cosigned) —
    /// not once per new checkpoint of this log, which grows with every alert it records.
    private func inconsistency(_ code: String, witness: String, contradicts: String, _ reason: String) {
        dispatchPrecondition(condition: .onQueue(queue))
        log.warning("a witness holds a checkpoint this log contradicts", metadata: ["partner": "\(code)", "reason": "\(reason)"])
        guard alerted.insert("\(code)|\(contradicts)").inserted else { return }
        desk.recordLogEvent(type: "log-inconsistent", payload: [
            "origin": .string(origin), "partner": .string(code), "witness": .string(witness), "reason": .string(reason),
            "checkpoint": .string(latest?.note ?? ""),
        ])
    }

    private func client(_ url: String, identity: String) throws -> HTTPSClient {
        dispatchPrecondition(condition: .onQueue(queue))
        if let c = clients[url] { return c }
        let c = try HTTPSClient(baseURL: url, tls: tls, expectedServerIdentity: identity, timeout: 15)
        clients[url] = c
        return c
    }
}
