import FuzzSupport
@testable import HTTP1

/// libFuzzer entry: see `HTTPRequestParser.exercise` for what it runs and which invariants it checks.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzHTTPParser(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    HTTPRequestParser.exercise(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}

@_cdecl("FuzzHTTPParser_main")
public func fuzzHTTPParserMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    runFuzzer(argc, argv, fuzzHTTPParser)
}
