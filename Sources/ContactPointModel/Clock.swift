import Synchronization

/// The one source of "now" for every decision that depends on time: deadlines and
/// escalations, the outbox's schedule and backoff, and the ages `/healthz` reports.
///
/// A daemon makes one clock and passes it down to the store, the Desk, the outbox worker
/// and the health and metrics routes, so that a test (or the test clock of `pocd`, see
/// docs/operations.md) can move time for all of them at once. Nothing that decides time
/// reads the wall clock on its own.
public struct Clock: Sendable {
    private let read: @Sendable () -> Instant

    /// A clock that reads `now` (a test passes a manual clock here).
    public init(_ now: @escaping @Sendable () -> Instant) {
        read = now
    }

    /// The time now, on this clock.
    public func now() -> Instant { read() }

    /// The wall clock, UTC.
    public static let system = Clock { Instant.now() }
}

/// A clock a test moves by hand: it reads the same instant until `advance` or `set`.
public final class ManualClock: Sendable {
    private let instant: Mutex<Instant>

    public init(_ start: Instant) {
        instant = Mutex(start)
    }

    /// The time now, on this clock.
    public func now() -> Instant { instant.withLock { $0 } }

    /// Moves the clock forward (or back, with a negative duration).
    public func advance(_ duration: PolicyDuration) {
        instant.withLock { $0 = $0 + duration }
    }

    /// Sets the clock to `time`.
    public func set(_ time: Instant) {
        instant.withLock { $0 = time }
    }

    /// This manual clock as the `Clock` the daemon's parts take.
    public var clock: Clock { Clock { [self] in now() } }
}

/// The wall clock shifted by an offset that can change while the program runs: the test
/// clock of `pocd` (`POCD_TEST_CLOCK_OFFSET_FILE`), with which an end-to-end test moves a
/// real daemon through hours of deadlines in seconds, and with which a simulated network
/// skews each country's clock. Never used unless that variable is set.
public final class OffsetClock: Sendable {
    private let offset = Atomic<Int64>(0)

    public init(offsetMilliseconds: Int64 = 0) {
        offset.store(offsetMilliseconds, ordering: .relaxed)
    }

    /// The offset now, in milliseconds (positive: ahead of the wall clock).
    public var offsetMilliseconds: Int64 { offset.load(ordering: .relaxed) }

    /// Sets the offset.
    public func setOffset(milliseconds: Int64) {
        offset.store(milliseconds, ordering: .relaxed)
    }

    /// The wall clock plus the offset.
    public func now() -> Instant {
        Instant(millisecondsSince1970: Instant.now().millisecondsSince1970 + offset.load(ordering: .relaxed))
    }

    public var clock: Clock { Clock { [self] in now() } }
}

/// Randomness, injected wherever a decision draws on it (the outbox's backoff jitter), so a
/// test can make it repeatable.
public struct Randomness: Sendable {
    private let draw: @Sendable (ClosedRange<Int64>) -> Int64

    /// Randomness that draws from `draw`, which must return a value inside the range.
    public init(_ draw: @escaping @Sendable (ClosedRange<Int64>) -> Int64) {
        self.draw = draw
    }

    /// A value in `range`.
    public func int(in range: ClosedRange<Int64>) -> Int64 {
        let value = draw(range)
        return min(max(value, range.lowerBound), range.upperBound)
    }

    /// The system's random number generator.
    public static let system = Randomness { Int64.random(in: $0) }

    /// Always the lowest value of the range (tests that want the shortest backoff).
    public static let lowest = Randomness { $0.lowerBound }

    /// Always the highest value of the range.
    public static let highest = Randomness { $0.upperBound }

    /// A repeatable sequence from `seed` (SplitMix64).
    public static func seeded(_ seed: UInt64) -> Randomness {
        let state = Mutex(seed)
        return Randomness { range in
            let next = state.withLock { s -> UInt64 in
                s &+= 0x9E37_79B9_7F4A_7C15
                var z = s
                z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
                z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
                return z ^ (z >> 31)
            }
            let width = UInt64(bitPattern: range.upperBound &- range.lowerBound) &+ 1
            return width == 0 ? Int64(bitPattern: next) : range.lowerBound &+ Int64(bitPattern: next % width)
        }
    }
}
