POC.main(GlobalOptions.movedAfterSubcommand(Array(CommandLine.arguments.dropFirst())))
