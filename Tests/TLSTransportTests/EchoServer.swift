import Dispatch
import Foundation
import Synchronization
import TLSTransport

/// A TLS echo server built from `TLSListener` and `TLSConnection`: echoes what it
/// receives, closes in order after a line `BYE`, and records handshake outcomes.
final class EchoServer: Sendable {
    enum Outcome: Equatable {
        case accepted(PeerIdentity)
        case failed(TLSFailure)
    }

    let listener: TLSListener
    let context: TLSContext
    let timeouts: TLSConnection.Timeouts
    private let outcomes = Mutex<[Outcome]>([])
    private let connections = Mutex<[ObjectIdentifier: TLSConnection]>([:])

    init(tls: TLSConfiguration, host: String = "127.0.0.1", handshakeTimeout: Double = 10) throws {
        context = try TLSContext.server(tls)
        timeouts = TLSConnection.Timeouts(handshake: handshakeTimeout, write: 10)
        listener = try TLSListener(host: host, port: 0, queue: DispatchQueue(label: "echo.accept"))
        listener.start { [self] fd, remote in accept(fd, remote) }
    }

    var port: Int { listener.port }
    var openConnections: Int { connections.withLock { $0.count } }
    var recorded: [Outcome] { outcomes.withLock { $0 } }

    private func accept(_ fd: Int32, _ remote: String) {
        let queue = DispatchQueue(label: "echo.connection")
        guard let connection = try? TLSConnection(descriptor: fd, context: context, remoteAddress: remote,
                                                  queue: queue, timeouts: timeouts) else {
            close(fd)
            return
        }
        let id = ObjectIdentifier(connection)
        connections.withLock { $0[id] = connection }
        queue.async { [self] in
            connection.eventHandler = { [self, unowned connection] event in
                switch event {
                case .handshakeCompleted(let peer):
                    outcomes.withLock { $0.append(.accepted(peer)) }
                case .received(let bytes):
                    connection.write(bytes)
                    if String(decoding: bytes, as: UTF8.self).contains("BYE\n") { connection.close() }
                case .inputClosed:
                    connection.close() // everything received was echoed already
                case .drained, .timer:
                    break
                case .closed(let reason):
                    if case .failed(let failure) = reason, connection.peer == nil {
                        outcomes.withLock { $0.append(.failed(failure)) }
                    }
                    connections.withLock { _ = $0.removeValue(forKey: id) }
                }
            }
            connection.start()
        }
    }

    /// Waits until `count` outcomes are recorded (or `timeout` passes) and returns them.
    func waitForOutcomes(_ count: Int, timeout: TimeInterval = 20) -> [Outcome] {
        let deadline = Date().addingTimeInterval(timeout)
        while recorded.count < count && Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        return recorded
    }

    /// Waits until no connection is open.
    func waitUntilIdle(timeout: TimeInterval = 20) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while openConnections > 0 && Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        return openConnections == 0
    }

    func stop() {
        let done = DispatchSemaphore(value: 0)
        listener.stop { done.signal() }
        done.wait()
        for connection in connections.withLock({ Array($0.values) }) {
            connection.queue.sync { connection.abort() }
        }
        _ = waitUntilIdle()
    }
}
