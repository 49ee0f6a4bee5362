import ContactPointModel
import Foundation
import Logging

/// The test clock of `pocd`: **for tests and simulations only, never in production.**
///
/// When the environment names `POCD_TEST_CLOCK_OFFSET_FILE`, the daemon's one clock is the
/// wall clock plus the offset that file holds: a whole number of milliseconds, optionally
/// signed (`7200000`, `-1500`). The daemon reads it at start and again on SIGUSR1, then fires
/// whatever the new time makes due and re-arms its timer. An end-to-end test moves a real
/// daemon through hours of deadlines this way, and checks that something fired once after
/// the time of the next step has passed, instead of sleeping; a simulated network skews each
/// country's clock with it. The daemon logs a warning at start while it is in use.
final class TestClock: Sendable {
    static let variable = "POCD_TEST_CLOCK_OFFSET_FILE"

    let file: String
    let clock: OffsetClock

    /// nil when the variable is not set. Throws if the file cannot be read or parsed.
    init?(environment: [String: String], log: Logger) throws(StartupError) {
        guard let file = environment[Self.variable], !file.isEmpty else { return nil }
        self.file = file
        clock = OffsetClock(offsetMilliseconds: try Self.read(file))
        log.warning("TEST CLOCK in use: time is the wall clock plus the offset in \(file) (\(clock.offsetMilliseconds) ms); never run a contact point like this",
                    metadata: ["variable": "\(Self.variable)"])
    }

    /// Reads the file again; true if the offset changed.
    func reread() throws(StartupError) -> Bool {
        let offset = try Self.read(file)
        guard offset != clock.offsetMilliseconds else { return false }
        clock.setOffset(milliseconds: offset)
        return true
    }

    static func read(_ file: String) throws(StartupError) -> Int64 {
        guard let data = FileManager.default.contents(atPath: file) else {
            throw StartupError("\(variable): cannot read \(file)")
        }
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard let offset = Int64(text.hasPrefix("+") ? String(text.dropFirst()) : text) else {
            throw StartupError("\(variable): \(file) must hold a whole number of milliseconds, not \"\(text.prefix(40))\"")
        }
        return offset
    }
}
