import ArgumentParser

/// `poc`: the duty officer's client of a ContactPoint daemon.
struct POC: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "poc",
        abstract: Help.text("help.poc.abstract"),
        discussion: Help.discussion("help.poc.discussion", examples: [
            "poc submit request.json",
            "poc queue --overdue",
            "poc show 2f1c7e3a-9a1b-4c52-8f0e-7d1e2b3c4d5e",
            "poc acknowledge 2f1c7e3a-9a1b-4c52-8f0e-7d1e2b3c4d5e",
            "poc watch",
            "poc --lang vi queue",
        ]),
        subcommands: [
            Submit.self, QueueCommand.self, Show.self, Watch.self, Alerts.self, Health.self, OutboxCommand.self,
            Acknowledge.self, Preserve.self, ReportNoData.self, Refuse.self, NotifyRisk.self, DiscloseTraffic.self,
            Proceed.self, Extend.self, LinkMLA.self, Withdraw.self, Release.self, Disclose.self, Erase.self, AccessLog.self,
        ])
}
