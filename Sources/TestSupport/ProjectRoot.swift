import Foundation

/// The root of the ContactPoint package (the folder holding `Package.swift`), found by
/// walking up from this source file, so tests can reach `Scripts/` and `Config/`.
public enum ProjectRoot {
    /// The package root.
    public static let url: URL = {
        var directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while directory.path != "/" {
            if FileManager.default.fileExists(atPath: directory.appendingPathComponent("Package.swift").path) {
                return directory
            }
            directory = directory.deletingLastPathComponent()
        }
        fatalError("no Package.swift above \(#filePath)")
    }()

    /// The absolute path of `relative` inside the package (`Scripts/pki.sh`).
    public static func path(_ relative: String) -> String {
        url.appendingPathComponent(relative).path
    }
}
