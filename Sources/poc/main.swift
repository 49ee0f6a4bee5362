POC.main()
