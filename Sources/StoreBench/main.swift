StoreBenchCommand.main(CommandLine.arguments)
