import Foundation

let arguments = GlobalOptions.movedAfterSubcommand(Array(CommandLine.arguments.dropFirst()))
if let message = Suggestion.unknownCommand(arguments) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
    exit(64)  // EX_USAGE, as argument-parser's own usage errors
}
POC.main(arguments)
