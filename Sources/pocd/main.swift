import ContactPointDaemon; PocdCommand.main()
