import FuzzSupport
@testable import ContactPointModel

/// libFuzzer entry: see `EvidenceRequest.exercise` for what it runs and which invariants it checks.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRequestDecoding(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    EvidenceRequest.exercise(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}

@_cdecl("FuzzRequestDecoding_main")
public func fuzzRequestDecodingMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    runFuzzer(argc, argv, fuzzRequestDecoding)
}
