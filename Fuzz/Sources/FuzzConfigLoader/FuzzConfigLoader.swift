import FuzzSupport
@testable import ContactPointDaemon

/// libFuzzer entry: see `ConfigurationSet.exercise` for what it runs and which invariants it checks.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzConfigLoader(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    ConfigurationSet.exercise(yaml: String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self))
    return 0
}

@_cdecl("FuzzConfigLoader_main")
public func fuzzConfigLoaderMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    runFuzzer(argc, argv, fuzzConfigLoader)
}
