import Foundation

/// Where SwiftPM put the executables of this package (`pocd`, `poc`, `poc-store-bench`):
/// the folder of the running test bundle, whatever scratch path the build used.
public enum BuiltProducts {
    /// The build products folder.
    public static var directory: URL {
        let exe = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var dir = exe.deletingLastPathComponent()
        // On Linux the runner is `<products>/X.xctest`; on macOS it sits inside a bundle.
        while !FileManager.default.fileExists(atPath: dir.appendingPathComponent("pocd").path), dir.path != "/" {
            dir = dir.deletingLastPathComponent()
        }
        return dir.path == "/" ? exe.deletingLastPathComponent() : dir
    }

    /// The path of the executable `name`, failing loudly if it was not built.
    public static func executable(_ name: String) -> String {
        let path = directory.appendingPathComponent(name).path
        precondition(FileManager.default.isExecutableFile(atPath: path),
                     "\(path) is missing: build everything first (swift build --build-tests)")
        return path
    }
}
