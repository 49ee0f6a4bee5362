import Dispatch
import Synchronization

/// Passes at most `burst` messages per `window` seconds to a log function and counts the
/// rest, reporting how many were suppressed with the next message let through; so a
/// flood of bad handshakes cannot flood the log.
final class RateLimitedLog: Sendable {
    private struct State {
        var windowStart: DispatchTime = .now()
        var sent = 0
        var suppressed = 0
    }

    private let sink: (@Sendable (String) -> Void)?
    private let burst: Int
    private let window: Double
    private let state = Mutex(State())

    /// Limits `sink` to `burst` messages per `window` seconds.
    init(sink: (@Sendable (String) -> Void)?, burst: Int = 20, window: Double = 10) {
        self.sink = sink
        self.burst = burst
        self.window = window
    }

    /// Logs `message` unless the window's budget is spent.
    func log(_ message: @autoclosure () -> String) {
        guard let sink else { return }
        let now = DispatchTime.now()
        let (pass, suppressedBefore) = state.withLock { state -> (Bool, Int) in
            if now.uptimeNanoseconds - state.windowStart.uptimeNanoseconds > UInt64(window * 1e9) {
                let suppressed = state.suppressed
                state = State(windowStart: now, sent: 0, suppressed: 0)
                state.sent = 1
                return (true, suppressed)
            }
            guard state.sent < burst else {
                state.suppressed += 1
                return (false, 0)
            }
            state.sent += 1
            return (true, 0)
        }
        guard pass else { return }
        if suppressedBefore > 0 {
            sink("\(suppressedBefore) similar messages suppressed")
        }
        sink(message())
    }
}
