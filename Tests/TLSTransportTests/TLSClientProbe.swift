import Dispatch
import Foundation
import Synchronization
import TLSTransport

/// An in-process TLS client made of the transport's own `TCPConnector` and
/// `TLSConnection`, recording everything it sees.
final class TLSClientProbe: Sendable {
    struct Record {
        var peer: PeerIdentity?
        var received: [UInt8] = []
        var closed: TLSConnectionStateMachine.CloseReason?
        /// The server sent `close_notify` (the probe then closes its side in order).
        var inputClosed = false
        var connectError: String?
    }

    let queue = DispatchQueue(label: "probe.client")
    private let record = Mutex(Record())
    private let connection = Mutex<TLSConnection?>(nil)
    private let unsent = Mutex<[UInt8]>([])

    /// Connects to `host:port` with `tls`, checking the server name `verifyHost`.
    init(port: Int, tls: TLSConfiguration, host: String = "127.0.0.1", verifyHost: String? = "127.0.0.1") throws {
        let context = try TLSContext.client(tls)
        TCPConnector.connect(host: host, port: port, timeout: 10, queue: queue) { [self] result in
            switch result {
            case .failure(let error):
                record.withLock { $0.connectError = error.description }
            case .success(let connected):
                do {
                    let connection = try TLSConnection(
                        descriptor: connected.descriptor, context: context, remoteAddress: connected.remoteAddress,
                        queue: queue, timeouts: .init(handshake: 10, write: 10), verifyHost: verifyHost)
                    self.connection.withLock { $0 = connection }
                    connection.write(unsent.withLock { bytes in defer { bytes = [] }; return bytes })
                    connection.eventHandler = { [self] event in
                        switch event {
                        case .handshakeCompleted(let peer): record.withLock { $0.peer = peer }
                        case .received(let bytes): record.withLock { $0.received += bytes }
                        case .closed(let reason): record.withLock { $0.closed = reason }
                        case .inputClosed:
                            record.withLock { $0.inputClosed = true }
                            self.connection.withLock { $0 }?.close()
                        case .drained, .timer: break
                        }
                    }
                    connection.start()
                } catch {
                    record.withLock { $0.connectError = "\(error)" }
                }
            }
        }
    }

    var snapshot: Record { record.withLock { $0 } }

    /// Sends `bytes` (held until the connection exists).
    func send(_ bytes: [UInt8]) {
        queue.async { [self] in
            if let connection = connection.withLock({ $0 }) {
                connection.write(bytes)
            } else {
                unsent.withLock { $0 += bytes }
            }
        }
    }

    /// Closes in order.
    func close() {
        queue.async { [self] in connection.withLock { $0 }?.close() }
    }

    /// Waits until `condition` holds for the record, or `timeout` passes.
    @discardableResult
    func wait(timeout: TimeInterval = 20, until condition: (Record) -> Bool) -> Record {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let current = snapshot
            if condition(current) { return current }
            Thread.sleep(forTimeInterval: 0.01)
        }
        return snapshot
    }
}
